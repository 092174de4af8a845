//! Wire formats shared by wsd, forkit and kit.
//!
//! Every format here is documented next to the code in `docs/kit-protocol.md`; keep the two in step.
//! `formats` is the one table of document formats that wsd and the kit both read.

pub mod file_name;
pub mod formats;
pub mod frame;
pub mod images;
pub mod kit_messages;
pub mod limits;
pub mod message;
pub mod tile;
pub mod view_only;

pub use frame::{Frame, FrameError, MAX_HEADER_LEN};
pub use kit_messages::{FromKit, ToKit};
pub use limits::kit_payload_limit;
pub use message::{Message, MessageError};
