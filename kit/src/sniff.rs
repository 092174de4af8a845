//! A cheap check that a document is what its name claims, before LibreOffice sees it.
//!
//! LibreOffice falls back to importing unknown bytes as plain text, so random bytes named
//! `x.docx` "convert" into a PDF of gibberish. An integrator that sends a broken docx wants an
//! error instead: when the extension names a container format, the bytes must start with that
//! container's magic. Files without a known extension are left to LibreOffice's own detection.
//!
//! Password-protected documents get their own answer, since the user can act on it: an encrypted
//! OOXML file is not a zip at all but an OLE2 compound file holding `EncryptionInfo` and
//! `EncryptedPackage` streams (MS-OFFCRYPTO), and an encrypted ODF package lists
//! `encryption-data` in its `META-INF/manifest.xml`. Without a password this refusal is the
//! answer, before LibreOffice's import starts; with one, the kit hands the document to
//! LibreOffice, which asks for it (kit/src/lok/password.rs).

use oxool_proto::formats::{container_of, Container};

/// A manifest larger than this is not read (a real one is a few KiB): the check must not become
/// a decompression bomb of its own.
const MAX_MANIFEST_BYTES: usize = 1 << 20;

/// Why a document is refused before LibreOffice sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The bytes are not the container the name promises.
    NotContainer(String),
    /// The document is encrypted with a password.
    PasswordProtected,
}

impl Refusal {
    /// The `error kind=` the kit answers with.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::NotContainer(_) => "load",
            Refusal::PasswordProtected => "password-protected",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refusal::NotContainer(message) => message.clone(),
            Refusal::PasswordProtected => {
                "the document is password-protected; remove the password and try again".into()
            }
        }
    }
}

/// `Err` when the name's extension promises a container the bytes are not, or when the
/// document is encrypted.
pub fn check_container(file_name: &str, bytes: &[u8]) -> Result<(), Refusal> {
    let Some((_, extension)) = file_name.rsplit_once('.') else {
        return Ok(());
    };
    let extension = extension.to_ascii_lowercase();
    // The format table (oxool_proto::formats) says which container each extension must be.
    let Some(container) = container_of(&extension) else {
        return Ok(());
    };
    let zip = container == Container::Zip;
    if zip && bytes.starts_with(Container::Ole2.magic()) && ooxml_encrypted(bytes) {
        return Err(Refusal::PasswordProtected);
    }
    if !bytes.starts_with(container.magic()) {
        return Err(Refusal::NotContainer(format!(
            "the file is not a valid .{extension} document (it is not a {})",
            container.name()
        )));
    }
    if zip && odf_encrypted(bytes) {
        return Err(Refusal::PasswordProtected);
    }
    Ok(())
}

/// Whether an OLE2 file holds the streams of an encrypted OOXML package. Directory entry names
/// are UTF-16LE; a compound file under an OOXML name is refused either way, so a plain search
/// for the name is enough to choose the message.
fn ooxml_encrypted(bytes: &[u8]) -> bool {
    let name: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes.windows(name.len()).any(|window| window == name)
}

/// Whether a zip package's `META-INF/manifest.xml` declares encrypted entries.
fn odf_encrypted(bytes: &[u8]) -> bool {
    manifest(bytes).is_some_and(|manifest| {
        manifest
            .windows(b"encryption-data".len())
            .any(|window| window == b"encryption-data")
    })
}

/// The manifest's bytes, found through the central directory; `None` when absent or unreadable
/// (LibreOffice then judges the package itself).
fn manifest(bytes: &[u8]) -> Option<Vec<u8>> {
    const NAME: &[u8] = b"META-INF/manifest.xml";
    let u16_at = |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    // The end-of-central-directory record is within the last 64 KiB + 22 bytes.
    let tail_start = bytes.len().saturating_sub(65_557);
    let eocd = (tail_start..bytes.len().saturating_sub(21))
        .rev()
        .find(|&at| bytes[at..].starts_with(b"PK\x05\x06"))?;
    let entries = u16_at(eocd + 10)? as usize;
    let mut at = u32_at(eocd + 16)? as usize;
    for _ in 0..entries {
        if u32_at(at)? != 0x0201_4b50 {
            return None;
        }
        let method = u16_at(at + 10)?;
        let compressed = u32_at(at + 20)? as usize;
        let name_len = u16_at(at + 28)? as usize;
        let extra_len = u16_at(at + 30)? as usize;
        let comment_len = u16_at(at + 32)? as usize;
        let local = u32_at(at + 42)? as usize;
        let name = bytes.get(at + 46..at + 46 + name_len)?;
        if name == NAME {
            if u32_at(local)? != 0x0403_4b50 {
                return None;
            }
            let data_start =
                local + 30 + u16_at(local + 26)? as usize + u16_at(local + 28)? as usize;
            let data = bytes.get(data_start..data_start.checked_add(compressed)?)?;
            return match method {
                0 => Some(data.get(..data.len().min(MAX_MANIFEST_BYTES))?.to_vec()),
                8 => miniz_oxide::inflate::decompress_to_vec_with_limit(data, MAX_MANIFEST_BYTES)
                    .ok(),
                _ => None,
            };
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_must_match_their_names() {
        assert!(check_container("a.docx", b"PK\x03\x04rest").is_ok());
        assert!(check_container("a.DOCX", b"garbage").is_err());
        assert!(check_container("a.xls", b"PK\x03\x04").is_err());
        assert!(check_container(
            "a.xls",
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]
        )
        .is_ok());
        assert!(check_container("notes.txt", b"anything").is_ok());
        assert!(check_container("no-extension", b"anything").is_ok());
    }

    #[test]
    fn an_ooxml_file_in_an_encrypted_compound_file_is_password_protected() {
        let mut bytes = Container::Ole2.magic().to_vec();
        bytes.extend_from_slice(&[0; 100]);
        let plain = check_container("a.docx", &bytes).unwrap_err();
        assert!(matches!(plain, Refusal::NotContainer(_)));
        bytes.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        let refusal = check_container("a.docx", &bytes).unwrap_err();
        assert_eq!(refusal, Refusal::PasswordProtected);
        assert_eq!(refusal.kind(), "password-protected");
        assert!(refusal.message().contains("password-protected"));
    }

    /// A zip with one entry, stored or deflated.
    fn zip(name: &str, content: &[u8], deflate: bool) -> Vec<u8> {
        let data = if deflate {
            miniz_oxide::deflate::compress_to_vec(content, 6)
        } else {
            content.to_vec()
        };
        let method: u16 = if deflate { 8 } else { 0 };
        let mut out = Vec::new();
        let local = |out: &mut Vec<u8>| {
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0]);
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0; 8]); // time, date, crc (not checked here)
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(content.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name.as_bytes());
        };
        local(&mut out);
        out.extend_from_slice(&data);
        let central = out.len();
        out.extend_from_slice(b"PK\x01\x02");
        out.extend_from_slice(&[20, 0, 20, 0, 0, 0]);
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(content.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
        out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
        out.extend_from_slice(name.as_bytes());
        let central_len = out.len() - central;
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
        out.extend_from_slice(&(central_len as u32).to_le_bytes());
        out.extend_from_slice(&(central as u32).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    #[test]
    fn an_odf_package_with_encryption_data_is_password_protected() {
        let encrypted = br#"<manifest:manifest><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/></manifest:file-entry></manifest:manifest>"#;
        let plain = br#"<manifest:manifest><manifest:file-entry manifest:full-path="content.xml"/></manifest:manifest>"#;
        for deflate in [false, true] {
            let package = zip("META-INF/manifest.xml", encrypted, deflate);
            assert_eq!(
                check_container("a.odt", &package),
                Err(Refusal::PasswordProtected)
            );
            let package = zip("META-INF/manifest.xml", plain, deflate);
            assert_eq!(check_container("a.odt", &package), Ok(()));
        }
        // Broken central directories are left to LibreOffice.
        let mut package = zip("META-INF/manifest.xml", encrypted, true);
        let len = package.len();
        package[len - 6..len - 2].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(check_container("a.odt", &package), Ok(()));
    }
}
