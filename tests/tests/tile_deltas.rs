//! Tile deltas end to end (docs/protocol.md, "Tile deltas"): session A types; viewers B and C
//! (of one document, so wsd's decoded tiles are shared between their deltas) follow every
//! invalidation with `refresh=1 delta=1` and apply what comes back (whole tiles,
//! `unchanged=1`, deltas) with the Rust mirror of the web client's apply code
//! (tests/src/tile_deltas.rs). After each round each viewer's reconstructed tiles must equal,
//! byte for byte, the whole tiles its own view paints for the same document then. Real wsd,
//! real kits, the independent WOPI host.

use std::time::Duration;

use oxool_tests::editing_setup::EditingSetup;
use oxool_tests::tile_deltas::HeldTiles;
use oxool_tests::tile_grid::{page_tiles, TILE_PX, TILE_TWIPS};
use oxool_tests::ws::{Incoming, WsClient};

/// Typing rounds, each ended by the equality check: the earlier row-band attempt was stale in
/// 2 of 8 runs, so one lucky round proves little.
const ROUNDS: usize = 4;

/// The top of the first page at 100 %: 4 × 3 tiles.
fn visible() -> Vec<(i64, i64)> {
    page_tiles(0..3)
}

fn stale(invalidate: &Incoming) -> Vec<(i64, i64)> {
    if invalidate.get("all") == Some("1") {
        return visible();
    }
    let num = |k: &str| {
        invalidate
            .get(k)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0i64)
    };
    let (x, y, w, h) = (num("x"), num("y"), num("w"), num("h"));
    visible()
        .into_iter()
        .filter(|&(tx, ty)| tx < x + w && tx + TILE_TWIPS > x && ty < y + h && ty + TILE_TWIPS > y)
        .collect()
}

/// Asks for `at` (with deltas) and applies every answer; returns the answers.
async fn fetch(
    client: &mut WsClient,
    held: &mut HeldTiles,
    at: &[(i64, i64)],
    refresh: bool,
) -> Vec<Incoming> {
    client.skip_seen();
    client
        .delta_tiles(0, TILE_PX, TILE_TWIPS as u32, at, refresh)
        .await;
    let mut answers = Vec::new();
    for _ in at {
        let answer = client.wait_for("a requested tile", |m| m.is_tile()).await;
        if let Err(error) = held.apply(&answer) {
            panic!("[{}] {error}", client.label);
        }
        answers.push(answer);
    }
    answers
}

/// Follows invalidations as a browser does (asks again for the stale tiles it shows) until
/// none comes for `quiet`.
async fn follow(client: &mut WsClient, held: &mut HeldTiles, quiet: Duration) {
    let mut scanned = client.mark();
    loop {
        client.drain_for(quiet).await;
        let mut at: Vec<(i64, i64)> = client.seen[scanned..]
            .iter()
            .filter(|m| m.is("invalidate"))
            .flat_map(stale)
            .collect();
        scanned = client.seen.len();
        at.sort();
        at.dedup();
        if at.is_empty() {
            return;
        }
        fetch(client, held, &at, true).await;
    }
}

/// B's reconstructed tiles against the whole tiles its view paints now; retried when the
/// document changed (an invalidation arrived) while the whole tiles were painted.
async fn assert_reconstruction_is_exact(b: &mut WsClient, held: &mut HeldTiles, round: usize) {
    for _attempt in 0..5 {
        follow(b, held, Duration::from_millis(400)).await;
        let before: Vec<Vec<u8>> = visible()
            .iter()
            .map(|&at| held.get(at).expect("B holds every visible tile").to_vec())
            .collect();
        let mark = b.mark();
        // Without `refresh=1` every tile comes back whole (and B holds it from now on).
        let whole = fetch(b, held, &visible(), false).await;
        assert!(
            whole.iter().all(|t| t.get("delta").is_none()),
            "whole tiles"
        );
        let changed_meanwhile = b.seen[mark..].iter().any(|m| m.is("invalidate"));
        if changed_meanwhile {
            continue;
        }
        for (at, before) in visible().into_iter().zip(before) {
            let now = held.get(at).unwrap();
            if before != now {
                let differing = before
                    .chunks(4)
                    .zip(now.chunks(4))
                    .filter(|(a, b)| a != b)
                    .count();
                panic!("round {round}: the tile at {at:?} rebuilt from deltas differs from the whole tile in {differing} pixels");
            }
        }
        return;
    }
    panic!("round {round}: the document never stayed still long enough to compare");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_rebuilding_tiles_from_deltas_sees_exactly_the_whole_tiles() {
    let name = "deltas.docx";
    // A second viewer (Carol): wsd decodes tiles once per document for all its sessions' deltas.
    let users = [("Alice", true), ("Bob", false), ("Carol", false)];
    let (_setup, [mut a, mut b, mut c]) =
        EditingSetup::with_users("simple.docx", name, users).await;

    let mut held = HeldTiles::default();
    fetch(&mut b, &mut held, &visible(), false).await;
    let mut held_c = HeldTiles::default();
    fetch(&mut c, &mut held_c, &visible(), false).await;
    let (mut delta_bytes, mut whole_bytes) = (0usize, 0usize);
    // Letters at the start of the text shift the rest of the line; Enter and Backspace move
    // every line below; a long word wraps.
    let rounds = [
        "Quick ",
        "brown\r",
        "fox jumps over the lazy dog again and again ",
        "\u{8}\u{8}\u{8}x\r\r",
    ];
    for round in 0..ROUNDS {
        for ch in rounds[round % rounds.len()].chars() {
            match ch {
                '\r' => a.key(13, 1280).await,
                '\u{8}' => a.key(8, 1283).await,
                ch => a.key(ch as u32, 0).await,
            }
            let from = b.mark();
            follow(&mut b, &mut held, Duration::from_millis(30)).await;
            follow(&mut c, &mut held_c, Duration::from_millis(1)).await;
            for m in &b.seen[from..] {
                match (m.is_tile() && m.binary, m.get("delta")) {
                    (true, Some("1")) => delta_bytes += m.body.len(),
                    (true, None) => whole_bytes += m.body.len(),
                    _ => {}
                }
            }
        }
        assert_reconstruction_is_exact(&mut b, &mut held, round).await;
        assert_reconstruction_is_exact(&mut c, &mut held_c, round).await;
    }
    assert!(held_c.deltas >= 10, "C got deltas: {}", held_c.deltas);
    assert!(
        held.deltas >= 10,
        "deltas were used: {} deltas, {} whole",
        held.deltas,
        held.whole
    );
    println!(
        "{} deltas ({} with a move, {} B in all), {} whole tiles ({} B), {} unchanged",
        held.deltas, held.moves, delta_bytes, held.whole, whole_bytes, held.unchanged
    );
    // Spaces move the rest of a line by whole pixels: the move path was taken.
    assert!(held.moves >= 1, "no delta had a move");

    // A client that never said `delta=1` gets whole PNG tiles after a change, as before.
    fetch_plain(&mut a, false).await;
    a.type_keys("Z").await;
    a.wait_for("an invalidation", |m| m.is("invalidate")).await;
    let answers = fetch_plain(&mut a, true).await;
    assert!(
        answers.iter().any(|t| t.binary),
        "the changed tile is sent again"
    );
    for tile in answers.iter().filter(|t| t.binary) {
        assert!(
            tile.get("format") == Some("png") && tile.get("delta").is_none(),
            "{tile}"
        );
    }
}

/// Every visible tile for a client that does not apply deltas.
async fn fetch_plain(client: &mut WsClient, refresh: bool) -> Vec<Incoming> {
    client.skip_seen();
    if refresh {
        client
            .refresh_tiles(0, TILE_PX, TILE_TWIPS as u32, &visible())
            .await;
    } else {
        client
            .tiles(0, TILE_PX, TILE_TWIPS as u32, &visible())
            .await;
    }
    let mut answers = Vec::new();
    for _ in visible() {
        answers.push(client.wait_for("a requested tile", |m| m.is_tile()).await);
    }
    answers
}
