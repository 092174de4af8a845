// Small pieces of the page around the document: the list of people in the header (clicking
// one follows them, follow.js), and saving a downloaded file.

export class UserList {
  constructor(el) {
    this.el = el;
  }

  render(users) {
    const items = users.map((u) => {
      const li = document.createElement('li');
      li.className = 'user';
      li.dataset.view = String(u.view);
      li.dataset.lokView = String(u.lok_view);
      li.dataset.name = u.name;
      li.dataset.self = u.self ? '1' : '0';
      li.title = `${u.name}${u.self ? ' (you)' : ''}${u.readonly ? ', viewing' : ', editing'}`;
      if (!u.self) {
        // Clicking someone follows them (follow.js).
        li.title += ': click to follow';
        li.tabIndex = 0;
        li.setAttribute('role', 'button');
      }
      const badge = document.createElement('span');
      badge.className = 'user-badge';
      badge.style.background = u.color || '#888';
      badge.textContent = initials(u.name);
      badge.setAttribute('aria-hidden', 'true');
      const name = document.createElement('span');
      name.className = 'user-name';
      name.textContent = u.self ? `${u.name} (you)` : u.name;
      li.append(badge, name);
      return li;
    });
    this.el.replaceChildren(...items);
  }
}

function initials(name) {
  const words = String(name || '?').trim().split(/\s+/).filter(Boolean);
  return words.slice(0, 2).map((w) => [...w][0].toUpperCase()).join('') || '?';
}

const MIME = {
  pdf: 'application/pdf', png: 'image/png', txt: 'text/plain', html: 'text/html', csv: 'text/csv',
};

/** Hands bytes to the browser as a file download. */
export function downloadBlob(bytes, name) {
  const ext = (name.match(/\.([^.]+)$/) || [])[1] || '';
  const blob = new Blob([bytes], { type: MIME[ext.toLowerCase()] || 'application/octet-stream' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}
