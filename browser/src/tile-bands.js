// Row bands: when an invalidation touches only some rows of a tile we hold, the client asks for
// just those rows (a `tiles` request whose height and th cover the band, same scale as the
// tile) and paints them into its copy of the tile. A typed letter then costs a PNG of a few
// text lines instead of a whole 256 px tile. docs/protocol.md, "Tiles": any geometry within the
// bounds is a valid request, so this needs nothing from the server.

/** Above this share of the tile's rows the whole tile is asked again (refresh=1). */
const MAX_BAND_SHARE = 0.5;

function gcd(a, b) {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * The rows [top, bottom) of tile `spec` that the twip rectangle y..y+h touches, widened so that
 * both edges fall on whole twips (tiles of 7.5 twips per pixel need even rows); null when the
 * band would be most of the tile (ask for the tile) or empty.
 */
export function bandOf(spec, y, h) {
  const from = Math.max(y, spec.y) - spec.y;
  const to = Math.min(y + h, spec.y + spec.th) - spec.y;
  if (to <= from) return null;
  const step = spec.height / gcd(spec.th, spec.height); // rows per whole number of twips
  let top = Math.floor((from * spec.height) / spec.th);
  let bottom = Math.ceil((to * spec.height) / spec.th);
  top = Math.floor(top / step) * step;
  bottom = Math.min(spec.height, Math.ceil(bottom / step) * step);
  if (bottom - top > spec.height * MAX_BAND_SHARE) return null;
  return { top, bottom };
}

/** The union of two bands (either may be undefined). */
export function mergeBands(a, b) {
  if (!a) return b;
  if (!b) return a;
  return { top: Math.min(a.top, b.top), bottom: Math.max(a.bottom, b.bottom) };
}

/** The request for `band` of tile `spec`: the same width and scale, fewer rows. */
export function bandSpec(spec, band) {
  const twipsPerRow = spec.th / spec.height;
  return {
    part: spec.part,
    x: spec.x,
    y: spec.y + band.top * twipsPerRow,
    tw: spec.tw,
    th: (band.bottom - band.top) * twipsPerRow,
    width: spec.width,
    height: band.bottom - band.top,
  };
}

/**
 * The tile's bitmap with its rows from `top` replaced by `bandBitmap`. Tiles are not opaque
 * (the page's shadow and what lies beyond the page are transparent), so the canvas keeps alpha
 * and the band's rows are cleared before the band is drawn: the result is pixel for pixel the
 * whole tile the server would send (tests/browser/specs/tile-bands.spec.js).
 */
export function paintBand(tileBitmap, spec, bandBitmap, top) {
  const canvas = new OffscreenCanvas(spec.width, spec.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(tileBitmap, 0, 0);
  ctx.clearRect(0, top, spec.width, bandBitmap.height);
  ctx.drawImage(bandBitmap, 0, top);
  return canvas.transferToImageBitmap();
}
