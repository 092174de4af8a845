//! Durable checkpoints of modified documents (issue 13): the recovery directory on local disk.
//!
//! ```text
//! <recovery dir>/                     0700, the `editing.recovery_dir` setting
//!   <sha256 of the document key>/     0700, one per document
//!     checkpoint-<generation>.<ext>   the document in its own format, as the kit saved it
//!     checkpoint.json                 [`CheckpointMeta`]: names the file above
//!     token                           0600: the last writing session's access token
//!   pending/<hash>-<random>/          set aside for [`uploads`]: left by an earlier wsd, or
//!                                     by a document that was closed without storage having it
//!     … as above, and upload-state.json: attempts, backoff, last error
//! ```
//!
//! Every write is atomic (a temporary file, fsync, rename, fsync of the directory) and the
//! metadata is renamed into place only after the document it names, so a crash at any moment
//! leaves either the previous checkpoint or the new one, never half of one. The broker writes
//! through [`store`] on a blocking thread (editing/checkpoint.rs decides when).

pub mod store;
pub mod uploads;

pub use store::{CheckpointMeta, RecoveryError, RecoveryStore, UploadState};
