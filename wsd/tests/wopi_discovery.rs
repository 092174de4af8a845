//! `GET /hosting/discovery` through wsd's real router, parsed back as integrators parse it.

mod no_kits;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use no_kits::NoKits;
use oxool_wsd::config::Config;
use oxool_wsd::wopi::ProofKeys;
use oxool_wsd::AppState;
use quick_xml::events::Event;
use tower::ServiceExt;

/// One element of the document: name and attributes.
type Element = (String, HashMap<String, String>);

fn elements(xml: &str) -> Vec<Element> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut found = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let attributes = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                            a.unescape_value().unwrap().into_owned(),
                        )
                    })
                    .collect();
                found.push((name, attributes));
            }
            Event::Eof => return found,
            _ => {}
        }
    }
}

async fn get_discovery(config: Config, host: &str) -> (StatusCode, String, String) {
    let app = oxool_wsd::router(AppState::new(config, Arc::new(NoKits)));
    let response = app
        .oneshot(
            Request::get("/hosting/discovery")
                .header("host", host)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn discovery_lists_apps_actions_and_the_proof_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.storage.proof_key_dir = dir.path().join("proof");
    let (status, content_type, xml) = get_discovery(config, "office.example.com:9980").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/xml"), "{content_type}");
    let elements = elements(&xml);
    assert_eq!(elements[0].0, "wopi-discovery");
    assert_eq!(elements[1].0, "net-zone");
    assert_eq!(elements[1].1["name"], "external-http");

    // ext → (app, actions), as an integrator builds its table.
    let mut by_ext: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut app = String::new();
    for (name, attributes) in &elements {
        match name.as_str() {
            "app" => app = attributes["name"].clone(),
            "action" => {
                assert_eq!(
                    attributes["urlsrc"],
                    if app == "Capabilities" {
                        "http://office.example.com:9980/hosting/capabilities"
                    } else {
                        "http://office.example.com:9980/browser/dist/cool.html?"
                    }
                );
                by_ext
                    .entry(attributes["ext"].clone())
                    .or_default()
                    .push((app.clone(), attributes["name"].clone()));
            }
            _ => {}
        }
    }
    let has = |ext: &str, app: &str, action: &str| {
        by_ext
            .get(ext)
            .is_some_and(|v| v.iter().any(|(a, n)| a == app && n == action))
    };
    assert!(has(
        "odt",
        "application/vnd.oasis.opendocument.text",
        "edit"
    ));
    assert!(has(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "edit"
    ));
    assert!(has(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "edit"
    ));
    assert!(has(
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "edit"
    ));
    for ext in [
        "ott", "doc", "dotx", "rtf", "txt", "ods", "xls", "csv", "odp", "ppt", "odg",
    ] {
        assert!(by_ext[ext].iter().any(|(_, n)| n == "edit"), "{ext}");
    }
    assert!(has("pdf", "application/pdf", "view"));
    assert!(!by_ext["pdf"].iter().any(|(_, n)| n == "edit"));
    assert!(has("vsd", "application/vnd.visio", "view"));
    assert!(has("", "Capabilities", "getinfo"));

    // The proof key is the one in proof_key_dir, which signs WOPI requests.
    let proof: Vec<_> = elements.iter().filter(|(n, _)| n == "proof-key").collect();
    assert_eq!(proof.len(), 1);
    let published = ProofKeys::open_shared(&dir.path().join("proof"))
        .unwrap()
        .attributes()
        .unwrap();
    let attributes = &proof[0].1;
    assert_eq!(attributes["value"], published.value);
    assert_eq!(attributes["modulus"], published.modulus);
    assert_eq!(attributes["exponent"], published.exponent);
    assert_eq!(attributes["oldvalue"], published.old_value);
    assert_eq!(attributes["oldmodulus"], published.old_modulus);
    assert_eq!(attributes["oldexponent"], published.old_exponent);
    assert_eq!(attributes["exponent"], "AQAB");
}

#[tokio::test]
async fn a_rotation_shows_in_discovery() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.storage.proof_key_dir = dir.path().to_path_buf();
    let (_, _, before) = get_discovery(config.clone(), "h").await;
    let keys = ProofKeys::open_shared(dir.path()).unwrap();
    keys.rotate().unwrap();
    let (_, _, after) = get_discovery(config, "h").await;
    let key = |xml: &str| {
        elements(xml)
            .into_iter()
            .find(|(n, _)| n == "proof-key")
            .unwrap()
            .1
    };
    let (before, after) = (key(&before), key(&after));
    assert_ne!(before["modulus"], after["modulus"]);
    assert_eq!(before["modulus"], after["oldmodulus"]);
    assert_eq!(before["value"], after["oldvalue"]);
}

#[tokio::test]
async fn without_a_usable_key_directory_discovery_still_answers() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"").unwrap();
    let mut config = Config::default();
    // A path below a regular file can never be created.
    config.storage.proof_key_dir = blocker.join("proof");
    let (status, _, xml) = get_discovery(config, "h:1").await;
    assert_eq!(status, StatusCode::OK);
    let elements = elements(&xml);
    assert!(elements.iter().all(|(n, _)| n != "proof-key"));
    assert!(elements.iter().any(|(n, _)| n == "action"));
}

#[tokio::test]
async fn a_forged_host_cannot_inject_markup() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.storage.proof_key_dir = dir.path().to_path_buf();
    let (_, _, xml) = get_discovery(config, "evil.example\"><x y=\"").await;
    let elements = elements(&xml);
    assert!(elements.iter().all(|(n, _)| n != "x"));
    let action = elements.iter().find(|(n, _)| n == "action").unwrap();
    assert_eq!(
        action.1["urlsrc"],
        "http://127.0.0.1:9980/browser/dist/cool.html?"
    );
}
