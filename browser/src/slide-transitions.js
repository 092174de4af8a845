// What the slideshow takes from the document as LibreOffice exports it (Flat ODF, `.fodp`):
// which slides are hidden and how each slide comes in. ODF keeps a slide's transition on its
// page style (`style:drawing-page-properties`: `smil:type`, `smil:subtype`, `smil:direction`,
// `presentation:transition-speed` or `smil:dur`); the families a browser can draw with a CSS
// animation are played as such, the others as a crossfade.

const NS = {
  draw: 'urn:oasis:names:tc:opendocument:xmlns:drawing:1.0',
  style: 'urn:oasis:names:tc:opendocument:xmlns:style:1.0',
  presentation: 'urn:oasis:names:tc:opendocument:xmlns:presentation:1.0',
  smil: 'urn:oasis:names:tc:opendocument:xmlns:smil-compatible:1.0',
  office: 'urn:oasis:names:tc:opendocument:xmlns:office:1.0',
};

// LibreOffice's speeds, as its slide transition panel sets them.
const SPEED_SECONDS = { fast: 0.5, medium: 1, slow: 2 };
const MAX_SECONDS = 5;

/** ISO 8601 or SMIL clock value ("2s", "PT1.5S", "0.5") → seconds, or null. */
function seconds(value) {
  if (!value) return null;
  let m = /^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(value);
  if (m) return (Number(m[1] || 0) * 3600) + (Number(m[2] || 0) * 60) + Number(m[3] || 0);
  m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value.trim());
  if (m) return Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
  return null;
}

const DIRECTIONS = {
  fromRight: 'from-right', fromLeft: 'from-left', fromTop: 'from-top', fromBottom: 'from-bottom',
  fromTopRight: 'from-right', fromTopLeft: 'from-left', fromBottomRight: 'from-right', fromBottomLeft: 'from-left',
};

/** An ODF transition (type, subtype, reverse) → the CSS family this page plays, e.g. `push-from-right`. */
export function cssTransition(type, subtype, reverse) {
  const dir = DIRECTIONS[subtype] || 'from-right';
  switch (type) {
    case 'fade': return 'fade';
    case 'pushWipe': return `push-${dir}`;
    case 'slideWipe': return reverse ? `uncover-${dir}` : `cover-${dir}`;
    case 'barWipe': {
      const vertical = subtype === 'topToBottom';
      if (vertical) return reverse ? 'wipe-from-bottom' : 'wipe-from-top';
      return reverse ? 'wipe-from-right' : 'wipe-from-left';
    }
    case 'irisWipe':
    case 'ellipseWipe':
    case 'circleWipe':
      return 'iris';
    default: return 'fade';
  }
}

/**
 * The Flat ODF text of a presentation → {hidden: Set(part), transitions: Map(part → {type,
 * subtype, css, seconds})}, in slide (part) order.
 */
export function readShowPlan(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  if (doc.getElementsByTagName('parsererror').length > 0) throw new Error('not XML');
  const styles = new Map();
  for (const style of doc.getElementsByTagNameNS(NS.style, 'style')) {
    if (style.getAttributeNS(NS.style, 'family') !== 'drawing-page') continue;
    const props = style.getElementsByTagNameNS(NS.style, 'drawing-page-properties')[0];
    if (props) styles.set(style.getAttributeNS(NS.style, 'name'), props);
  }
  const hidden = new Set();
  const transitions = new Map();
  const body = doc.getElementsByTagNameNS(NS.office, 'presentation')[0];
  if (!body) return { hidden, transitions };
  const pages = [...body.children].filter((e) => e.namespaceURI === NS.draw && e.localName === 'page');
  pages.forEach((page, part) => {
    const props = styles.get(page.getAttributeNS(NS.draw, 'style-name'));
    if (!props) return;
    const visibility = props.getAttributeNS(NS.presentation, 'visibility');
    if (visibility === 'hidden') hidden.add(part);
    const type = props.getAttributeNS(NS.smil, 'type');
    if (!type) return;
    const subtype = props.getAttributeNS(NS.smil, 'subtype') || '';
    const reverse = props.getAttributeNS(NS.smil, 'direction') === 'reverse';
    const speed = props.getAttributeNS(NS.presentation, 'transition-speed') || 'medium';
    const duration = seconds(props.getAttributeNS(NS.smil, 'dur')) ?? SPEED_SECONDS[speed] ?? 1;
    transitions.set(part, {
      type, subtype, css: cssTransition(type, subtype, reverse), seconds: Math.min(MAX_SECONDS, duration),
    });
  });
  return { hidden, transitions };
}

const OFFSETS = {
  'from-right': ['100%', '0'], 'from-left': ['-100%', '0'], 'from-top': ['0', '-100%'], 'from-bottom': ['0', '100%'],
};

/** CSS keyframes for the incoming slide (`to`) and the outgoing one (`from`). */
function keyframes(css) {
  const [family, ...rest] = css.split('-');
  const dir = rest.join('-');
  const [dx, dy] = OFFSETS[dir] || OFFSETS['from-right'];
  const negate = (v) => (v === '0' ? '0' : v.startsWith('-') ? v.slice(1) : `-${v}`);
  // The outgoing slide leaves on the side opposite to the one the new slide comes from.
  const away = `translate(${negate(dx)}, ${negate(dy)})`;
  switch (family) {
    case 'push':
      return {
        to: [{ transform: `translate(${dx}, ${dy})` }, { transform: 'translate(0, 0)' }],
        from: [{ transform: 'translate(0, 0)' }, { transform: away }],
      };
    case 'cover':
      return { to: [{ transform: `translate(${dx}, ${dy})` }, { transform: 'translate(0, 0)' }] };
    case 'uncover':
      // The old slide moves away on top of the new one.
      return { from: [{ transform: 'translate(0, 0)' }, { transform: away }], fromOnTop: true };
    case 'wipe': {
      const start = {
        'from-left': 'inset(0 100% 0 0)', 'from-right': 'inset(0 0 0 100%)',
        'from-top': 'inset(0 0 100% 0)', 'from-bottom': 'inset(100% 0 0 0)',
      }[dir];
      return { to: [{ clipPath: start }, { clipPath: 'inset(0 0 0 0)' }] };
    }
    case 'iris':
      return { to: [{ clipPath: 'circle(0% at 50% 50%)' }, { clipPath: 'circle(71% at 50% 50%)' }] };
    default:
      return { to: [{ opacity: 0 }, { opacity: 1 }] };
  }
}

/**
 * Plays `transition` from canvas `from` (may be null) to canvas `to`, both in the stage with
 * `to` on top; done() once it is over (at once without a transition).
 */
export function animateTransition(from, to, transition, done) {
  if (!transition || !from || from === to || !to.animate) {
    done();
    return;
  }
  const frames = keyframes(transition.css);
  const timing = { duration: transition.seconds * 1000, easing: 'ease-in-out' };
  const running = [];
  if (frames.fromOnTop) from.style.zIndex = '1';
  if (frames.to) running.push(to.animate(frames.to, timing));
  if (frames.from) running.push(from.animate(frames.from, timing));
  Promise.all(running.map((a) => a.finished.catch(() => {}))).then(() => {
    from.style.zIndex = '';
    done();
  });
}
