//! `warm-up` (docs/kit-protocol.md): LibreOffice initialises much of itself lazily, on the first
//! document a process loads and paints: the Writer module, the OOXML import, fonts, glyph and
//! layout caches. Measured with LibreOfficeKit here: a first small docx loads and paints its
//! first tile in ~350 ms, the same file a second time in ~70 ms (and a first xlsx or pptx after a
//! docx takes half its cold time). wsd keeps one kit that did this in reserve for the next
//! document opened for editing (wsd/src/kit/warm.rs): the kit loads a small built-in document
//! (kit/assets/warm-up.docx), paints one tile and closes it. Conversions do not warm up: for a
//! single load in a throw-away kit it would only add CPU.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::lok::{Office, TileArea};

/// A page of Writer text in two fonts, bold and italic, a list and a table, saved as docx by
/// LibreOffice (kit/assets/make-warm-up.sh).
const WARM_UP_DOCX: &[u8] = include_bytes!("../assets/warm-up.docx");
/// Inside the jail, on its private tmpfs; removed again afterwards.
const WARM_UP_DIR: &str = "/tmp/warm-up";

/// Loads, paints and closes the built-in document; returns how long that took. Failing here
/// costs nothing but the warmth: the kit serves its request cold.
pub fn warm_up(office: &Office) -> Result<Duration, String> {
    let started = Instant::now();
    let dir = Path::new(WARM_UP_DIR);
    std::fs::create_dir_all(dir).map_err(|e| format!("create {WARM_UP_DIR}: {e}"))?;
    let input = dir.join("warm-up.docx");
    std::fs::write(&input, WARM_UP_DOCX).map_err(|e| format!("write the document: {e}"))?;
    let painted = paint_once(office, &input);
    let _ = std::fs::remove_dir_all(dir);
    painted.map(|()| started.elapsed())
}

fn paint_once(office: &Office, input: &Path) -> Result<(), String> {
    // Loaded as an editing document is: `Batch=true` would leave the whole process in
    // LibreOffice's LOKSilent dialog mode, and the document wsd sends next could open no dialog.
    let document = office
        .load(input, crate::session::LOAD_OPTIONS)
        .map_err(|e| format!("load: {e}"))?;
    document
        .initialize_for_rendering("{}")
        .map_err(|e| format!("initialise rendering: {e}"))?;
    const TILE: usize = 256;
    let mut pixels = vec![0u8; TILE * TILE * 4];
    document
        .paint_tile(&mut pixels, TileArea::top_left(TILE as i32, 3840))
        .map_err(|e| format!("paint: {e}"))?;
    // Dropping the document destroys it: the kit holds no document when wsd's request comes.
    drop(document);
    Ok(())
}
