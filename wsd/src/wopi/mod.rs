//! wsd's WOPI client: how documents come from and go back to the integrator's storage.
//!
//! - [`src`]: a WOPISrc and its canonical document key;
//! - the host allow-list, checked before any request goes out, is part of the configuration
//!   ([`crate::config::wopi_hosts`]): [`host_allowed`] and [`WopiHostPattern`];
//! - [`resolve`]: name resolution that keeps wildcard entries off internal addresses;
//! - [`token`]: the opaque access token, never printed;
//! - [`proof`]: the RSA proof keys that sign every request;
//! - [`client`] and [`calls`]: CheckFileInfo, GetFile, Lock/RefreshLock/Unlock, PutFile,
//!   PutRelativeFile, with timeouts and retries;
//! - [`error`]: one error type with a machine-readable `kind()`.

pub mod calls;
pub mod client;
pub mod error;
pub mod file_info;
pub use oxool_proof as proof;
pub mod replies;
pub mod resolve;
pub mod src;
pub mod token;

pub use crate::config::wopi_hosts::{host_allowed, WopiHostPattern};
pub use calls::PutFlags;
pub use client::WopiClient;
pub use error::{WopiCall, WopiError};
pub use file_info::FileInfo;
pub use proof::ProofKeys;
pub use replies::{NewFile, PutResult, COOL_STATUS_DOC_CHANGED};
pub use src::{DocKey, WopiSrc, WopiSrcError};
pub use token::AccessToken;
