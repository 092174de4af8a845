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

/// The WOPI host and a server with tile sharing on (it is off by default).
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
    let closed = oxool_tests::eventually::eventually(
        "the document's close in wsd's log",
        Duration::from_secs(60),
        || {
            let log = strip_colors(&setup.server.log());
            let line = log.lines().find(|l| l.contains("document closed"))?;
            Some(line.to_string())
        },
    );
    let count = |name: &str| -> u64 {
        closed
            .split(&format!("{name}="))
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {closed:?}"))
    };
    let (rendered, shared) = (count("tiles_rendered"), count("tiles_shared"));
    println!("tiles rendered {rendered}, shared {shared}");
    assert!(
        shared >= 12,
        "C's requests joined B's: {rendered} rendered, {shared} shared"
    );
}

/// A view that shows formatting marks paints other pixels than one that does not: their
/// requests never join, whatever the timing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_with_formatting_marks_does_not_share_with_one_without() {
    let setup = sharing_setup();
    let name = "marks.docx";
    let (mut a, mut b) = setup.open_alice_and_bob("simple.docx", name).await;
    b.tiles(0, TILE_PX, TILE_TWIPS as u32, &visible()).await;
    let plain = tiles_for(&mut b, &visible()).await;

    a.skip_seen();
    a.uno(".uno:ControlCodes", None).await;
    a.wait_for("formatting marks on", |m| {
        m.is_event("STATE_CHANGED") && m.body_text().contains(".uno:ControlCodes=true")
    })
    .await;
    a.drain_for(Duration::from_millis(500)).await;
    b.drain_for(Duration::from_millis(10)).await;
    for round in 0..3 {
        let (with_marks, without) = both_ask_at_once(&mut a, &mut b).await;
        assert_eq!(without, plain, "round {round}: B got A's formatting marks");
        assert_ne!(with_marks, plain, "round {round}: A's marks are painted");
    }
}
