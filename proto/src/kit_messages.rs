//! The names of the wsd ↔ kit messages (docs/kit-protocol.md, "Messages"), one enum per
//! direction, so that the sender writes and the receiver matches the same variant instead of
//! two copies of a string. A test keeps the enums and the document's tables in step.

macro_rules! message_names {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// Every message of this direction.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The name on the wire.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// The message called `name`; `None` for a name this direction does not have.
            pub fn parse(name: &str) -> Option<$name> {
                match name {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

message_names! {
    /// What wsd (or forkit, for `ready`'s counterpart) sends a kit.
    ToKit {
        Convert = "convert",
        Load = "load",
        WarmUp = "warm-up",
        /// Probe entry only (sandbox tests).
        Probe = "probe",
        Exit = "exit",
        ViewOpen = "view-open",
        ViewClose = "view-close",
        Key = "key",
        Mouse = "mouse",
        Uno = "uno",
        Tile = "tile",
        Status = "status",
        SetPart = "set-part",
        Selection = "selection",
        Paste = "paste",
        InsertImage = "insert-image",
        WindowTile = "window-tile",
        WindowKey = "window-key",
        WindowMouse = "window-mouse",
        WindowText = "window-text",
        WindowClose = "window-close",
        WindowResize = "window-resize",
        DialogEvent = "dialog-event",
        CommandValues = "command-values",
        Save = "save",
    }
}

message_names! {
    /// What a kit sends wsd (`ready` goes to forkit, which reads it before handing the kit out).
    FromKit {
        Ready = "ready",
        Loaded = "loaded",
        Warmed = "warmed",
        Converted = "converted",
        Probe = "probe",
        Error = "error",
        ViewOpened = "view-opened",
        ViewClosed = "view-closed",
        Tile = "tile",
        Status = "status",
        Saved = "saved",
        Selection = "selection",
        Callback = "callback",
        WindowTile = "window-tile",
        CommandValues = "command-values",
        CallbackOverflow = "callback-overflow",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The message names in the first column of the table under `heading` in
    /// docs/kit-protocol.md (each row starts with "| `name …`").
    fn documented(heading: &str) -> Vec<String> {
        let doc = include_str!("../../docs/kit-protocol.md");
        let section = doc
            .split(heading)
            .nth(1)
            .expect("the heading is in the document");
        let section = section.split("\n#").next().unwrap_or(section);
        let mut names: Vec<String> = section
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .map(|cell| {
                cell.split([' ', '`'])
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn ours(all: &[&'static str]) -> Vec<String> {
        let mut names: Vec<String> = all.iter().map(|n| n.to_string()).collect();
        names.sort();
        names
    }

    #[test]
    fn the_enums_are_the_documented_messages() {
        let to_kit: Vec<&str> = ToKit::ALL.iter().map(|m| m.name()).collect();
        let from_kit: Vec<&str> = FromKit::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(ours(&to_kit), documented("### wsd → kit"));
        assert_eq!(ours(&from_kit), documented("### kit → wsd"));
    }

    #[test]
    fn names_parse_back() {
        for message in ToKit::ALL {
            assert_eq!(ToKit::parse(message.name()), Some(*message));
        }
        for message in FromKit::ALL {
            assert_eq!(FromKit::parse(message.name()), Some(*message));
        }
        assert_eq!(ToKit::parse("loaded"), None);
        assert_eq!(FromKit::parse("Load"), None);
    }
}
