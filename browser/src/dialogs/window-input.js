// Input for a painted LibreOffice window. Keys go as `window-key` with the css::awt codes and
// modifier bits keyboard.js uses for the document; typed characters as `window-key` too (one
// ordered stream with Backspace and the arrows); IME composition and pasted text as
// `window-text` (input, then end). The mouse goes as `window-mouse` in window logical pixels
// with LibreOffice's buttons (left 1, middle 2, right 4).

import { awtKeyCode, modifierBits, KEY, KEY_CHAR } from '../keyboard.js';

// MouseEvent.button → LibreOffice's (VCL's) button value.
const VCL_BUTTON = { 0: 1, 1: 2, 2: 4 };

/** MouseEvent.buttons (left 1, right 2, middle 4) → LibreOffice's buttons held. */
function heldButtons(buttons) {
  return (buttons & 1 ? 1 : 0) | (buttons & 2 ? 4 : 0) | (buttons & 4 ? 2 : 0);
}

/**
 * Keyboard input from `sink` (a textarea inside the dialog box) to the window `windowId()`
 * (the dialog: LibreOffice gives keys to its focused control, including an open dropdown).
 * actions: {send(name, args), canEdit()}.
 */
export function attachKeyboard(sink, windowId, actions) {
  let composing = false;
  const post = (args) => {
    if (actions.canEdit()) actions.send(...args);
  };
  const key = (char, code) => {
    post(['window-key', { id: windowId(), type: 'input', char, code }]);
    post(['window-key', { id: windowId(), type: 'up', char, code }]);
  };
  const text = (value) => {
    const clean = value.replace(/\r\n?/g, '\n');
    if (!clean) return;
    // Characters of the Basic Multilingual Plane one by one as keys; the rest (and long
    // runs, such as a paste) as committed text.
    if (clean.length <= 32 && [...clean].every((c) => c.codePointAt(0) < 0x10000 && c !== '\n')) {
      for (const c of clean) key(c.codePointAt(0), 0);
      return;
    }
    post(['window-text', { id: windowId(), type: 'input', text: clean }]);
    post(['window-text', { id: windowId(), type: 'end', text: clean }]);
  };
  sink.addEventListener('keydown', (e) => {
    if (composing || e.isComposing || e.keyCode === 229) return;
    const ctrl = e.ctrlKey || e.metaKey;
    const letter = e.key.length === 1 ? e.key.toLowerCase() : '';
    if (ctrl && !e.altKey && letter === 'v') return; // arrives as a paste event
    const code = awtKeyCode(e);
    const special = KEY[e.key] !== undefined || /^F\d+$/.test(e.key);
    if (special || ((ctrl || e.altKey) && code)) {
      // Escape, Tab, Enter, Alt+mnemonics and Ctrl+letters all belong to LibreOffice's dialog.
      e.preventDefault();
      e.stopPropagation();
      key(KEY_CHAR[e.key] || 0, code | modifierBits(e));
    }
  });
  let composed = '';
  sink.addEventListener('compositionstart', () => {
    composing = true;
    composed = '';
  });
  sink.addEventListener('compositionupdate', (e) => {
    // Chromium repeats the last update when the composition is committed.
    if ((e.data || '') === composed) return;
    composed = e.data || '';
    post(['window-text', { id: windowId(), type: 'input', text: composed }]);
  });
  sink.addEventListener('compositionend', (e) => {
    composing = false;
    composed = '';
    post(['window-text', { id: windowId(), type: 'end', text: e.data || '' }]);
    sink.value = '';
  });
  sink.addEventListener('input', (e) => {
    if (composing || e.isComposing) return;
    const value = sink.value;
    sink.value = '';
    if (e.inputType === 'insertLineBreak') return; // Enter went as a key
    text(value);
  });
  sink.addEventListener('paste', (e) => {
    e.preventDefault();
    e.stopPropagation();
    text(e.clipboardData ? e.clipboardData.getData('text/plain') : '');
  });
}

/**
 * Mouse input on a window's canvas. focus() is called on a press (the dialog's keyboard sink
 * takes the focus). actions: {send(name, args), canEdit(), focus()}.
 */
export function attachMouse(canvas, id, actions) {
  let pressed = false;
  let pendingMove = null;
  const point = (e) => {
    const r = canvas.getBoundingClientRect();
    const w = parseFloat(canvas.style.width) || r.width;
    const h = parseFloat(canvas.style.height) || r.height;
    // Window logical px: the canvas is shown at the window's size (a CSS transform may scale it).
    return {
      x: Math.max(0, Math.min(Math.round(w) - 1, Math.round(((e.clientX - r.left) * w) / (r.width || 1)))),
      y: Math.max(0, Math.min(Math.round(h) - 1, Math.round(((e.clientY - r.top) * h) / (r.height || 1)))),
    };
  };
  const mouse = (type, e, count, buttons) => {
    if (!actions.canEdit()) return;
    const p = point(e);
    actions.send('window-mouse', {
      id, type, x: p.x, y: p.y, count: Math.min(3, Math.max(1, count || 1)), buttons, modifier: modifierBits(e),
    });
  };
  const onMove = (e) => {
    // One move per frame: enough for hover and drags, far below the input rate limit.
    const first = pendingMove === null;
    pendingMove = e;
    if (!first) return;
    requestAnimationFrame(() => {
      const last = pendingMove;
      pendingMove = null;
      if (last) mouse('move', last, 1, heldButtons(last.buttons));
    });
  };
  const onUp = (e) => {
    if (!pressed) return;
    pressed = false;
    window.removeEventListener('mousemove', onMove);
    window.removeEventListener('mouseup', onUp);
    pendingMove = null;
    mouse('up', e, e.detail, VCL_BUTTON[e.button] || 1);
  };
  canvas.addEventListener('mousedown', (e) => {
    e.preventDefault(); // the focus stays in the dialog's keyboard sink
    e.stopPropagation();
    actions.focus();
    if (VCL_BUTTON[e.button] === undefined) return;
    pressed = true;
    // Drags that leave the canvas (a scrollbar, a slider) still reach the window.
    window.addEventListener('mousemove', onMove);
    window.addEventListener('mouseup', onUp);
    mouse('down', e, e.detail, VCL_BUTTON[e.button]);
  });
  canvas.addEventListener('mousemove', (e) => {
    if (!pressed) onMove(e);
  });
  canvas.addEventListener('contextmenu', (e) => e.preventDefault());
}
