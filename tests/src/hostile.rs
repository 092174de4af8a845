//! Hostile documents, generated in code (small to build and to keep, huge or costly to open):
//! a zip bomb, an image bomb, a spreadsheet of billions of operations, deep XML nesting,
//! billion laughs, and password-protected OOXML and ODF files.

use flate2::{Compress, Compression, FlushCompress};

use crate::protected::directory_entry;

/// One zip entry: a name, its raw deflate data (or the plain bytes when stored), the size and
/// CRC-32 of the plain bytes.
struct Entry {
    name: String,
    data: Vec<u8>,
    deflated: bool,
    size: u32,
    crc: u32,
}

impl Entry {
    fn stored(name: &str, content: &[u8]) -> Entry {
        Entry {
            name: name.into(),
            data: content.to_vec(),
            deflated: false,
            size: content.len() as u32,
            crc: crc(content),
        }
    }

    fn deflated(name: &str, content: &[u8]) -> Entry {
        Entry {
            name: name.into(),
            data: deflate_piece(content, true),
            deflated: true,
            size: content.len() as u32,
            crc: crc(content),
        }
    }
}

fn crc(bytes: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(bytes);
    hasher.finalize()
}

/// Raw deflate of `data` by a fresh compressor: a non-final piece ends with a full flush
/// (byte-aligned, no reference to earlier data), so pieces can be concatenated and repeated.
fn deflate_piece(data: &[u8], last: bool) -> Vec<u8> {
    let mut compress = Compress::new(Compression::best(), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Full
    };
    loop {
        let consumed = compress.total_in() as usize;
        if out.capacity() - out.len() < 1024 {
            out.reserve(out.capacity().max(4096));
        }
        compress
            .compress_vec(&data[consumed..], &mut out, flush)
            .expect("deflate");
        let done_input = compress.total_in() as usize == data.len();
        if done_input && out.capacity() - out.len() >= 1024 {
            // A call with room to spare after all input is in has flushed everything.
            compress
                .compress_vec(&[], &mut out, flush)
                .expect("deflate");
            if out.capacity() - out.len() >= 1024 {
                return out;
            }
        }
    }
}

/// A zip archive of `entries`, in order (no zip64: every size fits 32 bits).
fn zip(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let offset = out.len() as u32;
        let method: u16 = if entry.deflated { 8 } else { 0 };
        let fixed = |out: &mut Vec<u8>| {
            out.extend_from_slice(&20u16.to_le_bytes()); // version needed
            out.extend_from_slice(&0u16.to_le_bytes()); // flags
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes()); // time
            out.extend_from_slice(&0x21u16.to_le_bytes()); // date: 1980-01-01
            out.extend_from_slice(&entry.crc.to_le_bytes());
            out.extend_from_slice(&(entry.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&entry.size.to_le_bytes());
            out.extend_from_slice(&(entry.name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes()); // extra length
        };
        out.extend_from_slice(b"PK\x03\x04");
        fixed(&mut out);
        out.extend_from_slice(entry.name.as_bytes());
        out.extend_from_slice(&entry.data);
        central.extend_from_slice(b"PK\x01\x02");
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        fixed(&mut central);
        central.extend_from_slice(&[0; 10]); // comment length, disk, internal and external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(entry.name.as_bytes());
    }
    let central_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0; 4]); // disk numbers
    let count = entries.len() as u16;
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;

/// The text after the padding of [`zip_bomb_docx`]: a correct conversion shows it.
pub const ZIP_BOMB_TEXT: &str = "text after the bomb";

/// A docx whose `word/document.xml` inflates to `padding_mib` MiB of whitespace between two
/// elements, followed by a paragraph of [`ZIP_BOMB_TEXT`]; about 1 KiB compressed per MiB.
pub fn zip_bomb_docx(padding_mib: usize) -> Vec<u8> {
    let head = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#;
    let tail = format!("<w:p><w:r><w:t>{ZIP_BOMB_TEXT}</w:t></w:r></w:p></w:body></w:document>");
    let chunk = vec![b' '; 1 << 20];
    let chunk_deflated = deflate_piece(&chunk, false);
    let mut data = deflate_piece(head.as_bytes(), false);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(head.as_bytes());
    let mut chunk_crc = crc32fast::Hasher::new();
    chunk_crc.update(&chunk);
    for _ in 0..padding_mib {
        data.extend_from_slice(&chunk_deflated);
        hasher.combine(&chunk_crc);
    }
    data.extend_from_slice(&deflate_piece(tail.as_bytes(), true));
    let mut tail_crc = crc32fast::Hasher::new();
    tail_crc.update(tail.as_bytes());
    hasher.combine(&tail_crc);
    let size = head.len() + padding_mib * chunk.len() + tail.len();
    let document = Entry {
        name: "word/document.xml".into(),
        data,
        deflated: true,
        size: u32::try_from(size).expect("a zip bomb under 4 GiB"),
        crc: hasher.finalize(),
    };
    zip(&[
        Entry::deflated("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        Entry::deflated("_rels/.rels", RELS.as_bytes()),
        document,
    ])
}

const ODF_MIMETYPE: &str = "application/vnd.oasis.opendocument.text";

fn odf_manifest(extra_entries: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="{ODF_MIMETYPE}"/>{extra_entries}</manifest:manifest>"#
    )
}

const CONTENT_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2"><office:body><office:text>"#;
const CONTENT_TAIL: &str = "</office:text></office:body></office:document-content>";

/// An ODT of `content.xml` (whole) and further files.
fn odt(content: &str, files: &[(&str, &str, Vec<u8>)]) -> Vec<u8> {
    let extra: String = files
        .iter()
        .map(|(path, media, _)| {
            format!(r#"<manifest:file-entry manifest:full-path="{path}" manifest:media-type="{media}"/>"#)
        })
        .collect();
    let mut entries = vec![
        Entry::stored("mimetype", ODF_MIMETYPE.as_bytes()),
        Entry::deflated(
            "META-INF/manifest.xml",
            odf_manifest(&format!(
                r#"<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>{extra}"#
            ))
            .as_bytes(),
        ),
        Entry::deflated("content.xml", content.as_bytes()),
    ];
    for (path, _, bytes) in files {
        entries.push(Entry::deflated(path, bytes));
    }
    zip(&entries)
}

/// The text beside the image of [`image_bomb_odt`].
pub const IMAGE_BOMB_TEXT: &str = "text beside the image";

/// An ODT showing a PNG whose header declares `side` × `side` RGBA pixels (60000 → 13 GiB
/// decoded) with almost no pixel data.
pub fn image_bomb_odt(side: u32) -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(kind);
        hasher.update(data);
        out.extend_from_slice(&hasher.finalize().to_be_bytes());
        out
    };
    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8 bit RGBA, deflate, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    // A zlib stream of one row's worth of zeros: the rest of the image is simply missing.
    let mut idat = vec![0x78, 0x9c];
    idat.extend(deflate_piece(&vec![0; side as usize * 4 + 1], true));
    png.extend(chunk(b"IDAT", &idat));
    png.extend(chunk(b"IEND", &[]));
    let content = format!(
        r#"{CONTENT_HEAD}<text:p>{IMAGE_BOMB_TEXT}<draw:frame draw:name="bomb" text:anchor-type="as-char" svg:width="5cm" svg:height="5cm"><draw:image xlink:href="Pictures/bomb.png" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>{CONTENT_TAIL}"#
    );
    odt(&content, &[("Pictures/bomb.png", "image/png", png)])
}

/// The text after the nesting of [`deep_nesting_odt`].
pub const NESTING_TEXT: &str = "text after the nesting";

/// An ODT whose only paragraph nests `depth` spans.
pub fn deep_nesting_odt(depth: usize) -> Vec<u8> {
    let mut content = String::from(CONTENT_HEAD);
    content.push_str("<text:p>");
    content.push_str(&"<text:span>".repeat(depth));
    content.push('x');
    content.push_str(&"</text:span>".repeat(depth));
    content.push_str(&format!("</text:p><text:p>{NESTING_TEXT}</text:p>"));
    content.push_str(CONTENT_TAIL);
    odt(&content, &[])
}

/// An ODT whose content declares ten levels of entities, each ten times the one before
/// ("billion laughs": 10^10 characters if expanded), and uses the last one.
pub fn billion_laughs_odt() -> Vec<u8> {
    let mut doctype = String::from("<!DOCTYPE office:document-content [\n<!ENTITY l0 \"lol\">\n");
    for level in 1..=10 {
        let previous = format!("&l{};", level - 1).repeat(10);
        doctype.push_str(&format!("<!ENTITY l{level} \"{previous}\">\n"));
    }
    doctype.push_str("]>\n");
    let content = CONTENT_HEAD.replacen("?>\n", &format!("?>\n{doctype}"), 1);
    let content = format!("{content}<text:p>&l10;</text:p>{CONTENT_TAIL}");
    odt(&content, &[])
}

/// A flat ODF spreadsheet whose formulas ask for billions of operations on load: whole-column
/// products and a COUNTIF of a whole column against itself, with data at both ends of the
/// columns so no range can be trimmed to the used area. `rows` is 1048576 for the bomb (every
/// row of a sheet); a small number gives a sheet whose results can be checked.
pub fn calc_bomb_fods(rows: u32) -> Vec<u8> {
    let mut body = String::new();
    let cell = |value: u32| {
        format!(r#"<table:table-cell office:value-type="float" office:value="{value}"/>"#)
    };
    let mut formulas = String::new();
    for _ in 0..64 {
        formulas.push_str(
            &format!(r#"<table:table-cell table:formula="of:=SUMPRODUCT([.A1:.A{rows}]*[.B1:.B{rows}]*(COUNTIF([.A1:.A{rows}];[.B1:.B{rows}])))"/>"#),
        );
    }
    body.push_str(&format!(
        "<table:table-row>{}{}{formulas}</table:table-row>",
        cell(1),
        cell(2)
    ));
    body.push_str(&format!(
        r#"<table:table-row table:number-rows-repeated="{}">{}{}</table:table-row>"#,
        rows - 2,
        cell(3),
        cell(4)
    ));
    body.push_str(&format!(
        "<table:table-row>{}{}</table:table-row>",
        cell(5),
        cell(6)
    ));
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.spreadsheet"><office:body><office:spreadsheet><table:table table:name="Bomb">{body}</table:table></office:spreadsheet></office:body></office:document>"#
    )
    .into_bytes()
}

/// A docx encrypted with a password, as Office writes it: an OLE2 compound file with an
/// `EncryptionInfo` stream (agile encryption, version 4.4) and an `EncryptedPackage` stream,
/// both 4 KiB so they live in regular 512-byte sectors.
pub fn encrypted_docx() -> Vec<u8> {
    const FREE: u32 = 0xFFFF_FFFF;
    const END: u32 = 0xFFFF_FFFE;
    const FAT_SECTOR: u32 = 0xFFFF_FFFD;
    let mut info = vec![4, 0, 4, 0, 0x40, 0, 0, 0];
    info.extend_from_slice(br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><encryption xmlns="http://schemas.microsoft.com/office/2006/encryption"><keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/></encryption>"#);
    info.resize(4096, b' ');
    let mut package = 4080u64.to_le_bytes().to_vec();
    package.extend((0..4088u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));

    let mut header = vec![0u8; 512];
    header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let put16 = |b: &mut [u8], at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |b: &mut [u8], at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut header, 0x18, 0x3E); // minor version
    put16(&mut header, 0x1A, 3); // major version 3: 512-byte sectors
    put16(&mut header, 0x1C, 0xFFFE); // little-endian
    put16(&mut header, 0x1E, 9); // sector shift
    put16(&mut header, 0x20, 6); // mini sector shift
    put32(&mut header, 0x2C, 1); // FAT sectors
    put32(&mut header, 0x30, 1); // first directory sector
    put32(&mut header, 0x38, 4096); // mini stream cutoff
    put32(&mut header, 0x3C, END); // no mini FAT
    put32(&mut header, 0x44, END); // no DIFAT sectors
    put32(&mut header, 0x4C, 0); // DIFAT[0]: the FAT is sector 0
    for i in 1..109 {
        put32(&mut header, 0x4C + 4 * i, FREE);
    }
    // Sector 0: FAT; 1: directory; 2..=9: EncryptionInfo; 10..=17: EncryptedPackage.
    let mut fat = vec![0u8; 512];
    let mut next = |sector: usize, value: u32| put32(&mut fat, sector * 4, value);
    next(0, FAT_SECTOR);
    next(1, END);
    for sector in 2..18 {
        next(
            sector,
            if sector == 9 || sector == 17 {
                END
            } else {
                sector as u32 + 1
            },
        );
    }
    for sector in 18..128 {
        next(sector, FREE);
    }
    let mut directory = Vec::new();
    directory.extend(directory_entry("Root Entry", 5, FREE, 1, END, 0));
    // Siblings are ordered by name length first: EncryptionInfo < EncryptedPackage.
    directory.extend(directory_entry("EncryptionInfo", 2, 2, FREE, 2, 4096));
    directory.extend(directory_entry(
        "EncryptedPackage",
        2,
        FREE,
        FREE,
        10,
        package.len() as u32,
    ));
    let mut unused = vec![0u8; 128];
    unused[68..80].copy_from_slice(&[0xFF; 12]);
    directory.extend(unused);

    let mut file = header;
    file.extend(fat);
    file.extend(directory);
    file.extend(info);
    file.extend(package);
    file
}

/// An ODT whose content is encrypted: the manifest carries `encryption-data` for content.xml,
/// whose bytes are noise to anyone without the password.
pub fn encrypted_odt() -> Vec<u8> {
    let manifest = odf_manifest(
        r#"<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="1024"><manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="><manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="AAAAAAAAAAAAAAAAAAAAAA=="/><manifest:start-key-generation manifest:start-key-generation-name="http://www.w3.org/2000/09/xmldsig#sha256" manifest:key-size="32"/><manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:key-size="32" manifest:iteration-count="100000" manifest:salt="AAAAAAAAAAAAAAAAAAAAAA=="/></manifest:encryption-data></manifest:file-entry>"#,
    );
    let noise: Vec<u8> = (0..1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    zip(&[
        Entry::stored("mimetype", ODF_MIMETYPE.as_bytes()),
        Entry::deflated("META-INF/manifest.xml", manifest.as_bytes()),
        Entry::stored("content.xml", &noise),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate(data: &[u8]) -> Vec<u8> {
        use std::io::Read;
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(data)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn repeated_pieces_inflate_to_the_whole() {
        let mut data = deflate_piece(b"head", false);
        let piece = deflate_piece(&[b' '; 1000], false);
        data.extend_from_slice(&piece);
        data.extend_from_slice(&piece);
        data.extend_from_slice(&deflate_piece(b"tail", true));
        let plain = inflate(&data);
        assert_eq!(plain.len(), 2008);
        assert!(plain.starts_with(b"head ") && plain.ends_with(b" tail"));
    }

    #[test]
    fn the_zip_bomb_is_small_and_its_crc_is_right() {
        let bomb = zip_bomb_docx(4);
        assert!(bomb.len() < 16 * 1024, "{} bytes", bomb.len());
        let start = bomb
            .windows(17)
            .position(|w| w == b"word/document.xml")
            .unwrap()
            + 17;
        let end = bomb.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        let plain = inflate(&bomb[start..end]);
        assert_eq!(
            plain.len() as u32,
            u32::from_le_bytes(bomb[start - 17 - 8..start - 17 - 4].try_into().unwrap())
        );
        assert_eq!(
            crc(&plain).to_le_bytes(),
            bomb[start - 17 - 16..start - 17 - 12]
        );
        assert!(String::from_utf8_lossy(&plain).contains(ZIP_BOMB_TEXT));
    }
}
