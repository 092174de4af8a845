// The layer under a modal dialog. While one of this user's modal dialogs is open (LibreOffice's
// Format ▸ Paragraph, Insert Table …; modality.js decides which are), a dim layer lies over the
// page beneath it: clicks, the wheel and the context menu on the document, the menubar or the
// toolbar reach nothing, and keys meant for anything but the dialog (and its popups) are
// dropped, the dialog getting the keyboard back. It is this page's only: other people's pages
// know nothing of it. Modeless dialogs (Find & Replace, Spelling, Calc's range dialogs) block
// nothing.

const modals = new Set(); // DialogFrame objects of open modal dialogs
let backdrop = null;
let guarded = false;

function zOf(frame) {
  return Number(frame.el.style.zIndex) || 0;
}

/** The modal dialog on top, if any. */
export function topModal() {
  let top = null;
  for (const f of modals) if (!top || zOf(f) > zOf(top)) top = f;
  return top;
}

/** Whether input at `target` may go on while `top` is open. */
function allowed(target, top) {
  if (!target || !target.closest) return false;
  if (top.el.contains(target)) return true;
  // The page's own prompts and notices over everything (a password, a toast's button).
  if (target.closest('.toasts, .connection-banner, [aria-modal="true"]:not(.dialog)')) return true;
  // The dialog's popups (dropdowns, JSDialog popups) and dialogs opened over it.
  const box = target.closest('.window-popup, .jsd-popup, .dialog');
  return !!box && (Number(box.style.zIndex) || 0) >= zOf(top);
}

function refuse(e) {
  const top = topModal();
  if (!top || allowed(e.target, top)) return;
  e.preventDefault();
  e.stopImmediatePropagation();
  if (e.type === 'keydown' && e.key === 'Escape') top.escape();
  else top.focusInside();
}

function guard() {
  if (guarded) return;
  guarded = true;
  window.addEventListener('keydown', refuse, true);
  window.addEventListener('keypress', refuse, true);
  document.addEventListener('paste', refuse, true);
  document.addEventListener('cut', refuse, true);
  document.addEventListener('drop', refuse, true);
  document.addEventListener('focusin', (e) => {
    const top = topModal();
    if (top && !allowed(e.target, top)) top.focusInside();
  }, true);
}

function makeBackdrop() {
  backdrop = document.createElement('div');
  backdrop.className = 'dialog-backdrop';
  backdrop.setAttribute('aria-hidden', 'true');
  const stop = (e) => {
    e.preventDefault();
    e.stopPropagation();
    const top = topModal();
    if (!top) return;
    top.focusInside();
    if (e.type === 'pointerdown') top.flash();
  };
  for (const type of ['pointerdown', 'mousedown', 'click', 'dblclick', 'contextmenu']) backdrop.addEventListener(type, stop);
  backdrop.addEventListener('wheel', stop, { passive: false });
  return backdrop;
}

/** Places the layer right under the modal dialog on top (or removes it); after any change. */
export function updateBackdrop() {
  const top = topModal();
  document.body.classList.toggle('has-modal-dialog', !!top);
  if (!top) {
    if (backdrop) backdrop.remove();
    return;
  }
  const layer = top.el.parentNode;
  if (!backdrop) makeBackdrop();
  backdrop.style.zIndex = String(zOf(top)); // same z, earlier in the layer: under the dialog
  if (backdrop.parentNode !== layer || backdrop.nextSibling !== top.el) layer.insertBefore(backdrop, top.el);
}

export function addModal(frame) {
  guard();
  modals.add(frame);
  updateBackdrop();
}

export function removeModal(frame) {
  if (!modals.delete(frame)) return;
  updateBackdrop();
}
