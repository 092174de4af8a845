// LibreOffice's sidebar (JSDialog `jsontype` sidebar) in a panel beside the document. The user
// toggles it (View ▸ Sidebar: toggleSidebar()); showing asks LibreOffice for the properties
// deck, whose panels then arrive as JSON and follow the selection.

import { build, applyAction, findWidget, el } from './builder.js';

/** Replaces the node whose id is `control.id` in a widget tree; false when there is none. */
function replaceNode(tree, control) {
  const children = tree.children || [];
  for (let i = 0; i < children.length; i += 1) {
    if (children[i] && children[i].id === control.id && control.id !== '') {
      children[i] = control;
      return true;
    }
    if (children[i] && replaceNode(children[i], control)) return true;
  }
  return false;
}

export class Sidebar {
  /** host: the element the panel goes into (beside the document); actions: {uno(command)} */
  constructor(host, actions) {
    this.host = host;
    this.actions = actions;
    this.wanted = false; // the user asked for it
    this.serverOpen = false; // LibreOffice's sidebar is open for this view (it sends updates)
    this.json = null;
    this.root = null;
    this.ctx = null;
    this.panel = null;
  }

  ensurePanel() {
    if (this.panel || !this.host) return this.panel;
    this.panel = el('aside', 'sidebar');
    this.panel.id = 'sidebar';
    this.panel.setAttribute('aria-label', 'Sidebar');
    this.panel.hidden = true;
    const head = el('header', 'sidebar-head');
    head.appendChild(el('span', 'sidebar-title', 'Properties'));
    const close = el('button', 'dialog-close', '✕');
    close.type = 'button';
    close.title = 'Close the sidebar';
    close.setAttribute('aria-label', 'Close the sidebar');
    close.addEventListener('click', () => this.toggle(false));
    head.appendChild(close);
    this.content = el('div', 'sidebar-content');
    this.panel.append(head, this.content);
    this.host.appendChild(this.panel);
    return this.panel;
  }

  /** Shows or hides the sidebar (toggles without an argument); returns whether it is shown. */
  toggle(show) {
    this.wanted = show === undefined ? !this.wanted : !!show;
    this.ensurePanel();
    if (this.wanted && !this.json) {
      // LibreOffice sends the full tree when its sidebar opens; one already open (a new view
      // opens with it) is closed first. SidebarDeck.PropertyDeck would toggle, not open.
      if (this.serverOpen) this.actions.uno('.uno:SidebarHide');
      this.actions.uno('.uno:SidebarShow');
    } else if (!this.wanted && this.serverOpen) {
      this.actions.uno('.uno:SidebarHide');
      this.json = null;
    }
    this.render();
    return this.wanted;
  }

  onMessage(json, ctx) {
    if (json.action === 'close') {
      this.serverOpen = false;
      this.json = null;
      this.render();
      return;
    }
    this.serverOpen = true;
    // Hidden, it keeps nothing: showing it asks LibreOffice for a fresh tree.
    if ((json.action === 'update' || json.action === 'action') && !this.wanted) return;
    if (json.action === 'update') {
      // The tree stays current, for the next full rendering.
      if (this.json && json.control) replaceNode(this.json, json.control);
      const old = this.root && json.control ? findWidget(this.root, json.control.id) : null;
      const built = old ? build(json.control, this.ctx || ctx) : null;
      if (old && built) old.replaceWith(built);
      return;
    }
    if (json.action === 'action' && this.root) {
      applyAction(this.root, json.data, this.ctx || ctx);
      return;
    }
    // A full tree (LibreOffice sends one whenever the context changes, asked or not).
    if (!this.wanted) return;
    this.json = json;
    this.ctx = ctx;
    this.render();
  }

  render() {
    if (!this.ensurePanel()) return;
    const visible = this.wanted && !!this.json;
    if (this.panel.hidden === visible) {
      this.panel.hidden = !visible;
      document.body.classList.toggle('has-sidebar', visible); // the tile layer observes its size
    }
    if (!visible) return;
    const scroll = this.content.scrollTop;
    const root = build({ ...this.json, type: this.json.type || 'sidebar' }, this.ctx);
    this.content.replaceChildren();
    if (root) this.content.appendChild(root);
    this.root = root;
    this.content.scrollTop = scroll;
  }

  reset() {
    this.json = null;
    this.serverOpen = false;
    this.root = null;
    if (this.panel) this.render();
  }

  describe() {
    return {
      shown: !!this.panel && !this.panel.hidden, wanted: this.wanted, received: !!this.json,
      widgets: this.root ? this.root.querySelectorAll('[data-id]').length : 0,
    };
  }
}
