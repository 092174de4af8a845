//! What a view-only session may send: enough to select, navigate and copy, nothing that edits.
//! wsd filters its clients' messages with these rules and the kit checks them again for its
//! read-only views, so a broker bug alone cannot let an edit through. LibreOffice's read-only
//! view is the last guard (it refuses typing and drag-and-drop moves); these rules keep the
//! surface small, so anything not known to be harmless is refused.

/// css::awt::Key codes: the arrows, Home, End, Page Up and Page Down.
const NAVIGATION_KEYS: std::ops::RangeInclusive<u32> = 1024..=1031;
const KEY_ESCAPE: u32 = 1281;
const KEY_A: u32 = 512;
const KEY_C: u32 = 514;
const SHIFT: u32 = 0x1000;
const MOD1: u32 = 0x2000;
const MODIFIERS: u32 = 0xF000;
/// VCL's left mouse button.
const LEFT_BUTTON: u32 = 1;

/// UNO commands a view-only session may run: they select or copy, never edit.
pub const VIEW_ONLY_COMMANDS: &[&str] = &[".uno:SelectAll", ".uno:Copy"];

/// A key event (`char` a Unicode scalar, `code` a css::awt::Key code with modifier bits):
/// navigation with Shift and/or Ctrl (Alt with arrows moves paragraphs in Writer), Escape,
/// and exactly Ctrl+A and Ctrl+C (Ctrl+Shift+C toggles change recording).
pub fn key_permitted(char: u32, code: u32) -> bool {
    let key = code & !MODIFIERS;
    let modifiers = code & MODIFIERS;
    if NAVIGATION_KEYS.contains(&key) || key == KEY_ESCAPE {
        // Escape comes with its character (27) from the web client.
        let plain = char == 0 || (key == KEY_ESCAPE && char == 27);
        return plain && modifiers & !(SHIFT | MOD1) == 0;
    }
    if modifiers != MOD1 {
        return false;
    }
    let letter = match key {
        KEY_A => 'a',
        KEY_C => 'c',
        _ => return false,
    };
    char == 0 || char == u32::from(letter) || char == u32::from(letter.to_ascii_uppercase())
}

/// A mouse event: the left button only (click, double click, drag to select). LibreOffice
/// answers the right button with its context menu, whose entries edit; the web client shows
/// its own copy menu instead.
pub fn mouse_permitted(buttons: u32) -> bool {
    buttons == LEFT_BUTTON || buttons == 0
}

/// A UNO command, by name.
pub fn command_permitted(command: &str) -> bool {
    VIEW_ONLY_COMMANDS.contains(&command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_selection_and_copy_are_permitted() {
        assert!(key_permitted(0, 1027)); // right arrow
        assert!(key_permitted(0, 1027 | SHIFT)); // extend the selection
        assert!(key_permitted(0, 1029 | MOD1 | SHIFT)); // Ctrl+Shift+End
        assert!(key_permitted(0, KEY_ESCAPE));
        assert!(key_permitted(27, KEY_ESCAPE));
        assert!(key_permitted(u32::from('a'), KEY_A | MOD1));
        assert!(key_permitted(u32::from('c'), KEY_C | MOD1));
        assert!(mouse_permitted(1));
        assert!(command_permitted(".uno:SelectAll"));
    }

    #[test]
    fn edits_are_refused() {
        assert!(!key_permitted(u32::from('x'), 0)); // typing
        assert!(!key_permitted(u32::from('x'), 1027)); // a character riding on an arrow
        assert!(!key_permitted(u32::from('a'), KEY_A)); // an "a" without Ctrl
        assert!(!key_permitted(0, 1283)); // Delete
        assert!(!key_permitted(0, 1283 | MOD1));
        assert!(!key_permitted(13, 1280)); // Enter
        assert!(!key_permitted(0, 1025 | MOD1 | 0x4000)); // Ctrl+Alt+Up moves a paragraph
        assert!(!key_permitted(u32::from('c'), KEY_C | MOD1 | SHIFT)); // change recording
        assert!(!key_permitted(u32::from('v'), 1_045 | MOD1)); // paste
        assert!(!key_permitted(u32::from('x'), 1_047 | MOD1)); // cut
        assert!(!mouse_permitted(4)); // the right button's context menu
        assert!(!command_permitted(".uno:Bold"));
        assert!(!command_permitted(".uno:selectall"));
    }
}
