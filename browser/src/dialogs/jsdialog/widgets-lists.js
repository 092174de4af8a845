// JSDialog list widgets: list boxes and combo boxes, tree lists and icon views (both shown as
// lists). LibreOffice answers a choice with `combobox selected "<pos>;<text>"` (list boxes
// included), typed combo box text with `combobox change`, and rows with `treeview`/`iconview`
// select (single click) and activate (double click).

import { register, el, cleanText, isTrue } from './builder.js';

function entryText(entry) {
  if (typeof entry === 'string') return entry;
  return entry && entry.text !== undefined ? String(entry.text) : '';
}

function selectedIndex(node) {
  const sel = Array.isArray(node.selectedEntries) ? node.selectedEntries[0] : undefined;
  if (sel !== undefined && /^\d+$/.test(String(sel))) return Number(sel);
  const entries = (node.entries || []).map(entryText);
  const wanted = sel !== undefined ? String(sel) : node.text;
  return wanted !== undefined ? entries.indexOf(String(wanted)) : -1;
}

register(['listbox'], (node, ctx) => {
  const select = el('select');
  (node.entries || []).forEach((entry, i) => {
    const option = el('option', '', cleanText(entryText(entry)));
    option.value = String(i);
    select.appendChild(option);
  });
  select.selectedIndex = selectedIndex(node);
  select.addEventListener('change', () => {
    const i = select.selectedIndex;
    if (i >= 0) ctx.send(node.id, 'combobox', 'selected', `${i};${entryText(node.entries[i])}`);
  });
  return select;
});

// A combo box has an entry: typed text goes as `change`, a pick from its list as `selected`.
register(['combobox'], (node, ctx) => {
  const box = el('span', 'jsd-combo');
  const input = el('input');
  input.type = 'text';
  input.spellcheck = false;
  const entries = (node.entries || []).map(entryText);
  const index = selectedIndex(node);
  input.value = node.text !== undefined ? String(node.text) : (index >= 0 ? entries[index] : '');
  const list = el('select', 'jsd-combo-list');
  list.setAttribute('aria-label', 'Choices');
  list.tabIndex = -1;
  list.appendChild(el('option', '', ''));
  entries.forEach((text, i) => {
    const option = el('option', '', cleanText(text));
    option.value = String(i);
    list.appendChild(option);
  });
  list.selectedIndex = index + 1;
  list.hidden = entries.length === 0;
  list.addEventListener('change', () => {
    const i = list.selectedIndex - 1;
    if (i < 0) return;
    input.value = entries[i];
    ctx.send(node.id, 'combobox', 'selected', `${i};${entries[i]}`);
  });
  input.addEventListener('input', () => ctx.debounce(node.id, () => ctx.send(node.id, 'combobox', 'change', input.value)));
  input.addEventListener('change', () => ctx.flush(node.id));
  box.append(input, list);
  return box;
});

/** Rows of a tree list in display order, with their absolute positions and depth. */
function flatten(entries, depth, out) {
  for (const entry of entries || []) {
    out.push({ entry, depth, row: entry.row !== undefined ? Number(entry.row) : out.length });
    if (Array.isArray(entry.children) && (isTrue(entry.expanded) || entry.expanded === undefined)) {
      flatten(entry.children, depth + 1, out);
    }
  }
  return out;
}

function rowText(entry) {
  if (Array.isArray(entry.columns) && entry.columns.length > 0) {
    return entry.columns.map((c) => cleanText(c.text !== undefined ? c.text : '')).filter((t) => t).join('  ·  ');
  }
  return cleanText(entry.text);
}

register(['treelistbox', 'treeview'], (node, ctx) => {
  const list = el('ul', 'jsd-list');
  list.setAttribute('role', 'listbox');
  list.tabIndex = 0;
  if (Array.isArray(node.headers) && node.headers.length > 0) {
    const head = el('li', 'jsd-list-header', node.headers.map((h) => cleanText(h.text)).join('  ·  '));
    head.setAttribute('role', 'presentation');
    list.appendChild(head);
  }
  const rows = flatten(node.entries, 0, []);
  for (const { entry, depth, row } of rows) {
    const li = el('li', 'jsd-row');
    li.setAttribute('role', 'option');
    li.dataset.row = String(row);
    li.style.paddingLeft = `${6 + depth * 16}px`;
    if (isTrue(entry.selected)) li.setAttribute('aria-selected', 'true');
    if (entry.state !== undefined && entry.state !== '') {
      const check = el('input');
      check.type = 'checkbox';
      check.checked = isTrue(entry.state);
      check.addEventListener('click', (e) => e.stopPropagation());
      check.addEventListener('change', () => {
        const data = encodeURIComponent(JSON.stringify({ row: String(row), value: check.checked ? 'true' : 'false' }));
        ctx.send(node.id, 'treeview', 'change', data);
      });
      li.appendChild(check);
    }
    li.appendChild(el('span', '', rowText(entry)));
    li.addEventListener('click', () => {
      for (const other of list.querySelectorAll('[aria-selected="true"]')) other.removeAttribute('aria-selected');
      li.setAttribute('aria-selected', 'true');
      ctx.send(node.id, 'treeview', 'select', String(row));
    });
    li.addEventListener('dblclick', () => ctx.send(node.id, 'treeview', 'activate', String(row)));
    list.appendChild(li);
  }
  if (rows.length === 0) list.appendChild(el('li', 'jsd-muted', cleanText(node.text) || ''));
  return list;
});

register(['iconview'], (node, ctx) => {
  const list = el('ul', 'jsd-list jsd-icons');
  list.setAttribute('role', 'listbox');
  (node.entries || []).forEach((entry, i) => {
    const row = entry.row !== undefined ? String(entry.row) : String(i);
    const li = el('li', 'jsd-row');
    li.setAttribute('role', 'option');
    li.dataset.row = row;
    if (isTrue(entry.selected)) li.setAttribute('aria-selected', 'true');
    if (entry.image) {
      const img = el('img');
      img.src = entry.image;
      img.alt = '';
      li.appendChild(img);
    }
    li.appendChild(el('span', '', cleanText(entry.text)));
    li.title = cleanText(entry.tooltip || entry.text);
    li.addEventListener('click', () => ctx.send(node.id, 'iconview', 'select', row));
    li.addEventListener('dblclick', () => ctx.send(node.id, 'iconview', 'activate', row));
    list.appendChild(li);
  });
  return list;
});
