// Hyperlinks in the document. When the caret is in a link, LibreOffice names it in
// INVALIDATE_VISIBLE_CURSOR (`"hyperlink": {"text", "link"}`): the link bar under the caret shows
// its address with Open…, Edit… (`.uno:EditHyperlink`: LibreOffice selects the whole link and
// opens its Hyperlink dialog on it) and Remove (`.uno:RemoveHyperlink`: the text stays).
// LibreOffice's own request to open one (`HYPERLINK_CLICKED`) goes the same way as Open…. A link
// is written by whoever wrote the document, so the page never follows one on its own: it asks
// "Open this link?" and opens it in a new tab, without `window.opener` and without a referrer,
// only when the user confirms, and only for http, https and mailto.

import { sendUno } from './commands.js';

const OPENABLE = /^(https?:|mailto:)/i;

/** Whether the page may offer to open `url` at all. */
export function openableLink(url) {
  return typeof url === 'string' && OPENABLE.test(url.trim());
}

/**
 * Asks whether to open `url`; `toast(text, level)` explains a link of another kind.
 * Resolves true when it was opened.
 */
export function confirmOpenLink(url, toast) {
  const link = (url || '').trim();
  if (!openableLink(link)) {
    toast(`This link cannot be opened from here: ${link.slice(0, 200)}`, 'warning');
    return Promise.resolve(false);
  }
  document.getElementById('link-open')?.remove();
  const previous = document.activeElement;
  const overlay = document.createElement('div');
  overlay.className = 'info-overlay';
  overlay.id = 'link-open';
  const box = document.createElement('div');
  box.className = 'info-dialog link-open-dialog';
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-modal', 'true');
  box.setAttribute('aria-labelledby', 'link-open-title');
  const title = document.createElement('h2');
  title.id = 'link-open-title';
  title.textContent = 'Open this link?';
  const target = document.createElement('p');
  target.className = 'link-open-url';
  target.textContent = link; // text, never markup: the document chose it
  const note = document.createElement('p');
  note.textContent = 'It opens in a new tab. Only open links you trust.';
  const buttons = document.createElement('div');
  buttons.className = 'password-buttons';
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.textContent = 'Cancel';
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'primary';
  open.textContent = 'Open';
  buttons.append(cancel, open);
  box.append(title, target, note, buttons);
  overlay.append(box);
  document.body.append(overlay);
  cancel.focus();

  return new Promise((resolve) => {
    const done = (opened) => {
      overlay.remove();
      if (previous && previous.focus) previous.focus();
      resolve(opened);
    };
    open.addEventListener('click', () => {
      window.open(link, '_blank', 'noopener,noreferrer');
      done(true);
    });
    cancel.addEventListener('click', () => done(false));
    overlay.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') done(false);
      e.stopPropagation();
    });
    overlay.addEventListener('mousedown', (e) => { if (e.target === overlay) done(false); });
  });
}

/** The bar under the caret while the caret is in a link. */
export class LinkBar {
  /** ctx: {send, canEdit, focus, toast, layer (the tile layer: sizer, twipsToCss)} */
  constructor(ctx) {
    this.ctx = ctx;
    this.link = null;
    this.root = document.createElement('div');
    this.root.className = 'link-bar';
    this.root.id = 'link-bar';
    this.root.setAttribute('role', 'toolbar');
    this.root.setAttribute('aria-label', 'Hyperlink');
    this.root.hidden = true;
    this.address = document.createElement('span');
    this.address.className = 'link-bar-url';
    const button = (label, run) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = label;
      // Keep the focus in the page's input and the press away from the document under the
      // bar (mouse.js listens on the sizer): a click there would move the caret out of the link.
      b.addEventListener('mousedown', (e) => { e.preventDefault(); e.stopPropagation(); });
      b.addEventListener('click', run);
      return b;
    };
    this.open = button('Open…', () => confirmOpenLink(this.link, ctx.toast));
    this.edit = button('Edit…', () => { this.hide(); sendUno(ctx.send, '.uno:EditHyperlink'); });
    this.remove = button('Remove', () => { this.hide(); sendUno(ctx.send, '.uno:RemoveHyperlink'); ctx.focus(); });
    this.root.append(this.address, this.open, this.edit, this.remove);
    this.root.addEventListener('mousedown', (e) => e.stopPropagation());
    ctx.layer.sizer.append(this.root);
  }

  /** The own INVALIDATE_VISIBLE_CURSOR's JSON and the caret (twips) it describes. */
  onCaret(json, caret) {
    const link = json && json.hyperlink && typeof json.hyperlink.link === 'string' ? json.hyperlink.link : '';
    if (!link || !caret) {
      this.hide();
      return;
    }
    this.link = link;
    this.address.textContent = link.length > 80 ? `${link.slice(0, 77)}…` : link;
    this.address.title = link;
    this.open.disabled = !openableLink(link);
    this.edit.hidden = !this.ctx.canEdit();
    this.remove.hidden = !this.ctx.canEdit();
    const p = this.ctx.layer.twipsToCss(caret.x, caret.y + caret.h);
    this.root.style.left = `${Math.max(0, p.x - 20)}px`;
    this.root.style.top = `${p.y + 4}px`;
    this.root.hidden = false;
  }

  hide() {
    this.root.hidden = true;
    this.link = null;
  }
}
