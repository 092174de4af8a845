// Keyboard input through one hidden textarea that keeps the focus while editing: typed and
// composed (IME) text arrives as `input`/`compositionend` events and is sent as `text`;
// keys that produce no text are sent as `key` with a css::awt::Key code plus modifier bits.

export const MOD_SHIFT = 0x1000;
export const MOD_CTRL = 0x2000;
export const MOD_ALT = 0x4000;

// css::awt::Key codes (offapi/com/sun/star/awt/Key.idl).
export const KEY = {
  ArrowDown: 1024, ArrowUp: 1025, ArrowLeft: 1026, ArrowRight: 1027,
  Home: 1028, End: 1029, PageUp: 1030, PageDown: 1031,
  Enter: 1280, Escape: 1281, Tab: 1282, Backspace: 1283, Insert: 1285, Delete: 1286,
  ContextMenu: 1305,
};
// The character LibreOffice expects with a few of them.
export const KEY_CHAR = { Enter: 13, Tab: 9, Backspace: 8, Escape: 27 };

/** Shortcuts handled as UNO commands (the same as LibreOffice's own bindings). */
const SHORTCUT_UNO = {
  b: '.uno:Bold', i: '.uno:Italic', u: '.uno:Underline', z: '.uno:Undo', y: '.uno:Redo',
  a: '.uno:SelectAll', e: '.uno:CenterPara', l: '.uno:LeftPara', r: '.uno:RightPara',
  j: '.uno:JustifyPara',
};

/**
 * Keys a view-only session may send (the server's rule, oxool_proto::view_only): navigation
 * with Shift and/or Ctrl, to move and select, and Escape. Anything else may edit.
 */
export function viewOnlyKey(char, code) {
  const key = code & 0x0FFF;
  const mods = code & 0xF000;
  const navigation = key >= KEY.ArrowDown && key <= KEY.PageDown;
  if ((mods & ~(MOD_SHIFT | MOD_CTRL)) !== 0) return false;
  return (navigation && char === 0) || (key === KEY.Escape && (char === 0 || char === 27));
}

export function modifierBits(event) {
  return (event.shiftKey ? MOD_SHIFT : 0) | (event.ctrlKey || event.metaKey ? MOD_CTRL : 0)
    | (event.altKey ? MOD_ALT : 0);
}

/** css::awt::Key code for a KeyboardEvent (letters and digits as well, for Ctrl/Alt combos). */
export function awtKeyCode(event) {
  if (KEY[event.key] !== undefined) return KEY[event.key];
  if (/^F([1-9]|1[0-9]|2[0-6])$/.test(event.key)) return 768 + Number(event.key.slice(1)) - 1;
  const code = event.code || '';
  if (/^Key[A-Z]$/.test(code)) return 512 + code.charCodeAt(3) - 65;
  if (/^Digit[0-9]$/.test(code)) return 256 + code.charCodeAt(5) - 48;
  if (event.key === ' ') return 1284;
  return 0;
}

export class Keyboard {
  /**
   * actions: {send(name, args), canEdit(), save(), onInput()} — onInput tells the app that the
   * caret should be scrolled into view when it next moves.
   */
  constructor(textarea, actions) {
    this.textarea = textarea;
    this.actions = actions;
    this.composing = false;
    textarea.addEventListener('keydown', (e) => this.onKeyDown(e));
    textarea.addEventListener('keyup', (e) => this.onKeyUp(e));
    textarea.addEventListener('compositionstart', () => { this.composing = true; });
    textarea.addEventListener('compositionend', (e) => {
      this.composing = false;
      this.sendText(e.data || '');
      textarea.value = '';
    });
    textarea.addEventListener('input', (e) => this.onInput(e));
  }

  focus() {
    this.textarea.focus({ preventScroll: true });
  }

  /** Keeps the IME candidate window next to the caret. */
  placeAt(cssX, cssY) {
    this.textarea.style.left = `${cssX}px`;
    this.textarea.style.top = `${cssY}px`;
  }

  sendText(text) {
    if (!text || !this.actions.canEdit()) return;
    this.actions.onInput();
    // `text` carries at most 4 096 characters; longer pastes go in several messages.
    const chars = [...text.replace(/\r\n?/g, '\n')];
    for (let i = 0; i < chars.length; i += 4096) {
      this.actions.send('text', { text: chars.slice(i, i + 4096).join('') });
    }
  }

  sendKey(char, code) {
    if (!this.actions.canEdit() && !viewOnlyKey(char, code)) return;
    this.actions.onInput();
    this.actions.send('key', { type: 'input', char, code });
    this.actions.send('key', { type: 'up', char, code });
  }

  onInput(e) {
    if (this.composing || e.isComposing) return;
    const value = this.textarea.value;
    this.textarea.value = '';
    if (e.inputType === 'insertLineBreak') return; // Enter is sent from keydown
    this.typeText(value);
  }

  /** Typed or pasted text; newlines become Enter keys so paragraphs split as in LibreOffice. */
  typeText(value) {
    const pieces = value.replace(/\r\n?/g, '\n').split('\n');
    pieces.forEach((piece, i) => {
      if (i > 0) this.sendKey(13, KEY.Enter);
      this.sendText(piece);
    });
  }

  onKeyDown(e) {
    if (this.composing || e.isComposing || e.keyCode === 229) return;
    const ctrl = e.ctrlKey || e.metaKey;
    const mods = modifierBits(e);
    if (ctrl && !e.altKey) {
      const letter = e.key.length === 1 ? e.key.toLowerCase() : '';
      if (letter === 's') {
        e.preventDefault();
        this.actions.save();
        return;
      }
      // Copy, cut and paste go through the browser's clipboard events (see clipboard.js).
      if (letter === 'c' || letter === 'x' || letter === 'v') return;
      if (e.key === 'Insert' && !e.shiftKey) return; // Ctrl+Insert: copy
      if (SHORTCUT_UNO[letter] && !e.shiftKey) {
        e.preventDefault();
        if (this.actions.canEdit() || letter === 'a') {
          this.actions.onInput();
          this.actions.send('uno', { command: SHORTCUT_UNO[letter] });
        }
        return;
      }
    }
    // Shift+Insert (paste) and Shift+Delete (cut) become clipboard events too.
    if (e.shiftKey && !ctrl && !e.altKey && (e.key === 'Insert' || e.key === 'Delete')) return;
    const code = awtKeyCode(e);
    const special = KEY[e.key] !== undefined || /^F\d+$/.test(e.key);
    if (special || (ctrl && code)) {
      if (e.key === 'Tab' && !this.actions.canEdit()) return; // let focus move on
      e.preventDefault();
      this.sendKey(KEY_CHAR[e.key] || 0, code | mods);
    }
    // Anything else produces text and arrives as an `input` event.
  }

  onKeyUp() {}
}
