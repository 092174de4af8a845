// The password prompt for a protected document: the server refuses the load with
// `error kind=password-required` (or `password-wrong` after a wrong one) and closes; the page
// asks here and connects again with `load … password=`. The password stays in this page's
// memory only (a reconnect after a crash needs it again) and is never shown or logged.

export class PasswordPrompt {
  constructor() {
    this.root = null;
  }

  /**
   * Asks for the password. kind: password-required | password-wrong; type: to-view |
   * to-modify. Resolves to the password, or null when the user cancels.
   */
  ask({ kind, type }) {
    this.dismiss();
    const root = document.createElement('div');
    root.className = 'password-overlay';
    root.innerHTML = `
      <form class="password-dialog" role="dialog" aria-modal="true" aria-labelledby="password-title" aria-describedby="password-text">
        <h2 id="password-title">This document is protected by a password</h2>
        <p id="password-text"></p>
        <p class="password-wrong" role="alert" hidden>The password is not correct. Try again.</p>
        <label class="password-label">Password
          <input type="password" id="password-input" name="password" autocomplete="off" required>
        </label>
        <div class="password-buttons">
          <button type="button" data-action="cancel">Cancel</button>
          <button type="submit" class="primary">Open</button>
        </div>
      </form>`;
    root.querySelector('#password-text').textContent = type === 'to-modify'
      ? 'Enter the password that allows editing it.'
      : 'Enter its password to open it.';
    root.querySelector('.password-wrong').hidden = kind !== 'password-wrong';
    document.body.appendChild(root);
    this.root = root;
    const input = root.querySelector('#password-input');
    input.focus();
    return new Promise((resolve) => {
      const done = (value) => {
        this.dismiss();
        resolve(value);
      };
      root.querySelector('form').addEventListener('submit', (e) => {
        e.preventDefault();
        if (input.value) done(input.value);
      });
      root.querySelector('[data-action=cancel]').addEventListener('click', () => done(null));
      root.addEventListener('keydown', (e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          done(null);
        }
        e.stopPropagation(); // the document's keys stay out of the prompt
      });
    });
  }

  dismiss() {
    if (this.root) this.root.remove();
    this.root = null;
  }
}
