//! Wire formats shared by wsd, forkit and kit.
//!
//! Every format here is documented next to the code in `docs/kit-protocol.md`; keep the two in step.

pub mod frame;
pub mod message;

pub use frame::{Frame, FrameError, MAX_HEADER_LEN};
pub use message::{Message, MessageError};
