//! Password-protected documents through wsd, made in the test: an ODT that LibreOffice itself
//! encrypted and a docx encrypted the way Office does. Editing: `load … password=`; a missing or
//! wrong password is `error kind=password-required|password-wrong type=to-view`, then `close
//! reason=load-failed`; a session that joins the open document is not asked. convert-to: the
//! `password` form field; without it (or wrong) a 400 saying "password-protected". The
//! password never reaches the log (wsd, forkit and the kits, at debug level).

use oxool_proto::Message;
use oxool_tests::http::post_multipart;
use oxool_tests::protected::{encrypted_ooxml, protected_odt};
use oxool_tests::server::{Server, ServerOptions};
use oxool_tests::wopi_host::{token, url_encode, WopiHost, WopiHostOptions};
use oxool_tests::ws::WsClient;

/// Spaces, accents and a percent sign: the password survives every encoding on the way.
const PASSWORD: &str = "Sésame 100% ouvre-toi";
const WRONG: &str = "Sesame-wrong-guess";
const TEXT: &str = "oxool fixture text alpha";

fn protected_documents() -> Vec<(&'static str, Vec<u8>)> {
    let docx = std::fs::read(oxool_tests::fixture("simple.docx")).unwrap();
    vec![
        ("protected.odt", protected_odt(PASSWORD)),
        ("protected.docx", encrypted_ooxml(&docx, PASSWORD)),
    ]
}

fn server(wopi_hosts: Vec<String>) -> Server {
    Server::start(ServerOptions {
        wopi_hosts,
        editing_toml: Some("autosave_secs = 0\nidle_save_secs = 0".into()),
        extra_toml: "[logging]\nlevel = \"debug\"\n".into(),
        ..Default::default()
    })
    .unwrap()
}

/// An encrypted OOXML file is an OLE compound file (the package inside is encrypted); an
/// encrypted ODF package lists encryption data in its manifest.
fn is_encrypted(name: &str, bytes: &[u8]) -> bool {
    if name.ends_with(".docx") {
        return bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let manifest = std::process::Command::new("unzip")
        .arg("-p")
        .arg(&path)
        .arg("META-INF/manifest.xml")
        .output()
        .expect("unzip runs");
    String::from_utf8_lossy(&manifest.stdout).contains("encryption-data")
}

/// The text of `bytes` opened with `password` (convert-to txt), or the refusal's status.
fn text_with_password(server: &Server, name: &str, bytes: &[u8], password: &str) -> String {
    let url = server.url("/cool/convert-to/txt");
    let parts = [
        ("data", Some(name), bytes),
        ("password", None, password.as_bytes()),
    ];
    let response = post_multipart(&url, &parts).unwrap();
    assert_eq!(response.status, 200, "{name}: {}", response.text());
    response.text()
}

/// Neither the password nor any encoding of it appears in the server's log.
fn assert_not_logged(server: &Server) {
    let log = server.log();
    assert!(!log.is_empty(), "the server logged nothing");
    for secret in [
        PASSWORD,
        WRONG,
        &url_encode(PASSWORD),
        "Sésame",
        "S%C3%A9same",
    ] {
        assert!(!log.contains(secret), "the log shows {secret:?}:\n{log}");
    }
}

/// `oxool` and `load` with an optional password; the first answer that decides.
async fn load(
    client: &mut WsClient,
    wopisrc: &str,
    user: &str,
    password: Option<&str>,
) -> oxool_tests::ws::Incoming {
    client.send(Message::new("oxool").arg("version", 1)).await;
    let mut load = Message::new("load")
        .arg("wopisrc", wopisrc)
        .arg("token", token(user, user, true));
    if let Some(password) = password {
        load = load.arg("password", password);
    }
    client.send(load).await;
    client
        .wait_for("the answer to load", |m| m.is("status") || m.is("error"))
        .await
}

async fn refused(client: &mut WsClient, wopisrc: &str, password: Option<&str>, kind: &str) {
    let error = load(client, wopisrc, "eve", password).await;
    assert!(error.is("error"), "{error}");
    assert_eq!(error.get("kind"), Some(kind), "{error}");
    assert_eq!(error.get("type"), Some("to-view"), "{error}");
    let close = client.wait_for("close", |m| m.is("close")).await;
    assert_eq!(close.get("reason"), Some("load-failed"), "{close}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_asks_for_the_password_once() {
    let host = WopiHost::start(WopiHostOptions::default()).unwrap();
    let server = server(vec![host.base()]);
    let port = server.port;
    for (name, bytes) in protected_documents() {
        host.add_document(name, &bytes).unwrap();
        let src = host.wopisrc(name);

        let mut none = WsClient::connect(port, "no-password").await.unwrap();
        refused(&mut none, &src, None, "password-required").await;
        let mut wrong = WsClient::connect(port, "wrong").await.unwrap();
        refused(&mut wrong, &src, Some(WRONG), "password-wrong").await;

        let mut alice = WsClient::connect(port, "alice").await.unwrap();
        let status = load(&mut alice, &src, "alice", Some(PASSWORD)).await;
        assert!(status.is("status"), "{name}: {status}");
        // Bob joins the open document without a password: he is not asked.
        let mut bob = WsClient::connect(port, "bob").await.unwrap();
        let status = load(&mut bob, &src, "bob", None).await;
        assert!(
            status.is("status"),
            "{name}: the joiner was asked: {status}"
        );
        // The document is the decrypted one: a text download shows its text.
        alice
            .send(Message::new("download").arg("id", 7).arg("format", "txt"))
            .await;
        let download = alice
            .wait_for("the download", |m| m.is("download") || m.is("error"))
            .await;
        assert!(download.binary, "{name}: {download}");
        let text = String::from_utf8_lossy(&download.body).into_owned();
        assert!(text.contains(TEXT), "{name}: {text}");

        // An edit stored to the WOPI host stays protected by the same password.
        alice.type_keys("x").await;
        let saved = alice.save(false).await;
        assert_eq!(saved.get("save"), Some("idle"), "{name}: {saved}");
        let stored = std::fs::read(host.path_of(name)).unwrap();
        assert!(
            is_encrypted(name, &stored),
            "{name} was stored without its password"
        );
        let text =
            tokio::task::block_in_place(|| text_with_password(&server, name, &stored, PASSWORD));
        // Typed at the start of the document: the stored file has the edit.
        let typed = text
            .trim_start_matches(|c: char| c == '\u{feff}' || c.is_whitespace())
            .starts_with('x');
        assert!(typed && text.contains(TEXT), "{name}: {text}");
        // A download in the document's own format is the document: protected too. Another
        // format is an export, as for any document (the txt above).
        let own = name.rsplit_once('.').unwrap().1;
        alice
            .send(Message::new("download").arg("id", 8).arg("format", own))
            .await;
        let download = alice
            .wait_for("the download", |m| m.is("download") || m.is("error"))
            .await;
        assert!(download.binary, "{name}: {download}");
        assert!(
            is_encrypted(name, &download.body),
            "{name} was downloaded without its password"
        );
    }
    assert_not_logged(&server);
}

#[test]
fn convert_to_takes_the_password_field() {
    let server = server(Vec::new());
    let url = server.url("/cool/convert-to/txt");
    for (name, bytes) in protected_documents() {
        let convert = |password: Option<&str>| {
            let mut parts = vec![("data", Some(name), bytes.as_slice())];
            if let Some(password) = password {
                parts.push(("password", None, password.as_bytes()));
            }
            post_multipart(&url, &parts).unwrap()
        };
        let response = convert(Some(PASSWORD));
        assert_eq!(response.status, 200, "{name}: {}", response.text());
        assert!(
            response.text().contains(TEXT),
            "{name}: {}",
            response.text()
        );
        for password in [None, Some(WRONG)] {
            let response = convert(password);
            assert_eq!(
                response.status,
                400,
                "{name} {password:?}: {}",
                response.text()
            );
            assert!(
                response.text().contains("password-protected"),
                "{name} {password:?}: {}",
                response.text()
            );
        }
    }
    assert_not_logged(&server);
}
