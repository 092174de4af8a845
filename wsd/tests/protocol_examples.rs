//! Keeps docs/protocol.md and the code in step: every line of a ```client block must be
//! accepted by the parser wsd uses, and every ```server block must hold only messages wsd sends,
//! with the arguments wsd gives them, bodies only where wsd sends one.

use std::path::Path;

use oxool_proto::Message;
use oxool_wsd::editing::protocol::parse_client;

/// Server messages: name, required keys, whether a body line follows.
const SERVER_MESSAGES: &[(&str, &[&str], bool)] = &[
    ("oxool", &["version", "server"], false),
    ("progress", &["stage"], false),
    (
        "status",
        &[
            "type", "parts", "part", "width", "height", "view", "lok_view", "readonly", "name",
        ],
        false,
    ),
    ("users", &[], true),
    ("parts", &[], true),
    ("selection", &["id", "mimetype"], true),
    (
        "tile",
        &["part", "x", "y", "tw", "th", "width", "height"],
        false,
    ),
    ("invalidate", &[], false),
    (
        "window-tile",
        &["id", "x", "y", "width", "height", "scale", "format"],
        false,
    ),
    ("command-values", &["command"], true),
    ("event", &["kind"], true),
    ("doc-state", &["modified", "save"], false),
    ("download", &["id", "format", "name"], false),
    ("saved-as", &["name", "wopisrc"], false),
    (
        "recovered",
        &["source", "lost_edits", "checkpoint_age_secs"],
        false,
    ),
    ("pong", &[], false),
    ("error", &["kind", "message"], false),
    ("close", &["reason", "message"], false),
];

fn blocks(tag: &str) -> Vec<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/protocol.md");
    let text = std::fs::read_to_string(path).unwrap();
    let mut found = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in text.lines() {
        let fence = line.trim();
        match current.take() {
            None => {
                if fence == format!("```{tag}") {
                    current = Some(Vec::new());
                }
            }
            Some(lines) if fence == "```" => found.push(lines),
            Some(mut lines) => {
                lines.push(line.to_string());
                current = Some(lines);
            }
        }
    }
    assert!(!found.is_empty(), "no ```{tag} block in docs/protocol.md");
    found
}

#[test]
fn every_client_example_is_accepted() {
    let mut count = 0;
    for block in blocks("client") {
        let mut lines = block.into_iter();
        while let Some(mut line) = lines.next() {
            // `paste` and `dialog-event` have a body: the next line.
            if line.starts_with("paste ") || line.starts_with("dialog-event ") {
                line = format!("{line}\n{}", lines.next().unwrap_or_default());
            }
            if let Err(refused) = parse_client(&line) {
                panic!("docs/protocol.md client example {line:?} is refused: {refused}");
            }
            count += 1;
        }
    }
    assert!(count >= 15, "only {count} client examples");
}

#[test]
fn every_server_example_is_a_message_wsd_sends() {
    let mut count = 0;
    for block in blocks("server") {
        let mut expect_body = false;
        for line in block {
            if expect_body {
                expect_body = false;
                continue;
            }
            let message = Message::parse(&line)
                .unwrap_or_else(|e| panic!("server example {line:?} does not parse: {e}"));
            let Some((_, keys, body)) = SERVER_MESSAGES
                .iter()
                .find(|(name, _, _)| *name == message.name)
            else {
                panic!(
                    "server example {line:?}: wsd sends no {:?} message",
                    message.name
                );
            };
            for key in *keys {
                assert!(
                    message.get(key).is_some(),
                    "server example {line:?} lacks {key}"
                );
            }
            expect_body = *body;
            count += 1;
        }
        assert!(
            !expect_body,
            "a server block ends where a body was expected"
        );
    }
    assert!(count >= 20, "only {count} server examples");
}

#[test]
fn rendered_messages_match_the_documented_spelling() {
    use oxool_wsd::editing::protocol::{tile_header, TileKey};
    use oxool_wsd::editing::tile_delta::{tile_delta_header, Delta, Rect};
    use oxool_wsd::editing::tile_shift::{BandPlan, Move, PatchRun};
    let key = TileKey {
        part: 0,
        x: 3840,
        y: 0,
        tw: 3840,
        th: 3840,
        width: 256,
        height: 256,
    };
    let unchanged = tile_header(&key).arg("unchanged", 1).render();
    let shift = |x, width, sx| Move { x, width, sx };
    let delta = Delta {
        band: Rect {
            x: 36,
            y: 37,
            width: 220,
            height: 19,
        },
        plan: BandPlan {
            moves: vec![shift(43, 61, 7), shift(104, 80, 8), shift(184, 72, 7)],
            patch: vec![PatchRun { x: 36, width: 7 }],
        },
        png: Vec::new(),
    };
    let delta = tile_delta_header(&TileKey { x: 0, ..key }, &delta).render();
    let documented: Vec<String> = blocks("server").into_iter().flatten().collect();
    for line in [unchanged, delta] {
        assert!(
            documented.contains(&line),
            "{line:?} is not in docs/protocol.md"
        );
    }
}
