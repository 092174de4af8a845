// Requests that wait for the server's answer, by key. Each promise resolves with its answer, or
// with `fallback` when none comes in time or the connection goes (answerAll): a caller never
// waits forever.

export class PendingAnswers {
  constructor(timeoutMs, fallback) {
    this.timeoutMs = timeoutMs;
    this.fallback = fallback;
    this.waiting = new Map(); // key → {promise, resolve, timer}, oldest first
  }

  /** The promise for `key`'s answer: the one already waited for, else a new one. */
  wait(key) {
    const known = this.waiting.get(key);
    if (known) return known.promise;
    let resolve;
    const promise = new Promise((r) => { resolve = r; });
    const timer = setTimeout(() => this.answer(key, this.fallback), this.timeoutMs);
    this.waiting.set(key, { promise, resolve, timer });
    return promise;
  }

  has(key) {
    return this.waiting.has(key);
  }

  /** The keys waited for, oldest first. */
  keys() {
    return [...this.waiting.keys()];
  }

  /** Resolves `key`'s promise with `value` (nothing when it is not waited for). */
  answer(key, value) {
    const w = this.waiting.get(key);
    if (!w) return;
    this.waiting.delete(key);
    clearTimeout(w.timer);
    w.resolve(value);
  }

  /** Every request gets the fallback (a new connection: the old one's answers will not come). */
  answerAll() {
    for (const key of this.keys()) this.answer(key, this.fallback);
  }
}
