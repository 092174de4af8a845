// What the user is told: loading progress, save state, the read-only banner, errors by kind,
// and the connection state while the client reconnects.

const STAGES = { connecting: 5, storage: 25, kit: 55, view: 85, ready: 100 };
const STAGE_TEXT = {
  connecting: 'Connecting…', storage: 'Fetching the document…', kit: 'Opening the document…',
  view: 'Preparing your view…', ready: 'Ready',
};

/** A sentence for people for each error kind of docs/protocol.md. */
export function errorText(kind, message) {
  const k = kind || 'internal';
  const fixed = {
    version: 'This page and the server do not speak the same protocol version. Reload the page.',
    'not-loaded': 'The document is not open yet.',
    'bad-message': 'The server did not understand a request from this page.',
    'bad-request': 'The server refused a request from this page.',
    'too-many-tiles': 'Too many parts of the document were requested at once.',
    'rate-limited': 'You are typing faster than the server accepts; some input was dropped.',
    readonly: 'This document is open for viewing only; changes are not possible.',
    'missing-token': 'The link has no access token. Open the document again from its folder.',
    'wopi-host-not-allowed': 'This server is not allowed to open documents from that storage.',
    'file-too-large': 'The document is too large to open.',
    'file-larger-than-announced': 'The storage sent more data than it announced; the document was not opened.',
    'lock-conflict': 'The document is locked by another application.',
    load: 'The document could not be opened: it may be damaged or in an unsupported format.',
    'kit-unavailable': 'The server is too busy to open the document right now. Try again shortly.',
    'kit-crashed': 'The document process ended unexpectedly.',
    'kit-out-of-memory': 'The document needs more memory than the server allows for one document.',
    'kit-crash-loop': 'The document process ended unexpectedly several times; the document was closed and its last copy kept for the administrator.',
    'document-changed': 'The document was changed in its storage by someone else.',
    format: 'The document cannot be saved in that format.',
    'too-large': 'The result is too large to download.',
    'slow-client': 'The connection was too slow to keep up with the document.',
    internal: 'The server ran into an internal error.',
    'storage-unauthorized': 'Your access to the document has expired. Open it again from its folder.',
  };
  let text = fixed[k];
  if (!text && k.startsWith('wopisrc-')) text = 'The document address is not valid.';
  if (!text && (k.startsWith('storage-') || k.startsWith('fileinfo-'))) {
    text = 'The document storage did not answer as expected.';
  }
  if (!text) text = 'Something went wrong.';
  return message ? `${text} (${message})` : text;
}

const CLOSE_TEXT = {
  'kit-crashed': 'The document process ended unexpectedly.',
  'kit-crash-loop': 'The document process ended unexpectedly several times; the document was closed and its last copy kept for the administrator.',
  'kit-out-of-memory': 'The document needs more memory than the server allows for one document.',
  shutdown: 'The server is shutting down.',
  draining: 'The server is being taken out of service.',
  'lock-conflict': 'The document is open on another server.',
  'closed-by-admin': 'An administrator closed the document.',
  reloaded: 'The document was reloaded from storage.',
  'load-failed': 'The document could not be opened.',
  'slow-client': 'The connection was too slow to keep up with the document.',
  protocol: 'The connection was closed after a protocol error.',
  'connection-lost': 'The connection to the server was lost.',
};

export class Feedback {
  constructor(els, actions) {
    this.els = els; // {loading, loadingBar, loadingText, saveState, banner, toasts, connection}
    this.actions = actions; // {retrySave, overwrite, reload, reconnectNow, reloadPage}
    this.countdown = null;
    els.connection.addEventListener('click', (e) => {
      const a = e.target.closest('button') && e.target.closest('button').dataset.action;
      if (a === 'reconnect-now') this.actions.reconnectNow();
      if (a === 'reload-page') this.actions.reloadPage();
    });
    els.saveState.addEventListener('click', (e) => {
      const a = e.target.closest('button') && e.target.closest('button').dataset.action;
      if (a === 'retry-save') this.actions.retrySave();
      if (a === 'overwrite') this.actions.overwrite();
      if (a === 'reload-doc') this.actions.reload();
    });
  }

  progress(stage) {
    const { loading, loadingBar, loadingText } = this.els;
    loading.hidden = stage === 'ready';
    loadingBar.value = STAGES[stage] ?? 10;
    loadingText.textContent = STAGE_TEXT[stage] || 'Loading…';
    document.body.dataset.loadStage = stage;
  }

  /** doc-state: modified, save = idle | saving | failed | conflict. */
  docState(args) {
    const el = this.els.saveState;
    const modified = args.modified === '1';
    const save = args.save || 'idle';
    el.dataset.save = save;
    el.dataset.modified = modified ? '1' : '0';
    let html;
    if (save === 'saving') html = '<span class="dot saving"></span>Saving…';
    else if (save === 'failed') {
      const retry = args.retry_secs ? ` Retrying in ${Number(args.retry_secs)} s.` : '';
      html = `<span class="dot failed"></span>Failed to save.${retry} <button type="button" data-action="retry-save">Retry now</button>`;
      this.toast(errorText(args.kind, args.message), 'error');
    } else if (save === 'conflict') {
      html = '<span class="dot failed"></span>Changed in storage by someone else. '
        + '<button type="button" data-action="overwrite">Keep my version</button> '
        + '<button type="button" data-action="reload-doc">Discard mine and reload</button>';
    } else if (modified) html = '<span class="dot modified"></span>Modified';
    else html = '<span class="dot saved"></span>Saved';
    el.innerHTML = html;
  }

  readonly(on) {
    this.els.banner.hidden = !on;
    document.body.classList.toggle('readonly', on);
  }

  /** A short message in the corner; errors stay until dismissed, others fade. */
  /** `recovered`: the document was reopened after its process ended (docs/protocol.md). */
  recovered(args) {
    const lost = Number(args.lost_edits || 0);
    const from = args.source === 'checkpoint' ? 'its last automatic copy' : 'the stored file';
    const tail = lost > 0
      ? ` The last ${lost} change${lost === 1 ? '' : 's'} could not be recovered.`
      : ' No change was lost.';
    this.toast(`The document was recovered from ${from} after a problem.${tail}`, lost > 0 ? 'warning' : 'info');
  }

  toast(text, level = 'info') {
    const box = this.els.toasts;
    for (const old of box.children) if (old.dataset.text === text) old.remove();
    const el = document.createElement('div');
    el.className = `toast ${level}`;
    el.dataset.text = text;
    el.setAttribute('role', level === 'error' ? 'alert' : 'status');
    const span = document.createElement('span');
    span.textContent = text;
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'toast-close';
    close.setAttribute('aria-label', 'Dismiss');
    close.textContent = '×';
    close.addEventListener('click', () => el.remove());
    el.append(span, close);
    box.appendChild(el);
    while (box.children.length > 4) box.firstChild.remove();
    if (level !== 'error') setTimeout(() => el.remove(), 6000);
  }

  error(args) {
    // A crash is followed by `close`; the connection banner tells it, with the reconnect.
    if (args.kind === 'kit-crashed') return;
    if (args.kind === 'rate-limited') {
      this.toast(errorText(args.kind), 'warning');
      return;
    }
    this.toast(errorText(args.kind, args.message), 'error');
  }

  /** Connection banner: hidden when loaded; a countdown while a reconnect is scheduled. */
  connection(state, detail = {}) {
    const el = this.els.connection;
    clearInterval(this.countdown);
    document.body.dataset.connection = state;
    if (state === 'loaded' || state === 'open' || (state === 'connecting' && !detail.attempt)) {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    const why = CLOSE_TEXT[detail.reason] || (detail.reason ? `Connection closed (${detail.reason}).` : '');
    // The server's own words only when we have no sentence of our own for the reason.
    const extra = detail.message && !CLOSE_TEXT[detail.reason] ? ` ${detail.message}` : '';
    el.title = detail.message || '';
    if (state === 'connecting') {
      el.innerHTML = '';
      el.append(text(`Reconnecting… (attempt ${detail.attempt + 1})`));
      return;
    }
    if (state === 'waiting') {
      const until = Date.now() + detail.delayMs;
      const render = () => {
        const secs = Math.max(0, Math.ceil((until - Date.now()) / 1000));
        el.replaceChildren(text(`${why}${extra} Reconnecting in ${secs} s… `), button('Reconnect now', 'reconnect-now'));
      };
      render();
      this.countdown = setInterval(render, 500);
      return;
    }
    el.replaceChildren(text(`${why || 'The connection was closed.'}${extra} `), button('Reload the page', 'reload-page'));
    el.classList.add('final');
  }
}

function text(t) {
  const span = document.createElement('span');
  span.textContent = t;
  return span;
}

function button(label, action) {
  const b = document.createElement('button');
  b.type = 'button';
  b.dataset.action = action;
  b.textContent = label;
  return b;
}
