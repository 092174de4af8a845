// Help ▸ Keyboard Shortcuts and Help ▸ About: a small dialog of the page's own.

import { PAGE_SHORTCUTS } from './menu-data.js';

export function showInfo(which, { server }) {
  const previous = document.activeElement;
  const overlay = document.createElement('div');
  overlay.className = 'info-overlay';
  const box = document.createElement('div');
  box.className = 'info-dialog';
  box.id = `info-${which}`;
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-modal', 'true');
  box.setAttribute('aria-labelledby', 'info-title');
  const title = document.createElement('h2');
  title.id = 'info-title';
  box.appendChild(title);
  if (which === 'shortcuts') {
    title.textContent = 'Keyboard shortcuts';
    const table = document.createElement('table');
    for (const [keys, what] of PAGE_SHORTCUTS) {
      const row = table.insertRow();
      row.insertCell().textContent = keys;
      row.insertCell().textContent = what;
    }
    const note = document.createElement('p');
    note.textContent = 'LibreOffice\'s own shortcuts work too, except those the browser keeps for itself (such as Ctrl+N, Ctrl+T and Ctrl+W).';
    box.append(table, note);
  } else {
    title.textContent = 'About oxool';
    const p = document.createElement('p');
    p.textContent = `oxool ${server || ''}: documents edited by LibreOffice on the server, shown in your browser.`;
    box.appendChild(p);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'primary';
  close.textContent = 'Close';
  const done = () => {
    overlay.remove();
    if (previous && previous.focus) previous.focus();
  };
  close.addEventListener('click', done);
  overlay.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') done();
    e.stopPropagation();
  });
  overlay.addEventListener('mousedown', (e) => { if (e.target === overlay) done(); });
  box.appendChild(close);
  overlay.appendChild(box);
  document.body.appendChild(overlay);
  close.focus();
}
