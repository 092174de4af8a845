//! What a view-only session may send: enough to select, navigate and copy, nothing that edits.
//! wsd filters its clients' messages with these rules and the kit checks them again.
//!
//! These rules are the only guard: LibreOffice 7.4 has no read-only views through LOK (no
//! `ReadOnly` option for createViewWithOptions, no setViewReadOnly), so a view-only session's
//! view is an ordinary one. Mouse input is therefore limited to clicks (press and release, up
//! to a triple click): a drag would move a selected image or shape, a table border, a Calc
//! selection or fill handle. Anything not known to be harmless is refused.

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

/// A mouse event: presses and releases of the left button only, so clicks, double and triple
/// clicks and Shift+click select, but nothing is dragged (see above). The right button opens
/// LibreOffice's context menu, whose entries edit; the web client shows its own copy menu.
pub fn mouse_permitted(is_move: bool, buttons: u32) -> bool {
    !is_move && (buttons == LEFT_BUTTON || buttons == 0)
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
        assert!(mouse_permitted(false, 1));
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
        assert!(!mouse_permitted(false, 4)); // the right button's context menu
        assert!(!mouse_permitted(true, 1)); // a drag would move images, shapes, borders
        assert!(!command_permitted(".uno:Bold"));
        assert!(!command_permitted(".uno:selectall"));
    }
}
