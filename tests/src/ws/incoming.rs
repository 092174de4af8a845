//! One message from the server, as the test client keeps it.

use std::time::Instant;

use oxool_proto::Message;

/// One message from the server.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub message: Message,
    /// What follows the first line: JSON or text for text frames, the bytes for binary ones.
    pub body: Vec<u8>,
    pub binary: bool,
    pub at: Instant,
}

impl Incoming {
    /// Of the `visible` tiles (top-left corners, `tile_twips` wide and high), those this
    /// `invalidate` makes stale: all of them for `all=1`, else those meeting its rectangle.
    pub fn stale_tiles(&self, visible: Vec<(i64, i64)>, tile_twips: i64) -> Vec<(i64, i64)> {
        if self.get("all") == Some("1") {
            return visible;
        }
        let num = |k: &str| self.get(k).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
        let (x, y, w, h) = (num("x"), num("y"), num("w"), num("h"));
        visible
            .into_iter()
            .filter(|&(tx, ty)| {
                tx < x + w && tx + tile_twips > x && ty < y + h && ty + tile_twips > y
            })
            .collect()
    }

    pub fn name(&self) -> &str {
        &self.message.name
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.message.get(key)
    }
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The body as JSON (events, `users`), or Null.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
    pub fn is(&self, name: &str) -> bool {
        self.message.name == name
    }
    /// An `event` of this LibreOffice callback kind.
    pub fn is_event(&self, kind: &str) -> bool {
        self.is("event") && self.get("kind") == Some(kind)
    }
    pub fn is_error(&self, kind: &str) -> bool {
        self.is("error") && self.get("kind") == Some(kind)
    }
    /// A tile answer: a binary PNG frame or a text `unchanged=1` frame.
    pub fn is_tile(&self) -> bool {
        self.is("tile")
    }
}

impl std::fmt::Display for Incoming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        if self.binary {
            write!(f, " <{} bytes>", self.body.len())
        } else if !self.body.is_empty() {
            let text = self.body_text();
            let short: String = text.chars().take(300).collect();
            write!(f, " | {short}")
        } else {
            Ok(())
        }
    }
}

/// Splits a frame into its first line (a message) and the rest.
pub(super) fn parse_frame(bytes: &[u8], binary: bool, at: Instant) -> Incoming {
    let split = bytes.iter().position(|&b| b == b'\n');
    let (line, body) = match split {
        Some(i) => (&bytes[..i], bytes[i + 1..].to_vec()),
        None => (bytes, Vec::new()),
    };
    let line = String::from_utf8_lossy(line);
    let message = Message::parse(&line).unwrap_or_else(|e| {
        // A line the protocol does not allow is kept visible for the assertions.
        Message::new("unparsable")
            .arg("line", line.chars().take(200).collect::<String>())
            .arg("error", e)
    });
    Incoming {
        message,
        body,
        binary,
        at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalidate(line: &str) -> Incoming {
        Incoming {
            message: Message::parse(line).unwrap(),
            body: Vec::new(),
            binary: false,
            at: Instant::now(),
        }
    }

    #[test]
    fn an_invalidation_makes_the_tiles_it_meets_stale() {
        let visible = vec![(0, 0), (3840, 0), (0, 3840), (3840, 3840)];
        let some = invalidate("invalidate part=0 x=3000 y=100 w=1000 h=200");
        assert_eq!(
            some.stale_tiles(visible.clone(), 3840),
            vec![(0, 0), (3840, 0)]
        );
        let edge = invalidate("invalidate part=0 x=3840 y=3840 w=10 h=10");
        assert_eq!(edge.stale_tiles(visible.clone(), 3840), vec![(3840, 3840)]);
        let all = invalidate("invalidate all=1");
        assert_eq!(all.stale_tiles(visible.clone(), 3840), visible);
    }
}
