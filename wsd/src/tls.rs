//! HTTPS and WSS with rustls when `[tls]` names a certificate and a key, reloadable without
//! dropping connections (`systemctl reload`: new handshakes use the new certificate, open
//! sessions keep theirs).
//!
//! Handshakes run on their own tasks and only finished streams reach axum, so a client that
//! stalls mid-handshake never delays other clients' connections.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use serde::Deserialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// A handshake that has not finished by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Finished handshakes waiting for axum to take them.
const ACCEPTED_QUEUE: usize = 256;

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain (leaf first). With `private_key`: wsd speaks HTTPS itself.
    pub certificate: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1), readable by wsd only.
    pub private_key: Option<PathBuf>,
    /// A reverse proxy in front of wsd terminates TLS: wsd speaks plain HTTP but the links it
    /// makes (discovery's `urlsrc`, the local store's WOPISrc) use https.
    pub termination: bool,
}

impl TlsConfig {
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        match (&self.certificate, &self.private_key) {
            (Some(_), None) => Err(("tls.private_key", "is needed with tls.certificate".into())),
            (None, Some(_)) => Err(("tls.certificate", "is needed with tls.private_key".into())),
            (Some(_), Some(_)) if self.termination => Err((
                "tls.termination",
                "means a proxy does TLS; it cannot go with a certificate of wsd's own".into(),
            )),
            _ => Ok(()),
        }
    }

    /// Whether clients reach wsd over https (itself or through a terminating proxy).
    pub fn https(&self) -> bool {
        self.termination || self.certificate.is_some()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the certificate {path}: {reason}")]
    Certificate { path: PathBuf, reason: String },
    #[error("cannot read the private key {path}: {reason}")]
    PrivateKey { path: PathBuf, reason: String },
    #[error("the private key {path} does not match the certificate or is not usable: {reason}")]
    KeyMismatch { path: PathBuf, reason: String },
}

/// The certificate handshakes use now; [`CertificateStore::reload`] swaps it.
#[derive(Debug)]
pub struct CertificateStore {
    certificate: PathBuf,
    private_key: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
}

impl CertificateStore {
    pub fn open(certificate: &Path, private_key: &Path) -> Result<Arc<CertificateStore>, TlsError> {
        let current = load(certificate, private_key)?;
        Ok(Arc::new(CertificateStore {
            certificate: certificate.to_path_buf(),
            private_key: private_key.to_path_buf(),
            current: RwLock::new(Arc::new(current)),
        }))
    }

    /// Reads the files again; on an error the running certificate stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = load(&self.certificate, &self.private_key)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
        tracing::info!(certificate = %self.certificate.display(), "TLS certificate reloaded");
        Ok(())
    }

    /// A rustls server configuration that asks this store at every handshake.
    pub fn acceptor(self: &Arc<Self>) -> TlsAcceptor {
        let mut config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(self) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        TlsAcceptor::from(Arc::new(config))
    }
}

impl ResolvesServerCert for CertificateStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.current.read().unwrap_or_else(|e| e.into_inner()),
        ))
    }
}

fn load(certificate: &Path, private_key: &Path) -> Result<CertifiedKey, TlsError> {
    let cert_error = |reason: String| TlsError::Certificate {
        path: certificate.to_path_buf(),
        reason,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(certificate)
        .map_err(|e| cert_error(e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| cert_error(e.to_string()))?;
    if chain.is_empty() {
        return Err(cert_error("no certificate in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_file(private_key).map_err(|e| TlsError::PrivateKey {
        path: private_key.to_path_buf(),
        reason: e.to_string(),
    })?;
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let mismatch = |reason: String| TlsError::KeyMismatch {
        path: private_key.to_path_buf(),
        reason,
    };
    let certified =
        CertifiedKey::from_der(chain, key, &provider).map_err(|e| mismatch(e.to_string()))?;
    Ok(certified)
}

/// An [`axum::serve::Listener`] that yields streams whose TLS handshake finished.
pub struct TlsListener {
    accepted: mpsc::Receiver<(TlsStream<TcpStream>, std::net::SocketAddr)>,
    local_addr: std::net::SocketAddr,
}

impl TlsListener {
    pub fn new(listener: TcpListener, acceptor: TlsAcceptor) -> std::io::Result<TlsListener> {
        let local_addr = listener.local_addr()?;
        let (sender, accepted) = mpsc::channel(ACCEPTED_QUEUE);
        tokio::spawn(accept_loop(listener, acceptor, sender));
        Ok(TlsListener {
            accepted,
            local_addr,
        })
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    accepted: mpsc::Sender<(TlsStream<TcpStream>, std::net::SocketAddr)>,
) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(connection) => connection,
            Err(error) => {
                // EMFILE and friends: wait instead of spinning.
                tracing::warn!(%error, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        // Small editing frames must not wait for Nagle's algorithm (see http::serve).
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        let queue = accepted.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = queue.send((tls, peer)).await;
                }
                Ok(Err(error)) => tracing::debug!(%error, %peer, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
        if accepted.is_closed() {
            return;
        }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.accepted.recv().await {
            Some(connection) => connection,
            // The accept loop never ends while the listener lives.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}
