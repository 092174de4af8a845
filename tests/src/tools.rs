//! Checking converted documents by their content, with poppler's tools.

use std::path::Path;
use std::process::Command;

/// The text of a PDF (pdftotext, layout off).
pub fn pdf_text(pdf: &[u8]) -> anyhow::Result<String> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf)?;
    let out = Command::new("pdftotext").arg(&path).arg("-").output()?;
    anyhow::ensure!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The page count of a PDF (pdfinfo).
pub fn pdf_pages(pdf: &[u8]) -> anyhow::Result<u32> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf)?;
    let out = Command::new("pdfinfo").arg(&path).output()?;
    anyhow::ensure!(
        out.status.success(),
        "pdfinfo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse()))
        .ok_or_else(|| anyhow::anyhow!("pdfinfo printed no page count"))?
        .map_err(Into::into)
}

/// True when `bytes` is a zip container (OOXML and ODF both are).
pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// The `mimetype` entry an ODF zip starts with (stored uncompressed at offset 38).
pub fn odf_mimetype(bytes: &[u8]) -> Option<&str> {
    let rest = bytes.get(38..)?;
    let end = rest
        .iter()
        .position(|&b| b == b'P')
        .unwrap_or(rest.len().min(80));
    std::str::from_utf8(&rest[..end]).ok()
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}
