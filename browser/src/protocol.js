// The client side of docs/protocol.md: message lines, binary frames, and one WebSocket
// connection that reconnects with backoff when the server's close reason allows it.

const ENCODE = /[\x00-\x20%=\x7f]|[^\x00-\x7f]/gu;

/** Percent-encodes a value the way wsd's proto::Message does (space, %, =, controls, non-ASCII). */
export function encodeValue(value) {
  return String(value).replace(ENCODE, (c) => encodeURIComponent(c));
}

/** Renders `name key=value …`; args whose value is undefined or null are left out. */
export function renderMessage(name, args = {}) {
  let line = name;
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || value === null) continue;
    line += ` ${key}=${encodeValue(value)}`;
  }
  return line;
}

/** Parses one header line into {name, args}; keys are looked up by name, never by position. */
export function parseLine(line) {
  const words = line.split(' ').filter((w) => w.length > 0);
  const name = words.shift() || '';
  const args = {};
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) continue;
    const value = word.slice(eq + 1);
    try {
      args[word.slice(0, eq)] = decodeURIComponent(value);
    } catch {
      args[word.slice(0, eq)] = value;
    }
  }
  return { name, args };
}

/** A text frame: the first line is the message, the rest (after `\n`) its body. */
export function parseTextFrame(text) {
  const nl = text.indexOf('\n');
  const head = nl < 0 ? text : text.slice(0, nl);
  const message = parseLine(head);
  message.body = nl < 0 ? '' : text.slice(nl + 1);
  return message;
}

const decoder = new TextDecoder();

/** A binary frame: header line, `\n`, then bytes (tiles, downloads). */
export function parseBinaryFrame(buffer) {
  const bytes = new Uint8Array(buffer);
  const nl = bytes.indexOf(10);
  const head = decoder.decode(nl < 0 ? bytes : bytes.subarray(0, nl));
  const message = parseLine(head);
  message.data = nl < 0 ? new Uint8Array(0) : bytes.subarray(nl + 1);
  return message;
}

/**
 * Close reasons after which the protocol allows a client to reconnect (with backoff). After
 * `shutdown` and `draining` the document is (or is to be) opened by another server of a
 * cluster, which a load balancer routes the next connection to, or by this one once it is back;
 * after `lock-conflict` (at load) another server holds it, until it closes it.
 */
export const RECONNECTABLE = new Set([
  'kit-crashed', 'closed-by-admin', 'reloaded', 'shutdown', 'draining', 'lock-conflict',
]);

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000, 30000];
export const PROTOCOL_VERSION = 1;

/**
 * One editing connection. Callbacks: onMessage(msg), onState(state, detail) where state is
 * 'connecting' | 'open' | 'loaded' | 'waiting' (reconnect scheduled; detail.delayMs) | 'closed'
 * (final; detail.reason, detail.message).
 */
export class Connection {
  constructor(config, { onMessage, onState }) {
    this.config = config;
    this.onMessage = onMessage;
    this.onState = onState;
    this.ws = null;
    this.attempt = 0;
    this.closeInfo = null;
    this.timer = null;
    this.loaded = false;
    this.stopped = false;
  }

  /**
   * The WebSocket URL names the document (`?WOPISrc=`, never the token), so a load balancer
   * routes every connection of one document to one host. The server's page hands it out in
   * one canonical spelling; it is only built here for a page that did not.
   */
  url() {
    const base = new URL(this.config.ws || '/cool/ws', window.location.href);
    if (!base.searchParams.has('WOPISrc') && this.config.wopisrc) {
      base.searchParams.set('WOPISrc', this.config.wopisrc);
    }
    base.protocol = base.protocol === 'https:' ? 'wss:' : base.protocol === 'http:' ? 'ws:' : base.protocol;
    return base.href;
  }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    this.closeInfo = null;
    this.loaded = false;
    this.onState('connecting', { attempt: this.attempt });
    const ws = new WebSocket(this.url());
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.onState('open', {});
      ws.send(renderMessage('oxool', { version: PROTOCOL_VERSION }));
      // The token travels only inside `load`, never in a URL.
      ws.send(renderMessage('load', {
        wopisrc: this.config.wopisrc,
        token: this.config.access_token,
        lang: navigator.language || undefined,
        // A protected document's password, once the user gave it (password.js).
        password: this.password || undefined,
      }));
    };
    ws.onmessage = (event) => {
      const msg = typeof event.data === 'string'
        ? parseTextFrame(event.data) : parseBinaryFrame(event.data);
      msg.binary = typeof event.data !== 'string';
      if (msg.name === 'close') this.closeInfo = msg.args;
      if (msg.name === 'status' && !this.loaded) {
        this.loaded = true;
        this.attempt = 0;
        this.onState('loaded', {});
      }
      this.onMessage(msg);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.afterClose(event);
    };
  }

  afterClose(event) {
    if (this.stopped) return;
    const info = this.closeInfo;
    // Without a `close` message the connection dropped (network, proxy, server restart): the
    // document is still there, so come back. With one, only the reasons the protocol names.
    const mayReconnect = info ? RECONNECTABLE.has(info.reason) : event.code !== 1008 && event.code !== 1009;
    if (!mayReconnect) {
      this.onState('closed', {
        reason: info ? info.reason : `code-${event.code}`,
        message: info ? info.message : event.reason,
        code: event.code,
      });
      return;
    }
    const delayMs = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.onState('waiting', {
      delayMs,
      reason: info ? info.reason : 'connection-lost',
      message: info ? info.message : '',
      attempt: this.attempt,
    });
    this.timer = setTimeout(() => this.connect(), delayMs);
  }

  /** Reconnects at once (the user pressed "Reconnect now"). */
  reconnectNow() {
    if (this.ws) return;
    this.connect();
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN && this.loaded;
  }

  /**
   * Sends a message of the loaded session; before `status` the server accepts nothing else.
   * `body` (a `paste`'s content) follows the line after a `\n`.
   */
  send(name, args, body) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || !this.loaded) return false;
    const line = renderMessage(name, args);
    this.ws.send(body === undefined ? line : `${line}\n${body}`);
    return true;
  }

  /**
   * Sends a binary message of the loaded session: the line, `\n`, then `bytes` (an
   * ArrayBuffer or typed array). Only `insert-image` is one.
   */
  sendBinary(name, args, bytes) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || !this.loaded) return false;
    this.ws.send(new Blob([`${renderMessage(name, args)}\n`, bytes]));
    return true;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000);
  }
}

/**
 * `x, y, w, h` (twips) → {x, y, w, h}, or null for "EMPTY" and garbage. What follows the four
 * numbers is ignored (a graphic selection goes on with its angle and a JSON of handles).
 */
export function parseRect(text) {
  if (typeof text !== 'string') return null;
  const n = text.split(',', 4).map((s) => Number(s.trim()));
  if (n.length < 4 || n.some((v) => !Number.isFinite(v))) return null;
  return { x: n[0], y: n[1], w: n[2], h: n[3] };
}

/** `x, y, w, h; x, y, w, h` → list of rects (empty string: no selection). */
export function parseRects(text) {
  if (!text) return [];
  return text.split(';').map(parseRect).filter((r) => r !== null);
}

/** A callback body that may be JSON or plain text (LibreOffice uses both). */
export function parseJsonBody(body) {
  const trimmed = (body || '').trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return null;
  try {
    return JSON.parse(trimmed);
  } catch {
    return null;
  }
}
