//! LibreOffice's dialogs inside one real kit (docs/kit-protocol.md, "Dialogs").

use oxool_proto::{Frame, Message};
use oxool_tests::kit_session::{decode_png, payloads, seen, KitSession};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explore() {
    let mut kit = KitSession::load("simple.docx").await;
    let a = kit.open_view("a", false).await;
    eprintln!("lok view a {a}");
    kit.uno("a", ".uno:HyperlinkDialog", None).await;
    kit.wait_for_callbacks("WINDOW", |c| seen(c, "a", "WINDOW"))
        .await;
    let _ = kit
        .try_wait_for_callbacks(std::time::Duration::from_secs(2), |_| false)
        .await;
    for c in &kit.callbacks {
        let k = c.get("kind").unwrap_or("");
        if k == "WINDOW" || k == "JSDIALOG" {
            eprintln!(
                "{} {}: {}",
                c.get("view").unwrap_or(""),
                k,
                c.get("payload")
                    .unwrap_or("")
                    .chars()
                    .take(300)
                    .collect::<String>()
            );
        }
    }
    let created = payloads(&kit.callbacks, "a", "WINDOW")
        .into_iter()
        .find(|p| p["action"] == "created")
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let size: Vec<i64> = created["size"]
        .as_str()
        .unwrap()
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    for scale in ["1", "2"] {
        kit.send(
            Message::new("window-tile")
                .arg("view", "a")
                .arg("id", &id)
                .arg("x", 0)
                .arg("y", 0)
                .arg("width", size[0])
                .arg("height", size[1])
                .arg("scale", scale),
        )
        .await;
        let (m, png) = kit.answer("window-tile").await;
        eprintln!("{m} {} bytes", png.len());
        let (w, h, px) = decode_png(&png);
        let distinct: std::collections::HashSet<&[u8]> = px.chunks_exact(4).collect();
        eprintln!("{w}x{h} distinct colours {}", distinct.len());
    }
    kit.callbacks.clear();
    for kind in ["input", "up"] {
        kit.send(
            Message::new("window-key")
                .arg("view", "a")
                .arg("id", &id)
                .arg("type", kind)
                .arg("char", 0)
                .arg("code", 1281),
        )
        .await;
    }
    kit.wait_for_callbacks("close", |c| {
        payloads(c, "a", "WINDOW")
            .iter()
            .any(|p| p["action"] == "close")
    })
    .await;
    let _ = Frame::new("x");
}
