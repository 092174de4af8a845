//! The co-editing benchmark of oxool-bench, over the real WebSocket protocol (docs/protocol.md)
//! against the real server, real kits and the independent WOPI host:
//!
//! (e) WebSocket load → first tile received, for a small docx, with a prespawned kit;
//! (f) a key typed in session A → the repainted tile received by session B, where B behaves as
//!     a browser does: on `invalidate` it asks again for the visible tiles in the area;
//! (g) bytes on the wire per typed character (both directions, WebSocket framing included).
//!
//! (f) and (g) run four times on fresh copies of the document: typing at the start of the text
//! (every key moves the rest of the paragraph) and at its end, each with tile deltas (B asks
//! with `delta=1`, docs/protocol.md "Tile deltas") and with whole tiles (the anchor).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::bench::{report, summarize, Summary};
use crate::editing_setup::NO_AUTOSAVE;
use crate::server::{Server, ServerOptions};
use crate::tile_grid::{page_tiles, TILE_PX, TILE_TWIPS};
use crate::wopi_host::{token, WopiHost, WopiHostOptions};
use crate::ws::{Incoming, WsClient};

pub struct EditingPlan {
    pub loads: usize,
    pub keys: usize,
}

/// A server (one prespawned kit) for `host`'s documents with automatic saves off, and `more`
/// `[editing]` settings (TOML lines).
fn server_for(host: &WopiHost, more: &str) -> anyhow::Result<Server> {
    Server::start(ServerOptions {
        prespawn: 1,
        wopi_hosts: vec![host.base()],
        editing_toml: Some(format!("{NO_AUTOSAVE}\n{more}")),
        ..Default::default()
    })
}

pub async fn run(plan: EditingPlan) -> anyhow::Result<()> {
    let host = WopiHost::start(WopiHostOptions::default())?;
    let server = server_for(&host, "")?;
    let simple = std::fs::read(crate::fixture("simple.docx"))?;

    let (loads, to_status) = load_to_first_tile(&host, &server, &simple, plan.loads, 1).await?;
    report(
        "(e) WebSocket load → first tile, simple.docx, warm kit in reserve",
        &loads,
    );
    report("    of which connect → status", &to_status);
    {
        // The same with `warm_kit = false`: forkit's prespawned kit, which never loaded a
        // document (the figure before the reserve existed), in the same run.
        let cold = server_for(&host, "warm_kit = false")?;
        let (loads, to_status) = load_to_first_tile(&host, &cold, &simple, plan.loads, 0).await?;
        report(
            "    the same without the reserve (warm_kit = false), prespawned kit",
            &loads,
        );
        report("    of which connect → status", &to_status);
    }

    // With tile deltas (what the web client asks for), then the same without (the anchor: the
    // protocol before deltas), in the same run.
    // Typing at the start of the first paragraph moves the rest of its line at every key (the
    // figure before deltas was measured so); typing at the end of the text is what people do.
    for at_end in [false, true] {
        for deltas in [true, false] {
            let label = format!(
                "typing at the {} of the text, {}",
                if at_end { "end" } else { "start" },
                if deltas {
                    "with tile deltas"
                } else {
                    "whole tiles (anchor)"
                }
            );
            let name = format!("typing-{at_end}-{deltas}.docx");
            host.add_document(&name, &simple)?;
            let typing = key_to_tile(&host, server.port, &name, plan.keys, deltas, at_end).await?;
            report_typing(&typing, plan.keys, &label);
        }
    }
    Ok(())
}

fn report_typing(typing: &Typing, keys: usize, label: &str) {
    report(
        &format!("(f) key typed in session A → repainted tile received by session B, {label}"),
        &typing.latency,
    );
    report(
        "    of which key typed in A → invalidate received by B",
        &typing.to_invalidate,
    );
    let per_char = |bytes: u64| bytes as f64 / keys as f64;
    println!(
        "(g) wire bytes per typed character, {label}: server → A {:.0} B, server → B {:.0} B, \
         A → server {:.0} B, B → server {:.0} B (WebSocket framing included)",
        per_char(typing.to_a),
        per_char(typing.to_b),
        per_char(typing.from_a),
        per_char(typing.from_b)
    );
    let kinds: Vec<String> = typing
        .by_kind
        .iter()
        .take(6)
        .map(|(kind, bytes)| format!("{kind} {:.0} B", per_char(*bytes)))
        .collect();
    println!(
        "    server → B per character by message: {}",
        kinds.join(", ")
    );
}

/// The tiles of a page's top (4 × 5 tiles of 3840 twips: a letter page at 100 %).
fn visible_tiles() -> Vec<(i64, i64)> {
    page_tiles(0..5)
}

/// Each round opens a new document (a new broker, so the reserved warm kit, or without it the
/// prespawned kit, is taken), measured from the TCP connect to the first tile, then closes it
/// and waits for the pool and the reserve to refill.
async fn load_to_first_tile(
    host: &WopiHost,
    server: &Server,
    document: &[u8],
    rounds: usize,
    reserved: usize,
) -> anyhow::Result<(Summary, Summary)> {
    let mut samples = Vec::new();
    let mut to_status = Vec::new();
    for round in 0..rounds + 2 {
        let name = format!("load-{round}.docx");
        host.add_document(&name, document)?;
        // forkit's pool, plus the warm kit from the second round on (the first open fills it).
        server.wait_for_quiescence(1 + if round > 0 { reserved } else { 0 })?;
        let started = Instant::now();
        let mut client = WsClient::connect(server.port, &name).await?;
        let status = client
            .load(&host.wopisrc(&name), &token("bench", "Bench", true))
            .await;
        client
            .tiles(0, TILE_PX, TILE_TWIPS as u32, &visible_tiles())
            .await;
        let first = client.wait_for("the first tile", |m| m.is_tile()).await;
        // The first two rounds warm up wsd and the WOPI host.
        if round >= 2 {
            samples.push(first.at - started);
            to_status.push(status.at - started);
        }
        drop(client);
    }
    Ok((summarize(&samples), summarize(&to_status)))
}

pub(crate) struct Typing {
    pub(crate) latency: Summary,
    /// The part of `latency` until B has the `invalidate`.
    to_invalidate: Summary,
    /// Server → B bytes in the measured period by kind of message (binary tiles, events, …).
    by_kind: Vec<(String, u64)>,
    to_a: u64,
    to_b: u64,
    from_a: u64,
    from_b: u64,
}

/// Sessions A and B on `name` through 127.0.0.1:`port` (a server, or a balancer in front of
/// servers: the WebSocket URL names the document).
pub(crate) async fn key_to_tile(
    host: &WopiHost,
    port: u16,
    name: &str,
    keys: usize,
    deltas: bool,
    at_end: bool,
) -> anyhow::Result<Typing> {
    let wopisrc = host.wopisrc(name);
    let mut a = WsClient::connect_routed(port, "A", &wopisrc).await?;
    a.load(&wopisrc, &token("alice", "Alice", true)).await;
    let mut b = WsClient::connect_routed(port, "B", &wopisrc).await?;
    b.load(&wopisrc, &token("bob", "Bob", true)).await;
    if at_end {
        a.uno(".uno:GoToEndOfDoc", None).await;
        a.enter().await;
    }
    for client in [&mut a, &mut b] {
        repaint(client, &visible_tiles(), false, deltas).await;
        settle(client, deltas).await;
    }
    // Warm-up keys, then the measured ones; the byte counters cover the measured ones only.
    let mut samples = Vec::new();
    let mut invalidated = Vec::new();
    let mut counters = (0, 0, 0, 0);
    let mut measured_from = 0;
    for i in 0..keys + 5 {
        if i == 5 {
            counters = wire(&a, &b);
            measured_from = b.seen.len();
        }
        let letter = b'a' + (i % 26) as u8;
        b.skip_seen();
        let started = Instant::now();
        a.key(u32::from(letter), 0).await;
        let invalidate = b.wait_for("B's invalidation", |m| m.is("invalidate")).await;
        let stale = stale_tiles(&invalidate);
        let done = repaint(&mut b, &stale, true, deltas).await;
        if i >= 5 {
            samples.push(done - started);
            invalidated.push(invalidate.at - started);
        }
        settle(&mut a, deltas).await;
        settle(&mut b, deltas).await;
    }
    let end = wire(&a, &b);
    let mut by_kind: std::collections::BTreeMap<String, u64> = Default::default();
    for m in &b.seen[measured_from..] {
        let kind = match (m.name(), m.binary) {
            ("tile", true) if m.get("delta") == Some("1") => "tile (delta)".to_string(),
            ("tile", true) => "tile (png)".to_string(),
            ("tile", false) => "tile unchanged=1".to_string(),
            ("event", _) => format!("event {}", m.get("kind").unwrap_or_default()),
            (name, _) => name.to_string(),
        };
        // Payload bytes: the first line, the newline and the body.
        *by_kind.entry(kind).or_default() += (m.message.render().len() + 1 + m.body.len()) as u64;
    }
    let mut by_kind: Vec<(String, u64)> = by_kind.into_iter().collect();
    by_kind.sort_by_key(|(_, bytes)| std::cmp::Reverse(*bytes));
    Ok(Typing {
        latency: summarize(&samples),
        to_invalidate: summarize(&invalidated),
        by_kind,
        to_a: end.0 - counters.0,
        to_b: end.1 - counters.1,
        from_a: end.2 - counters.2,
        from_b: end.3 - counters.3,
    })
}

/// (server → A, server → B, A → server, B → server) bytes so far.
fn wire(a: &WsClient, b: &WsClient) -> (u64, u64, u64, u64) {
    (
        a.wire.received.load(Ordering::Relaxed),
        b.wire.received.load(Ordering::Relaxed),
        a.wire.sent.load(Ordering::Relaxed),
        b.wire.sent.load(Ordering::Relaxed),
    )
}

/// The visible tiles an `invalidate` makes stale.
fn stale_tiles(invalidate: &Incoming) -> Vec<(i64, i64)> {
    invalidate.stale_tiles(visible_tiles(), TILE_TWIPS)
}

/// Asks for `tiles` (again, with `refresh=1`, when the session holds them; with `delta=1`
/// when `deltas`) and waits for every answer; the arrival of the last one.
async fn repaint(
    client: &mut WsClient,
    tiles: &[(i64, i64)],
    refresh: bool,
    deltas: bool,
) -> Instant {
    if tiles.is_empty() {
        return Instant::now();
    }
    client.skip_seen();
    if deltas {
        client
            .delta_tiles(0, TILE_PX, TILE_TWIPS as u32, tiles, refresh)
            .await;
    } else if refresh {
        client
            .refresh_tiles(0, TILE_PX, TILE_TWIPS as u32, tiles)
            .await;
    } else {
        client.tiles(0, TILE_PX, TILE_TWIPS as u32, tiles).await;
    }
    let mut last = Instant::now();
    for _ in 0..tiles.len() {
        last = client
            .wait_for("a requested tile", |m| m.is_tile())
            .await
            .at;
    }
    last
}

/// Follows the invalidations still coming (as a browser would) until the session is quiet.
async fn settle(client: &mut WsClient, deltas: bool) {
    loop {
        client.skip_seen();
        let late = client.drain_for(Duration::from_millis(100)).await;
        if late.is_empty() {
            return;
        }
        let mut stale: Vec<(i64, i64)> = late
            .iter()
            .filter(|m| m.is("invalidate"))
            .flat_map(stale_tiles)
            .collect();
        stale.sort();
        stale.dedup();
        repaint(client, &stale, true, deltas).await;
    }
}
