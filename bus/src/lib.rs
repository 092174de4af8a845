//! oxool's D-Bus interfaces, each written once: names, object paths, the members with their
//! signatures (documented in each module), and the client proxies. The servers (forkit's
//! frontend, wsd's admin object) implement the same members; the integration tests call every
//! member through these proxies against the real servers (tests/, ctl/tests/).
//!
//! A crate of its own so that oxoolctl links zbus and nothing of wsd.

pub mod forkit1;
pub mod wsd1;
