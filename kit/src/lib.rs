//! oxool-kit: everything that runs inside one document process.
//!
//! forkit links this library: its zygote preinitialises LibreOffice through [`lok`] and compiles
//! the seccomp filter with [`seccomp`]; each forked kit then runs [`jail::enter`] (the privileged
//! steps, in the order that is the security argument) and [`serve`] (the request loop).

pub mod answer;
pub mod convert;
pub mod crash;
pub mod jail;
pub mod lok;
#[cfg(feature = "probes")]
pub mod probes;
pub mod seccomp;
pub mod serve;
pub mod session;
pub mod signal_write;
pub mod sniff;
pub mod sys;
pub mod warm_up;
