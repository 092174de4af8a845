//! LibreOfficeKit: the hand-written C ABI ([`ffi`], [`enums`]) and safe wrappers around it.
//!
//! The life cycle mirrors the process model: the zygote opens the library ([`LokLibrary::open`])
//! and preinitialises it ([`LokLibrary::preinit`]) once; each forked kit (or any process that does
//! not fork) calls [`LokLibrary::init`] to get the [`Office`], loads one [`Document`] and leaves
//! with `_exit`. LibreOffice cannot be torn down and set up again in one process, so the library
//! stays mapped and the office is never destroyed once initialisation has been attempted.
//!
//! Threads: LOK starts its own main thread at init. Calls into LOK may come from any one thread at
//! a time ([`Office`] and [`Document`] are `Send`, not `Sync`); callbacks arrive on LibreOffice's
//! thread and are handed over as owned [`CallbackEvent`]s.

mod callback;
mod calls;
mod document;
mod document_input;
pub mod enums;
pub mod ffi;
mod library;
mod office;
pub mod password;
mod strings;
mod url;

use std::path::PathBuf;

pub use callback::CallbackEvent;
pub use document::{Document, DocumentType, TileArea, TileMode};
pub use library::LokLibrary;
pub use office::Office;
pub use url::file_url;

/// Where Debian (and most distributions) install LibreOffice's `program` directory.
pub const DEFAULT_PROGRAM_DIR: &str = "/usr/lib/libreoffice/program";

/// The library inside the program directory that exports the LOK entry points. Debian builds
/// LibreOffice as one merged library, so there is no `libsofficeapp.so`.
pub const MERGED_LIBRARY: &str = "libmergedlo.so";

/// Everything that can go wrong between `dlopen` and a saved document; one variant per step.
#[derive(Debug, thiserror::Error)]
pub enum LokError {
    #[error("cannot open the LibreOffice library {path}: {source}")]
    LibraryOpen {
        path: PathBuf,
        source: libloading::Error,
    },
    #[error("the LibreOffice library {path} does not export {name}: {source}")]
    MissingSymbol {
        path: PathBuf,
        name: &'static str,
        source: libloading::Error,
    },
    #[error("lok_preinit_2 failed (returned {code})")]
    PreinitFailed { code: i32 },
    #[error("libreofficekit_hook_2 returned no office")]
    InitFailed,
    #[error("LibreOffice could not load the document: {message}")]
    LoadFailed { message: String },
    #[error("LibreOffice could not save the document as {format}: {message}")]
    SaveFailed { format: String, message: String },
    #[error("this LibreOffice has no {name} (its vtable is shorter than 7.4's)")]
    MissingMember { name: &'static str },
    #[error("a path contains a NUL byte")]
    NulInPath,
    #[error("a string argument contains a NUL byte")]
    NulInString,
    #[error("cannot make {path} absolute: {source}")]
    PathToUrl {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the tile buffer holds {len} bytes, {needed} are needed")]
    TileBufferTooSmall { len: usize, needed: usize },
    #[error("invalid tile geometry: {detail}")]
    TileGeometry { detail: &'static str },
}

/// The `nSize` gate of [`ffi`], as a function of a struct member: yields the member's function
/// pointer when the vtable LibreOffice built reaches it and the pointer is set, and
/// [`LokError::MissingMember`] otherwise.
macro_rules! vtable_member {
    ($class:expr, $class_type:ty, $has:path, $member:ident) => {{
        let class: &$class_type = $class;
        if $has(class.n_size, core::mem::offset_of!($class_type, $member)) {
            class.$member.ok_or($crate::lok::LokError::MissingMember {
                name: stringify!($member),
            })
        } else {
            Err($crate::lok::LokError::MissingMember {
                name: stringify!($member),
            })
        }
    }};
}
pub(crate) use vtable_member;
