// Turns LibreOffice's JSDialog widget JSON into HTML. Each widget type has a renderer
// (registered by the widget-*.js modules); the element of every widget carries its id in
// `data-id`, so an `update` can replace it and an `action` find it. A type without a renderer
// becomes a labelled placeholder (its children still shown): an unknown widget never breaks
// the dialog.

const renderers = new Map();

/** Registers fn(node, ctx) → HTMLElement for each of `types`. */
export function register(types, fn) {
  for (const t of types) renderers.set(t, fn);
}

/** LibreOffice marks mnemonics with `~`: the page shows plain text. */
export function cleanText(text) {
  if (text === undefined || text === null) return '';
  return String(text).replace(/~/g, '');
}

export function isFalse(v) {
  return v === false || v === 'false';
}

export function isTrue(v) {
  return v === true || v === 'true';
}

/** An element with a class and, optionally, text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The children of `node`, built into `parent`. */
export function buildChildren(parent, node, ctx) {
  for (const child of node.children || []) {
    const built = build(child, ctx);
    if (built) parent.appendChild(built);
  }
  return parent;
}

function placeholder(node, ctx) {
  const box = el('div', 'jsd-unknown');
  box.appendChild(el('span', 'jsd-unknown-label', `${node.type || 'widget'}${node.text ? `: ${cleanText(node.text)}` : ''}`));
  if (Array.isArray(node.children) && node.children.length > 0) buildChildren(box, node, ctx);
  return box;
}

/** Builds one widget (and its subtree); never throws. */
export function build(node, ctx) {
  if (!node || typeof node !== 'object') return null;
  let element;
  try {
    const render = renderers.get(node.type) || placeholder;
    element = render(node, ctx);
  } catch (e) {
    console.warn(`jsdialog: ${node.type} ${node.id}:`, e);
    element = placeholder({ type: node.type, text: node.text }, ctx);
  }
  if (!element) return null;
  element.classList.add('jsd', `jsd-${String(node.type || 'widget').replace(/[^a-z0-9-]/gi, '')}`);
  if (node.id) element.dataset.id = node.id;
  element.dataset.type = node.type || '';
  if (isFalse(node.visible) || isTrue(node.hidden)) element.hidden = true;
  if (isFalse(node.enabled)) disable(element, true);
  if (node.tooltip && !element.title) element.title = cleanText(node.tooltip);
  return element;
}

/** Enables or disables a widget's own controls. */
export function disable(element, off) {
  element.classList.toggle('jsd-disabled', off);
  const controls = element.matches('input, select, textarea, button') ? [element]
    : element.querySelectorAll(':scope > input, :scope > select, :scope > textarea, :scope > button, :scope > label > input');
  for (const c of controls) c.disabled = off;
}

/** The element of widget `id` inside `root`. */
export function findWidget(root, id) {
  if (!root || id === undefined) return null;
  return root.querySelector(`[data-id="${CSS.escape(String(id))}"]`);
}

/** An `action` from LibreOffice: one property of one widget changed. */
export function applyAction(root, data, ctx) {
  if (!data) return false;
  const target = findWidget(root, data.control_id);
  if (!target) return false;
  switch (data.action_type) {
    case 'show':
      target.hidden = false;
      break;
    case 'hide':
      target.hidden = true;
      break;
    case 'enable':
      disable(target, false);
      break;
    case 'disable':
      disable(target, true);
      break;
    case 'setText': {
      const input = target.matches('input, textarea') ? target : target.querySelector('input, textarea');
      if (input) {
        if (document.activeElement !== input) input.value = data.text || '';
      } else {
        target.textContent = cleanText(data.text);
      }
      break;
    }
    case 'select': {
      const select = target.matches('select') ? target : target.querySelector('select');
      if (select && data.position !== undefined) select.selectedIndex = Number(data.position);
      break;
    }
    case 'grab_focus': {
      const focusable = target.matches('input, select, textarea, button') ? target : target.querySelector('input, select, textarea, button');
      if (focusable) focusable.focus({ preventScroll: true });
      break;
    }
    default:
      if (ctx && ctx.onUnknownAction) ctx.onUnknownAction(data);
      return false;
  }
  return true;
}
