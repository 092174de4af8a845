//! oxool's systemplate: the few host files a kit's jail shows at `/`, and the one list of host
//! paths a kit sees read-only at their own path.
//!
//! `oxool-systemplate-setup` builds the template once (package install); forkit calls
//! [`refresh_dynamic`] at start and passes [`default_ro_binds`] to every kit's jail.

mod binds;
mod template;

pub use binds::default_ro_binds;
pub use template::{refresh_dynamic, setup, SetupError};
