//! Rectangles of tile pixels: the part of a tile that changed (tile_delta.rs), the part a move
//! explains (tile_shift.rs).

/// The part of a tile that changed, in tile pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// The smallest rectangle holding every pixel that differs; None when none does.
pub fn changed_rect(old: &[u8], new: &[u8], width: u32, height: u32) -> Option<Rect> {
    let stride = width as usize * 4;
    fn row_of(pixels: &[u8], stride: usize, y: usize) -> &[u8] {
        &pixels[y * stride..(y + 1) * stride]
    }
    let row = |pixels, y| row_of(pixels, stride, y);
    let rows = 0..height as usize;
    let top = rows.clone().find(|&y| row(old, y) != row(new, y))?;
    let bottom = rows.rev().find(|&y| row(old, y) != row(new, y))?;
    let (mut left, mut right) = (width as usize, 0);
    for y in top..=bottom {
        let (a, b) = (row(old, y), row(new, y));
        let differs = |x: &usize| a[x * 4..x * 4 + 4] != b[x * 4..x * 4 + 4];
        if let Some(x) = (0..left).find(differs) {
            left = x;
        }
        if let Some(x) = (right + 1..width as usize).rev().find(differs) {
            right = x;
        }
    }
    let right = right.max(left);
    Some(Rect {
        x: left as u32,
        y: top as u32,
        width: (right - left + 1) as u32,
        height: (bottom - top + 1) as u32,
    })
}
