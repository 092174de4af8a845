//! One document: its kit, its WOPI lock, its sessions and its save state. Everything about the
//! document happens on the broker's task, one [`Command`] at a time, so no state is shared.
//!
//! Life: the first session's join loads the document (GetFile, Lock, a kit, `load`); later
//! sessions join the running broker; when the last session leaves, the broker saves if modified,
//! uploads, unlocks and releases the kit. A failed upload keeps the broker (and the edits) alive
//! and retries; a new session joining meanwhile finds the document as it was left.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use oxool_proto::{Message, ToKit};
use tokio::sync::{mpsc, oneshot};
use tracing::Instrument;

use super::checkpoint_state::Checkpoints;
use super::command::{
    BrokerContext, BrokerHandle, Command, DocumentSummary, JoinError, JoinRequest,
};
use super::lifecycle::Lifecycle;
use super::lock_state::DocumentLock;
use super::member::Member;
use super::opening::{extension_of, load};
use super::protocol;
use super::recovery_state::KitRecovery;
use super::replay_journal::Journal;
use super::save_state::{SaveState, SaveTrigger, SaveWaiter};
use super::tile_delta::DecodedTiles;
use super::tile_sharing::SharedTiles;
use super::tiles::TileFlow;
use super::{close_code, colors, Closing, SessionId};
use crate::kit::link::{KitEvent, KitLink};
use crate::password::DocumentPassword;
use crate::wopi::{AccessToken, WopiSrc};

/// Commands queued for a broker before it blocks its senders.
const COMMAND_CAPACITY: usize = 1024;

pub struct Broker {
    pub(super) ctx: BrokerContext,
    /// Takes the broker out of the registry when it leaves (the registry's closure).
    leave_registry: Option<LeaveRegistry>,
    pub(super) src: WopiSrc,
    pub(super) commands: mpsc::WeakSender<Command>,
    pub(super) kit: KitLink,
    pub(super) base_name: String,
    pub(super) extension: String,
    pub(super) doc_type: String,
    pub(super) members: BTreeMap<SessionId, Member>,
    pub(super) status_waiters: VecDeque<SessionId>,
    /// The sheet or slide names of the last `status` from the kit: when a session's status
    /// shows them changed, the other sessions are sent theirs too.
    pub(super) part_names: Vec<String>,
    pub(super) next_tile_id: u64,
    /// Tiles lately decoded for deltas, shared by the sessions.
    pub(super) decoded_tiles: DecodedTiles,
    /// Tile requests in flight to the kit, joined by the sessions that want the same tile.
    pub(super) shared_tiles: SharedTiles,
    pub(super) save_waiters: VecDeque<SaveWaiter>,
    pub(super) lock: DocumentLock,
    pub(super) last_modified: Option<String>,
    /// The token of the last writing session; uploads after it left use it.
    pub(super) upload_token: Option<AccessToken>,
    pub(super) edit_gen: u64,
    pub(super) saved_gen: u64,
    pub(super) last_input: Instant,
    /// Mouse input since the last save started: the one kind of input that may change the
    /// document without counting as an edit (a dragged shape); LibreOffice's ModifiedStatus
    /// tells then.
    pub(super) mouse_since_save: bool,
    pub(super) last_save: Instant,
    pub(super) save_state: SaveState,
    pub(super) save_queued: Option<SaveTrigger>,
    pub(super) life: Lifecycle,
    pub(super) checkpoints: Checkpoints,
    pub(super) recovery: KitRecovery,
    /// Input since the newest durable state, for a replay after a kit crash (replay.rs).
    pub(super) journal: Journal,
    /// The password the document opened with: a new kit needs it after a crash.
    pub(super) password: Option<DocumentPassword>,
}

/// What a broker calls once when it leaves: the registry forgets it (registry.rs).
pub type LeaveRegistry = Box<dyn FnOnce() + Send>;

/// Starts a broker for `src`; the first join loads the document. `leave_registry` is called
/// when the broker leaves, whether the document opened or not.
pub fn start(
    ctx: BrokerContext,
    leave_registry: LeaveRegistry,
    id: u64,
    src: WopiSrc,
    first: JoinRequest,
) -> BrokerHandle {
    let (commands, queue) = mpsc::channel(COMMAND_CAPACITY);
    let key = src.doc_key().to_string();
    let handle = BrokerHandle {
        id,
        key: key.clone(),
        commands: commands.clone(),
    };
    let weak = commands.downgrade();
    drop(commands);
    let span = tracing::info_span!("document", doc = %key, host = %src.origin());
    tokio::spawn(run(ctx, leave_registry, src, weak, queue, first).instrument(span));
    handle
}

async fn run(
    ctx: BrokerContext,
    leave_registry: LeaveRegistry,
    src: WopiSrc,
    commands: mpsc::WeakSender<Command>,
    mut queue: mpsc::Receiver<Command>,
    first: JoinRequest,
) {
    let loaded = load(&ctx, &src, &first, &commands).await;
    let mut broker = match loaded {
        Ok((kit, loaded, lock)) => {
            tracing::info!(kit_pid = kit.pid, jail = %kit.jail_id, "document loaded");
            Broker::new(
                ctx,
                leave_registry,
                src,
                commands,
                kit,
                loaded,
                &first,
                lock,
            )
        }
        Err(failure) => {
            tracing::warn!(kind = failure.kind, message = %failure.message, "cannot open the document");
            let _ = first.reply.send(Err(failure.join_error()));
            leave_registry();
            // Joins that queued meanwhile learn the same; later ones start a new broker.
            queue.close();
            while let Some(command) = queue.recv().await {
                if let Command::Join(join) = command {
                    let _ = join.reply.send(Err(failure.join_error()));
                }
            }
            return;
        }
    };
    broker.join(first);
    let ticker = tokio::spawn(tick(broker.commands.clone()));
    while !broker.life.is_done() {
        let Some(command) = queue.recv().await else {
            break;
        };
        broker.handle(command);
        broker.close_slow_members();
    }
    ticker.abort();
    broker.finish(&mut queue).await;
}

/// Sends [`Command::Tick`] every second while the broker lives.
async fn tick(commands: mpsc::WeakSender<Command>) {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    loop {
        interval.tick().await;
        let Some(commands) = commands.upgrade() else {
            return;
        };
        if commands.send(Command::Tick).await.is_err() {
            return;
        }
    }
}

impl Broker {
    #[allow(clippy::too_many_arguments)]
    fn new(
        ctx: BrokerContext,
        leave_registry: LeaveRegistry,
        src: WopiSrc,
        commands: mpsc::WeakSender<Command>,
        kit: KitLink,
        loaded: crate::kit::link::Loaded,
        first: &JoinRequest,
        lock: Option<String>,
    ) -> Broker {
        let now = Instant::now();
        let base_name = oxool_proto::file_name::safe_file_name(&first.info.base_file_name);
        Broker {
            ctx,
            leave_registry: Some(leave_registry),
            src,
            commands,
            kit,
            extension: extension_of(&base_name),
            base_name,
            doc_type: loaded.doc_type,
            members: BTreeMap::new(),
            status_waiters: VecDeque::new(),
            part_names: Vec::new(),
            next_tile_id: 1,
            decoded_tiles: Default::default(),
            shared_tiles: SharedTiles::default(),
            save_waiters: VecDeque::new(),
            lock: DocumentLock::new(first.info.supports_locks, lock),
            last_modified: first.info.last_modified_time.clone(),
            upload_token: None,
            edit_gen: 0,
            saved_gen: 0,
            last_input: now,
            mouse_since_save: false,
            last_save: now,
            save_state: SaveState::Idle,
            save_queued: None,
            life: Lifecycle::Open,
            checkpoints: Checkpoints::new(first.info.version.clone()),
            recovery: Default::default(),
            journal: Journal::new(0),
            password: first.password.clone(),
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Join(join) => self.join(*join),
            Command::Leave { session } => self.leave(session),
            Command::Client { session, message } => self.on_client(session, message),
            Command::Kit(KitEvent::Frame(frame)) => self.on_kit_frame(frame),
            Command::Kit(KitEvent::Gone {
                reason,
                broke_protocol,
                out_of_memory,
            }) => self.on_kit_gone(&reason, broke_protocol, out_of_memory),
            Command::Uploaded(uploaded) => self.on_uploaded(uploaded),
            Command::SavedAs { session, result } => self.on_saved_as(session, result),
            Command::Locked { lock_id, result } => self.on_locked(lock_id, result),
            Command::WriterLocked(result) => self.on_writer_locked(result),
            Command::ConflictCopied { gen, result } => self.on_conflict_copied(gen, result),
            Command::CheckpointWritten(written) => self.on_checkpoint_written(written),
            Command::Reopened(reopened) => self.on_reopened(*reopened),
            Command::Tick => self.on_tick(),
            Command::Close { reason, done } => self.close(reason, done),
            Command::Describe { reply } => {
                let _ = reply.send(self.describe());
            }
        }
    }

    pub(super) fn modified(&self) -> bool {
        self.edit_gen > self.saved_gen
    }

    pub(super) fn join(&mut self, join: JoinRequest) {
        let Some(join) = self.hold_join(join) else {
            return;
        };
        if self.life.refuses_joins() {
            let _ = join.reply.send(Err(JoinError::Retry));
            return;
        }
        if let Some(join) = self.wait_for_writer_lock(join) {
            self.admit(join);
        }
    }

    /// Adds the session of `join` to the document, once its lock is settled.
    pub(super) fn admit(&mut self, join: JoinRequest) {
        if self.life.refuses_joins() {
            let _ = join.reply.send(Err(JoinError::Retry));
            return;
        }
        if self.members.len() >= self.ctx.config.editing.max_sessions_per_document {
            let _ = join.reply.send(Err(JoinError::Failed {
                kind: "too-many-sessions",
                message: format!(
                    "the document already has {} sessions (editing.max_sessions_per_document)",
                    self.members.len()
                ),
            }));
            return;
        }
        let info = &join.info;
        let can_write = info.user_can_write;
        let name = info
            .user_friendly_name
            .clone()
            .or_else(|| info.user_id.clone())
            .unwrap_or_else(|| "Guest".into());
        let name: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
        let color = colors::pick(self.members.values().map(|m| m.color));
        if join.reply.send(Ok(())).is_err() {
            // The client went away while the document loaded.
            if self.members.is_empty() {
                self.life.last_session_left();
                self.leave_when_stored(true);
            }
            return;
        }
        if can_write {
            self.upload_token = Some(join.token.clone());
        }
        self.life.session_joined();
        let mut member = Member {
            token: join.token,
            can_write,
            can_save_as: can_write && !join.info.user_can_not_write_relative,
            name: name.clone(),
            color,
            lok_view: None,
            outbox: join.outbox,
            closer: Some(join.closer),
            tiles: TileFlow::default(),
            tile_ids: BTreeMap::new(),
            slow: false,
            selections: VecDeque::new(),
            part: None,
            render_states: BTreeMap::new(),
            cursor: None,
        };
        member.text(Message::new("progress").arg("stage", "view").render());
        if let Some(notice) = self.recovery_notice() {
            member.text(notice);
        }
        let mut open = Message::new(ToKit::ViewOpen.name())
            .arg("view", join.session)
            .arg("user", &name);
        if !can_write {
            open = open.arg("readonly", 1);
        }
        self.members.insert(join.session, member);
        tracing::info!(session = join.session, can_write, "session joined");
        self.kit.send(open);
    }

    pub(super) fn leave(&mut self, session: SessionId) {
        let Some(member) = self.members.remove(&session) else {
            return;
        };
        tracing::info!(session, "session left");
        if member.can_write {
            self.upload_token = Some(member.token.clone());
        }
        self.kit
            .send(Message::new(ToKit::ViewClose.name()).arg("view", session));
        self.broadcast_users();
        if self.members.is_empty() {
            self.life.last_session_left();
            self.leave_when_stored(true);
        }
    }

    /// Without sessions (or when closing): store what is modified, then leave.
    pub(super) fn leave_when_stored(&mut self, exit_save: bool) {
        if self.recovery.without_kit() {
            return; // again once the document is reopened (kit_crash.rs)
        }
        if self.modified() && !matches!(self.save_state, SaveState::Conflict { .. }) {
            // A failed save is retried by the tick, on its backoff.
            if matches!(self.save_state, SaveState::Idle) {
                self.request_save(SaveTrigger::exit(exit_save));
            }
            return;
        }
        if self.modified() {
            // Storage changed behind our back and nobody is left to choose: store our version
            // as a copy next to the file (PutRelativeFile), so neither version is lost.
            if let SaveState::Conflict {
                copy_running: running @ false,
            } = &mut self.save_state
            {
                *running = true;
                self.kit
                    .send(Message::new(ToKit::Save.name()).arg("format", &self.extension));
                self.save_waiters
                    .push_back(SaveWaiter::ConflictCopy { gen: self.edit_gen });
            }
            return;
        }
        if !matches!(self.save_state, SaveState::Saving) {
            self.life.end();
        }
    }

    fn close(&mut self, reason: &'static str, done: oneshot::Sender<()>) {
        self.life.close(reason, done);
        self.leave_when_stored(true);
    }

    pub(super) fn broadcast(&mut self, text: &str) {
        for member in self.members.values_mut() {
            member.text(text.to_string());
        }
    }

    pub(super) fn broadcast_users(&mut self) {
        let users: Vec<(SessionId, Option<i32>, String, &str, bool)> = self
            .members
            .iter()
            .filter(|(_, m)| m.lok_view.is_some())
            .map(|(id, m)| (*id, m.lok_view, m.name.clone(), m.color, !m.can_write))
            .collect();
        let ids: Vec<SessionId> = self.members.keys().copied().collect();
        for id in ids {
            let list: Vec<serde_json::Value> = users
                .iter()
                .map(|(view, lok_view, name, color, readonly)| {
                    serde_json::json!({
                        "view": view, "lok_view": lok_view, "name": name, "color": color,
                        "readonly": readonly, "self": *view == id,
                    })
                })
                .collect();
            let body = serde_json::Value::Array(list).to_string();
            if let Some(member) = self.members.get_mut(&id) {
                member.text(protocol::text(&Message::new("users"), Some(&body)));
            }
        }
    }

    fn describe(&self) -> DocumentSummary {
        DocumentSummary {
            key: self.src.doc_key().to_string(),
            host: self.src.origin(),
            kit_pid: self.kit.pid,
            modified: self.modified(),
            sessions: self
                .members
                .iter()
                .map(|(id, m)| (*id, m.name.clone()))
                .collect(),
        }
    }

    /// Disconnects the sessions whose outbox overflowed: their clients do not read.
    pub(super) fn close_slow_members(&mut self) {
        let slow: Vec<SessionId> = self
            .members
            .iter()
            .filter(|(_, m)| m.slow)
            .map(|(id, _)| *id)
            .collect();
        for id in slow {
            if let Some(member) = self.members.get_mut(&id) {
                tracing::warn!(session = id, "client does not read; disconnecting it");
                if let Some(closer) = member.closer.take() {
                    let _ = closer.send(Closing::new(
                        close_code::POLICY,
                        "slow-client",
                        "the client did not read its messages",
                    ));
                }
            }
            self.leave(id);
        }
    }

    /// Closes every session, unlocks, releases the kit and leaves the registry.
    async fn finish(mut self, queue: &mut mpsc::Receiver<Command>) {
        let request = self.life.take_close_request();
        let reason = request.as_ref().map_or("closed", |r| r.reason);
        let code = if reason == "shutdown" {
            close_code::GOING_AWAY
        } else {
            close_code::NORMAL
        };
        for member in self.members.values_mut() {
            member.close(Closing::new(code, reason, "the document was closed"));
        }
        self.settle_checkpoints(queue).await;
        if let Some(leave_registry) = self.leave_registry.take() {
            leave_registry();
        }
        queue.close();
        for join in self.lock.take_waiting() {
            let _ = join.reply.send(Err(JoinError::Retry));
        }
        while let Ok(command) = queue.try_recv() {
            match command {
                Command::Join(join) => {
                    let _ = join.reply.send(Err(JoinError::Retry));
                }
                Command::Close { done, .. } => {
                    let _ = done.send(());
                }
                _ => {}
            }
        }
        self.release_lock().await;
        // Dropping the link asks the kit to leave; one that broke the protocol is not asked.
        if self.recovery.kill_kit {
            self.kit.kill().await;
        }
        for waiter in request.map(|r| r.waiters).unwrap_or_default() {
            let _ = waiter.send(());
        }
        tracing::info!(
            tiles_rendered = self.shared_tiles.rendered,
            tiles_shared = self.shared_tiles.shared,
            tiles_waited = self.shared_tiles.waited,
            render_keys = self.shared_tiles.render_keys(),
            "document closed"
        );
    }
}
