//! A scripted kit for HTTP- and queue-level tests: a real framed peer on a real unix socket pair,
//! behaving as told. The real kits (jailed LibreOffice) are exercised by the end-to-end tests in
//! the `tests` crate; these tests are about what wsd does with each kind of kit behaviour.

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use oxool_proto::{Frame, Message};
use oxool_wsd::kit::{BoxFuture, KitHandle, KitSpawner, SpawnError};
use tokio::net::UnixStream;

// Each test binary that includes this module scripts only some of the behaviours.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Sends `ready`, then answers `converted` with `converted:` + the document.
    Convert,
    /// Reads the request and never answers.
    Hang,
    /// Reads the request and closes the socket, like a kit that segfaulted.
    Crash,
    /// Reads the request, reports a seccomp violation and closes, like a kit whose filter fired.
    Seccomp,
    /// Answers `error kind=load`.
    LoadError,
    /// Answers with a message that is not part of the protocol.
    Garbage,
    /// Sends an `error` frame with a payload just over the 64 KiB an event may carry, as a
    /// hostile document would to make wsd allocate.
    OversizedEvent,
    /// Answers `load` with `loaded type=text parts=1`.
    Load,
    /// The first kit hangs, every later one loads.
    HangFirstThenLoad,
}

pub struct FakeKits {
    behaviour: Behaviour,
    spawned: AtomicUsize,
    next_pid: AtomicU32,
    killed: Mutex<Vec<u32>>,
    /// The header of every request a kit received.
    requests: Arc<Mutex<Vec<String>>>,
    /// Set when a kit received `exit`.
    exits: Arc<AtomicUsize>,
}

impl FakeKits {
    pub fn new(behaviour: Behaviour) -> Arc<FakeKits> {
        Arc::new(FakeKits {
            behaviour,
            spawned: AtomicUsize::new(0),
            next_pid: AtomicU32::new(1000),
            killed: Mutex::new(Vec::new()),
            requests: Arc::default(),
            exits: Arc::default(),
        })
    }

    pub fn spawned(&self) -> usize {
        self.spawned.load(Ordering::SeqCst)
    }

    pub fn killed(&self) -> Vec<u32> {
        self.killed.lock().unwrap().clone()
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    pub fn exits(&self) -> usize {
        self.exits.load(Ordering::SeqCst)
    }
}

impl KitSpawner for FakeKits {
    fn spawn_kit(&self) -> BoxFuture<'_, Result<KitHandle, SpawnError>> {
        Box::pin(async move {
            let index = self.spawned.fetch_add(1, Ordering::SeqCst);
            let behaviour = match self.behaviour {
                Behaviour::HangFirstThenLoad if index == 0 => Behaviour::Hang,
                Behaviour::HangFirstThenLoad => Behaviour::Load,
                other => other,
            };
            let pid = self.next_pid.fetch_add(1, Ordering::SeqCst);
            let (wsd_end, kit_end) =
                UnixStream::pair().map_err(|e| SpawnError::Failed(e.to_string()))?;
            tokio::spawn(run_kit(
                kit_end,
                behaviour,
                Arc::clone(&self.requests),
                Arc::clone(&self.exits),
            ));
            Ok(KitHandle {
                stream: wsd_end,
                pid,
                jail_id: format!("fakejail{pid}"),
            })
        })
    }

    fn kill_kit(&self, pid: u32) -> BoxFuture<'_, Result<(), SpawnError>> {
        Box::pin(async move {
            self.killed.lock().unwrap().push(pid);
            Ok(())
        })
    }
}

async fn run_kit(
    mut socket: UnixStream,
    behaviour: Behaviour,
    requests: Arc<Mutex<Vec<String>>>,
    exits: Arc<AtomicUsize>,
) {
    let ready = Frame::new("ready jail=fake pid=1 mounts=bind setup_us=1 entry=lok");
    ready.write_async(&mut socket).await.unwrap();
    let Ok(request) = Frame::read_async(&mut socket, u32::MAX).await else {
        return;
    };
    requests.lock().unwrap().push(request.header.clone());
    let answer = match behaviour {
        Behaviour::Convert => {
            let message = request.message().unwrap();
            let format = message.get("format").unwrap_or_default().to_string();
            let mut payload = b"converted:".to_vec();
            payload.extend_from_slice(&request.payload);
            Frame::with_payload(
                Message::new("converted").arg("format", format).render(),
                payload,
            )
        }
        Behaviour::LoadError => Frame::new(
            Message::new("error")
                .arg("kind", "load")
                .arg("message", "general input/output error")
                .render(),
        ),
        Behaviour::Garbage => Frame::new("tile part=0"),
        Behaviour::Load | Behaviour::HangFirstThenLoad => Frame::new(
            Message::new("loaded")
                .arg("type", "text")
                .arg("parts", 1)
                .render(),
        ),
        Behaviour::OversizedEvent => {
            let frame = Frame::with_payload("error kind=load", vec![b'x'; 64 * 1024 + 1]);
            // wsd stops reading after the length; the write may then fail.
            let _ = frame.write_async(&mut socket).await;
            return;
        }
        Behaviour::Seccomp => {
            let frame = Frame::new("error kind=seccomp syscall=mkdir");
            let _ = frame.write_async(&mut socket).await;
            return;
        }
        Behaviour::Crash => return,
        Behaviour::Hang => {
            // Keep the socket open and never answer, until wsd closes it.
            let _ = Frame::read_async(&mut socket, u32::MAX).await;
            return;
        }
    };
    answer.write_async(&mut socket).await.unwrap();
    if let Ok(frame) = Frame::read_async(&mut socket, 0).await {
        if frame.name() == "exit" {
            exits.fetch_add(1, Ordering::SeqCst);
        }
    }
}
