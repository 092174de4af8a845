// The toolbar: buttons send UNO commands and show the state the server reports through
// STATE_CHANGED (`.uno:Bold=true`, `.uno:Undo=disabled`, `.uno:CharFontName=Liberation Serif`).

const TOGGLES = new Set(['.uno:Bold', '.uno:Italic', '.uno:Underline', '.uno:LeftPara',
  '.uno:CenterPara', '.uno:RightPara', '.uno:JustifyPara', '.uno:DefaultBullet']);

/** A STATE_CHANGED body → {command, value}, for both the text and the JSON forms. */
export function parseStateChanged(body, json) {
  if (json && json.commandName) return { command: json.commandName, value: String(json.state ?? '') };
  const text = (body || '').trim();
  const eq = text.indexOf('=');
  if (eq < 0) return null;
  return { command: text.slice(0, eq), value: text.slice(eq + 1) };
}

export class Toolbar {
  /** actions: {send, canEdit, save, download(format), focus} */
  constructor(root, actions) {
    this.root = root;
    this.actions = actions;
    this.states = new Map();
    this.downloadMenu = document.getElementById('download-menu');
    this.fontName = root.querySelector('#font-name');
    this.fontSize = root.querySelector('#font-size');
    root.addEventListener('click', (e) => this.onClick(e));
    this.downloadMenu.addEventListener('click', (e) => this.onClick(e));
    this.fontName.addEventListener('change', () => this.applyFont());
    this.fontSize.addEventListener('change', () => this.applySize());
    for (const input of [this.fontName, this.fontSize]) {
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          if (input === this.fontName) this.applyFont(); else this.applySize();
        }
        if (e.key === 'Escape') this.actions.focus();
      });
    }
    // Arrow keys move between toolbar buttons (one tab stop for the whole toolbar group).
    root.addEventListener('keydown', (e) => this.onKeyDown(e));
    document.addEventListener('mousedown', (e) => {
      if (!this.downloadMenu.contains(e.target) && !e.target.closest('[data-action=download]')) {
        this.downloadMenu.hidden = true;
      }
    });
  }

  onClick(e) {
    const button = e.target.closest('button');
    if (!button || button.disabled) return;
    const command = button.dataset.command;
    const action = button.dataset.action;
    if (command) {
      this.actions.send('uno', { command });
      this.actions.focus();
    } else if (action === 'save') {
      this.actions.save();
      this.actions.focus();
    } else if (action === 'download') {
      this.downloadMenu.hidden = !this.downloadMenu.hidden;
      if (!this.downloadMenu.hidden) {
        const r = button.getBoundingClientRect();
        this.downloadMenu.style.left = `${r.left}px`;
        this.downloadMenu.style.top = `${r.bottom + 2}px`;
        this.downloadMenu.querySelector('button').focus();
      }
    } else if (button.dataset.format) {
      this.downloadMenu.hidden = true;
      this.actions.download(button.dataset.format);
      this.actions.focus();
    }
  }

  onKeyDown(e) {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    if (e.target.tagName === 'INPUT') return;
    const buttons = [...this.root.querySelectorAll('.toolbar-main button:not([disabled])')];
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    e.preventDefault();
    buttons[(i + (e.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length].focus();
  }

  applyFont() {
    const name = this.fontName.value.trim();
    // Enter and the change event that follows it are one request.
    if (!name || name === this.fontName.dataset.applied) return;
    this.fontName.dataset.applied = name;
    this.actions.send('uno', {
      command: '.uno:CharFontName',
      args: JSON.stringify({ 'CharFontName.FamilyName': { type: 'string', value: name } }),
    });
    this.actions.focus();
  }

  applySize() {
    const size = parseFloat(this.fontSize.value);
    if (!(size > 0 && size <= 999) || String(size) === this.fontSize.dataset.applied) return;
    this.fontSize.dataset.applied = String(size);
    this.actions.send('uno', {
      command: '.uno:FontHeight',
      args: JSON.stringify({ 'FontHeight.Height': { type: 'float', value: size } }),
    });
    this.actions.focus();
  }

  /** Document type and permissions: native download format, which buttons can be used. */
  configure({ name, readonly }) {
    const ext = (name.match(/\.([A-Za-z0-9]+)$/) || [])[1];
    const native = this.downloadMenu.querySelector('[data-format-native]');
    if (ext) {
      native.dataset.format = ext.toLowerCase();
      native.textContent = `${ext.toUpperCase()} (this document's format)`;
      native.hidden = false;
    } else {
      native.hidden = true;
    }
    for (const el of this.root.querySelectorAll('[data-edits]')) el.disabled = readonly;
    this.readonly = readonly;
  }

  /** One STATE_CHANGED. */
  update(state) {
    if (!state) return;
    const { command, value } = state;
    this.states.set(command, value);
    if (command === '.uno:CharFontName') {
      if (document.activeElement !== this.fontName) this.fontName.value = value;
      this.fontName.dataset.applied = value;
      return;
    }
    if (command === '.uno:FontHeight') {
      if (document.activeElement !== this.fontSize) this.fontSize.value = value ? String(parseFloat(value) || '') : '';
      this.fontSize.dataset.applied = String(parseFloat(value) || '');
      return;
    }
    const button = this.root.querySelector(`button[data-command="${CSS.escape(command)}"]`);
    if (!button) return;
    if (value === 'enabled' || value === 'disabled') {
      button.disabled = this.readonly || value === 'disabled';
    } else if (TOGGLES.has(command)) {
      button.setAttribute('aria-pressed', value === 'true' ? 'true' : 'false');
      if (!this.readonly) button.disabled = value === 'disabled';
    }
  }
}
