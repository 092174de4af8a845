// Counting pixels of the document canvas (the server's tiles as drawn) in a twip rectangle of
// the current part: red spelling underlines, dark glyph strokes.

/**
 * Pixels of `kind` in `rect` ({x, y, w, h} in twips) of the document canvas: 'red' is
 * LibreOffice's wavy spelling line (saturated red), 'dark' is glyph strokes of any hue.
 */
async function countPixels(page, rect, kind) {
  return page.evaluate(({ r, kind }) => {
    const layer = window.oxool.layer;
    const canvas = document.getElementById('doc-canvas');
    const a = layer.twipsToCss(r.x, r.y);
    const b = layer.twipsToCss(r.x + r.w, r.y + r.h);
    const s = layer.scroller;
    const dpr = layer.dpr;
    const x0 = Math.max(0, Math.floor((a.x - s.scrollLeft) * dpr));
    const y0 = Math.max(0, Math.floor((a.y - s.scrollTop) * dpr));
    const x1 = Math.min(canvas.width, Math.ceil((b.x - s.scrollLeft) * dpr));
    const y1 = Math.min(canvas.height, Math.ceil((b.y - s.scrollTop) * dpr));
    if (x1 <= x0 || y1 <= y0) throw new Error(`the rectangle ${JSON.stringify(r)} is not on the canvas`);
    const d = canvas.getContext('2d').getImageData(x0, y0, x1 - x0, y1 - y0).data;
    const red = (R, G, B) => R > 170 && G < 90 && B < 90;
    const dark = (R, G, B) => R < 110 && G < 110 && B < 110;
    const match = kind === 'red' ? red : dark;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (match(d[i], d[i + 1], d[i + 2])) n += 1;
    return n;
  }, { r: rect, kind });
}

module.exports = { countPixels };
