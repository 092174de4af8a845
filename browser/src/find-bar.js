// The find bar (Ctrl+F, Edit ▸ Find): next, previous, match case, whole words, replace and
// replace all, all through LibreOffice's `.uno:ExecuteSearch` with SvxSearchItem's arguments.
// LibreOffice selects what it finds (TEXT_SELECTION, CELL_CURSOR as usual); "not found" comes as
// SEARCH_NOT_FOUND, or as the command's failed UNO_COMMAND_RESULT where that is not forwarded.

import { unoRequest } from './commands.js';

// SvxSearchCmd: what `SearchItem.Command` asks for.
export const SEARCH_COMMAND = { find: 0, findAll: 1, replace: 2, replaceAll: 3 };
// css::i18n::TransliterationModules IGNORE_CASE; css::util::SearchFlags NORM_WORD_ONLY.
const IGNORE_CASE = 256;
const WORD_ONLY = 16;

/** The `uno` request of one search (exported for the tests' sake and docs). */
export function searchRequest({ text, replace = '', backward = false, command = 0, matchCase = false, wholeWords = false }) {
  return unoRequest('.uno:ExecuteSearch', {
    'SearchItem.SearchString': { type: 'string', value: text },
    'SearchItem.ReplaceString': { type: 'string', value: replace },
    'SearchItem.Backward': { type: 'boolean', value: backward },
    'SearchItem.Command': { type: 'long', value: command },
    'SearchItem.TransliterateFlags': { type: 'long', value: matchCase ? 0 : IGNORE_CASE },
    'SearchItem.SearchFlags': { type: 'long', value: wholeWords ? WORD_ONLY : 0 },
  });
}

function el(tag, props = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

export class FindBar {
  /** ctx: {send, canEdit, focus} ; parent: where the bar goes (the document area). */
  constructor(parent, ctx) {
    this.ctx = ctx;
    this.pending = null; // {command, counted}
    this.text = el('input', { type: 'search', id: 'find-text', className: 'find-text', placeholder: 'Find in document', 'aria-label': 'Find', spellcheck: false, autocomplete: 'off' });
    this.replace = el('input', { type: 'text', id: 'replace-text', className: 'find-text', placeholder: 'Replace with', 'aria-label': 'Replace with', spellcheck: false, autocomplete: 'off' });
    this.matchCase = el('input', { type: 'checkbox', id: 'find-match-case' });
    this.wholeWords = el('input', { type: 'checkbox', id: 'find-whole-words' });
    this.status = el('span', { className: 'find-status', id: 'find-status', role: 'status', 'aria-live': 'polite' });
    const button = (label, action, title) => el('button', { type: 'button', textContent: label, title: title || label, 'aria-label': title || label, dataset: { find: action } });
    this.replaceRow = el('div', { className: 'find-row find-replace-row', hidden: true }, [
      this.replace, button('Replace', 'replace'), button('Replace all', 'replace-all'),
    ]);
    this.root = el('div', { className: 'find-bar', id: 'find-bar', role: 'search', 'aria-label': 'Find and replace', hidden: true }, [
      el('div', { className: 'find-row' }, [
        this.text,
        button('▲', 'previous', 'Previous (Shift+Enter)'),
        button('▼', 'next', 'Next (Enter)'),
        el('label', { className: 'find-option' }, [this.matchCase, 'Match case']),
        el('label', { className: 'find-option' }, [this.wholeWords, 'Whole words']),
        button('Replace…', 'toggle-replace', 'Show replace'),
        this.status,
        button('✕', 'close', 'Close (Escape)'),
      ]),
      this.replaceRow,
    ]);
    parent.appendChild(this.root);
    this.root.addEventListener('click', (e) => {
      const b = e.target.closest('button[data-find]');
      if (b) this.onButton(b.dataset.find);
    });
    this.root.addEventListener('keydown', (e) => this.onKey(e));
    this.text.addEventListener('input', () => this.setStatus(''));
  }

  get isOpen() {
    return !this.root.hidden;
  }

  open({ replace = false } = {}) {
    this.root.hidden = false;
    if (replace) this.showReplace(true);
    this.text.focus();
    this.text.select();
  }

  close() {
    this.root.hidden = true;
    this.setStatus('');
    this.ctx.focus();
  }

  showReplace(on) {
    this.replaceRow.hidden = !on;
    const toggle = this.root.querySelector('[data-find=toggle-replace]');
    toggle.setAttribute('aria-expanded', on ? 'true' : 'false');
  }

  onButton(action) {
    if (action === 'next') this.search(SEARCH_COMMAND.find, false);
    if (action === 'previous') this.search(SEARCH_COMMAND.find, true);
    if (action === 'replace') this.search(SEARCH_COMMAND.replace, false);
    if (action === 'replace-all') this.search(SEARCH_COMMAND.replaceAll, false);
    if (action === 'toggle-replace') {
      this.showReplace(this.replaceRow.hidden);
      if (!this.replaceRow.hidden) this.replace.focus();
    }
    if (action === 'close') this.close();
  }

  onKey(e) {
    if (e.key === 'Escape') {
      e.preventDefault();
      this.close();
    } else if (e.key === 'Enter' && e.target === this.text) {
      e.preventDefault();
      this.search(SEARCH_COMMAND.find, e.shiftKey);
    } else if (e.key === 'Enter' && e.target === this.replace) {
      e.preventDefault();
      this.search(e.ctrlKey || e.metaKey ? SEARCH_COMMAND.replaceAll : SEARCH_COMMAND.replace, false);
    }
  }

  search(command, backward) {
    const text = this.text.value;
    if (!text) {
      this.text.focus();
      return;
    }
    // The server takes no `uno` from view-only sessions, searching included.
    if (!this.ctx.canEdit()) {
      this.setStatus('Not available while viewing only', 'not-found');
      return;
    }
    const request = (cmd) => searchRequest({
      text, replace: this.replace.value, backward, command: cmd,
      matchCase: this.matchCase.checked, wholeWords: this.wholeWords.checked,
    });
    this.setStatus('');
    // Replace all: LibreOffice tells no count, so find all first (its SEARCH_RESULT_SELECTION
    // lists the matches), then replace them (onEvent).
    if (command === SEARCH_COMMAND.replaceAll) {
      this.pending = { command: SEARCH_COMMAND.findAll, then: request(SEARCH_COMMAND.replaceAll) };
      this.ctx.send('uno', request(SEARCH_COMMAND.findAll));
      return;
    }
    this.pending = { command };
    this.ctx.send('uno', request(command));
  }

  setStatus(text, state = '') {
    this.status.textContent = text;
    this.status.dataset.state = state;
  }

  /** Search events; true when the event was the find bar's. */
  onEvent(kind, json) {
    const pending = this.pending;
    if (kind === 'SEARCH_NOT_FOUND') {
      this.pending = null;
      this.setStatus('Not found', 'not-found');
      return true;
    }
    if (kind === 'SEARCH_RESULT_SELECTION') {
      const results = json && Array.isArray(json.searchResultSelection) ? json.searchResultSelection.length : 0;
      if (pending && pending.then) {
        this.pending = { command: SEARCH_COMMAND.replaceAll };
        this.ctx.send('uno', pending.then);
        this.setStatus(`Replaced ${results}`, 'replaced');
      } else if (json && String(json.highlightAll) === 'true') {
        this.setStatus(`${results} found`, 'found');
      }
      return true;
    }
    if (kind === 'UNO_COMMAND_RESULT' && json && json.commandName === '.uno:ExecuteSearch') {
      if (String(json.success) === 'false') {
        this.pending = null;
        this.setStatus('Not found', 'not-found');
      } else if (this.status.dataset.state === 'not-found') this.setStatus('');
      return true;
    }
    return false;
  }
}
