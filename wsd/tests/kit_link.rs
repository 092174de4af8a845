//! Opening a document in a kit (wsd/src/kit/link.rs) against scripted kits: a kit that hangs,
//! dies or breaks the protocol while loading is replaced once; a refusal is the document's
//! and is not retried.

// Only the load behaviours of the scripted kits are used here.
#[allow(dead_code)]
mod fake_kit;

use std::sync::Arc;
use std::time::Duration;

use fake_kit::{Behaviour, FakeKits};
use oxool_wsd::kit::link::{KitDocument, KitEvent, KitLink, KitLinkError};
use oxool_wsd::kit::KitSpawner;
use tokio::sync::mpsc;

async fn open(kits: &Arc<FakeKits>) -> Result<(), KitLinkError> {
    let spawner: Arc<dyn KitSpawner> = kits.clone();
    let (events, _received) = mpsc::channel::<KitEvent>(16);
    let document = KitDocument {
        file_name: "a.docx",
        password: None,
        bytes: b"document".to_vec(),
    };
    KitLink::open_retrying(
        &spawner,
        document,
        Duration::from_millis(300),
        1 << 20,
        events,
        |event| event,
    )
    .await
    .map(|_| ())
}

/// Opening a document with kits behaving as `behaviour`, which must fail: the error, and the
/// kits.
async fn failed_open(behaviour: Behaviour) -> (KitLinkError, Arc<FakeKits>) {
    let kits = FakeKits::new(behaviour);
    let error = open(&kits).await.unwrap_err();
    (error, kits)
}

#[tokio::test]
async fn a_kit_that_hangs_while_loading_is_replaced_once() {
    let kits = FakeKits::new(Behaviour::HangFirstThenLoad);
    open(&kits).await.expect("the second kit loads");
    assert_eq!(kits.spawned(), 2);
    assert_eq!(kits.killed().len(), 1, "the hung kit is killed");
    let loads = kits.requests();
    assert_eq!(loads.len(), 2, "{loads:?}");
    assert!(loads.iter().all(|r| r.starts_with("load ")), "{loads:?}");
}

#[tokio::test]
async fn two_kits_that_hang_are_a_timeout() {
    let (error, kits) = failed_open(Behaviour::Hang).await;
    assert!(matches!(error, KitLinkError::Timeout(_)), "{error}");
    assert_eq!(kits.spawned(), 2);
}

#[tokio::test]
async fn a_kit_that_dies_while_loading_is_replaced_once() {
    let (error, kits) = failed_open(Behaviour::Crash).await;
    assert!(matches!(error, KitLinkError::Crashed), "{error}");
    assert_eq!(kits.spawned(), 2);
}

#[tokio::test]
async fn a_refused_document_is_not_tried_again() {
    let (error, kits) = failed_open(Behaviour::LoadError).await;
    assert!(matches!(error, KitLinkError::Load(_)), "{error}");
    assert_eq!(kits.spawned(), 1);
}
