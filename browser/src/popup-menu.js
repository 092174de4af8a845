// One popup menu with nested submenus, for the menubar's menus and LibreOffice's context menu.
// Items: {kind: 'item' | 'sep' | 'submenu', text, key (mnemonic), shortcut, enabled, checked
// (true / false / undefined = not a toggle), radio, run(), children (items, or a function that
// returns them or a promise of them: built when the submenu opens)}.
// Keyboard as in desktop menus: arrows, Home/End, Enter/Space, Escape, mnemonic letters.

const SUBMENU_DELAY_MS = 150;

export class PopupMenu {
  /**
   * options: {onClose(reason), onEdge(direction) (Left/Right on the first level, for the
   * menubar), owner (an element whose clicks do not close the menu), label, id (of the first
   * level)}
   */
  constructor(options = {}) {
    this.options = options;
    this.levels = []; // [{el, items, buttons, parentButton}]
    this.hoverTimer = null;
    this.onOutside = (e) => {
      if (this.levels.some((l) => l.el.contains(e.target))) return;
      if (this.options.owner && this.options.owner.contains(e.target)) return;
      this.close('outside');
    };
  }

  get isOpen() {
    return this.levels.length > 0;
  }

  /** Opens at a point ({x, y}) or below/beside a rectangle ({rect}). */
  open(items, anchor, { focusFirst = false } = {}) {
    this.close('reopen', true);
    document.addEventListener('mousedown', this.onOutside, true);
    const level = this.renderLevel(items, null);
    this.place(level.el, anchor);
    if (focusFirst) this.focusItem(level, this.nextEnabled(level, -1, 1));
    else level.el.focus({ preventScroll: true });
  }

  close(reason = 'closed', quiet = false) {
    clearTimeout(this.hoverTimer);
    if (!this.isOpen) return;
    document.removeEventListener('mousedown', this.onOutside, true);
    for (const level of this.levels) level.el.remove();
    this.levels = [];
    if (!quiet && this.options.onClose) this.options.onClose(reason);
  }

  /** Refreshes enabled/checked marks of the open levels (a STATE_CHANGED while open). */
  refresh(stateOf) {
    for (const level of this.levels) {
      level.items.forEach((item, i) => {
        if (!item.command || !level.buttons[i]) return;
        const s = stateOf(item);
        Object.assign(item, s);
        this.applyState(level.buttons[i], item);
      });
    }
  }

  renderLevel(items, parentButton) {
    const el = document.createElement('div');
    el.className = 'menu popup-menu';
    el.setAttribute('role', 'menu');
    el.tabIndex = -1;
    if (this.options.label && !parentButton) el.setAttribute('aria-label', this.options.label);
    if (this.options.id && !parentButton) el.id = this.options.id;
    const level = { el, items, buttons: [], parentButton };
    this.fill(level, items);
    el.addEventListener('keydown', (e) => this.onKeyDown(e, level));
    document.body.appendChild(el);
    this.levels.push(level);
    return level;
  }

  fill(level, items) {
    level.items = items;
    level.buttons = [];
    level.el.replaceChildren();
    items.forEach((item, index) => {
      if (item.kind === 'sep') {
        const sep = document.createElement('div');
        sep.className = 'menu-sep';
        sep.setAttribute('role', 'separator');
        level.el.appendChild(sep);
        level.buttons.push(null);
        return;
      }
      const b = document.createElement('button');
      b.type = 'button';
      b.tabIndex = -1;
      b.className = 'menu-item';
      if (item.command) b.dataset.command = item.command;
      if (item.id) b.dataset.id = item.id;
      const check = document.createElement('span');
      check.className = 'menu-check';
      check.setAttribute('aria-hidden', 'true');
      const label = document.createElement('span');
      label.className = 'menu-label';
      label.textContent = item.text;
      b.append(check, label);
      if (item.shortcut) {
        const sc = document.createElement('span');
        sc.className = 'menu-shortcut';
        sc.textContent = item.shortcut;
        b.appendChild(sc);
        b.setAttribute('aria-keyshortcuts', item.shortcut.replace(/\s/g, ''));
      }
      if (item.kind === 'submenu') {
        b.setAttribute('aria-haspopup', 'menu');
        b.setAttribute('aria-expanded', 'false');
        const arrow = document.createElement('span');
        arrow.className = 'menu-arrow';
        arrow.setAttribute('aria-hidden', 'true');
        arrow.textContent = '▸';
        b.appendChild(arrow);
      }
      this.applyState(b, item);
      b.addEventListener('click', (e) => {
        e.preventDefault();
        this.activate(level, index, false);
      });
      b.addEventListener('mousemove', () => this.onHover(level, index));
      level.el.appendChild(b);
      level.buttons.push(b);
    });
  }

  applyState(b, item) {
    b.disabled = item.enabled === false;
    b.setAttribute('aria-disabled', item.enabled === false ? 'true' : 'false');
    if (item.kind === 'submenu') {
      b.setAttribute('role', 'menuitem');
      return;
    }
    if (item.checked === undefined) {
      b.setAttribute('role', 'menuitem');
      b.removeAttribute('aria-checked');
    } else {
      b.setAttribute('role', item.radio ? 'menuitemradio' : 'menuitemcheckbox');
      b.setAttribute('aria-checked', item.checked ? 'true' : 'false');
    }
    b.querySelector('.menu-check').textContent = item.checked ? (item.radio ? '●' : '✓') : '';
  }

  place(el, anchor) {
    const w = el.offsetWidth;
    const h = el.offsetHeight;
    let x;
    let y;
    if (anchor.rect) {
      const r = anchor.rect;
      if (anchor.side) {
        x = r.right - 2;
        if (x + w > window.innerWidth - 4) x = Math.max(4, r.left - w + 2);
        y = r.top - 4;
      } else {
        x = r.left;
        y = r.bottom + 2;
      }
    } else {
      x = anchor.x;
      y = anchor.y;
    }
    el.style.left = `${Math.max(4, Math.min(x, window.innerWidth - w - 4))}px`;
    el.style.top = `${Math.max(4, Math.min(y, window.innerHeight - h - 4))}px`;
    el.style.maxHeight = `${window.innerHeight - 8}px`;
  }

  onHover(level, index) {
    const depth = this.levels.indexOf(level);
    if (depth < 0) return;
    const b = level.buttons[index];
    if (b && document.activeElement !== b && !b.disabled) b.focus({ preventScroll: true });
    clearTimeout(this.hoverTimer);
    const item = level.items[index];
    const child = this.levels[depth + 1];
    if (child && child.parentButton === b) return;
    this.hoverTimer = setTimeout(() => {
      this.closeBelow(depth);
      if (item.kind === 'submenu' && item.enabled !== false) this.openSubmenu(level, index, false);
    }, SUBMENU_DELAY_MS);
  }

  closeBelow(depth) {
    while (this.levels.length > depth + 1) {
      const l = this.levels.pop();
      l.el.remove();
      if (l.parentButton) l.parentButton.setAttribute('aria-expanded', 'false');
    }
  }

  async openSubmenu(level, index, focusFirst) {
    const depth = this.levels.indexOf(level);
    this.closeBelow(depth);
    const item = level.items[index];
    const button = level.buttons[index];
    let children = item.children;
    const pending = typeof children === 'function' ? children() : children;
    const sub = this.renderLevel(
      pending instanceof Promise ? [{ kind: 'item', text: 'Loading…', enabled: false }] : pending || [],
      button,
    );
    button.setAttribute('aria-expanded', 'true');
    this.place(sub.el, { rect: button.getBoundingClientRect(), side: true });
    if (pending instanceof Promise) {
      children = await pending;
      if (!this.levels.includes(sub)) return;
      this.fill(sub, children && children.length ? children : [{ kind: 'item', text: '(none)', enabled: false }]);
      this.place(sub.el, { rect: button.getBoundingClientRect(), side: true });
    }
    if (focusFirst) this.focusItem(sub, this.nextEnabled(sub, -1, 1));
  }

  activate(level, index, byKeyboard) {
    const item = level.items[index];
    if (!item || item.kind === 'sep' || item.enabled === false) return;
    if (item.kind === 'submenu') {
      this.openSubmenu(level, index, byKeyboard);
      return;
    }
    this.close('run');
    if (item.run) item.run();
  }

  nextEnabled(level, from, step) {
    const n = level.buttons.length;
    for (let k = 1; k <= n; k++) {
      const i = (((from + step * k) % n) + n) % n;
      const b = level.buttons[i];
      if (b && !b.disabled) return i;
    }
    return -1;
  }

  focusItem(level, index) {
    if (index < 0) {
      level.el.focus({ preventScroll: true });
      return;
    }
    level.buttons[index].focus({ preventScroll: true });
  }

  onKeyDown(e, level) {
    const current = level.buttons.indexOf(document.activeElement);
    const depth = this.levels.indexOf(level);
    let handled = true;
    switch (e.key) {
      case 'ArrowDown': this.focusItem(level, this.nextEnabled(level, current, 1)); break;
      case 'ArrowUp': this.focusItem(level, this.nextEnabled(level, current < 0 ? 0 : current, -1)); break;
      case 'Home': this.focusItem(level, this.nextEnabled(level, -1, 1)); break;
      case 'End': this.focusItem(level, this.nextEnabled(level, 0, -1)); break;
      case 'ArrowRight':
        if (current >= 0 && level.items[current].kind === 'submenu') this.activate(level, current, true);
        else if (this.options.onEdge) this.options.onEdge(1);
        break;
      case 'ArrowLeft':
        if (depth > 0) {
          const parent = this.levels[depth - 1];
          const b = level.parentButton;
          this.closeBelow(depth - 1);
          if (b) b.focus({ preventScroll: true });
          else parent.el.focus();
        } else if (this.options.onEdge) this.options.onEdge(-1);
        break;
      case 'Enter':
      case ' ':
        if (current >= 0) this.activate(level, current, true);
        break;
      case 'Escape':
        if (this.levels.length > depth + 1) this.closeBelow(depth); // a submenu opened by hovering
        else if (depth > 0) {
          const b = level.parentButton;
          this.closeBelow(depth - 1);
          if (b) b.focus({ preventScroll: true });
        } else this.close('escape');
        break;
      case 'Tab':
        this.close('tab');
        break;
      default:
        handled = this.onLetter(e, level, current);
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }

  /** A mnemonic runs its item; otherwise a letter moves to the next item starting with it. */
  onLetter(e, level, current) {
    if (e.key.length !== 1 || e.ctrlKey || e.metaKey) return false;
    const k = e.key.toLowerCase();
    const byKey = level.items.findIndex((it, i) => it.key === k && level.buttons[i] && !level.buttons[i].disabled);
    if (byKey >= 0) {
      this.focusItem(level, byKey);
      this.activate(level, byKey, true);
      return true;
    }
    const n = level.items.length;
    for (let s = 1; s <= n; s++) {
      const i = (current + s + n) % n;
      const it = level.items[i];
      if (level.buttons[i] && !level.buttons[i].disabled && it.text && it.text.toLowerCase().startsWith(k)) {
        this.focusItem(level, i);
        return true;
      }
    }
    return true; // other letters must not reach the document while the menu has the focus
  }
}
