//! The built-in local-folder WOPI store: a WOPI *host* inside wsd serving the documents of one
//! directory, for `make run` and small installs where no integrator provides storage.
//!
//! Wiring (the lead's part; this module touches no shared file):
//! - lib.rs: `pub mod local_store;`
//! - config.rs: a `[local_store]` section with `root` (the directory), optional `samples` (seed
//!   an empty root from there with [`LocalStore::seed_samples`]), optional `public_url` and
//!   `max_file_bytes`.
//! - main.rs / http.rs, when configured:
//!   ```ignore
//!   let store = Arc::new(LocalStore::new(&root, &LocalStore::generate_secret())?);
//!   let app = http::router(state).merge(local_store::router(store.clone()))
//!       .merge(local_store::index_router(store));
//!   ```
//!   and print the URL of `GET /`.
//!   The WOPI allow-list must then contain wsd's own address.
//!
//! Security: the index page hands a write token to whoever reaches it, which is the point of a
//! local store; put it behind the same network restrictions as the server itself. Tokens are
//! never logged; ids and names are checked before any file-system access (file_id.rs).

mod atomic_write;
pub mod file_id;
mod index_page;
mod locks;
mod refusal;
mod request;
pub mod timestamp;
pub mod token;
pub mod token_key;
mod wopi;
mod wopi_override;

use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::config::local_store::LocalStoreConfig;
pub use file_id::FileIdError;
pub use index_page::index_router;
pub use token::{Claims, TokenError};

use locks::LockTable;
use token::TokenSigner;

/// How long tokens from the index page and from PutRelativeFile stay valid.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(12 * 3600);

/// The largest PutFile body accepted, unless [`LocalStore::with_max_file_bytes`] says otherwise.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Where the web client page lives, relative to the server; the index page links there.
pub const EDITOR_PAGE: &str = "/browser/dist/cool.html";

#[derive(Debug, thiserror::Error)]
pub enum LocalStoreError {
    #[error("cannot resolve the document root {path}: {source}")]
    ResolveRoot {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the document root {0} is not a directory")]
    RootNotDirectory(PathBuf),
    #[error("cannot list the document root {path}: {source}")]
    ListRoot {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the sample directory {path}: {source}")]
    CreateSampleDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot list the samples in {path}: {source}")]
    ListSamples {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot copy the sample {from} to {to}: {source}")]
    CopySample {
        from: PathBuf,
        to: PathBuf,
        source: std::io::Error,
    },
}

/// One document for an index page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentEntry {
    pub name: String,
    pub id: String,
    pub size: u64,
    /// ISO 8601 UTC, as in CheckFileInfo.
    pub last_modified: String,
}

pub struct LocalStore {
    root: PathBuf,
    signer: TokenSigner,
    locks: LockTable,
    /// Serialises the check-then-rename of writes, so a timestamp or lock check and the write
    /// it allows are one step for this process.
    write_guard: tokio::sync::Mutex<()>,
    max_file_bytes: u64,
    public_url: Option<String>,
    /// `https` when clients reach wsd over TLS (`[tls]`), for links built from the Host header.
    pub(crate) scheme: &'static str,
}

impl LocalStore {
    /// A store over the directory `root` (resolved once, so a later symlink swap of the
    /// configured path does not move it), signing tokens with `secret`.
    pub fn new(root: impl AsRef<Path>, secret: &[u8]) -> Result<LocalStore, LocalStoreError> {
        let given = root.as_ref();
        let root = std::fs::canonicalize(given).map_err(|source| LocalStoreError::ResolveRoot {
            path: given.to_owned(),
            source,
        })?;
        if !root.is_dir() {
            return Err(LocalStoreError::RootNotDirectory(root));
        }
        Ok(LocalStore {
            root,
            signer: TokenSigner::new(secret),
            locks: LockTable::default(),
            write_guard: tokio::sync::Mutex::new(()),
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            public_url: None,
            scheme: "http",
        })
    }

    /// A fresh random token key, for a store whose tokens must not outlive the process (tests,
    /// or when the key file cannot be kept: see token_key.rs).
    pub fn generate_secret() -> [u8; 32] {
        rand::random()
    }

    pub fn with_max_file_bytes(mut self, max_file_bytes: u64) -> LocalStore {
        self.max_file_bytes = max_file_bytes;
        self
    }

    /// The server's address as clients see it (`https://office.example.org`), for the links
    /// in the index page and PutRelativeFile. Without it, `http://<Host header>` is used.
    pub fn with_public_url(mut self, url: impl Into<String>) -> LocalStore {
        self.public_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Links built from the Host header use https (wsd or a proxy in front terminates TLS).
    pub fn with_https(mut self, https: bool) -> LocalStore {
        self.scheme = if https { "https" } else { "http" };
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The id of the document called `name` (whether or not it exists).
    pub fn file_id(name: &str) -> String {
        file_id::encode(name)
    }

    pub fn issue_token(&self, file_id: &str, user: &str, can_write: bool, ttl: Duration) -> String {
        self.signer.issue(file_id, user, can_write, ttl)
    }

    /// `<base>/wopi/files/<id>`: the WOPISrc of a document.
    pub fn wopi_src(base_url: &str, file_id: &str) -> String {
        format!("{}/wopi/files/{file_id}", base_url.trim_end_matches('/'))
    }

    /// Where the index page's forms post to open `file_id`: the web client page with the
    /// document's WOPISrc (not a secret) in the query,
    /// `/browser/dist/cool.html?WOPISrc=<url-encoded <base>/wopi/files/<id>>`. The token goes in
    /// the form's body (`access_token`), never in a URL, where it would end up in the browser's
    /// history and in proxy logs.
    pub fn editor_action(base_url: &str, file_id: &str) -> String {
        use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
        let wopi_src = Self::wopi_src(base_url, file_id);
        format!(
            "{EDITOR_PAGE}?WOPISrc={}",
            utf8_percent_encode(&wopi_src, NON_ALPHANUMERIC)
        )
    }

    /// The documents in the root, by name: regular, non-hidden files only.
    pub fn list(&self) -> Result<Vec<DocumentEntry>, LocalStoreError> {
        let list_error = |source| LocalStoreError::ListRoot {
            path: self.root.clone(),
            source,
        };
        let mut documents = Vec::new();
        for entry in std::fs::read_dir(&self.root).map_err(list_error)? {
            let entry = entry.map_err(list_error)?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let Ok(metadata) = self.stat(&name) else {
                continue;
            };
            documents.push(DocumentEntry {
                id: file_id::encode(&name),
                size: metadata.len(),
                last_modified: last_modified(&metadata),
                name,
            });
        }
        documents.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(documents)
    }

    /// Copies the documents in `from` (regular, non-hidden files) into `dir` when `dir` holds
    /// no document yet, creating it if needed; returns how many were copied. A directory that
    /// already has documents is left alone, so a restart never overwrites edits.
    pub fn seed_samples(dir: &Path, from: &Path) -> Result<usize, LocalStoreError> {
        std::fs::create_dir_all(dir).map_err(|source| LocalStoreError::CreateSampleDir {
            path: dir.to_owned(),
            source,
        })?;
        if !documents_in(dir)?.is_empty() {
            return Ok(0);
        }
        let samples = documents_in(from)?;
        for name in &samples {
            let (source_path, target) = (from.join(name), dir.join(name));
            std::fs::copy(&source_path, &target).map_err(|source| LocalStoreError::CopySample {
                from: source_path.clone(),
                to: target.clone(),
                source,
            })?;
        }
        Ok(samples.len())
    }

    fn path_of(&self, name: &str) -> PathBuf {
        // `name` passed file_id::check_name: one component, so the join stays in the root.
        self.root.join(name)
    }

    /// Metadata of the document `name`; a symlink or anything but a regular file is NotFound.
    fn stat(&self, name: &str) -> std::io::Result<Metadata> {
        if file_id::check_name(name).is_err() {
            return Err(std::io::ErrorKind::NotFound.into());
        }
        let metadata = std::fs::symlink_metadata(self.path_of(name))?;
        if metadata.file_type().is_file() {
            Ok(metadata)
        } else {
            Err(std::io::ErrorKind::NotFound.into())
        }
    }
}

/// Regular, non-hidden files directly in `dir`, sorted.
fn documents_in(dir: &Path) -> Result<Vec<String>, LocalStoreError> {
    let list_error = |source| LocalStoreError::ListSamples {
        path: dir.to_owned(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(list_error)? {
        let entry = entry.map_err(list_error)?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let is_file = entry.file_type().is_ok_and(|kind| kind.is_file());
        if is_file && file_id::check_name(&name).is_ok() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

fn last_modified(metadata: &Metadata) -> String {
    metadata
        .modified()
        .map(timestamp::format_iso8601)
        .unwrap_or_default()
}

/// WOPI `Version`: changes whenever the content may have (modification time and size).
fn version(metadata: &Metadata) -> String {
    let micros = metadata.modified().map(timestamp::to_micros).unwrap_or(0);
    format!("{micros:x}-{:x}", metadata.len())
}

/// `/wopi/files/{id}` and `/wopi/files/{id}/contents` for `store`.
pub fn router(store: std::sync::Arc<LocalStore>) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route(
            "/wopi/files/{id}",
            get(wopi::check_file_info).post(wopi_override::dispatch),
        )
        .route(
            "/wopi/files/{id}/contents",
            get(wopi::get_file).post(wopi::put_file),
        )
        .with_state(store)
}
