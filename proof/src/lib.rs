//! WOPI proof keys: wsd signs every request to storage so a WOPI host can tell it comes from the
//! office server it trusts (the host checks the signature with the key from our discovery XML).
//!
//! The key is RSA 2048, generated with aws-lc-rs on first start into `storage.proof_key_dir` and
//! kept there as PKCS#8 DER, mode 0600: `proof_key.pk8` (current) and `proof_key.old.pk8` (the
//! previous key, after a rotation). A host may cache our discovery for a while, so after
//! [`ProofKeys::rotate`] requests carry a signature by each key (`X-WOPI-Proof` by the new one,
//! `X-WOPI-ProofOld` by the old one) until the host has seen the new key. Before any rotation the
//! old key is the current one, as Collabora publishes it.
//!
//! Signed bytes (Microsoft's layout): `BE32 len(token) | token | BE32 len(url) | URL upper-cased |
//! BE32 8 | BE64 ticks`, RSA-SHA256 PKCS#1 v1.5, base64. `ticks` are .NET ticks
//! (100 ns since 0001-01-01), sent as `X-WOPI-TimeStamp`.
//!
//! A crate of its own so that oxoolctl's `generate-proof-key` writes the same files as wsd
//! without linking wsd.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

/// Where the packaged wsd keeps its proof keys (`storage.proof_key_dir`'s default).
pub const DEFAULT_DIR: &str = "/var/lib/oxool/proof";

const CURRENT_FILE: &str = "proof_key.pk8";
const OLD_FILE: &str = "proof_key.old.pk8";

/// .NET ticks at the Unix epoch.
const EPOCH_TICKS: i64 = 621_355_968_000_000_000;

#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    #[error("cannot create the proof key directory {path}: {error}")]
    CreateDir {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot read the proof key {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("the proof key {path} is not an RSA PKCS#8 key: {reason}")]
    Parse { path: PathBuf, reason: String },
    #[error("cannot generate an RSA proof key")]
    Generate,
    #[error("cannot write the proof key {path}: {error}")]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot sign with the proof key")]
    Sign,
    #[error("the proof key's public exponent is longer than 4 bytes")]
    Exponent,
}

/// The current and the previous proof key of this server.
pub struct ProofKeys {
    dir: PathBuf,
    keys: RwLock<KeySet>,
}

struct KeySet {
    current: Arc<KeyPair>,
    /// `None` until the first rotation: then the current key stands in for it.
    old: Option<Arc<KeyPair>>,
}

/// The `<proof-key>` attributes of discovery, each base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofKeyAttributes {
    pub value: String,
    pub modulus: String,
    pub exponent: String,
    pub old_value: String,
    pub old_modulus: String,
    pub old_exponent: String,
}

/// The two signatures of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    pub proof: String,
    pub proof_old: String,
}

impl ProofKeys {
    /// Loads the keys from `dir`, generating the current one when there is none yet.
    pub fn open(dir: &Path) -> Result<ProofKeys, ProofError> {
        create_private_dir(dir)?;
        let current_path = dir.join(CURRENT_FILE);
        let current = match read_key(&current_path)? {
            Some(key) => key,
            None => {
                // First start, or a rotation interrupted after moving the current key away.
                let key = generate_key()?;
                write_key(&current_path, &key)?;
                tracing::info!(dir = %dir.display(), "generated a new WOPI proof key");
                key
            }
        };
        let old = read_key(&dir.join(OLD_FILE))?;
        Ok(ProofKeys {
            dir: dir.to_path_buf(),
            keys: RwLock::new(KeySet {
                current: Arc::new(current),
                old: old.map(Arc::new),
            }),
        })
    }

    /// One `ProofKeys` per directory and process, so that discovery, the WOPI client and a
    /// rotation command all see the same keys.
    pub fn open_shared(dir: &Path) -> Result<Arc<ProofKeys>, ProofError> {
        static OPENED: Mutex<Option<HashMap<PathBuf, Arc<ProofKeys>>>> = Mutex::new(None);
        let mut opened = OPENED.lock().unwrap_or_else(|e| e.into_inner());
        let opened = opened.get_or_insert_with(HashMap::new);
        if let Some(keys) = opened.get(dir) {
            return Ok(keys.clone());
        }
        let keys = Arc::new(ProofKeys::open(dir)?);
        opened.insert(dir.to_path_buf(), keys.clone());
        Ok(keys)
    }

    /// Makes the current key the old one and generates a new current key, on disk first.
    pub fn rotate(&self) -> Result<(), ProofError> {
        let new_key = generate_key()?;
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        let current_path = self.dir.join(CURRENT_FILE);
        let old_path = self.dir.join(OLD_FILE);
        // Rename, then write: a crash in between leaves the old key and no current one, which
        // `open` repairs by generating a new current key. Never a state with no key at all.
        fs::rename(&current_path, &old_path).map_err(|error| ProofError::Write {
            path: old_path.clone(),
            error,
        })?;
        write_key(&current_path, &new_key)?;
        let previous = std::mem::replace(&mut keys.current, Arc::new(new_key));
        keys.old = Some(previous);
        tracing::info!(dir = %self.dir.display(), "rotated the WOPI proof key");
        Ok(())
    }

    /// `X-WOPI-Proof` and `X-WOPI-ProofOld` for a request to `url` with `token` at `ticks`.
    pub fn sign(&self, token: &str, url: &str, ticks: i64) -> Result<Proof, ProofError> {
        let (current, old) = self.pair();
        let message = signed_bytes(token, url, ticks);
        let proof = sign_with(&current, &message)?;
        let proof_old = if Arc::ptr_eq(&current, &old) {
            proof.clone()
        } else {
            sign_with(&old, &message)?
        };
        Ok(Proof { proof, proof_old })
    }

    /// What discovery publishes in `<proof-key>`.
    pub fn attributes(&self) -> Result<ProofKeyAttributes, ProofError> {
        let (current, old) = self.pair();
        let (value, modulus, exponent) = public_parts(&current)?;
        let (old_value, old_modulus, old_exponent) = public_parts(&old)?;
        Ok(ProofKeyAttributes {
            value,
            modulus,
            exponent,
            old_value,
            old_modulus,
            old_exponent,
        })
    }

    fn pair(&self) -> (Arc<KeyPair>, Arc<KeyPair>) {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let old = keys.old.clone().unwrap_or_else(|| keys.current.clone());
        (keys.current.clone(), old)
    }
}

/// .NET ticks of `time` (what `X-WOPI-TimeStamp` carries).
pub fn dotnet_ticks(time: SystemTime) -> i64 {
    let since_epoch = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let ticks = since_epoch.as_nanos() / 100;
    EPOCH_TICKS.saturating_add(i64::try_from(ticks).unwrap_or(i64::MAX - EPOCH_TICKS))
}

/// The bytes a proof signs (Microsoft's layout, shared by Collabora).
pub fn signed_bytes(token: &str, url: &str, ticks: i64) -> Vec<u8> {
    let url = url.to_ascii_uppercase();
    let mut bytes = Vec::with_capacity(token.len() + url.len() + 20);
    for field in [token.as_bytes(), url.as_bytes()] {
        bytes.extend_from_slice(&len_be32(field).to_be_bytes());
        bytes.extend_from_slice(field);
    }
    bytes.extend_from_slice(&8u32.to_be_bytes());
    bytes.extend_from_slice(&ticks.to_be_bytes());
    bytes
}

fn len_be32(field: &[u8]) -> u32 {
    // Tokens and URLs are bounded far below 4 GiB by the HTTP layer; saturate rather than wrap.
    u32::try_from(field.len()).unwrap_or(u32::MAX)
}

/// Microsoft's CAPI `PUBLICKEYBLOB` of an RSA key: what the `value` attribute carries.
pub fn capi_public_key_blob(modulus_be: &[u8], exponent_be: &[u8]) -> Result<Vec<u8>, ProofError> {
    if exponent_be.len() > 4 {
        return Err(ProofError::Exponent);
    }
    // BLOBHEADER: PUBLICKEYBLOB (6), version 2, reserved 0, CALG_RSA_KEYX (0x0000A400); then
    // RSAPUBKEY: magic "RSA1", bit length, exponent (LE32); then the modulus little-endian.
    let mut blob = vec![0x06, 0x02, 0x00, 0x00, 0x00, 0xA4, 0x00, 0x00];
    blob.extend_from_slice(b"RSA1");
    let bits = u32::try_from(modulus_be.len() * 8).map_err(|_| ProofError::Exponent)?;
    blob.extend_from_slice(&bits.to_le_bytes());
    let mut exponent = [0u8; 4];
    exponent[4 - exponent_be.len()..].copy_from_slice(exponent_be);
    blob.extend_from_slice(&u32::from_be_bytes(exponent).to_le_bytes());
    blob.extend(modulus_be.iter().rev());
    Ok(blob)
}

fn public_parts(key: &KeyPair) -> Result<(String, String, String), ProofError> {
    let components = PublicKeyComponents::<Vec<u8>>::from(key.public_key());
    let modulus = strip_leading_zeros(&components.n);
    let exponent = strip_leading_zeros(&components.e);
    let blob = capi_public_key_blob(modulus, exponent)?;
    Ok((
        BASE64.encode(blob),
        BASE64.encode(modulus),
        BASE64.encode(exponent),
    ))
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

fn sign_with(key: &KeyPair, message: &[u8]) -> Result<String, ProofError> {
    let mut signature = vec![0u8; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message,
        &mut signature,
    )
    .map_err(|_| ProofError::Sign)?;
    Ok(BASE64.encode(signature))
}

fn generate_key() -> Result<KeyPair, ProofError> {
    KeyPair::generate(KeySize::Rsa2048).map_err(|_| ProofError::Generate)
}

/// The directory holds private keys: owner-only, created with that mode (no window).
fn create_private_dir(dir: &Path) -> Result<(), ProofError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|error| ProofError::CreateDir {
            path: dir.to_path_buf(),
            error,
        })
}

fn read_key(path: &Path) -> Result<Option<KeyPair>, ProofError> {
    let der = match fs::read(path) {
        Ok(der) => der,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(ProofError::Read {
                path: path.to_path_buf(),
                error,
            })
        }
    };
    KeyPair::from_pkcs8(&der)
        .map(Some)
        .map_err(|e| ProofError::Parse {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

/// Writes a key file with mode 0600 from its creation on, through a temporary file and a
/// rename so that a crash never leaves half a key.
fn write_key(path: &Path, key: &KeyPair) -> Result<(), ProofError> {
    let write_error = |error| ProofError::Write {
        path: path.to_path_buf(),
        error,
    };
    let der = key.as_der().map_err(|_| ProofError::Generate)?;
    let temporary = path.with_extension("tmp");
    let _ = fs::remove_file(&temporary);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(write_error)?;
    file.write_all(der.as_ref()).map_err(write_error)?;
    file.sync_all().map_err(write_error)?;
    fs::rename(&temporary, path).map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn ticks_match_dotnet() {
        assert_eq!(dotnet_ticks(UNIX_EPOCH), EPOCH_TICKS);
        // 2015-04-20T12:36:01.5Z, checked against .NET's DateTime.Ticks arithmetic.
        let time = UNIX_EPOCH + Duration::from_millis(1_429_533_361_500);
        assert_eq!(dotnet_ticks(time), 635_651_301_615_000_000);
    }

    #[test]
    fn signed_bytes_layout() {
        let bytes = signed_bytes("tok", "https://h/x?a=b", 0x0102030405060708);
        let mut expected = vec![0, 0, 0, 3];
        expected.extend_from_slice(b"tok");
        expected.extend_from_slice(&[0, 0, 0, 15]);
        expected.extend_from_slice(b"HTTPS://H/X?A=B");
        expected.extend_from_slice(&[0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(bytes, expected);
    }

    #[test]
    fn capi_blob_header() {
        let blob = capi_public_key_blob(&[0xAB, 0xCD], &[1, 0, 1]).unwrap();
        assert_eq!(
            blob,
            [
                6, 2, 0, 0, 0, 0xA4, 0, 0, b'R', b'S', b'A', b'1', 16, 0, 0, 0, 1, 0, 1, 0, 0xCD,
                0xAB
            ]
        );
        assert!(capi_public_key_blob(&[1], &[1, 2, 3, 4, 5]).is_err());
    }
}
