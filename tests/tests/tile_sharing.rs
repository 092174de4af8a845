//! One paint for everyone (wsd/src/editing/tile_sharing.rs; docs/protocol.md, "Invalidation"):
//! after each keystroke of A, viewers B and C ask for the stale tiles at the same moment, as
//! browsers do. Their requests join one kit request, so both must get the same pixels, and
//! those pixels must be the document's current ones: once the document is still, a new whole
//! tile equals what each viewer got. wsd's own count at close says that requests were shared.
//! Real wsd, real kits, the independent WOPI host.

use std::time::Duration;

use oxool_tests::checkpoints::strip_colors;
use oxool_tests::editing_setup::EditingSetup;
use oxool_tests::tile_grid::{page_tiles, TILE_PX, TILE_TWIPS};
use oxool_tests::user::RunAs;
use oxool_tests::ws::{Incoming, WsClient};

/// The top of the first page at 100 %: 4 × 4 tiles, enough that the kit is still painting the
/// first viewer's tiles when the second viewer's requests arrive.
fn visible() -> Vec<(i64, i64)> {
    page_tiles(0..4)
}

/// The WOPI host and a server with tile sharing on (the default, said here so that the test
/// does not depend on it).
fn sharing_setup() -> EditingSetup {
    EditingSetup::start_with(RunAs::Root, "share_tiles = true")
}

fn at(tile: &Incoming) -> (i64, i64) {
    let number = |name| tile.get(name).and_then(|v| v.parse().ok()).unwrap_or(-1);
    (number("x"), number("y"))
}

/// A digest of a PNG tile's pixels (what the assertions compare, and print when they fail).
fn pixels(png: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    decoded(png).hash(&mut hasher);
    hasher.finish()
}

fn decoded(png: &[u8]) -> Vec<u8> {
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let mut reader = decoder.read_info().expect("a PNG tile");
    let mut out = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut out).expect("PNG pixels");
    out.truncate(info.buffer_size());
    out
}

/// The next binary tile answer for each of `tiles`, in any order.
async fn tiles_for(client: &mut WsClient, tiles: &[(i64, i64)]) -> Vec<((i64, i64), u64)> {
    let mut got = Vec::new();
    while got.len() < tiles.len() {
        let tile = client.wait_for("a tile", |m| m.is_tile() && m.binary).await;
        let place = at(&tile);
        if tiles.contains(&place) && !got.iter().any(|(p, _)| *p == place) {
            got.push((place, pixels(&tile.body)));
        }
    }
    got.sort();
    got
}

/// Both clients ask at once for every visible tile, whole (answers to earlier requests do not
/// count): the tiles each got.
async fn both_ask_at_once(
    first: &mut WsClient,
    second: &mut WsClient,
) -> (Vec<((i64, i64), u64)>, Vec<((i64, i64), u64)>) {
    first.skip_seen();
    second.skip_seen();
    // Sent together: one after the other, the second batch sometimes came after the kit had
    // answered the whole first one, and nothing was left to join.
    let tiles = visible();
    tokio::join!(
        first.tiles(0, TILE_PX, TILE_TWIPS as u32, &tiles),
        second.tiles(0, TILE_PX, TILE_TWIPS as u32, &tiles)
    );
    (
        tiles_for(first, &visible()).await,
        tiles_for(second, &visible()).await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_asking_at_once_share_one_paint_and_get_current_pixels() {
    let setup = sharing_setup();
    let name = "shared-tiles.docx";
    setup.host.add_fixture("simple.docx", name).unwrap();
    let mut a = setup.open("Alice", name, true).await;
    let mut b = setup.open("Bob", name, false).await;
    let mut c = setup.open("Carol", name, false).await;
    // Requests join only within one render key, and a view's key comes from the render states
    // LibreOffice reports for it. It reports them when it next updates that view, for a
    // viewer sometimes seconds after its view opened (CI saw one never share in 12 rounds).
    render_states_reported(&mut b).await;
    render_states_reported(&mut c).await;

    for (round, ch) in "shared tiles".chars().enumerate() {
        a.key(ch as u32, 0).await;
        b.wait_for("an invalidation", |m| m.is("invalidate")).await;
        c.wait_for("an invalidation", |m| m.is("invalidate")).await;
        // Settle, so that the requests below all follow the last invalidation of this key.
        b.drain_for(Duration::from_millis(300)).await;
        c.drain_for(Duration::from_millis(300)).await;
        let (seen_by_b, seen_by_c) = both_ask_at_once(&mut b, &mut c).await;
        assert_eq!(
            seen_by_b, seen_by_c,
            "round {round}: B and C got different pixels"
        );
        // Still nothing typed since: a fresh paint for B alone shows the same.
        b.drain_for(Duration::from_millis(200)).await;
        b.skip_seen();
        b.tiles(0, TILE_PX, TILE_TWIPS as u32, &visible()).await;
        let fresh = tiles_for(&mut b, &visible()).await;
        assert_eq!(
            seen_by_b, fresh,
            "round {round}: the shared tiles were stale"
        );
    }

    drop((a, b, c));
    let closed = close_line(&setup);
    let (rendered, shared) = (
        count(&closed, "tiles_rendered"),
        count(&closed, "tiles_shared"),
    );
    // Different render keys mean the views' render states (tile_sharing.rs RENDER_COMMANDS)
    // differed, so their requests could not join; one key means the requests never met.
    let render_keys = count(&closed, "render_keys");
    println!("tiles rendered {rendered}, shared {shared}, render keys {render_keys}");
    assert!(
        shared >= 12,
        "C's requests joined B's: {rendered} rendered, {shared} shared, {render_keys} render keys"
    );
}

/// Waits until LibreOffice has told `viewer` the render states Writer reports for a new view
/// (wsd/src/editing/tile_sharing.rs `RENDER_COMMANDS`), in whatever order they come.
async fn render_states_reported(viewer: &mut WsClient) {
    const REPORTED: [&str; 4] = [
        ".uno:ShowTrackedChanges",
        ".uno:ShowResolvedAnnotations",
        ".uno:SpellOnline",
        ".uno:ControlCodes",
    ];
    let name_of = |m: &Incoming| {
        let body = m.body_text();
        let name = body
            .split('=')
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        REPORTED.contains(&name.as_str()).then_some(name)
    };
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < REPORTED.len() {
        let state = viewer
            .wait_for("a render state", |m| {
                m.is_event("STATE_CHANGED") && name_of(m).is_some()
            })
            .await;
        seen.extend(name_of(&state));
    }
}

/// wsd's line at the document's close, with its tile counts.
fn close_line(setup: &EditingSetup) -> String {
    oxool_tests::eventually::eventually(
        "the document's close in wsd's log",
        Duration::from_secs(60),
        || {
            let log = strip_colors(&setup.server.log());
            let line = log.lines().find(|l| l.contains("document closed"))?;
            Some(line.to_string())
        },
    )
}

fn count(line: &str, name: &str) -> u64 {
    line.split(&format!("{name}="))
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{name} in {line:?}"))
}

/// A tile asked for again after an invalidation, while the paint asked before it is still in
/// flight, waits for that paint and then goes to the kit (tile_sharing.rs). After each key, B
/// asks for the top of the page at once (the kit paints it while LibreOffice handles the key)
/// and again when the key's invalidation comes. Whatever waited, the last answer for every
/// tile shows the last edit; wsd's count at close says that requests waited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_behind_a_paint_in_flight_wait_for_it_and_show_the_later_edit() {
    let setup = sharing_setup();
    let name = "waiting-tiles.docx";
    let (mut a, mut b) = setup.open_alice_and_bob("simple.docx", name).await;
    let tiles = visible();
    b.skip_seen();
    for ch in "waiting for the paint".chars() {
        a.key(ch as u32, 0).await;
        b.tiles(0, TILE_PX, TILE_TWIPS as u32, &tiles).await;
        b.wait_for("an invalidation", |m| m.is("invalidate")).await;
        b.tiles(0, TILE_PX, TILE_TWIPS as u32, &tiles).await;
    }
    // Every answer B gets until the document is still; the last one per tile counts.
    let mut last = std::collections::BTreeMap::new();
    loop {
        let got = b.drain_for(Duration::from_secs(2)).await;
        let answers: Vec<_> = got
            .iter()
            .filter(|m| m.is_tile() && m.binary && tiles.contains(&at(m)))
            .collect();
        if answers.is_empty() {
            break;
        }
        for tile in answers {
            last.insert(at(tile), pixels(&tile.body));
        }
    }
    b.skip_seen();
    b.tiles(0, TILE_PX, TILE_TWIPS as u32, &tiles).await;
    let fresh: Vec<_> = tiles_for(&mut b, &tiles).await;
    let last: Vec<_> = last.into_iter().collect();
    assert_eq!(last, fresh, "the last answers were stale");

    drop((a, b));
    let closed = close_line(&setup);
    let (rendered, waited) = (
        count(&closed, "tiles_rendered"),
        count(&closed, "tiles_waited"),
    );
    println!("tiles rendered {rendered}, waited {waited}");
    assert!(waited > 0, "no request waited: {closed}");
}
