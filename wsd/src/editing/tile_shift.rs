//! The move of a tile delta (docs/protocol.md, "Tile deltas"): a character typed into a line
//! moves the rest of the line sideways by the glyph's advance, so most of the changed rectangle
//! is pixels the client already holds, a few pixels to the left. The delta then says "copy the
//! held pixels of this rectangle from `sx` pixels to the left" and carries only what the move
//! does not explain.

use super::tile_rect::Rect;

/// The widest sideways move looked for, in pixels: a wide glyph at 400 % zoom.
pub const MAX_SHIFT: i32 = 64;

/// Pixels of `rect` take the held tile's pixels `sx` columns to the left (`sx` < 0: right).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub rect: Rect,
    pub sx: i32,
}

/// The best sideways move for the rectangle that changed, and the rectangle the move does not
/// explain (None: nothing); None when no move makes that rectangle less than half as large.
pub fn best_move(
    old: &[u8],
    new: &[u8],
    width: u32,
    changed: Rect,
) -> Option<(Move, Option<Rect>)> {
    let area = |r: &Option<Rect>| r.map_or(0, |r| r.width as u64 * r.height as u64);
    let mut best: Option<(Move, Option<Rect>)> = None;
    let mut best_area = changed.width as u64 * changed.height as u64 / 2;
    for step in 1..=MAX_SHIFT {
        for sx in [step, -step] {
            if let Some((moved, rest)) = try_shift(old, new, width, changed, sx, best_area) {
                if area(&rest) < best_area {
                    best_area = area(&rest);
                    best = Some((moved, rest));
                }
            }
        }
        if best_area == 0 {
            break;
        }
    }
    best
}

/// The move by `sx` within `changed` and what it leaves unexplained; None when the move has no
/// room or its remainder reaches `give_up` pixels.
fn try_shift(
    old: &[u8],
    new: &[u8],
    width: u32,
    changed: Rect,
    sx: i32,
    give_up: u64,
) -> Option<(Move, Option<Rect>)> {
    let (w, cx0, cx1) = (
        width as i64,
        changed.x as i64,
        (changed.x + changed.width) as i64,
    );
    let sx64 = i64::from(sx);
    // Columns whose source column lies inside the tile.
    let lo = cx0.max(sx64.max(0));
    let hi = cx1.min(w + sx64.min(0));
    if lo >= hi {
        return None;
    }
    let stride = width as usize * 4;
    let pixel = |p: &[u8], x: i64, y: usize| -> [u8; 4] {
        let i = y * stride + x as usize * 4;
        [p[i], p[i + 1], p[i + 2], p[i + 3]]
    };
    let differs = |x: i64, y: usize| -> bool {
        x < lo || x >= hi || pixel(new, x, y) != pixel(old, x - sx64, y)
    };
    let (mut left, mut right, mut top, mut bottom) = (i64::MAX, -1i64, None, 0usize);
    for y in changed.y as usize..(changed.y + changed.height) as usize {
        let first = (cx0..cx1).find(|&x| differs(x, y));
        let Some(first) = first else { continue };
        let last = (first..cx1).rev().find(|&x| differs(x, y)).unwrap_or(first);
        left = left.min(first);
        right = right.max(last);
        top.get_or_insert(y);
        bottom = y;
        let area = (right - left + 1) as u64 * (bottom - top.unwrap_or(y) + 1) as u64;
        if area >= give_up {
            return None;
        }
    }
    let moved = Move {
        rect: Rect {
            x: lo as u32,
            y: changed.y,
            width: (hi - lo) as u32,
            height: changed.height,
        },
        sx,
    };
    let rest = top.map(|top| Rect {
        x: left as u32,
        y: top as u32,
        width: (right - left + 1) as u32,
        height: (bottom - top + 1) as u32,
    });
    Some((moved, rest))
}

/// What a client does with a move: the held pixels of `rect`, `sx` columns to the left, all
/// read before any is written.
pub fn apply_move(pixels: &mut [u8], width: u32, moved: Move) {
    let held = pixels.to_vec();
    let stride = width as usize * 4;
    let r = moved.rect;
    for y in r.y as usize..(r.y + r.height) as usize {
        let to = y * stride + r.x as usize * 4;
        let from = (y * stride) as i64 + (i64::from(r.x) - i64::from(moved.sx)) * 4;
        let len = r.width as usize * 4;
        pixels[to..to + len].copy_from_slice(&held[from as usize..from as usize + len]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editing::tile_rect::changed_rect;

    /// A white 64 × 8 tile with dark "glyphs" at the given columns of rows 2..6.
    fn line(columns: &[u32]) -> Vec<u8> {
        let mut pixels = vec![255u8; 64 * 8 * 4];
        for &x in columns {
            for y in 2..6 {
                let i = (y * 64 + x as usize) * 4;
                pixels[i..i + 3].copy_from_slice(&[0, 0, 0]);
            }
        }
        pixels
    }

    /// The move, then the remainder's new pixels: what the client ends up with.
    fn rebuilt(old: &[u8], new: &[u8], moved: Move, rest: Option<Rect>) -> Vec<u8> {
        let mut held = old.to_vec();
        apply_move(&mut held, 64, moved);
        if let Some(rest) = rest {
            let stride = 64 * 4;
            for y in rest.y..rest.y + rest.height {
                let i = y as usize * stride + rest.x as usize * 4;
                let len = rest.width as usize * 4;
                held[i..i + len].copy_from_slice(&new[i..i + len]);
            }
        }
        held
    }

    #[test]
    fn a_typed_glyph_is_a_move_and_a_small_patch() {
        // "ab c" → "aXb c": everything from column 10 on moves 3 columns to the right.
        let old = line(&[2, 10, 20, 40, 60]);
        let new = line(&[2, 11, 13, 23, 43, 63]);
        let changed = changed_rect(&old, &new, 64, 8).unwrap();
        let (moved, rest) = best_move(&old, &new, 64, changed).expect("a move");
        assert_eq!(moved.sx, 3);
        assert!(rest.expect("the new glyph").width <= 4, "{rest:?}");
        assert_eq!(rebuilt(&old, &new, moved, rest), new);
    }

    #[test]
    fn every_move_found_rebuilds_the_new_tile() {
        let cases: [(&[u32], &[u32]); 4] = [
            (&[5, 6, 7], &[30, 41, 52]),
            (&[10, 20, 30], &[5, 15, 25]),
            (&[0, 1, 2, 63], &[1, 2, 3]),
            (&[40, 41], &[40, 41, 42, 43, 44, 45]),
        ];
        let mut moves = 0;
        for (before, after) in cases {
            let (old, new) = (line(before), line(after));
            let changed = changed_rect(&old, &new, 64, 8).unwrap();
            if let Some((moved, rest)) = best_move(&old, &new, 64, changed) {
                moves += 1;
                assert_eq!(
                    rebuilt(&old, &new, moved, rest),
                    new,
                    "{before:?} → {after:?}"
                );
            }
        }
        assert!(moves >= 2, "moves were found: {moves}");
    }
}
