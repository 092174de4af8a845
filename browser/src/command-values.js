// LibreOffice's lists for this view (`command-values`, docs/protocol.md): fonts, styles,
// languages. Asked for when a menu or the font box first needs them, never at load, so they
// cost the first paint nothing. A server that does not know the message answers
// `error kind=bad-message … request=command-values`: every list is then null and the menus
// fall back to what they can do without it.

import { PendingAnswers } from './pending-answers.js';
import { parseJsonBody } from './protocol.js';

const TIMEOUT_MS = 15000;

export class CommandValues {
  constructor(send) {
    this.send = send;
    this.cache = new Map(); // command → parsed answer
    this.pending = new PendingAnswers(TIMEOUT_MS, null); // command → its parsed answer
    this.unsupported = false;
  }

  /** The parsed answer for `command`, or null. `fresh` asks again (a document's styles change). */
  get(command, { fresh = false } = {}) {
    if (this.unsupported) return Promise.resolve(null);
    if (!fresh && this.cache.has(command)) return Promise.resolve(this.cache.get(command));
    if (this.pending.has(command)) return this.pending.wait(command);
    if (!this.send('command-values', { command })) return Promise.resolve(null);
    return this.pending.wait(command);
  }

  /** `command-values command=…` with the JSON as body. */
  receive(args, body) {
    const json = parseJsonBody(body);
    const command = args.command || (json && json.commandName);
    if (!command) return;
    if (json) this.cache.set(command, json);
    this.pending.answer(command, json);
  }

  /** An error about a `command-values`: true when it was one (the caller shows nothing). */
  onError(args) {
    if (args.request !== 'command-values') return false;
    if (args.kind === 'bad-message' && /unknown message/i.test(args.message || '')) this.unsupported = true;
    const commands = args.command ? [args.command] : this.pending.keys();
    for (const c of commands) this.pending.answer(c, null);
    return true;
  }

  /** A new session: answers asked on the old one will not come. */
  reset() {
    this.pending.answerAll();
  }
}
