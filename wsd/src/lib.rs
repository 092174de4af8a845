//! oxool-wsd: the broker, the only oxool process that talks to the outside world.
//!
//! This library holds everything but process start-up (main.rs), so that tests in other crates
//! can build the HTTP side with [`router`] around their own [`kit::KitSpawner`].

pub mod admin;
pub mod admission;
pub mod cluster;
pub mod config;
pub mod convert_to;
pub mod discovery;
pub mod drain;
pub mod editing;
pub mod http;
pub mod kit;
pub mod local_store;
pub mod logging;
pub mod markup;
pub mod metrics;
pub mod password;
pub mod recovery;
pub mod refusal;
pub mod response;
pub mod state;
pub mod tls;
pub mod upload;
pub mod utf7;
pub mod wopi;

pub use http::{router, serve};
pub use state::AppState;
