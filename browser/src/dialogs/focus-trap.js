// Keyboard focus inside a dialog box: Tab and Shift+Tab go through its widgets in order and
// wrap around at the ends (they never leave the box for the page or the document, whose
// keyboard would send the Tab to LibreOffice), one stop per group of radio buttons.

const FOCUSABLE = 'input, select, textarea, button, summary, a[href], [tabindex]';

function shown(node) {
  if (node.getClientRects().length === 0) return false;
  return getComputedStyle(node).visibility !== 'hidden';
}

/** The widgets of `root` that Tab stops at, in document order. */
export function tabbables(root) {
  const list = [...root.querySelectorAll(FOCUSABLE)]
    .filter((n) => n.tabIndex >= 0 && !n.disabled && !n.closest('[inert]') && shown(n));
  // A group of radio buttons is one stop: its checked button, or its first one.
  const groups = new Map();
  for (const n of list) {
    if (n.type !== 'radio' || !n.name) continue;
    const g = groups.get(n.name);
    if (!g || (n.checked && !g.checked)) groups.set(n.name, n);
  }
  return list.filter((n) => n.type !== 'radio' || !n.name || groups.get(n.name) === n);
}

/** Focuses the first widget of `root` (or the widget whose `data-id` is `preferId`). */
export function focusFirst(root, preferId) {
  const list = tabbables(root);
  const preferred = preferId ? list.find((n) => {
    const w = n.closest('[data-id]');
    return w && w.dataset.id === preferId;
  }) : null;
  const target = preferred || list[0];
  if (target) target.focus({ preventScroll: true });
  return !!target;
}

/** A keydown in the box `root`: Tab / Shift+Tab move the focus; true when handled. */
export function trapTab(e, root) {
  if (e.key !== 'Tab' || e.ctrlKey || e.altKey || e.metaKey || e.isComposing) return false;
  e.preventDefault();
  const list = tabbables(root);
  if (list.length === 0) return true;
  const active = document.activeElement;
  let i = list.indexOf(active);
  // Focus on one radio button of a group: its stop is the group's.
  if (i < 0 && active && active.type === 'radio') i = list.findIndex((n) => n.name === active.name);
  let next;
  if (e.shiftKey) next = i <= 0 ? list.length - 1 : i - 1;
  else next = i < 0 || i === list.length - 1 ? 0 : i + 1;
  list[next].focus({ preventScroll: true });
  return true;
}
