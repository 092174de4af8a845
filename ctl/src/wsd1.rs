//! The client side of `org.oxool.Wsd1`: reaching wsd, and what its failures mean to an
//! administrator.
//!
//! Default: the system bus, where the policy lets root and the group oxool call wsd. With
//! `--address`: peer-to-peer on wsd's `net.admin_socket` (a wsd without the system bus).

pub use oxool_bus::wsd1::{Wsd1Proxy, BUS_NAME};

/// Why a command did not reach wsd or wsd refused it.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to the system bus: {0}")]
    SystemBus(zbus::Error),
    #[error("wsd is not running ({BUS_NAME} has no owner)")]
    NotOnBus,
    #[error("wsd is not running (cannot connect to {address}: {reason})")]
    NotAtAddress { address: String, reason: String },
    #[error("invalid address {address}: {reason}")]
    Address { address: String, reason: String },
    // The bus's own text lists every rule it matched: too much to print.
    #[error("permission denied: only root and the members of the group oxool may call {BUS_NAME}")]
    AccessDenied,
    #[error("{0}")]
    Refused(String),
    #[error("talking to wsd: {0}")]
    Dbus(zbus::Error),
}

/// A proxy to wsd: on the system bus after checking that wsd owns its name, or on `address`.
pub async fn connect(address: Option<&str>) -> Result<Wsd1Proxy<'static>, ClientError> {
    let connection = match address {
        None => system_bus().await?,
        Some(address) => peer(address).await?,
    };
    Wsd1Proxy::builder(&connection)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .await
        .map_err(ClientError::Dbus)
}

async fn system_bus() -> Result<zbus::Connection, ClientError> {
    let connection = zbus::Connection::system()
        .await
        .map_err(ClientError::SystemBus)?;
    // wsd has no activation file: say it is not running instead of a bare ServiceUnknown.
    let dbus = zbus::fdo::DBusProxy::new(&connection)
        .await
        .map_err(ClientError::Dbus)?;
    let name = zbus::names::BusName::try_from(BUS_NAME).map_err(|e| ClientError::Dbus(e.into()))?;
    match dbus.name_has_owner(name).await {
        Ok(true) => Ok(connection),
        Ok(false) => Err(ClientError::NotOnBus),
        Err(error) => Err(ClientError::Dbus(error.into())),
    }
}

async fn peer(address: &str) -> Result<zbus::Connection, ClientError> {
    let builder =
        zbus::connection::Builder::address(address).map_err(|e| ClientError::Address {
            address: address.to_string(),
            reason: e.to_string(),
        })?;
    builder
        .p2p()
        .build()
        .await
        .map_err(|e| ClientError::NotAtAddress {
            address: address.to_string(),
            reason: without_address(&e.to_string()),
        })
}

/// zbus's "Failed to connect to address `A`: REASON" without the address we print already.
fn without_address(text: &str) -> String {
    match text.rsplit_once("`: ") {
        Some((_, reason)) => reason.to_string(),
        None => text.to_string(),
    }
}

/// Turns a failed call into what the administrator needs to read: the text wsd sent, or who
/// may call when the bus refused.
pub fn explain(error: zbus::Error) -> ClientError {
    match error {
        zbus::Error::MethodError(name, text, _) => {
            let text = text.unwrap_or_else(|| name.to_string());
            match name.as_str() {
                "org.freedesktop.DBus.Error.AccessDenied" => ClientError::AccessDenied,
                "org.freedesktop.DBus.Error.ServiceUnknown"
                | "org.freedesktop.DBus.Error.NameHasNoOwner" => ClientError::NotOnBus,
                _ => ClientError::Refused(text),
            }
        }
        zbus::Error::FDO(fdo) => match *fdo {
            zbus::fdo::Error::AccessDenied(_) => ClientError::AccessDenied,
            zbus::fdo::Error::ServiceUnknown(_) | zbus::fdo::Error::NameHasNoOwner(_) => {
                ClientError::NotOnBus
            }
            other => ClientError::Refused(other.to_string()),
        },
        other => ClientError::Dbus(other),
    }
}
