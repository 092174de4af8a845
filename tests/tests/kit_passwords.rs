//! Password-protected documents in a real kit: LibreOffice asks through the office callback,
//! the kit answers with the `load` message's password, and a missing or wrong one is a clear
//! error (docs/kit-protocol.md, `load`).

use oxool_tests::kit_client::KitClient;
use oxool_tests::protected::{encrypted_ooxml, protected_odt};

const PASSWORD: &str = "Sésame, ouvre-toi";

async fn load(
    name: &str,
    bytes: &[u8],
    password: Option<&str>,
) -> (KitClient, oxool_proto::Message) {
    let mut kit = KitClient::spawn("oxool-kit-passwords-").await;
    let args: Vec<(&str, &str)> = password.map(|p| ("password", p)).into_iter().collect();
    let answer = kit.load(name, bytes, &args).await;
    (kit, answer)
}

fn assert_error(answer: &oxool_proto::Message, kind: &str, password_type: &str) {
    assert_eq!(answer.name, "error", "{answer}");
    assert_eq!(answer.get("kind"), Some(kind), "{answer}");
    assert_eq!(answer.get("type"), Some(password_type), "{answer}");
}

/// Each protected document: opens with its password and shows its text; without one, or with
/// a wrong one, the kit says so.
async fn opens_only_with_its_password(name: &str, bytes: &[u8]) {
    let (mut kit, answer) = load(name, bytes, Some(PASSWORD)).await;
    assert_eq!(answer.name, "loaded", "{name}: {answer}");
    kit.open_view("v").await;
    let text = String::from_utf8_lossy(&kit.save("txt").await).into_owned();
    assert!(text.contains("oxool fixture text alpha"), "{name}: {text}");

    let (_kit, answer) = load(name, bytes, None).await;
    assert_error(&answer, "password-required", "to-view");
    let (_kit, answer) = load(name, bytes, Some("wrong")).await;
    assert_error(&answer, "password-wrong", "to-view");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_odt_encrypted_by_libreoffice() {
    opens_only_with_its_password("protected.odt", &protected_odt(PASSWORD)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_docx_encrypted_like_office() {
    let docx = std::fs::read(oxool_tests::fixture("simple.docx")).unwrap();
    opens_only_with_its_password("protected.docx", &encrypted_ooxml(&docx, PASSWORD)).await;
}
