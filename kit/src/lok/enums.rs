//! LibreOfficeKit constants from `LibreOfficeKitEnums.h` (7.4), plus the few VCL/awt codes that
//! LOK's key and mouse events expect. Values are the C enum values; LOK passes them as `int`.

/// `LibreOfficeKitDocumentType`.
pub mod doctype {
    pub const TEXT: i32 = 0;
    pub const SPREADSHEET: i32 = 1;
    pub const PRESENTATION: i32 = 2;
    pub const DRAWING: i32 = 3;
    pub const OTHER: i32 = 4;
}

/// `LibreOfficeKitPartMode` (Impress: slides or notes pages).
pub mod partmode {
    pub const SLIDES: i32 = 0;
    pub const NOTES: i32 = 1;
}

/// `LibreOfficeKitTileMode`: the byte order `paintTile` writes.
pub mod tilemode {
    pub const RGBA: i32 = 0;
    pub const BGRA: i32 = 1;
}

/// `LibreOfficeKitWindowAction` (for `postWindow`).
pub mod window_action {
    pub const CLOSE: i32 = 0;
    pub const PASTE: i32 = 1;
}

/// `LibreOfficeKitSelectionType`.
pub mod seltype {
    pub const NONE: i32 = 0;
    pub const TEXT: i32 = 1;
    pub const LARGE_TEXT: i32 = 2;
    pub const COMPLEX: i32 = 3;
}

/// `LibreOfficeKitOptionalFeatures` (bit flags for `setOptionalFeatures`).
pub mod feature {
    pub const DOCUMENT_PASSWORD: u64 = 1 << 0;
    pub const DOCUMENT_PASSWORD_TO_MODIFY: u64 = 1 << 1;
    pub const PART_IN_INVALIDATION_CALLBACK: u64 = 1 << 2;
    pub const NO_TILED_ANNOTATIONS: u64 = 1 << 3;
    pub const RANGE_HEADERS: u64 = 1 << 4;
    pub const VIEWID_IN_VISCURSOR_INVALIDATION_CALLBACK: u64 = 1 << 5;
}

/// `LibreOfficeKitCallbackType`: the `nType` of a callback. All of 7.4's values.
pub mod callback {
    pub const INVALIDATE_TILES: i32 = 0;
    pub const INVALIDATE_VISIBLE_CURSOR: i32 = 1;
    pub const TEXT_SELECTION: i32 = 2;
    pub const TEXT_SELECTION_START: i32 = 3;
    pub const TEXT_SELECTION_END: i32 = 4;
    pub const CURSOR_VISIBLE: i32 = 5;
    pub const GRAPHIC_SELECTION: i32 = 6;
    pub const HYPERLINK_CLICKED: i32 = 7;
    pub const STATE_CHANGED: i32 = 8;
    pub const STATUS_INDICATOR_START: i32 = 9;
    pub const STATUS_INDICATOR_SET_VALUE: i32 = 10;
    pub const STATUS_INDICATOR_FINISH: i32 = 11;
    pub const SEARCH_NOT_FOUND: i32 = 12;
    pub const DOCUMENT_SIZE_CHANGED: i32 = 13;
    pub const SET_PART: i32 = 14;
    pub const SEARCH_RESULT_SELECTION: i32 = 15;
    pub const UNO_COMMAND_RESULT: i32 = 16;
    pub const CELL_CURSOR: i32 = 17;
    pub const MOUSE_POINTER: i32 = 18;
    pub const CELL_FORMULA: i32 = 19;
    pub const DOCUMENT_PASSWORD: i32 = 20;
    pub const DOCUMENT_PASSWORD_TO_MODIFY: i32 = 21;
    pub const ERROR: i32 = 22;
    pub const CONTEXT_MENU: i32 = 23;
    pub const INVALIDATE_VIEW_CURSOR: i32 = 24;
    pub const TEXT_VIEW_SELECTION: i32 = 25;
    pub const CELL_VIEW_CURSOR: i32 = 26;
    pub const GRAPHIC_VIEW_SELECTION: i32 = 27;
    pub const VIEW_CURSOR_VISIBLE: i32 = 28;
    pub const VIEW_LOCK: i32 = 29;
    pub const REDLINE_TABLE_SIZE_CHANGED: i32 = 30;
    pub const REDLINE_TABLE_ENTRY_MODIFIED: i32 = 31;
    pub const COMMENT: i32 = 32;
    pub const INVALIDATE_HEADER: i32 = 33;
    pub const CELL_ADDRESS: i32 = 34;
    pub const RULER_UPDATE: i32 = 35;
    pub const WINDOW: i32 = 36;
    pub const VALIDITY_LIST_BUTTON: i32 = 37;
    pub const CLIPBOARD_CHANGED: i32 = 38;
    pub const CONTEXT_CHANGED: i32 = 39;
    pub const SIGNATURE_STATUS: i32 = 40;
    pub const PROFILE_FRAME: i32 = 41;
    pub const CELL_SELECTION_AREA: i32 = 42;
    pub const CELL_AUTO_FILL_AREA: i32 = 43;
    pub const TABLE_SELECTED: i32 = 44;
    pub const REFERENCE_MARKS: i32 = 45;
    pub const JSDIALOG: i32 = 46;
    pub const CALC_FUNCTION_LIST: i32 = 47;
    pub const TAB_STOP_LIST: i32 = 48;
    pub const FORM_FIELD_BUTTON: i32 = 49;
    pub const INVALIDATE_SHEET_GEOMETRY: i32 = 50;
    pub const VALIDITY_INPUT_HELP: i32 = 51;
    pub const DOCUMENT_BACKGROUND_COLOR: i32 = 52;
    pub const COMMAND_BLOCKED: i32 = 53;
    pub const SC_FOLLOW_JUMP: i32 = 54;
    pub const CONTENT_CONTROL: i32 = 55;
    pub const PRINT_RANGES: i32 = 56;
}

/// The constant's name for a callback type, for logs (the header's `lokCallbackTypeToString`).
pub fn callback_name(kind: i32) -> &'static str {
    use callback::*;
    match kind {
        INVALIDATE_TILES => "INVALIDATE_TILES",
        INVALIDATE_VISIBLE_CURSOR => "INVALIDATE_VISIBLE_CURSOR",
        TEXT_SELECTION => "TEXT_SELECTION",
        TEXT_SELECTION_START => "TEXT_SELECTION_START",
        TEXT_SELECTION_END => "TEXT_SELECTION_END",
        CURSOR_VISIBLE => "CURSOR_VISIBLE",
        GRAPHIC_SELECTION => "GRAPHIC_SELECTION",
        HYPERLINK_CLICKED => "HYPERLINK_CLICKED",
        STATE_CHANGED => "STATE_CHANGED",
        STATUS_INDICATOR_START => "STATUS_INDICATOR_START",
        STATUS_INDICATOR_SET_VALUE => "STATUS_INDICATOR_SET_VALUE",
        STATUS_INDICATOR_FINISH => "STATUS_INDICATOR_FINISH",
        SEARCH_NOT_FOUND => "SEARCH_NOT_FOUND",
        DOCUMENT_SIZE_CHANGED => "DOCUMENT_SIZE_CHANGED",
        SET_PART => "SET_PART",
        SEARCH_RESULT_SELECTION => "SEARCH_RESULT_SELECTION",
        UNO_COMMAND_RESULT => "UNO_COMMAND_RESULT",
        CELL_CURSOR => "CELL_CURSOR",
        MOUSE_POINTER => "MOUSE_POINTER",
        CELL_FORMULA => "CELL_FORMULA",
        DOCUMENT_PASSWORD => "DOCUMENT_PASSWORD",
        DOCUMENT_PASSWORD_TO_MODIFY => "DOCUMENT_PASSWORD_TO_MODIFY",
        ERROR => "ERROR",
        CONTEXT_MENU => "CONTEXT_MENU",
        INVALIDATE_VIEW_CURSOR => "INVALIDATE_VIEW_CURSOR",
        TEXT_VIEW_SELECTION => "TEXT_VIEW_SELECTION",
        CELL_VIEW_CURSOR => "CELL_VIEW_CURSOR",
        GRAPHIC_VIEW_SELECTION => "GRAPHIC_VIEW_SELECTION",
        VIEW_CURSOR_VISIBLE => "VIEW_CURSOR_VISIBLE",
        VIEW_LOCK => "VIEW_LOCK",
        REDLINE_TABLE_SIZE_CHANGED => "REDLINE_TABLE_SIZE_CHANGED",
        REDLINE_TABLE_ENTRY_MODIFIED => "REDLINE_TABLE_ENTRY_MODIFIED",
        COMMENT => "COMMENT",
        INVALIDATE_HEADER => "INVALIDATE_HEADER",
        CELL_ADDRESS => "CELL_ADDRESS",
        RULER_UPDATE => "RULER_UPDATE",
        WINDOW => "WINDOW",
        VALIDITY_LIST_BUTTON => "VALIDITY_LIST_BUTTON",
        CLIPBOARD_CHANGED => "CLIPBOARD_CHANGED",
        CONTEXT_CHANGED => "CONTEXT_CHANGED",
        SIGNATURE_STATUS => "SIGNATURE_STATUS",
        PROFILE_FRAME => "PROFILE_FRAME",
        CELL_SELECTION_AREA => "CELL_SELECTION_AREA",
        CELL_AUTO_FILL_AREA => "CELL_AUTO_FILL_AREA",
        TABLE_SELECTED => "TABLE_SELECTED",
        REFERENCE_MARKS => "REFERENCE_MARKS",
        JSDIALOG => "JSDIALOG",
        CALC_FUNCTION_LIST => "CALC_FUNCTION_LIST",
        TAB_STOP_LIST => "TAB_STOP_LIST",
        FORM_FIELD_BUTTON => "FORM_FIELD_BUTTON",
        INVALIDATE_SHEET_GEOMETRY => "INVALIDATE_SHEET_GEOMETRY",
        VALIDITY_INPUT_HELP => "VALIDITY_INPUT_HELP",
        DOCUMENT_BACKGROUND_COLOR => "DOCUMENT_BACKGROUND_COLOR",
        COMMAND_BLOCKED => "COMMAND_BLOCKED",
        SC_FOLLOW_JUMP => "SC_FOLLOW_JUMP",
        CONTENT_CONTROL => "CONTENT_CONTROL",
        PRINT_RANGES => "PRINT_RANGES",
        _ => "UNKNOWN",
    }
}

/// `LibreOfficeKitKeyEventType`.
pub mod keyevent {
    pub const KEYINPUT: i32 = 0;
    pub const KEYUP: i32 = 1;
}

/// `LibreOfficeKitExtTextInputType`.
pub mod ext_textinput {
    pub const TEXTINPUT: i32 = 0;
    pub const POS: i32 = 1;
    pub const END: i32 = 2;
}

/// `LibreOfficeKitMouseEventType`.
pub mod mouseevent {
    pub const BUTTONDOWN: i32 = 0;
    pub const BUTTONUP: i32 = 1;
    pub const MOVE: i32 = 2;
}

/// `LibreOfficeKitSetTextSelectionType`.
pub mod set_text_selection {
    pub const START: i32 = 0;
    pub const END: i32 = 1;
    pub const RESET: i32 = 2;
}

/// `LibreOfficeKitSetGraphicSelectionType`.
pub mod set_graphic_selection {
    pub const START: i32 = 0;
    pub const END: i32 = 1;
}

/// Mouse buttons for `postMouseEvent` and `postWindowMouseEvent`: VCL's `MOUSE_LEFT`,
/// `MOUSE_MIDDLE`, `MOUSE_RIGHT`, which LibreOffice reads them as. They are not
/// `css::awt::MouseButton`'s values (right 2, middle 4): sent those, a right click arrives as a
/// middle click and no context menu opens.
pub mod mouse_button {
    pub const LEFT: i32 = 1;
    pub const MIDDLE: i32 = 2;
    pub const RIGHT: i32 = 4;
}

/// Key modifiers for key and mouse events (VCL `KEY_SHIFT`, `KEY_MOD1` = Ctrl, `KEY_MOD2` = Alt,
/// `KEY_MOD3`).
pub mod key_modifier {
    pub const SHIFT: i32 = 0x1000;
    pub const MOD1: i32 = 0x2000;
    pub const MOD2: i32 = 0x4000;
    pub const MOD3: i32 = 0x8000;
}

/// Key codes for `postKeyEvent`'s `nKeyCode` (`css::awt::Key`); printable characters go in
/// `nCharCode` with key code 0.
pub mod key_code {
    pub const DOWN: i32 = 1024;
    pub const UP: i32 = 1025;
    pub const LEFT: i32 = 1026;
    pub const RIGHT: i32 = 1027;
    pub const HOME: i32 = 1028;
    pub const END: i32 = 1029;
    pub const PAGEUP: i32 = 1030;
    pub const PAGEDOWN: i32 = 1031;
    pub const RETURN: i32 = 1280;
    pub const ESCAPE: i32 = 1281;
    pub const TAB: i32 = 1282;
    pub const BACKSPACE: i32 = 1283;
    pub const SPACE: i32 = 1284;
    pub const INSERT: i32 = 1285;
    pub const DELETE: i32 = 1286;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_values_the_kit_relies_on() {
        assert_eq!(callback::INVALIDATE_TILES, 0);
        assert_eq!(callback::INVALIDATE_VISIBLE_CURSOR, 1);
        assert_eq!(callback::TEXT_SELECTION, 2);
        assert_eq!(callback::STATE_CHANGED, 8);
        assert_eq!(callback::DOCUMENT_SIZE_CHANGED, 13);
        assert_eq!(callback::CELL_CURSOR, 17);
        assert_eq!(callback::INVALIDATE_VIEW_CURSOR, 24);
        assert_eq!(callback::TEXT_VIEW_SELECTION, 25);
        assert_eq!(callback::VIEW_CURSOR_VISIBLE, 28);
        assert_eq!(callback::PRINT_RANGES, 56);
        assert_eq!(callback_name(callback::STATE_CHANGED), "STATE_CHANGED");
        assert_eq!(callback_name(9999), "UNKNOWN");
    }
}
