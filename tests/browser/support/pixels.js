// Counting pixels of the document canvas (the server's tiles as drawn) in a twip rectangle of
// the current part: red spelling underlines, dark glyph strokes.

/**
 * Pixels of `kind` per canvas column of `rect` ({x, y, w, h} in twips) of the document canvas:
 * 'red' is LibreOffice's wavy spelling line (saturated red), 'dark' is glyph strokes of any hue.
 */
async function kindColumns(page, rect, kind) {
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
    const w = x1 - x0;
    const d = canvas.getContext('2d').getImageData(x0, y0, w, y1 - y0).data;
    const red = (R, G, B) => R > 170 && G < 90 && B < 90;
    const dark = (R, G, B) => R < 110 && G < 110 && B < 110;
    const match = kind === 'red' ? red : dark;
    const columns = new Array(w).fill(0);
    for (let i = 0; i < d.length; i += 4) if (match(d[i], d[i + 1], d[i + 2])) columns[(i / 4) % w] += 1;
    return columns;
  }, { r: rect, kind });
}

/** Pixels of `kind` ('red' or 'dark', see kindColumns) in `rect` of the document canvas. */
async function countPixels(page, rect, kind) {
  return (await kindColumns(page, rect, kind)).reduce((sum, n) => sum + n, 0);
}

/**
 * Dark pixels per canvas column of `rect` ({x, y, w, h} in twips): the ink profile of a line of
 * text, from which its glyphs' extent, gaps and weights can be read.
 */
async function inkColumns(page, rect) {
  return kindColumns(page, rect, 'dark');
}

/** Runs of inked columns separated by blank ones: [{start, end}] (end exclusive). */
function inkRuns(columns) {
  const runs = [];
  let start = -1;
  columns.forEach((n, i) => {
    if (n > 0 && start < 0) start = i;
    if (n === 0 && start >= 0) { runs.push({ start, end: i }); start = -1; }
  });
  if (start >= 0) runs.push({ start, end: columns.length });
  return runs;
}

/**
 * The ink of `columns` cut into `n` cells of equal width over its inked extent (columns with a
 * single dark pixel are anti-aliasing, not ink), and how much the cells' weights vary
 * (coefficient of variation). A line of missing-glyph boxes varies little: every box weighs the
 * same.
 */
function cellWeights(columns, n) {
  const first = columns.findIndex((c) => c > 1);
  let last = columns.length - 1;
  while (last > first && columns[last] <= 1) last -= 1;
  if (first < 0) return { weights: new Array(n).fill(0), variation: 0 };
  const width = (last + 1 - first) / n;
  const weights = Array.from({ length: n }, (_, i) => columns
    .slice(Math.round(first + i * width), Math.round(first + (i + 1) * width))
    .reduce((a, b) => a + b, 0));
  const mean = weights.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(weights.reduce((a, w) => a + (w - mean) ** 2, 0) / n);
  return { weights, variation: mean > 0 ? sd / mean : 0 };
}

module.exports = { countPixels, inkColumns, inkRuns, cellWeights };
