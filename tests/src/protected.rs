//! Password-protected documents made in the test itself:
//! - [`with_libreoffice`]: LibreOffice encrypts an ODF document (`oxool-make-protected`, a plain
//!   LibreOfficeKit process on the host: `.uno:SaveAs` with `Password`); [`protected_odt`]:
//!   the fixture simple.odt so encrypted;
//! - [`encrypted_ooxml`]: an OOXML package (docx, xlsx, …) encrypted the way Office does with
//!   ECMA-376 "Standard" encryption (MS-OFFCRYPTO 2.3.4.5: AES-128, SHA-1 key derivation), in an
//!   OLE2 compound file. LibreOffice 7.4 decrypts such files but cannot write them
//!   (`.uno:SaveAs` ignores `Password` for OOXML), so the test writes it.

use std::path::{Path, PathBuf};

use aws_lc_rs::cipher::{EncryptingKey, UnboundCipherKey, AES_128};
use aws_lc_rs::digest::{digest, Context, SHA1_FOR_LEGACY_USE_ONLY as SHA1};

/// Runs `oxool-make-protected INPUT PASSWORD OUTPUT...` (built next to the test binaries).
pub fn with_libreoffice(input: &Path, password: &str, outputs: &[PathBuf]) -> anyhow::Result<()> {
    let tool = crate::bin_dir().join("oxool-make-protected");
    let output = std::process::Command::new(&tool)
        .arg(input)
        .arg(password)
        .args(outputs)
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "{} failed: {}",
        tool.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

/// The fixture simple.odt encrypted with `password` by LibreOffice ([`with_libreoffice`]).
pub fn protected_odt(password: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let odt = dir.path().join("protected.odt");
    with_libreoffice(
        &crate::fixture("simple.odt"),
        password,
        std::slice::from_ref(&odt),
    )
    .unwrap();
    std::fs::read(odt).unwrap()
}

const SPIN_COUNT: u32 = 50_000;

/// `package` (the bytes of a docx, xlsx, …) encrypted with `password`, as an OLE2 compound file
/// holding `EncryptionInfo` and `EncryptedPackage`.
pub fn encrypted_ooxml(package: &[u8], password: &str) -> Vec<u8> {
    let salt: [u8; 16] = rand::random();
    let verifier: [u8; 16] = rand::random();
    let key = standard_key(password, &salt);
    let ecb = |data: &[u8]| -> Vec<u8> {
        let mut out = data.to_vec();
        out.resize(data.len().div_ceil(16) * 16, 0);
        let key = EncryptingKey::ecb(UnboundCipherKey::new(&AES_128, &key).unwrap()).unwrap();
        key.encrypt(&mut out).unwrap();
        out
    };
    let mut verifier_hash = digest(&SHA1, &verifier).as_ref().to_vec();
    verifier_hash.resize(32, 0);

    let mut info = Vec::new();
    info.extend(3u16.to_le_bytes()); // version 3.2: Standard encryption
    info.extend(2u16.to_le_bytes());
    const FLAGS: u32 = 0x24; // fCryptoAPI | fAES
    info.extend(FLAGS.to_le_bytes());
    let csp: Vec<u8> = "Microsoft Enhanced RSA and AES Cryptographic Provider\0"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut header = Vec::new();
    for value in [FLAGS, 0, 0x660E, 0x8004, 128, 0x18, 0, 0] {
        // flags, size extra, AES-128, SHA-1, key bits, provider AES, reserved ×2
        header.extend(value.to_le_bytes());
    }
    header.extend(csp);
    info.extend((header.len() as u32).to_le_bytes());
    info.extend(header);
    info.extend(16u32.to_le_bytes());
    info.extend(salt);
    info.extend(ecb(&verifier));
    info.extend(20u32.to_le_bytes());
    info.extend(ecb(&verifier_hash));

    let mut encrypted = (package.len() as u64).to_le_bytes().to_vec();
    encrypted.extend(ecb(package));
    compound_file(&[("EncryptionInfo", info), ("EncryptedPackage", encrypted)])
}

/// MS-OFFCRYPTO 2.3.4.7: the AES-128 key of Standard encryption.
fn standard_key(password: &str, salt: &[u8]) -> Vec<u8> {
    let sha1 = |parts: &[&[u8]]| {
        let mut context = Context::new(&SHA1);
        for part in parts {
            context.update(part);
        }
        context.finish().as_ref().to_vec()
    };
    let utf16: Vec<u8> = password.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let mut hash = sha1(&[salt, &utf16]);
    for i in 0..SPIN_COUNT {
        hash = sha1(&[&i.to_le_bytes(), &hash]);
    }
    let hash = sha1(&[&hash, &0u32.to_le_bytes()]);
    let derive = |fill: u8| {
        let mut buffer = [fill; 64];
        for (b, h) in buffer.iter_mut().zip(&hash) {
            *b ^= h;
        }
        sha1(&[&buffer])
    };
    let mut key = derive(0x36);
    key.extend(derive(0x5C));
    key.truncate(16);
    key
}

/// A version 3 compound file (512-byte sectors) with `streams` in the root storage. Every
/// stream is padded to the 4096-byte mini-stream cutoff, so all live in regular sectors.
fn compound_file(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
    const SECTOR: usize = 512;
    const FREE: u32 = 0xFFFF_FFFF;
    const END: u32 = 0xFFFF_FFFE;
    const FAT_SECTOR: u32 = 0xFFFF_FFFD;
    let padded: Vec<Vec<u8>> = streams
        .iter()
        .map(|(_, data)| {
            let mut data = data.clone();
            data.resize(data.len().max(4096).div_ceil(SECTOR) * SECTOR, 0);
            data
        })
        .collect();
    let data_sectors: usize = padded.iter().map(|d| d.len() / SECTOR).sum();
    // FAT sectors, then the directory sector, then the streams; each FAT sector maps 128.
    let mut fat_sectors = 1;
    while fat_sectors * 128 < fat_sectors + 1 + data_sectors {
        fat_sectors += 1;
    }
    assert!(fat_sectors <= 109, "too large for a header-only DIFAT");
    let directory_sector = fat_sectors;
    let mut fat = vec![FREE; fat_sectors * 128];
    fat[..fat_sectors].fill(FAT_SECTOR);
    fat[directory_sector] = END;
    let mut starts = Vec::new();
    let mut next = directory_sector + 1;
    for data in &padded {
        let count = data.len() / SECTOR;
        starts.push(next as u32);
        for i in 0..count {
            fat[next + i] = if i + 1 == count {
                END
            } else {
                (next + i + 1) as u32
            };
        }
        next += count;
    }

    let mut header = vec![0u8; SECTOR];
    header[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let put16 = |b: &mut [u8], at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |b: &mut [u8], at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut header, 0x18, 0x3E);
    put16(&mut header, 0x1A, 3);
    put16(&mut header, 0x1C, 0xFFFE);
    put16(&mut header, 0x1E, 9);
    put16(&mut header, 0x20, 6);
    put32(&mut header, 0x2C, fat_sectors as u32);
    put32(&mut header, 0x30, directory_sector as u32);
    put32(&mut header, 0x38, 4096);
    put32(&mut header, 0x3C, END);
    put32(&mut header, 0x44, END);
    for i in 0..109 {
        let value = if i < fat_sectors { i as u32 } else { FREE };
        put32(&mut header, 0x4C + 4 * i, value);
    }

    // A right-leaning chain of siblings, in the order of the directory's comparison (length
    // first): the names given must already be in that order.
    let mut directory = directory_entry("Root Entry", 5, FREE, 1, END, 0);
    for (i, ((name, data), start)) in streams.iter().zip(&starts).enumerate() {
        let right = if i + 1 < streams.len() {
            i as u32 + 2
        } else {
            FREE
        };
        let size = data.len().max(4096) as u32;
        directory.extend(directory_entry(name, 2, right, FREE, *start, size));
    }
    while directory.len() < SECTOR {
        let mut unused = vec![0u8; 128];
        unused[68..80].copy_from_slice(&[0xFF; 12]);
        directory.extend(unused);
    }
    assert_eq!(directory.len(), SECTOR, "one directory sector");

    let mut file = header;
    file.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    file.extend(directory);
    for data in padded {
        file.extend(data);
    }
    file
}

/// A 128-byte directory entry of a compound file: `kind` 5 the root storage, 2 a stream; black,
/// no left sibling; `right` and `child` are entry numbers (or FREE), `start` the first sector.
pub(crate) fn directory_entry(
    name: &str,
    kind: u8,
    right: u32,
    child: u32,
    start: u32,
    size: u32,
) -> Vec<u8> {
    const FREE: u32 = 0xFFFF_FFFF;
    let mut e = vec![0u8; 128];
    let utf16: Vec<u8> = name
        .encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect();
    e[..utf16.len()].copy_from_slice(&utf16);
    e[64..66].copy_from_slice(&(utf16.len() as u16).to_le_bytes());
    e[66] = kind;
    e[67] = 1; // black
    e[68..72].copy_from_slice(&FREE.to_le_bytes()); // left sibling
    e[72..76].copy_from_slice(&right.to_le_bytes());
    e[76..80].copy_from_slice(&child.to_le_bytes());
    e[116..120].copy_from_slice(&start.to_le_bytes());
    e[120..124].copy_from_slice(&size.to_le_bytes());
    e
}
