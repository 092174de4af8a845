// JSDialog leaf widgets: text, buttons, check and radio buttons, edits, spin fields, images.
// Answers follow LibreOffice's vcl/jsdialog/executor.cxx: the `type` it expects for each widget
// and the `cmd` it understands (click, change, value, toggle …).

import { register, el, cleanText, isTrue } from './builder.js';

register(['fixedtext', 'label'], (node) => {
  const p = el('span', '', cleanText(node.text));
  if (node.labelFor) p.dataset.labelFor = node.labelFor;
  return p;
});

register(['pushbutton', 'okbutton', 'cancelbutton', 'helpbutton', 'button'], (node, ctx) => {
  const b = el('button');
  b.type = 'button';
  const text = cleanText(node.text);
  if (node.image) {
    const img = el('img');
    img.src = node.image;
    img.alt = '';
    b.appendChild(img);
    if (!text) b.setAttribute('aria-label', cleanText(node.tooltip) || node.id || 'button');
  }
  if (text) b.appendChild(el('span', '', text));
  if (node.id === 'ok' || isTrue(node.has_default) || isTrue(node.isDefault)) b.classList.add('jsd-default');
  b.addEventListener('click', () => {
    // A button that answers the dialog (OK, Cancel …: its `responses`) ends it with that
    // response; LibreOffice's executor takes it as `responsebutton`.
    const response = ctx.responses ? ctx.responses.get(node.id) : undefined;
    if (response !== undefined) ctx.send(node.id, 'responsebutton', 'click', String(response));
    else ctx.send(node.id, 'pushbutton', 'click', '');
  });
  return b;
});

register(['checkbox'], (node, ctx) => {
  const label = el('label', 'jsd-check');
  const input = el('input');
  input.type = 'checkbox';
  input.checked = isTrue(node.checked);
  if (node.checked === 'mixed' || isTrue(node.inconsistent)) input.indeterminate = true;
  input.addEventListener('change', () => ctx.send(node.id, 'checkbox', 'change', input.checked ? 'true' : 'false'));
  label.append(input, el('span', '', cleanText(node.text)));
  return label;
});

register(['radiobutton'], (node, ctx) => {
  const label = el('label', 'jsd-check');
  const input = el('input');
  input.type = 'radio';
  input.name = `${ctx.windowId}:${node.group || 'radio'}`;
  input.checked = isTrue(node.checked);
  input.addEventListener('change', () => {
    if (input.checked) ctx.send(node.id, 'radiobutton', 'change', 'true');
  });
  label.append(input, el('span', '', cleanText(node.text)));
  return label;
});

/** An edit sends its text as the user types (debounced); any other event flushes it first. */
function editSender(node, ctx, input) {
  const sendNow = () => ctx.send(node.id, 'edit', 'change', input.value);
  input.addEventListener('input', () => ctx.debounce(node.id, sendNow));
  input.addEventListener('change', () => ctx.flush(node.id));
}

register(['edit'], (node, ctx) => {
  const input = el('input');
  input.type = isTrue(node.password) ? 'password' : 'text';
  input.value = node.text || '';
  input.spellcheck = false;
  if (node.placeholder) input.placeholder = node.placeholder;
  if (isTrue(node.readOnly)) input.readOnly = true;
  editSender(node, ctx, input);
  return input;
});

register(['multilineedit'], (node, ctx) => {
  const area = el('textarea');
  area.value = node.text || '';
  area.rows = 4;
  if (isTrue(node.readOnly)) area.readOnly = true;
  editSender(node, ctx, area);
  return area;
});

const UNITS = { inch: '"', percent: '%', degree: '°', pixel: 'px' };

function numberOf(text) {
  const m = String(text === undefined ? '' : text).replace(',', '.').match(/-?\d+(\.\d+)?/);
  return m ? m[0] : '';
}

register(['spinfield', 'metricfield', 'formattedfield', 'numericfield'], (node, ctx) => {
  const box = el('span', 'jsd-spin');
  const input = el('input');
  input.type = 'text';
  input.inputMode = 'decimal';
  input.value = numberOf(node.value !== undefined ? node.value : node.text);
  if (node.min !== undefined) input.dataset.min = node.min;
  if (node.max !== undefined) input.dataset.max = node.max;
  box.appendChild(input);
  const unit = node.unit || String(node.text || '').replace(/^[\s\d.,-]+/, '').trim();
  if (unit) box.appendChild(el('span', 'jsd-unit', UNITS[unit] || unit));
  const send = () => {
    const v = numberOf(input.value);
    if (v !== '') ctx.send(node.id, 'spinfield', 'value', v);
  };
  input.addEventListener('change', send);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      e.preventDefault();
      ctx.send(node.id, 'spinfield', e.key === 'ArrowUp' ? 'plus' : 'minus', '');
    }
  });
  return box;
});

register(['separator'], (node) => el('hr', isTrue(node.vertical) || node.orientation === 'vertical' ? 'jsd-vertical' : ''));

register(['fixedimage', 'image'], (node) => {
  const img = el('img');
  if (node.image) img.src = String(node.image).replace(/\\/g, '');
  img.alt = cleanText(node.text);
  return img;
});

// A drawing area (a preview, Calc's CSV grid) is an image; a click answers with its relative
// position, as LibreOffice scales it to the area's size.
register(['drawingarea'], (node, ctx) => {
  const box = el('div');
  if (!node.image) {
    box.appendChild(el('span', 'jsd-muted', cleanText(node.text)));
    return box;
  }
  const img = el('img');
  img.src = String(node.image).replace(/\\/g, '');
  img.alt = cleanText(node.text);
  img.draggable = false;
  img.addEventListener('click', (e) => {
    const r = img.getBoundingClientRect();
    ctx.send(node.id, 'drawingarea', 'click', `${(e.clientX - r.left) / (r.width || 1)};${(e.clientY - r.top) / (r.height || 1)}`);
  });
  box.appendChild(img);
  return box;
});

register(['progressbar', 'levelbar'], (node) => {
  const bar = el('progress');
  bar.max = 100;
  bar.value = Number(node.value) || 0;
  return bar;
});

register(['spinner'], () => el('span', 'jsd-spinner'));

// A window's own scroll bars: the page scrolls what needs it.
register(['scrollbar', 'scrollbarbox'], () => null);

// A colour list box (a button showing its colour) opens LibreOffice's palette popup.
register(['colorlistbox'], (node, ctx) => {
  const b = el('button', 'jsd-color');
  b.type = 'button';
  const swatch = el('span', 'jsd-swatch');
  if (node.color) swatch.style.background = `#${String(node.color).replace(/^#/, '')}`;
  b.append(swatch, el('span', '', cleanText(node.text)));
  b.addEventListener('click', () => ctx.send(node.id, 'menubutton', 'toggle', ''));
  return b;
});

register(['menubutton'], (node, ctx) => {
  const b = el('button', 'jsd-menubutton');
  b.type = 'button';
  if (node.image) {
    const img = el('img');
    img.src = node.image;
    img.alt = '';
    b.appendChild(img);
  }
  b.append(el('span', '', cleanText(node.text)), el('span', 'jsd-arrow', '▾'));
  b.addEventListener('click', () => ctx.send(node.id, 'menubutton', 'toggle', ''));
  return b;
});
