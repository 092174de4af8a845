// The system clipboard. Copy and cut ask the server for this view's selection (`get-selection`,
// as text/html and as plain text) and put both on the system clipboard; cut then deletes the
// selection. Paste sends what the system clipboard holds (`paste`, HTML when there is some).
// LibreOffice's own clipboard is filled as well (`.uno:Copy`), so pasting back what this page
// copied uses it and keeps everything HTML cannot carry (formulas, images, styles).

import { PendingAnswers } from './pending-answers.js';

const HTML = 'text/html';
const PLAIN = 'text/plain;charset=utf-8';
const KEY_DELETE = 1286;
const ANSWER_TIMEOUT_MS = 20000;
// A client frame is at most 2 MiB, the message line included (docs/protocol.md).
const MAX_PASTE_BYTES = (2 << 20) - 256;

const utf8 = new TextEncoder();

/** The text of an HTML fragment, for a paste that has no plain-text flavour. */
function htmlToText(html) {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return doc.body ? doc.body.innerText || doc.body.textContent || '' : '';
}

/**
 * Whether HTML shows anything. A copied shape has no HTML flavour: the clipboard then holds an
 * empty one, which the browser hands back as an empty document.
 */
function htmlHasContent(html) {
  if (!html) return false;
  const body = new DOMParser().parseFromString(html, 'text/html').body;
  return !!body && (body.textContent.trim() !== '' || !!body.querySelector('img, table, svg, hr'));
}

export class Clipboard {
  /**
   * actions: {send(name, args, body), canEdit(), mayAsk(), docType(), hasSelection(),
   * keyboard, toast(text, level), editing(event)} — editing tells whether an event comes from
   * the editing surface; hasSelection whether the page shows a selection (a cell cursor
   * counts).
   */
  constructor(actions) {
    this.actions = actions;
    this.nextId = 1;
    this.waiting = new PendingAnswers(ANSWER_TIMEOUT_MS, ''); // get-selection id → its content
    this.lastCopied = null; // {text} of the last copy or cut from this page
    this.pasteFallback = null; // plain text to paste if LibreOffice refuses the HTML
    this.forcedPayload = null; // what the next copy event writes (fallback without the API)
    this.writing = null; // set while a copy is being written to the system clipboard
    document.addEventListener('copy', (e) => this.onCopyEvent(e, false));
    document.addEventListener('cut', (e) => this.onCopyEvent(e, true));
    document.addEventListener('paste', (e) => this.onPasteEvent(e));
  }

  /** Asks for the selection as `mimetype`; resolves with its content ('' when refused). */
  ask(mimetype) {
    const id = this.nextId++;
    if (!this.actions.send('get-selection', { id, mimetype })) return Promise.resolve('');
    return this.waiting.wait(id);
  }

  /** A `selection` message. */
  onSelection(args, body) {
    this.waiting.answer(Number(args.id), body || '');
  }

  /** An `error` about a clipboard request; true when handled here (no toast needed). */
  onError(args) {
    if (args.request === 'get-selection') {
      // Answers come in order: the refused request is the oldest one waiting.
      const [oldest] = this.waiting.keys();
      if (oldest !== undefined) this.waiting.answer(oldest, '');
      return true;
    }
    if (args.request === 'paste' && args.kind === 'bad-request') {
      const text = this.pasteFallback;
      this.pasteFallback = null;
      if (text) this.pasteText(text);
      return !!text;
    }
    return false;
  }

  /** A new connection: nothing asked on the old one will be answered. */
  reset() {
    this.waiting.answerAll();
    this.pasteFallback = null;
  }

  /**
   * Starts a copy or cut: asks for both flavours, fills LibreOffice's clipboard, deletes.
   * Resolves with {html, text}, or null when there was nothing to copy.
   */
  fetchSelection(cut) {
    const both = () => Promise.all([this.ask(HTML), this.ask(PLAIN)]);
    const first = both();
    if (this.actions.canEdit()) {
      // After get-selection on the wire, so the kit reads the selection before it goes.
      this.actions.send('uno', { command: '.uno:Copy' });
      if (cut) this.actions.keyboard.sendKey(0, KEY_DELETE);
    }
    const previous = this.lastCopied;
    const done = first.then(async ([h, t]) => {
      // A selection made just before (Ctrl+A, Ctrl+C at once) may not have been applied when
      // the kit read it: the page shows one by now, so ask once more.
      if (!h && !t && !cut && this.actions.hasSelection()) [h, t] = await both();
      if (!h && !t && !this.actions.hasSelection()) {
        this.lastCopied = previous;
        return null; // nothing selected: the clipboard keeps what it had, as in LibreOffice
      }
      this.lastCopied = { text: t };
      return { html: h, text: t };
    });
    this.lastCopied = { pending: done };
    return done;
  }

  onCopyEvent(e, cut) {
    if (this.forcedPayload) {
      // Our own execCommand('copy') below, with the content that has arrived.
      const { html, text } = this.forcedPayload;
      this.forcedPayload = null;
      e.preventDefault();
      e.clipboardData.setData('text/plain', text);
      if (html) e.clipboardData.setData('text/html', html);
      return;
    }
    if (!this.actions.editing(e)) return;
    // No preventDefault: the hidden textarea has nothing selected, so the browser's own copy
    // leaves the clipboard alone; the content is written when the server has sent it.
    if (!this.actions.mayAsk()) return;
    this.copyToSystem(cut && this.actions.canEdit());
  }

  /** Copy or cut from a keyboard shortcut or the context menu (a user gesture either way). */
  copyToSystem(cut) {
    const content = this.fetchSelection(cut);
    // Until the system clipboard holds this copy, a paste reads what it held before (Ctrl+C,
    // Ctrl+V at once): pasteData then takes LibreOffice's clipboard, which has the copy.
    const writing = {};
    this.writing = writing;
    const done = () => {
      if (this.writing === writing) this.writing = null;
    };
    this.writeToSystem(content).finally(done);
    setTimeout(done, ANSWER_TIMEOUT_MS); // a write the browser never settles
  }

  /** Writes the copy's content to the system clipboard; settles when that is over. */
  writeToSystem(content) {
    if (navigator.clipboard && navigator.clipboard.write && window.ClipboardItem) {
      // Written now, while the gesture counts; the browser waits for the content (and writes
      // nothing when it is null: the blobs' promises fail).
      const blob = (key, type) => content.then((c) => {
        if (!c) throw new Error('nothing selected');
        return new Blob([c[key]], { type });
      });
      const item = new ClipboardItem({ 'text/html': blob('html', HTML), 'text/plain': blob('text', 'text/plain') });
      return navigator.clipboard.write([item]).catch(() => this.copyByCommand(content));
    }
    return this.copyByCommand(content);
  }

  /** Without the asynchronous Clipboard API (plain http): a second copy command, with the content. */
  copyByCommand(content) {
    return content.then((c) => {
      if (!c) return;
      this.forcedPayload = c;
      let ok = false;
      try {
        ok = document.execCommand('copy');
      } catch {
        ok = false;
      }
      if (!ok || this.forcedPayload) {
        this.forcedPayload = null;
        this.actions.toast('The browser did not allow the copy: select again and copy once more.', 'warning');
      }
    });
  }

  onPasteEvent(e) {
    if (!this.actions.editing(e)) return;
    e.preventDefault();
    if (!this.actions.canEdit()) return;
    const types = [...e.clipboardData.types];
    if (types.length > 0 && !types.includes('text/plain') && !types.includes('text/html')) {
      // Files or images from elsewhere: the protocol carries text and HTML only.
      this.actions.toast('Only text and formatted text can be pasted here.', 'warning');
      return;
    }
    this.pasteData(e.clipboardData.getData('text/plain'), e.clipboardData.getData('text/html'));
  }

  /** Paste from the context menu: the clipboard is read through the API (the browser may ask). */
  async pasteFromSystem() {
    if (!this.actions.canEdit()) return;
    let text = '';
    let html = '';
    try {
      for (const item of await navigator.clipboard.read()) {
        if (item.types.includes('text/html')) html = await (await item.getType('text/html')).text();
        if (item.types.includes('text/plain')) text = await (await item.getType('text/plain')).text();
      }
    } catch {
      // Not allowed or not there: LibreOffice's own clipboard is what can be pasted.
      this.actions.send('uno', { command: '.uno:Paste' });
      return;
    }
    this.pasteData(text, html);
  }

  async pasteData(text, rawHtml) {
    const html = htmlHasContent(rawHtml) ? rawHtml : '';
    const last = this.lastCopied;
    const pending = last && last.pending ? await last.pending : undefined;
    // (A copy that found nothing selected put back the one before it.)
    const copied = last && last.pending ? pending || this.lastCopied : last;
    // A copy from this page still on its way when the paste came (Ctrl+C, Ctrl+V at once): the
    // clipboard did not hold it yet, also when the selection had arrived but the browser was
    // still writing it. What this page copied last, or nothing readable: LibreOffice's
    // clipboard has it whole.
    const stillWriting = this.writing && copied;
    if (pending || stillWriting || (copied && copied.text === text && (text || !html)) || (!text && !html)) {
      this.actions.send('uno', { command: '.uno:Paste' });
      return;
    }
    if (html && utf8.encode(html).length <= MAX_PASTE_BYTES) {
      this.pasteFallback = text || htmlToText(html);
      this.actions.send('paste', { mimetype: HTML }, html);
      return;
    }
    this.pasteText(text || htmlToText(html));
  }

  pasteText(text) {
    this.pasteFallback = null;
    if (!text) return;
    let mimetype = PLAIN;
    let body = text;
    if (this.actions.docType() === 'spreadsheet') {
      // One bare value is typed, as into the cell. Several lines go as they are: Calc asks how
      // to split them with its Text Import dialog (shown by dialogs/), as on the desktop.
      const value = text.replace(/\r?\n$/, '');
      if (!/[\n\t]/.test(value)) {
        this.actions.keyboard.typeText(value);
        return;
      }
    }
    if (utf8.encode(body).length > MAX_PASTE_BYTES) {
      this.actions.toast('The clipboard holds more than 2 MiB of text; paste it in smaller parts.', 'warning');
      return;
    }
    this.actions.send('paste', { mimetype }, body);
  }
}
