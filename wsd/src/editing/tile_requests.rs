//! A session's tile requests on their way to the kit: its flow control (tiles.rs) lets them
//! out, tile sharing (tile_sharing.rs) joins them to a paint in flight, makes them wait for
//! one, or sends them, and neighbouring tiles of a text document go as one row
//! (docs/kit-protocol.md, `tile … count=`).

use std::collections::{BTreeSet, HashMap};

use super::broker::Broker;
use super::protocol::{self, TileBatch, TileKey};
use super::tile_sharing::{Asker, RenderKey, Route, Waiting};
use super::tiles::{self, PendingFull};
use super::SessionId;

impl Broker {
    pub(super) fn request_tiles(&mut self, session: SessionId, batch: TileBatch) {
        let Some(member) = self.members.get_mut(&session) else {
            return;
        };
        member.tiles.deltas |= batch.delta;
        if let Err(PendingFull) = member.tiles.request(&batch.tiles, batch.refresh) {
            member.error(
                "too-many-tiles",
                "too many tiles are waiting; acknowledge tiles with tile-done",
                Some("tiles"),
            );
            return;
        }
        self.pump_tiles(session);
    }

    /// Asks the kit for the session's pending tiles while its window has room.
    pub(super) fn pump_tiles(&mut self, session: SessionId) {
        // Dialogs first: a window tile is one request for what the user looks at.
        while let Some(tile) = self
            .members
            .get_mut(&session)
            .and_then(|member| member.tiles.next_window())
        {
            if !self.send_window_tile(session, &tile) {
                if let Some(member) = self.members.get_mut(&session) {
                    member.tiles.failed();
                    member.error(
                        "internal",
                        "the document process is overloaded",
                        Some("window-tile"),
                    );
                }
                return;
            }
        }
        let Some(member) = self.members.get_mut(&session) else {
            return;
        };
        let render = member.render_key();
        let share = self.ctx.config.editing.share_tiles;
        let mut to_kit = Vec::new();
        while let Some((key, refresh)) = member.tiles.next() {
            let id = self.next_tile_id;
            self.next_tile_id += 1;
            member.tile_ids.insert(id, (key, refresh));
            let asker = (session, id);
            if !share || self.shared_tiles.route(key, render, asker) == Route::ToKit {
                to_kit.push((key, vec![asker]));
            }
        }
        self.send_tiles_to_kit(render, to_kit);
    }

    /// Sends the requests that waited for a paint (tile_sharing.rs) to the kit, for those of
    /// their sessions still waiting.
    pub(super) fn send_released(&mut self, released: Vec<Waiting>) {
        let mut by_render: HashMap<RenderKey, Vec<(TileKey, Vec<Asker>)>> = HashMap::new();
        for mut waiting in released {
            waiting.askers.retain(|(session, id)| {
                self.members
                    .get(session)
                    .is_some_and(|member| member.tile_ids.contains_key(id))
            });
            if !waiting.askers.is_empty() {
                by_render
                    .entry(waiting.render)
                    .or_default()
                    .push((waiting.key, waiting.askers));
            }
        }
        for (render, tiles) in by_render {
            self.send_tiles_to_kit(render, tiles);
        }
    }

    /// Sends `tiles`, each for the sessions that asked for it, painted in the first asker's
    /// view. Neighbouring tiles of a text document go as one row: one LibreOffice paint, the
    /// same pixels (kit/src/session/tiles.rs). Not in other documents: a slide's shapes land
    /// a pixel apart depending on where the paint starts (tests/tests/kit_tile_rows.rs).
    fn send_tiles_to_kit(&mut self, render: RenderKey, tiles: Vec<(TileKey, Vec<Asker>)>) {
        let mut askers_by_id: HashMap<u64, Vec<Asker>> = HashMap::new();
        let mut fast_ids = BTreeSet::new();
        let mut to_kit = Vec::new();
        for (key, askers) in tiles {
            let id = self.next_tile_id;
            self.next_tile_id += 1;
            if self.all_take_deltas(&key, &askers) {
                fast_ids.insert(id);
            }
            askers_by_id.insert(id, askers);
            to_kit.push((key, id));
        }
        let rows = match self.doc_type.as_str() {
            "text" => tiles::kit_rows(to_kit),
            _ => to_kit.into_iter().map(|tile| vec![tile]).collect(),
        };
        let mut rows = rows.into_iter();
        while let Some(row) = rows.next() {
            let (first, first_id) = row[0];
            let view = askers_by_id[&first_id][0].0;
            // The kit's `tile` request has the same arguments as our answer header.
            let mut request = protocol::tile_header(&first).arg("view", view);
            request = match row.len() {
                1 => request.arg("id", first_id),
                count => {
                    let ids: Vec<String> = row.iter().map(|(_, id)| id.to_string()).collect();
                    request.arg("count", count).arg("ids", ids.join(","))
                }
            };
            let fast = row.iter().all(|(_, id)| fast_ids.contains(id));
            if fast {
                request = request.arg("fast", 1);
            }
            if !self.kit.send(request) {
                // This row and those after it will not be answered.
                let unsent = std::iter::once(row).chain(rows).flatten();
                let askers =
                    unsent.flat_map(|(_, id)| askers_by_id.remove(&id).unwrap_or_default());
                self.refuse_unsent(askers.collect());
                return;
            }
            let row = row
                .into_iter()
                .map(|(key, id)| (key, id, askers_by_id.remove(&id).unwrap_or_default()))
                .collect();
            self.shared_tiles.sent(render, row, fast);
        }
    }

    /// Whether every session asking for `key` will be sent a delta made from the decoded
    /// pixels, or `unchanged`, rather than the kit's PNG itself: it takes deltas, asked for a
    /// refresh, and holds a base. Then the kit may compress that PNG fast (`fast=1`): PNG
    /// encoding was a fifth of the machine's CPU with 50 people typing (docs/benchmarks.md),
    /// and wsd decodes the PNG anyway.
    fn all_take_deltas(&self, key: &TileKey, askers: &[Asker]) -> bool {
        askers.iter().all(|(session, id)| {
            self.members.get(session).is_some_and(|member| {
                member.tiles.deltas
                    && member.tile_ids.get(id).is_some_and(|(_, refresh)| *refresh)
                    && member.tiles.bases.has(key)
            })
        })
    }

    /// Tile requests the kit could not take (its queue is full): they leave their sessions'
    /// windows, and each session is told once.
    fn refuse_unsent(&mut self, askers: Vec<Asker>) {
        let mut told = BTreeSet::new();
        for (session, id) in askers {
            let Some(member) = self.members.get_mut(&session) else {
                continue;
            };
            if member.tile_ids.remove(&id).is_some() {
                member.tiles.failed();
            }
            if told.insert(session) {
                member.error(
                    "internal",
                    "the document process is overloaded",
                    Some("tiles"),
                );
            }
        }
    }
}
