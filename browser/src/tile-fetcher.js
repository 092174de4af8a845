// Tile requests under the protocol's one flow-control rule: at most 32 tiles per session in
// flight (asked and not yet acknowledged with `tile-done`). Tiles wait here, not at the server,
// until a slot is free, so tiles that scroll away before they are sent are simply dropped
// (the protocol has no way to cancel a tile the server already has).

export const WINDOW = 32;
const MAX_AT_PER_MESSAGE = 256;

export function tileKey(s) {
  return `${s.part}:${s.x}:${s.y}:${s.tw}:${s.th}:${s.width}:${s.height}`;
}

export class TileFetcher {
  /**
   * send(name, args) sends a protocol message; owners are consulted in registration order.
   * deltas: ask for tile deltas (`delta=1`, docs/protocol.md "Tile deltas"); the owner's
   * handler then applies `tile … delta=1` answers to the tile it holds.
   */
  constructor(send, { deltas = true } = {}) {
    this.send = send;
    this.deltas = deltas;
    this.owners = new Map(); // name → {handler, queue: [spec]}
    this.inFlight = new Map(); // key → {spec, owner, stale}
    this.others = []; // requests that are not document tiles (a dialog's `window-tile`): {key, send}
    this.othersInFlight = new Set(); // their keys
    this.toAck = 0;
    this.ackScheduled = false;
    this.enabled = false; // only while a session is loaded
    this.generation = 0; // bumped per connection: answers of an old one are ignored
    this.stats = { requested: 0, received: 0, unchanged: 0, deltas: 0, moves: 0, bytes: 0 };
  }

  /**
   * handler(spec, msg, stale) draws a tile and returns a promise resolved once it is drawn;
   * refresh(spec) is called when a tile that was invalidated in flight has been handled, so the
   * owner marks it stale and asks for it again (it could not while the tile was still in
   * flight). `stale` is as of the answer's arrival: an invalidation that comes while the
   * handler decodes reaches the owner only through refresh(spec), after the handler stored the
   * tile (an owner that stored `stale` over it would keep old pixels as fresh).
   */
  register(owner, handler, refresh = () => {}) {
    this.owners.set(owner, { handler, refresh, queue: [] });
  }

  /** The session is loaded: requests may go out. */
  enable() {
    this.enabled = true;
    this.pump();
  }

  isInFlight(spec) {
    return this.inFlight.has(tileKey(spec));
  }

  /** Replaces what `owner` wants (in priority order); the ones no longer wanted are cancelled. */
  setWanted(owner, specs) {
    const entry = this.owners.get(owner);
    entry.queue = specs.filter((s) => !this.inFlight.has(tileKey(s)));
    this.pump();
  }

  /** An invalidation reached a tile that is in flight: its answer may predate the change. */
  markInFlightStale(predicate) {
    for (const flight of this.inFlight.values()) {
      if (predicate(flight.spec)) flight.stale = true;
    }
  }

  /**
   * A request that is not a document tile (a dialog's `window-tile`) under the same window:
   * send() is called once a slot is free and returns whether it went out ('skip' if it is no
   * longer wanted). The owner then calls otherDone(key) when the answer is drawn (acknowledged
   * like a tile) or otherFailed(key) when the server refused it (nothing to acknowledge). These
   * go before document tiles: a dialog is what the user looks at.
   */
  requestOther(key, send) {
    this.others.push({ key, send });
    this.pump();
  }

  otherDone(key) {
    this.othersInFlight.delete(key);
    this.ack(); // an answer counted at the server whether or not we still track it
  }

  otherFailed(key) {
    if (this.othersInFlight.delete(key)) this.pump();
  }

  pump() {
    if (!this.enabled) return;
    let free = WINDOW - this.inFlight.size - this.othersInFlight.size;
    while (free > 0 && this.others.length > 0) {
      const other = this.others.shift();
      const sent = other.send(); // 'skip' when its window has gone in the meantime
      if (sent === 'skip') continue;
      if (!sent) return;
      this.othersInFlight.add(other.key);
      free -= 1;
    }
    if (free <= 0) return;
    // Group by geometry: one `tiles` message per (part, tw, th, width, height, refresh).
    const batches = new Map();
    for (const [owner, entry] of this.owners) {
      while (free > 0 && entry.queue.length > 0) {
        const spec = entry.queue.shift();
        const key = tileKey(spec);
        if (this.inFlight.has(key)) continue;
        this.inFlight.set(key, { spec, owner, stale: false });
        // `refresh=1` for tiles we still hold: identical ones come back without the image.
        const geometry = `${spec.part}:${spec.tw}:${spec.th}:${spec.width}:${spec.height}:${spec.refresh ? 1 : 0}`;
        if (!batches.has(geometry)) batches.set(geometry, { spec, at: [] });
        batches.get(geometry).at.push(`${spec.x}:${spec.y}`);
        free -= 1;
      }
    }
    for (const { spec, at } of batches.values()) {
      for (let i = 0; i < at.length; i += MAX_AT_PER_MESSAGE) {
        const ok = this.send('tiles', {
          part: spec.part, width: spec.width, height: spec.height, tw: spec.tw, th: spec.th,
          at: at.slice(i, i + MAX_AT_PER_MESSAGE).join(','), refresh: spec.refresh ? 1 : undefined,
          delta: this.deltas ? 1 : undefined,
        });
        if (!ok) return;
        this.stats.requested += at.length;
      }
    }
  }

  /** A `tile` frame (binary PNG, whole or a delta, or text `unchanged=1`). */
  receive(msg) {
    const a = msg.args;
    const spec = {
      part: Number(a.part), x: Number(a.x), y: Number(a.y), tw: Number(a.tw), th: Number(a.th),
      width: Number(a.width), height: Number(a.height),
    };
    const key = tileKey(spec);
    const flight = this.inFlight.get(key);
    this.stats.received += 1;
    if (a.unchanged === '1') this.stats.unchanged += 1;
    if (a.delta === '1') this.stats.deltas += 1;
    if (a.moves !== undefined) this.stats.moves += 1;
    if (msg.data) this.stats.bytes += msg.data.length;
    const owner = this.owners.get(flight ? flight.owner : 'main');
    const done = owner ? owner.handler(spec, msg, flight ? flight.stale : false) : Promise.resolve();
    const generation = this.generation;
    Promise.resolve(done).catch(() => {}).then(() => {
      if (generation !== this.generation) return;
      this.inFlight.delete(key);
      this.ack();
      if (flight && flight.stale && owner) owner.refresh(flight.spec);
    });
  }

  /**
   * `error request=tiles` naming a refused tile (its part was deleted by another user while
   * the tile was on its way): it will not be answered, so it leaves the window. True when the
   * error named one of ours.
   */
  refused(args) {
    if (args.part === undefined) return false;
    const key = tileKey({
      part: Number(args.part), x: Number(args.x), y: Number(args.y), tw: Number(args.tw),
      th: Number(args.th), width: Number(args.width), height: Number(args.height),
    });
    if (!this.inFlight.delete(key)) return false;
    this.pump();
    return true;
  }

  /** Acknowledges drawn tiles once per task, so a burst of tiles costs one `tile-done`. */
  ack() {
    this.toAck += 1;
    if (this.ackScheduled) return;
    this.ackScheduled = true;
    setTimeout(() => {
      this.ackScheduled = false;
      const count = this.toAck;
      this.toAck = 0;
      if (count > 0 && this.enabled) this.send('tile-done', { count });
      this.pump();
    }, 0);
  }

  /** A new connection: the server knows nothing of our earlier requests. */
  reset() {
    this.generation += 1;
    this.enabled = false;
    this.inFlight.clear();
    this.others = [];
    this.othersInFlight.clear();
    this.toAck = 0;
    for (const entry of this.owners.values()) entry.queue = [];
  }
}
