//! HTTPS with rustls: wsd's real router behind `serve_tls`, certificates made by the openssl
//! command, a real HTTPS client that trusts only what the test says. A reload swaps the
//! certificate for new connections; a broken file on reload keeps the running one.

mod no_kits;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use no_kits::NoKits;
use oxool_wsd::config::Config;
use oxool_wsd::tls::CertificateStore;
use oxool_wsd::AppState;

/// A self-signed certificate for 127.0.0.1 named `name`: (certificate PEM, key PEM).
fn make_certificate(dir: &Path, name: &str) -> (Vec<u8>, Vec<u8>) {
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", &format!("/CN={name}")])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl req failed");
    (std::fs::read(cert).unwrap(), std::fs::read(key).unwrap())
}

fn client_trusting(pem: &[u8]) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(pem).unwrap()])
        .build()
        .unwrap()
}

/// The status of a GET of `url` by a client that trusts only `pem`.
async fn status_trusting(pem: &[u8], url: &str) -> reqwest::StatusCode {
    client_trusting(pem).get(url).send().await.unwrap().status()
}

#[tokio::test]
async fn https_serves_and_reloads_the_certificate_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (first_cert, first_key) = make_certificate(dir.path(), "first");
    let (second_cert, second_key) = make_certificate(dir.path(), "second");
    let cert_path = dir.path().join("served.crt");
    let key_path = dir.path().join("served.key");
    std::fs::write(&cert_path, &first_cert).unwrap();
    std::fs::write(&key_path, &first_key).unwrap();

    let store = CertificateStore::open(&cert_path, &key_path).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://127.0.0.1:{}/hosting/capabilities",
        listener.local_addr().unwrap().port()
    );
    let state = AppState::new(Config::default(), Arc::new(NoKits));
    tokio::spawn(oxool_wsd::http::serve_tls(
        listener,
        store.acceptor(),
        state,
        std::future::pending(),
    ));

    let trusts_first = client_trusting(&first_cert);
    let trusts_second = client_trusting(&second_cert);
    let answer = trusts_first.get(&url).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.text().await.unwrap().contains("convert-to"));
    assert!(
        trusts_second.get(&url).send().await.is_err(),
        "a client that trusts only the second certificate must refuse the first"
    );

    // A broken file is refused on reload; the running certificate stays.
    std::fs::write(&cert_path, b"not a certificate").unwrap();
    assert!(store.reload().is_err());
    assert_eq!(status_trusting(&first_cert, &url).await, 200);

    std::fs::write(&cert_path, &second_cert).unwrap();
    std::fs::write(&key_path, &second_key).unwrap();
    store.reload().unwrap();
    assert_eq!(status_trusting(&second_cert, &url).await, 200);
    assert!(client_trusting(&first_cert).get(&url).send().await.is_err());
}

#[test]
fn a_key_that_does_not_match_the_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    make_certificate(dir.path(), "a");
    make_certificate(dir.path(), "b");
    let error = CertificateStore::open(&dir.path().join("a.crt"), &dir.path().join("b.key"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("b.key"), "{error}");
}

#[test]
fn tls_settings_are_checked() {
    let parse = |text: &str| -> Result<Config, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oxool.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(&path).map_err(|e| e.to_string())
    };
    assert!(parse("[tls]\ncertificate = \"/a.crt\"\n")
        .unwrap_err()
        .contains("tls.private_key"));
    assert!(
        parse("[tls]\ncertificate = \"/a\"\nprivate_key = \"/b\"\ntermination = true\n")
            .unwrap_err()
            .contains("tls.termination")
    );
    assert!(parse("[tls]\ntermination = true\n").unwrap().tls.https());
}
