//! The one rule for a file name that came from outside (a convert-to upload, WOPI's
//! BaseFileName, the name wsd hands the kit): it names a document, it never decides a path.
//! wsd and the kit both apply it, so a name that passes one passes the other unchanged.

/// What a name becomes when nothing usable is left of it.
pub const FALLBACK_FILE_NAME: &str = "document";

/// The longest name, in bytes: a file name component on Linux file systems.
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// An extension longer than this is not kept apart when a long name is shortened.
const MAX_KEPT_EXTENSION_BYTES: usize = 16;

/// `raw` as a safe file name:
/// - only the last path component (after the last `/` or `\`): no directories;
/// - no control characters (no newlines in logs or headers), no surrounding white space;
/// - never hidden, `.` or `..`: a leading dot gets [`FALLBACK_FILE_NAME`] in front, so
///   `.docx` becomes `document.docx` and keeps its type;
/// - at most [`MAX_FILE_NAME_BYTES`] bytes, shortened in the stem so the extension (which
///   tells LibreOffice the type) survives; never split inside a character;
/// - [`FALLBACK_FILE_NAME`] when nothing is left.
pub fn safe_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim();
    if cleaned.chars().all(|c| c == '.') {
        return FALLBACK_FILE_NAME.to_string();
    }
    let name = if cleaned.starts_with('.') {
        format!("{FALLBACK_FILE_NAME}{cleaned}")
    } else {
        cleaned.to_string()
    };
    shorten(name)
}

fn shorten(name: String) -> String {
    if name.len() <= MAX_FILE_NAME_BYTES {
        return name;
    }
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, ext)) if ext.len() <= MAX_KEPT_EXTENSION_BYTES && !stem.is_empty() => {
            (stem, format!(".{ext}"))
        }
        _ => (name.as_str(), String::new()),
    };
    let mut end = MAX_FILE_NAME_BYTES - extension.len();
    while !stem.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{extension}", &stem[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_and_control_characters_go() {
        assert_eq!(safe_file_name("report.docx"), "report.docx");
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("C:\\Users\\me\\a b.odt"), "a b.odt");
        assert_eq!(safe_file_name("x\r\ny.txt"), "xy.txt");
        assert_eq!(safe_file_name("  spaced.odt \t"), "spaced.odt");
    }

    #[test]
    fn nothing_hidden_and_nothing_empty() {
        for raw in ["", "dir/", ".", "..", "...", "a/..", " \n "] {
            assert_eq!(safe_file_name(raw), FALLBACK_FILE_NAME, "{raw:?}");
        }
        assert_eq!(safe_file_name(".docx"), "document.docx");
        assert_eq!(safe_file_name("../.bashrc"), "document.bashrc");
    }

    #[test]
    fn long_names_keep_their_extension_and_whole_characters() {
        let long = format!("{}.docx", "é".repeat(200));
        let safe = safe_file_name(&long);
        assert!(safe.len() <= MAX_FILE_NAME_BYTES, "{}", safe.len());
        assert!(safe.ends_with(".docx"), "{safe}");
        let no_extension = safe_file_name(&"é".repeat(200));
        assert_eq!(no_extension.len(), 254);
        let long_extension = safe_file_name(&format!("a.{}", "x".repeat(300)));
        assert_eq!(long_extension.len(), MAX_FILE_NAME_BYTES);
    }

    #[test]
    fn a_safe_name_stays_as_it_is() {
        for raw in ["../x/.odt", "a\u{7}b.ods", &"z".repeat(400), " .. ", "é.é"] {
            let once = safe_file_name(raw);
            assert_eq!(safe_file_name(&once), once, "{raw:?}");
        }
    }
}
