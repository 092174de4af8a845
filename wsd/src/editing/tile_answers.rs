//! Tile answers from the kit on their way to the sessions that asked: `unchanged`, a delta or
//! the whole PNG, per session (its flow control, what it was last sent, its delta base).

use oxool_proto::Message;

use super::broker::Broker;
use super::protocol;
use super::tile_delta::{self, Compared, DecodedTiles, Png};
use super::{Outgoing, SessionId};

impl Broker {
    /// A tile from the kit, for every session that asked for it (tile_sharing.rs); requests
    /// that waited for its row's paints go to the kit now.
    pub(super) fn on_tile(&mut self, message: &Message, png: Vec<u8>) {
        let id: u64 = message.parse_arg("id").unwrap_or(0);
        let Some(answer) = self.shared_tiles.answered(id) else {
            return;
        };
        let mut answer_png = AnswerPng {
            kit: png.into(),
            fast: answer.fast,
            small: None,
        };
        for (session, asked_id) in answer.askers {
            self.deliver_tile(session, asked_id, &mut answer_png);
        }
        self.send_released(answer.released);
    }

    /// Sends the answer to `session`'s tile request `id`: `unchanged`, a delta or the PNG.
    fn deliver_tile(&mut self, session: SessionId, id: u64, answer: &mut AnswerPng) {
        let png = &answer.kit.clone();
        let Some(member) = self.members.get_mut(&session) else {
            return;
        };
        let Some((key, refresh)) = member.tile_ids.remove(&id) else {
            return;
        };
        let same = member.tiles.same_as_sent(key, png);
        let header = protocol::tile_header(&key);
        if refresh && same {
            member.text(header.arg("unchanged", 1).render());
            return;
        }
        if !member.tiles.deltas {
            let whole = answer.whole(&mut self.decoded_tiles, &key);
            member.send(Outgoing::Binary(protocol::binary(
                &header.arg("format", "png"),
                &whole,
            )));
            return;
        }
        // The client holds the base only if it asked with `refresh=1`.
        let base = member.tiles.bases.take(&key).filter(|_| refresh);
        let compared = base.as_ref().map(|base| {
            tile_delta::compare(&mut self.decoded_tiles, base, png, key.width, key.height)
        });
        let frame = match compared.as_deref() {
            Some(Compared::Same) => {
                // Other bytes, same pixels (a `fast=1` PNG, tile_requests.rs): the client keeps
                // what it has, and so does its base.
                member.text(header.arg("unchanged", 1).render());
                if let Some(base) = base {
                    member.tiles.bases.keep(key, base);
                }
                return;
            }
            Some(Compared::Changed(delta)) if delta.png.len() < png.len() => {
                protocol::binary(&tile_delta::tile_delta_header(&key, delta), &delta.png)
            }
            _ => {
                let whole = answer.whole(&mut self.decoded_tiles, &key);
                protocol::binary(&header.arg("format", "png"), &whole)
            }
        };
        member.send(Outgoing::Binary(frame));
        // The base stays the kit's PNG, whatever was sent: the same pixels, and the one
        // `DecodedTiles` decodes (tile_delta::decode wants the kit's RGBA).
        member.tiles.bases.keep(key, png.clone());
    }
}

/// A tile answer from the kit, as it goes to each session that asked.
struct AnswerPng {
    kit: Png,
    /// Asked with `fast=1`: the kit's PNG is ~3× the bytes of a small one.
    fast: bool,
    /// The same pixels compressed small, made for the first session that gets the tile whole.
    small: Option<Png>,
}

impl AnswerPng {
    /// The PNG a client receives whole: never a fast one (a session that joined a `fast=1`
    /// request without holding a base, or whose delta would be larger). The pixels are those
    /// of the kit's PNG, compressed again like patches (tile_delta::encode_pixels); the kit's
    /// PNG when they do not decode.
    fn whole(&mut self, decoded: &mut DecodedTiles, key: &protocol::TileKey) -> Png {
        if !self.fast {
            return self.kit.clone();
        }
        if let Some(small) = &self.small {
            return small.clone();
        }
        let small = decoded
            .pixels(&self.kit, key.width, key.height)
            .and_then(|pixels| tile_delta::encode_pixels(pixels.to_vec(), key.width, key.height))
            .map(Png::from)
            .unwrap_or_else(|| self.kit.clone());
        self.small = Some(small.clone());
        small
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editing::protocol::test_tile_column;
    use crate::editing::tile_delta::tests::decode_any;

    fn png(pixels: &[u8], compression: png::Compression) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 16, 16);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_compression(compression);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(pixels).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn a_fast_png_is_never_sent_whole_but_compressed_again_once() {
        let key = protocol::TileKey {
            width: 16,
            height: 16,
            ..test_tile_column(0)
        };
        let pixels: Vec<u8> = (0..16 * 16)
            .flat_map(|i| if i % 7 == 0 { [0, 0, 0, 255] } else { [255; 4] })
            .collect();
        let fast: Png = png(&pixels, png::Compression::Fast).into();
        let mut decoded = DecodedTiles::default();
        let mut answer = AnswerPng {
            kit: fast.clone(),
            fast: true,
            small: None,
        };
        let whole = answer.whole(&mut decoded, &key);
        assert!(whole.len() < fast.len(), "{} < {}", whole.len(), fast.len());
        let again = answer.whole(&mut decoded, &key);
        assert!(std::sync::Arc::ptr_eq(&whole, &again), "made once");
        assert_eq!(decode_any(&whole), pixels, "the same pixels");
        let mut plain = AnswerPng {
            kit: fast.clone(),
            fast: false,
            small: None,
        };
        assert!(std::sync::Arc::ptr_eq(
            &plain.whole(&mut decoded, &key),
            &fast
        ));
    }
}
