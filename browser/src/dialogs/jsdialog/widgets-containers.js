// JSDialog containers: boxes and grids (LibreOffice gives each grid child its `left`/`top`
// cell), tab controls, frames, expanders, button boxes, the sidebar's decks and panels, and
// tool boxes with their items.

import { register, build, buildChildren, el, cleanText, isTrue, isFalse } from './builder.js';

register(['container', 'box', 'dialog', 'modelessdialog', 'messagebox', 'window', 'borderwindow', 'alignment',
  'tabpage', 'scrollwindow', 'control', 'dockingwindow', 'sidebar', 'popover', 'modalpopup'], (node, ctx) => {
  if (Array.isArray(node.children) && node.children.some((c) => c && c.left !== undefined && c.top !== undefined) && node.type !== 'tabpage') {
    return grid(node, ctx);
  }
  // A box is vertical unless LibreOffice says otherwise; a dialog's content is a column.
  const vertical = node.vertical === undefined ? true : isTrue(node.vertical);
  const div = el('div', vertical ? 'jsd-vbox' : 'jsd-hbox');
  return buildChildren(div, node, ctx);
});

function grid(node, ctx) {
  const div = el('div', 'jsd-grid');
  for (const child of node.children || []) {
    const built = build(child, ctx);
    if (!built) continue;
    const left = Number(child.left);
    const top = Number(child.top);
    if (Number.isFinite(left) && Number.isFinite(top)) {
      built.style.gridColumn = `${left + 1} / span ${Math.max(1, Number(child.width) || 1)}`;
      built.style.gridRow = `${top + 1} / span ${Math.max(1, Number(child.height) || 1)}`;
    }
    div.appendChild(built);
  }
  return div;
}
register(['grid'], grid);

register(['buttonbox'], (node, ctx) => {
  const div = el('div', 'jsd-buttons');
  const left = el('div', 'jsd-buttons-left');
  const right = el('div', 'jsd-buttons-right');
  for (const child of node.children || []) {
    const built = build(child, ctx);
    if (built) (child.id === 'help' ? left : right).appendChild(built);
  }
  div.append(left, right);
  return div;
});

/**
 * `node`'s children built into `box` after a `labelTag` element with the label: the first child's
 * text when `isLabel(first child)` says it is the label (and there are others), else the node's.
 * Returns the label element and the child that gave it (or null).
 */
function labelledChildren(box, labelTag, node, ctx, isLabel) {
  const children = node.children || [];
  const labelChild = children.length > 1 && children[0] && isLabel(children[0]) ? children[0] : null;
  const label = el(labelTag, '', cleanText(labelChild ? labelChild.text : node.text));
  box.appendChild(label);
  for (const child of labelChild ? children.slice(1) : children) {
    const built = build(child, ctx);
    if (built) box.appendChild(built);
  }
  return { label, labelChild };
}

register(['frame'], (node, ctx) => {
  const fieldset = el('fieldset');
  // The first child is the frame's label when it is a text.
  const { label, labelChild } = labelledChildren(fieldset, 'legend', node, ctx, (first) => first.type === 'fixedtext');
  if (labelChild && labelChild.id) label.dataset.id = labelChild.id;
  return fieldset;
});

register(['expander'], (node, ctx) => {
  const details = el('details');
  details.open = !isFalse(node.expanded);
  // The first child is the expander's label (a text, or a check box's text in VCL's JSON).
  const { label } = labelledChildren(details, 'summary', node, ctx, (first) => !first.children && first.text);
  label.addEventListener('click', () => ctx.send(node.id, 'expander', 'toggle', ''));
  return details;
});

// Tabs: LibreOffice lists them in `tabs` ({text, id from 1, name}) and sends the page of the
// selected one (or every page) as children; a click answers `selecttab` with the tab's index.
register(['tabcontrol'], (node, ctx) => {
  const div = el('div', 'jsd-tabs');
  const strip = el('div', 'jsd-tabstrip');
  strip.setAttribute('role', 'tablist');
  const tabs = Array.isArray(node.tabs) ? node.tabs : [];
  const pages = (node.children || []).filter((c) => c && c.type === 'tabpage');
  let selected = tabs.findIndex((t) => String(t.id) === String(node.selected));
  if (selected < 0 && node.selected !== undefined && tabs.length === 0) selected = Number(node.selected);
  if (selected < 0) selected = 0;
  tabs.forEach((tab, i) => {
    const b = el('button', 'jsd-tab', cleanText(tab.text));
    b.type = 'button';
    b.setAttribute('role', 'tab');
    b.setAttribute('aria-selected', String(i === selected));
    if (tab.name) b.dataset.tabName = tab.name;
    b.addEventListener('click', () => {
      if (i !== selected) ctx.send(node.id, 'tabcontrol', 'selecttab', String(i));
    });
    strip.appendChild(b);
  });
  div.appendChild(strip);
  const content = el('div', 'jsd-tabpage');
  const page = pages.length > 1 ? pages[selected] : pages[0];
  if (page) {
    const built = build(page, ctx);
    if (built) content.appendChild(built);
  }
  // Anything else the tab control holds (rare) follows the page.
  for (const other of (node.children || []).filter((c) => c && c.type !== 'tabpage')) {
    const built = build(other, ctx);
    if (built) content.appendChild(built);
  }
  div.appendChild(content);
  return div;
});

register(['deck'], (node, ctx) => {
  const div = el('div', 'jsd-deck');
  if (node.text) div.appendChild(el('h3', 'jsd-deck-title', cleanText(node.text)));
  return buildChildren(div, node, ctx);
});

register(['panel'], (node, ctx) => {
  const details = el('details', 'jsd-panel');
  details.open = !isTrue(node.hidden) && !isTrue(node.collapsed);
  details.appendChild(el('summary', '', cleanText(node.text)));
  return buildChildren(details, node, ctx);
});

register(['toolbox'], (node, ctx) => {
  const bar = el('div', 'jsd-toolbox');
  bar.setAttribute('role', 'toolbar');
  for (const item of node.children || []) {
    if (!item) continue;
    if (item.type !== 'toolitem') {
      const built = build(item, ctx);
      if (built) bar.appendChild(built);
      continue;
    }
    const b = el('button', 'jsd-toolitem');
    b.type = 'button';
    b.dataset.id = item.id || item.command || '';
    b.dataset.command = item.command || '';
    const label = cleanText(item.text) || item.command || item.id || '';
    b.title = label;
    b.textContent = label.replace(/^\.uno:/, '');
    if (isTrue(item.selected)) b.setAttribute('aria-pressed', 'true');
    if (isFalse(item.enabled) || isFalse(node.enabled)) b.disabled = true;
    if (isFalse(item.visible)) b.hidden = true;
    // An item with a `.uno:` command runs it (as the toolbar does); others answer the tool box.
    b.addEventListener('click', () => {
      if (/^\.uno:/.test(item.command || '') && !item.id) ctx.uno(item.command);
      else ctx.send(node.id, 'toolbox', 'click', item.id || item.command || '');
    });
    if (isTrue(item.dropdown)) {
      const arrow = el('span', 'jsd-arrow', '▾');
      arrow.addEventListener('click', (e) => {
        e.stopPropagation();
        ctx.send(node.id, 'toolbox', 'togglemenu', item.id || item.command || '');
      });
      b.appendChild(arrow);
    }
    bar.appendChild(b);
  }
  return bar;
});
