//! The document handle (`LibreOfficeKitDocument*`): saving, parts, tiles, views and callbacks.
//! Input, selection, clipboard and dialog calls are in `document_input.rs`.

use std::ffi::c_long;
use std::path::Path;
use std::sync::mpsc::Sender;

use super::callback::{trampoline, CallbackEvent, CallbackSlot};
use super::calls::{doc_fn, lok_call, lok_get, lok_get_string};
use super::enums::{doctype, tilemode};
use super::ffi::{LibreOfficeKitDocument, LibreOfficeKitDocumentClass};
use super::strings::{c_string, c_string_opt, ptr_or_null};
use super::{file_url, LokError};

/// What kind of document LibreOffice loaded (`getDocumentType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentType {
    Text,
    Spreadsheet,
    Presentation,
    Drawing,
    Other(i32),
}

impl DocumentType {
    fn from_raw(value: i32) -> DocumentType {
        match value {
            doctype::TEXT => DocumentType::Text,
            doctype::SPREADSHEET => DocumentType::Spreadsheet,
            doctype::PRESENTATION => DocumentType::Presentation,
            doctype::DRAWING => DocumentType::Drawing,
            other => DocumentType::Other(other),
        }
    }
}

/// Where a tile is painted: a `canvas_w` × `canvas_h` pixel canvas showing the document area
/// at (`pos_x`, `pos_y`), `tile_w` × `tile_h` twips large.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileArea {
    pub canvas_w: i32,
    pub canvas_h: i32,
    pub pos_x: i32,
    pub pos_y: i32,
    pub tile_w: i32,
    pub tile_h: i32,
}

impl TileArea {
    /// A `pixels` × `pixels` canvas of the document's top left `twips` × `twips`.
    pub fn top_left(pixels: i32, twips: i32) -> TileArea {
        TileArea {
            canvas_w: pixels,
            canvas_h: pixels,
            pos_x: 0,
            pos_y: 0,
            tile_w: twips,
            tile_h: twips,
        }
    }
}

/// Pixel layout of painted tiles (`getTileMode`). Debian's 7.4 paints premultiplied BGRA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TileMode {
    Rgba,
    Bgra,
    Other(i32),
}

/// One loaded document; destroyed on drop.
pub struct Document {
    pub(super) doc: *mut LibreOfficeKitDocument,
    /// Handlers LibreOffice may call; dropped only after the document is destroyed. Boxed so
    /// that their addresses (LibreOffice's `pData`) survive the Vec growing.
    #[allow(clippy::vec_box)]
    callbacks: Vec<Box<CallbackSlot>>,
}

// SAFETY: LOK's document entry points take LibreOffice's SolarMutex themselves, so they may be
// called from any thread as long as calls are not concurrent, which `!Sync` ensures. The
// callback slots are Send + Sync by construction.
unsafe impl Send for Document {}

impl Document {
    /// Takes ownership of a document returned by `documentLoad*`; `None` for null.
    ///
    /// # Safety
    /// `doc` must be null or a live document with a LOK document vtable, owned by nobody else.
    pub(crate) unsafe fn from_raw(doc: *mut LibreOfficeKitDocument) -> Option<Document> {
        // SAFETY: the caller promises a valid document; a null class would be unusable.
        if doc.is_null() || unsafe { (*doc).p_class }.is_null() {
            return None;
        }
        Some(Document {
            doc,
            callbacks: Vec::new(),
        })
    }

    /// The raw document pointer, for calls this wrapper does not cover.
    pub fn as_raw(&self) -> *mut LibreOfficeKitDocument {
        self.doc
    }

    pub(super) fn class(&self) -> &LibreOfficeKitDocumentClass {
        // SAFETY: checked non-null in from_raw; the vtable lives as long as the document.
        unsafe { &*(*self.doc).p_class }
    }

    /// The vtable size LibreOffice reports (`nSize`): 536 for 7.4.
    pub fn class_size(&self) -> usize {
        self.class().n_size
    }

    /// Saves to `path` (as a `file://` URL) in `format`, an extension such as `pdf` or `docx`;
    /// `filter_options` are LibreOffice filter options (e.g. `PDFVer=…` or a JSON FilterData).
    pub fn save_as(
        &self,
        path: &Path,
        format: &str,
        filter_options: Option<&str>,
    ) -> Result<(), LokError> {
        let url = c_string(&file_url(path)?)?;
        let c_format = c_string(format)?;
        let options = c_string_opt(filter_options)?;
        let save = doc_fn!(self, save_as)?;
        // SAFETY: `self.doc` is live; the strings outlive the call; null options are allowed.
        let saved = unsafe {
            save(
                self.doc,
                url.as_ptr(),
                c_format.as_ptr(),
                ptr_or_null(&options),
            )
        };
        if saved != 0 {
            Ok(())
        } else {
            Err(LokError::SaveFailed {
                format: format.to_string(),
                message: "saveAs returned 0".to_string(),
            })
        }
    }

    /// `getDocumentType`.
    pub fn document_type(&self) -> Result<DocumentType, LokError> {
        let get = doc_fn!(self, get_document_type)?;
        // SAFETY: `self.doc` is live.
        Ok(DocumentType::from_raw(unsafe { get(self.doc) }))
    }

    lok_get! {
        /// Number of parts: pages of a text document, sheets, slides.
        parts() -> i32 => get_parts
    }

    lok_get! {
        /// The current part of the current view.
        part() -> i32 => get_part
    }

    lok_call! {
        /// Switches the current view to part `part`.
        set_part(part: i32) => set_part
    }

    lok_get_string! {
        /// The name of part `part` (sheet name, slide name); empty when it has none.
        part_name(part: i32) => get_part_name
    }

    lok_get_string! {
        /// A hash of part `part` (Impress slides), to notice slides changing place.
        part_hash(part: i32) => get_part_hash
    }

    lok_get_string! {
        /// Page rectangles of a text document, `"x, y, w, h; …"` in twips.
        part_page_rectangles() => get_part_page_rectangles
    }

    lok_call! {
        /// Impress: show slides or notes ([`super::enums::partmode`]).
        set_part_mode(mode: i32) => set_part_mode
    }

    /// Size of the current part in twips (width, height).
    pub fn document_size(&self) -> Result<(i64, i64), LokError> {
        let get = doc_fn!(self, get_document_size)?;
        let (mut width, mut height): (c_long, c_long) = (0, 0);
        // SAFETY: `self.doc` is live; both out pointers are valid for the call.
        unsafe { get(self.doc, &mut width, &mut height) };
        Ok((width, height))
    }

    lok_call! {
        /// Prepares the current view for tiled rendering; `arguments` is LOK's JSON (may be empty).
        /// Call once before the first [`Self::paint_tile`].
        initialize_for_rendering(arguments: &str) => initialize_for_rendering
    }

    /// The byte order of painted tiles.
    pub fn tile_mode(&self) -> Result<TileMode, LokError> {
        let get = doc_fn!(self, get_tile_mode)?;
        // SAFETY: `self.doc` is live.
        Ok(match unsafe { get(self.doc) } {
            tilemode::RGBA => TileMode::Rgba,
            tilemode::BGRA => TileMode::Bgra,
            other => TileMode::Other(other),
        })
    }

    /// Paints `area` of the current part into `buffer`, a canvas of `area.canvas_w` ×
    /// `area.canvas_h` pixels of 4 bytes each (see [`Self::tile_mode`]; alpha is premultiplied).
    pub fn paint_tile(&self, buffer: &mut [u8], area: TileArea) -> Result<(), LokError> {
        self.paint(buffer, None, area)
    }

    /// [`Self::paint_tile`] for part `part` without changing the view's current part.
    pub fn paint_part_tile(
        &self,
        buffer: &mut [u8],
        part: i32,
        area: TileArea,
    ) -> Result<(), LokError> {
        self.paint(buffer, Some(part), area)
    }

    fn paint(&self, buffer: &mut [u8], part: Option<i32>, area: TileArea) -> Result<(), LokError> {
        let TileArea {
            canvas_w: cw,
            canvas_h: ch,
            pos_x: x,
            pos_y: y,
            tile_w: tw,
            tile_h: th,
        } = area;
        check_tile(buffer.len(), cw, ch, tw, th)?;
        let pixels = buffer.as_mut_ptr();
        match part {
            None => {
                let paint = doc_fn!(self, paint_tile)?;
                // SAFETY: `self.doc` is live; `buffer` holds cw * ch * 4 bytes (checked), which
                // is all LOK writes.
                unsafe { paint(self.doc, pixels, cw, ch, x, y, tw, th) };
            }
            Some(part) => {
                let paint = doc_fn!(self, paint_part_tile)?;
                // SAFETY: as above: the buffer size is checked against the canvas.
                unsafe { paint(self.doc, pixels, part, cw, ch, x, y, tw, th) };
            }
        }
        Ok(())
    }

    lok_call! {
        /// Tells LibreOffice the client's tile size in pixels and twips (its zoom level).
        set_client_zoom(tile_pixel_w: i32, tile_pixel_h: i32, tile_twip_w: i32, tile_twip_h: i32) => set_client_zoom
    }

    lok_call! {
        /// Tells LibreOffice which area (twips) the client shows, so it scrolls and invalidates
        /// sensibly.
        set_client_visible_area(x: i32, y: i32, w: i32, h: i32) => set_client_visible_area
    }

    lok_get! {
        /// Creates a view and makes it current; returns its id. Register callbacks for it after.
        create_view() -> i32 => create_view
    }

    lok_get! {
        /// Creates a view with options (JSON, e.g. `{"Language":…,"ReadOnly":…}`).
        create_view_with_options(options: &str) -> i32 => create_view_with_options
    }

    lok_call! {
        /// Destroys view `id`.
        destroy_view(id: i32) => destroy_view
    }

    lok_call! {
        /// Makes view `id` current: later input and paints go to it.
        set_view(id: i32) => set_view
    }

    lok_get! {
        /// The current view's id.
        view() -> i32 => get_view
    }

    lok_get! {
        /// How many views the document has.
        views_count() -> i32 => get_views_count
    }

    /// The ids of all views.
    pub fn view_ids(&self) -> Result<Vec<i32>, LokError> {
        let count = usize::try_from(self.views_count()?).unwrap_or(0);
        let get = doc_fn!(self, get_view_ids)?;
        let mut ids = vec![0; count];
        // SAFETY: `self.doc` is live; `ids` has room for `count` ints, the size we pass.
        let complete = unsafe { get(self.doc, ids.as_mut_ptr(), ids.len()) };
        if !complete {
            ids.clear();
        }
        Ok(ids)
    }

    lok_call! {
        /// Sets the UI language of view `id` (BCP 47, e.g. `de-DE`).
        set_view_language(id: i32, language: &str) => set_view_language
    }

    /// Registers `handler` for the callbacks of the **current** view (LOK registers per view;
    /// call again after [`Self::create_view`]). Events carry that view's id. The handler runs on
    /// LibreOffice's thread; it is kept until the document is destroyed.
    pub fn register_callback(
        &mut self,
        handler: impl Fn(CallbackEvent) + Send + Sync + 'static,
    ) -> Result<(), LokError> {
        let register = doc_fn!(self, register_callback)?;
        let view = self.view().unwrap_or(-1);
        let slot = CallbackSlot::new(view, Box::new(handler));
        // SAFETY: `self.doc` is live; the slot's box is stored in `self.callbacks` below and
        // freed only after the document is destroyed, so `pData` stays valid for every call.
        unsafe { register(self.doc, Some(trampoline), slot.as_data()) };
        self.callbacks.push(slot);
        Ok(())
    }

    /// [`Self::register_callback`] with a handler that sends each event down `sender`
    /// (events after the receiver is gone are dropped).
    pub fn register_channel(&mut self, sender: Sender<CallbackEvent>) -> Result<(), LokError> {
        self.register_callback(move |event| {
            let _ = sender.send(event);
        })
    }
}

impl Drop for Document {
    fn drop(&mut self) {
        if let Ok(destroy) = doc_fn!(self, destroy) {
            // SAFETY: we own the document and nothing uses it after this; callback slots are
            // still alive during destroy and dropped after it.
            unsafe { destroy(self.doc) };
        }
        self.callbacks.clear();
    }
}

/// The checks that make a paint call memory-safe: positive sizes and a buffer that holds the
/// whole canvas.
fn check_tile(
    len: usize,
    canvas_w: i32,
    canvas_h: i32,
    tile_w: i32,
    tile_h: i32,
) -> Result<(), LokError> {
    if canvas_w <= 0 || canvas_h <= 0 {
        return Err(LokError::TileGeometry {
            detail: "canvas width and height must be positive",
        });
    }
    if tile_w <= 0 || tile_h <= 0 {
        return Err(LokError::TileGeometry {
            detail: "tile width and height must be positive",
        });
    }
    let needed = (canvas_w as usize)
        .checked_mul(canvas_h as usize)
        .and_then(|pixels| pixels.checked_mul(4))
        .ok_or(LokError::TileGeometry {
            detail: "canvas too large",
        })?;
    if len < needed {
        return Err(LokError::TileBufferTooSmall { len, needed });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_checks() {
        assert!(check_tile(256 * 256 * 4, 256, 256, 3840, 3840).is_ok());
        assert!(matches!(
            check_tile(100, 256, 256, 3840, 3840),
            Err(LokError::TileBufferTooSmall { needed: 262144, .. })
        ));
        assert!(check_tile(1 << 20, 0, 256, 3840, 3840).is_err());
        assert!(check_tile(1 << 20, 256, 256, -1, 3840).is_err());
        assert!(check_tile(usize::MAX, i32::MAX, i32::MAX, 1, 1).is_ok());
    }

    #[test]
    fn document_types() {
        assert_eq!(DocumentType::from_raw(0), DocumentType::Text);
        assert_eq!(DocumentType::from_raw(2), DocumentType::Presentation);
        assert_eq!(DocumentType::from_raw(9), DocumentType::Other(9));
    }
}
