//! The warm kit reserve (wsd/src/kit/warm.rs) with a real forkit and real kits: the first
//! document gets a fresh kit and starts the warming of the next; the next document gets the
//! warmed kit, which then loads normally; a reserved kit that died is passed over.

use std::sync::Arc;
use std::time::Duration;

use oxool_proto::{Frame, Message};
use oxool_tests::eventually::eventually_async;
use oxool_wsd::kit::forkit_client::ForkitClient;
use oxool_wsd::kit::warm::WarmKitReserve;
use oxool_wsd::kit::{KitHandle, KitSpawner};

const DEADLINE: Duration = Duration::from_secs(90);

async fn wait_for_reserve(reserve: &WarmKitReserve) -> u32 {
    eventually_async("a kit warmed into the reserve", DEADLINE, || async {
        reserve.reserved_pid()
    })
    .await
}

/// Sends one frame and returns the kit's next answer (skipping a stray `ready`).
async fn ask(kit: &mut KitHandle, frame: Frame) -> Message {
    let (mut read, mut write) = kit.stream.split();
    frame.write_async(&mut write).await.unwrap();
    loop {
        let answer = Frame::read_async(&mut read, 64 << 20).await.unwrap();
        let message = answer.message().unwrap();
        if message.name != "ready" {
            return message;
        }
    }
}

async fn load(kit: &mut KitHandle, fixture: &str) -> Message {
    let bytes = std::fs::read(oxool_tests::fixture(fixture)).unwrap();
    let load = Message::new("load").arg("name", fixture).render();
    ask(kit, Frame::with_payload(load, bytes)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_get_a_warmed_kit_and_a_dead_one_is_passed_over() {
    let (forkit, _scratch) = oxool_tests::start_lok_forkit("oxool-warm-kit-")
        .await
        .unwrap();
    let reserve = WarmKitReserve::new(forkit.clone());
    assert_eq!(reserve.reserved_pid(), None, "the reserve starts empty");

    // The first document: a kit from forkit's pool; the next one is being warmed meanwhile.
    let mut first = reserve.spawn_kit().await.unwrap();
    let warmed_pid = wait_for_reserve(&reserve).await;
    assert_ne!(warmed_pid, first.pid);
    let loaded = load(&mut first, "simple.docx").await;
    assert_eq!(loaded.name, "loaded", "{loaded:?}");

    // The second document gets the warmed kit, which loads like any other and, holding a
    // document now, refuses to warm up again.
    let mut second = reserve.spawn_kit().await.unwrap();
    assert_eq!(second.pid, warmed_pid, "the reserved kit is handed out");
    let loaded = load(&mut second, "simple.xlsx").await;
    assert_eq!(loaded.name, "loaded", "{loaded:?}");
    assert_eq!(loaded.get("type"), Some("spreadsheet"), "{loaded:?}");
    let again = ask(&mut second, Frame::new(Message::new("warm-up").render())).await;
    assert_eq!(again.name, "error", "{again:?}");
    assert_eq!(again.get("kind"), Some("bad-request"), "{again:?}");

    // A reserved kit that died is passed over: the next document gets a live kit.
    let doomed = wait_for_reserve(&reserve).await;
    forkit.kill_kit(doomed).await.unwrap();
    eventually_async(&format!("kit {doomed} to die"), DEADLINE, || async {
        (!std::path::Path::new(&format!("/proc/{doomed}")).exists()).then_some(())
    })
    .await;
    let mut third = reserve.spawn_kit().await.unwrap();
    assert_ne!(
        third.pid, doomed,
        "a dead reserved kit must not be handed out"
    );
    let loaded = load(&mut third, "simple.docx").await;
    assert_eq!(loaded.name, "loaded", "{loaded:?}");
    let _keep: Arc<ForkitClient> = forkit;
}
