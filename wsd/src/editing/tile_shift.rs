//! The moves of a tile delta (docs/protocol.md, "Tile deltas"). A character typed into a line
//! moves the rest of the line sideways by the glyph's advance. LibreOffice places each glyph
//! on whole pixels, rounded on its own, so after one keystroke the glyphs of a line move by
//! the advance or one pixel more or less: no single sideways move explains the line, but each
//! glyph's columns are columns the client already holds, a few pixels to the left.
//!
//! So the changed band (the rows that changed) is cut into runs of columns: a run whose
//! columns the held tile has `sx` columns to the left is a move; a run of columns seen nowhere
//! in the held tile is patched with new pixels; a run that did not change (sx = 0) needs
//! nothing. Measured on real tiles, this carries 2.3 times fewer bytes per typed character
//! than one move and one patch rectangle (docs/benchmarks.md, "Issue 15.5").

use super::tile_rect::Rect;

/// The widest sideways move looked for, in pixels: a wide glyph at 400 % zoom.
pub const MAX_SHIFT: i32 = 64;
/// A move shorter than this is sent as patch columns instead: its header costs about what its
/// pixels would.
const MIN_MOVE_COLUMNS: u32 = 2;

/// Columns `x .. x + width` of the band take the held tile's pixels `sx` columns to the left
/// (`sx` < 0: right).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub x: u32,
    pub width: u32,
    pub sx: i32,
}

/// Columns `x .. x + width` of the band whose new pixels the patch carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatchRun {
    pub x: u32,
    pub width: u32,
}

/// How the client rebuilds the changed band: the moves (all reading the tile as held), then
/// the patch runs, left to right, taken one after the other from the patch image.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BandPlan {
    pub moves: Vec<Move>,
    pub patch: Vec<PatchRun>,
}

impl BandPlan {
    /// The patch image's width: the patch runs side by side.
    pub fn patch_width(&self) -> u32 {
        self.patch.iter().map(|run| run.width).sum()
    }
}

/// The columns of one band of rows, column after column (rows top to bottom, one `u32` per
/// pixel), with a hash per column to compare them quickly. One allocation for the band: this
/// runs for every changed tile.
struct Columns {
    pixels: Vec<u32>,
    height: usize,
    hashes: Vec<u64>,
}

impl Columns {
    fn of(pixels: &[u8], width: u32, band: Rect) -> Columns {
        let stride = width as usize * 4;
        let rows = band.y as usize..(band.y + band.height) as usize;
        let height = rows.len();
        let mut columns = Vec::with_capacity(width as usize * height);
        for x in 0..width as usize {
            for y in rows.clone() {
                let i = y * stride + x * 4;
                let pixel = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
                columns.push(u32::from_ne_bytes(pixel));
            }
        }
        let hashes = columns.chunks_exact(height.max(1)).map(hash).collect();
        Columns {
            pixels: columns,
            height,
            hashes,
        }
    }

    fn column(&self, x: usize) -> &[u32] {
        &self.pixels[x * self.height..(x + 1) * self.height]
    }
}

/// FNV-1a over the pixels: columns are short and the hash only filters before an exact
/// comparison.
fn hash(pixels: &[u32]) -> u64 {
    pixels.iter().fold(0xcbf2_9ce4_8422_2325, |h, &p| {
        (h ^ u64::from(p)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Cuts the changed band (`changed`'s rows, its columns) of a tile `width` pixels wide into
/// moves and patch runs that rebuild `new` from `old` exactly.
pub fn plan_band(old: &[u8], new: &[u8], width: u32, changed: Rect) -> BandPlan {
    let held = Columns::of(old, width, changed);
    let now = Columns::of(new, width, changed);
    let matches = |column: u32, sx: i32| -> bool {
        let source = i64::from(column) - i64::from(sx);
        if source < 0 || source >= i64::from(width) {
            return false;
        }
        let (source, column) = (source as usize, column as usize);
        held.hashes[source] == now.hashes[column] && held.column(source) == now.column(column)
    };
    let end = changed.x + changed.width;
    let run_length =
        |from: u32, sx: i32| (from..end).take_while(|&c| matches(c, sx)).count() as u32;
    let mut plan = BandPlan::default();
    let mut column = changed.x;
    while column < end {
        // Unchanged columns first: they cost nothing. Then the longest move from here, the
        // smaller shift on a tie.
        let (mut best_sx, mut best_len) = (0, run_length(column, 0));
        if best_len == 0 {
            for step in 1..=MAX_SHIFT {
                for sx in [step, -step] {
                    let len = run_length(column, sx);
                    if len > best_len {
                        (best_sx, best_len) = (sx, len);
                    }
                }
            }
        }
        if best_sx == 0 && best_len > 0 {
            column += best_len;
        } else if best_len >= MIN_MOVE_COLUMNS {
            plan.moves.push(Move {
                x: column,
                width: best_len,
                sx: best_sx,
            });
            column += best_len;
        } else {
            match plan.patch.last_mut() {
                Some(run) if run.x + run.width == column => run.width += 1,
                _ => plan.patch.push(PatchRun {
                    x: column,
                    width: 1,
                }),
            }
            column += 1;
        }
    }
    plan
}

/// The patch image: the new pixels of the band's patch runs, side by side, as straight RGBA.
pub fn patch_pixels(new: &[u8], width: u32, band: Rect, plan: &BandPlan) -> Vec<u8> {
    let stride = width as usize * 4;
    let mut out = Vec::with_capacity(plan.patch_width() as usize * band.height as usize * 4);
    for y in band.y as usize..(band.y + band.height) as usize {
        for run in &plan.patch {
            let start = y * stride + run.x as usize * 4;
            out.extend_from_slice(&new[start..start + run.width as usize * 4]);
        }
    }
    out
}

/// What a client does with a plan: every move reads the tile as held, then the patch image's
/// columns (`patch`, [`BandPlan::patch_width`] wide, the band's height) replace the runs.
pub fn apply_plan(pixels: &mut [u8], width: u32, band: Rect, plan: &BandPlan, patch: &[u8]) {
    let held = pixels.to_vec();
    let stride = width as usize * 4;
    let patch_stride = plan.patch_width() as usize * 4;
    for (row, y) in (band.y as usize..(band.y + band.height) as usize).enumerate() {
        for m in &plan.moves {
            let to = y * stride + m.x as usize * 4;
            let from = (y * stride) as i64 + (i64::from(m.x) - i64::from(m.sx)) * 4;
            let len = m.width as usize * 4;
            pixels[to..to + len].copy_from_slice(&held[from as usize..from as usize + len]);
        }
        let mut at = row * patch_stride;
        for run in &plan.patch {
            let to = y * stride + run.x as usize * 4;
            let len = run.width as usize * 4;
            pixels[to..to + len].copy_from_slice(&patch[at..at + len]);
            at += len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editing::tile_rect::changed_rect;

    /// A white 64 × 8 tile with dark "glyphs" (2 columns wide, shaded by column so that no two
    /// glyph columns are alike) at the given columns of rows 2..6.
    fn line(columns: &[u32]) -> Vec<u8> {
        let mut pixels = vec![255u8; 64 * 8 * 4];
        for (n, &x) in columns.iter().enumerate() {
            for dx in 0..2 {
                for y in 2..6 {
                    let i = (y * 64 + (x + dx).min(63) as usize) * 4;
                    let shade = (n * 20 + dx as usize * 7) as u8;
                    pixels[i..i + 3].copy_from_slice(&[shade, shade, shade]);
                }
            }
        }
        pixels
    }

    fn rebuilt(old: &[u8], new: &[u8]) -> (Vec<u8>, BandPlan) {
        let band = changed_rect(old, new, 64, 8).unwrap();
        let plan = plan_band(old, new, 64, band);
        let patch = patch_pixels(new, 64, band, &plan);
        let mut held = old.to_vec();
        apply_plan(&mut held, 64, band, &plan, &patch);
        (held, plan)
    }

    #[test]
    fn a_typed_glyph_moves_the_rest_by_rounded_advances() {
        // "a|bcd" → "aX|bcd": b moves 3 columns, c and d 4 (rounded on their own), X is new.
        let old = line(&[2, 10, 20, 40]);
        let mut new = line(&[2, 13, 24, 44]);
        for y in 2..6 {
            let i = (y * 64 + 7) * 4;
            new[i..i + 3].copy_from_slice(&[99, 98, 97]);
        }
        let (held, plan) = rebuilt(&old, &new);
        assert_eq!(held, new);
        let shifts: Vec<i32> = plan.moves.iter().map(|m| m.sx).collect();
        assert!(shifts.contains(&3) && shifts.contains(&4), "{plan:?}");
        assert!(
            plan.patch_width() <= 2,
            "only the new glyph is patched: {plan:?}"
        );
    }

    #[test]
    fn every_plan_rebuilds_the_new_tile() {
        let cases: [(&[u32], &[u32]); 6] = [
            (&[5, 6, 7], &[30, 41, 52]),
            (&[10, 20, 30], &[5, 15, 25]),
            (&[0, 1, 2, 62], &[1, 2, 3]),
            (&[40, 41], &[40, 41, 42, 43, 44, 45]),
            (&[], &[0, 10, 20, 30, 40, 50, 60]),
            (&[0, 10, 20, 30, 40, 50, 60], &[]),
        ];
        for (before, after) in cases {
            let (old, new) = (line(before), line(after));
            assert_eq!(rebuilt(&old, &new).0, new, "{before:?} → {after:?}");
        }
    }

    #[test]
    fn unchanged_columns_inside_the_band_cost_nothing() {
        let old = line(&[10, 40]);
        let new = line(&[12, 40, 50]);
        let (held, plan) = rebuilt(&old, &new);
        assert_eq!(held, new);
        for m in &plan.moves {
            assert!(m.x + m.width <= 40 || m.x >= 42, "{plan:?}");
        }
        for run in &plan.patch {
            assert!(run.x + run.width <= 40 || run.x >= 42, "{plan:?}");
        }
    }
}
