// Topics, their subscribers and fan-out with per-client backpressure.
//
// One Topic instance per (topic, canonical params) — `topicKey()` — started by its first subscriber
// and stopped `graceMs` after its last one leaves. A topic publishes either snapshots (fleet, env,
// …: a new subscriber simply gets the latest one) or events (logs, deployment log appends), each
// with a per-topic sequence number. Sending never awaits: a slow client only ever slows itself.
import type { WebSocket } from 'ws';
import type { TopicHealth, TopicName, TopicParamsOf } from '../protocol/index.js';

/** Sequence numbers start from a time-derived base so that a restarted gateway (or a restarted
 * poller) never reuses numbers an old client still holds: resuming from an older epoch is
 * detected and answered honestly instead of replaying the wrong lines. */
export function seqBase(): number {
  return Date.now() * 1000;
}

export interface Conn {
  readonly id: number;
  readonly ws: WebSocket;
  /** Outstanding bytes allowed before the gateway starts skipping/coalescing for this client. */
  readonly budget: number;
  /** Epoch ms since the client has been above budget, or null (set through markOver). */
  overSince: number | null;
  closed: boolean;
  subs: Map<string, Sub>;
  /** Told when the client goes above budget (the gateway then watches it drain). */
  onOver?: () => void;
}

/** The client went above its send budget: remember since when, and have its draining watched. */
export function markOver(conn: Conn): void {
  if (conn.overSince !== null) return;
  conn.overSince = Date.now();
  conn.onOver?.();
}

export class Sub {
  /** Log lines skipped for this client since its link went slow (reported by a marker). */
  skipped = 0;
  skippedFrom = 0;
  /** A snapshot was coalesced away while the client was over budget. */
  pendingSnapshot = false;
  /** In-band markers (logs) held back while the client was over budget; sent when it drains. */
  heldMarkers: unknown[] = [];
  /** Held until the topic is ready (logs: first page fetched). */
  ready = true;
  resumeFrom: number | undefined;
  resumeAfter: { tsIso: string; count: number } | undefined;
  constructor(
    readonly id: string,
    readonly conn: Conn,
    readonly topic: Topic,
  ) {}
}

export function isOverBudget(conn: Conn): boolean {
  return conn.ws.bufferedAmount > conn.budget;
}

export function rawSend(conn: Conn, frame: string): void {
  if (conn.closed || conn.ws.readyState !== 1) return;
  try {
    conn.ws.send(frame);
  } catch {
    // a socket error surfaces through the 'close'/'error' handlers
  }
}

export function dataFrame(type: 'snapshot' | 'event', subId: string, topic: TopicName, seq: number, dataJson: string): string {
  return `{"type":"${type}","sub":${JSON.stringify(subId)},"topic":"${topic}","seq":${seq},"data":${dataJson}}`;
}

/**
 * The tail of a data frame (its `data` member and the closing brace), UTF-8 encoded once for every
 * subscriber of a broadcast: `sendDataFrame` only prepends each client's short head. The bytes on
 * the wire are those of `dataFrame()`.
 */
export function frameBody(dataJson: string): Buffer {
  return Buffer.from(`${dataJson}}`, 'utf8');
}

/** `rawSend(conn, dataFrame(…))` for a body shared by many clients: no per-client JSON or UTF-8 work. */
export function sendDataFrame(conn: Conn, type: 'snapshot' | 'event', subId: string, topic: TopicName, seq: number, body: Buffer): void {
  if (conn.closed || conn.ws.readyState !== 1) return;
  const head = `{"type":"${type}","sub":${JSON.stringify(subId)},"topic":"${topic}","seq":${seq},"data":`;
  const headLen = Buffer.byteLength(head);
  const frame = Buffer.allocUnsafe(headLen + body.length);
  frame.write(head, 0, 'utf8');
  body.copy(frame, headLen);
  try {
    // a text frame, as for strings (the protocol is JSON text)
    conn.ws.send(frame, { binary: false, compress: false });
  } catch {
    // a socket error surfaces through the 'close'/'error' handlers
  }
}

export abstract class Topic<K extends TopicName = TopicName> {
  seq = seqBase();
  /** The first sequence this topic instance ever issued (anything lower is from another epoch). */
  readonly epochStart = this.seq + 1;
  readonly subs = new Set<Sub>();
  health: TopicHealth = { ok: true, error: null, retryInMs: null, updatedAt: Date.now() };
  /** `body`: the frame tail of `json`, encoded on first use and shared by every subscriber. */
  latest: { seq: number; json: string; body?: Buffer } | null = null;
  protected abort = new AbortController();
  started = false;

  constructor(
    readonly name: K,
    readonly key: string,
    readonly params: TopicParamsOf<K>,
  ) {}

  /** Start polling upstream. */
  abstract start(): void;

  stop(): void {
    this.abort.abort();
    this.started = false;
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Extra references held by other topics (metrics → logs follower etc.). */
  internalRefs = 0;

  /** Send the subscriber what it needs to catch up. Default (snapshot topics): the latest snapshot. */
  onSubscribe(sub: Sub): void {
    if (!this.health.ok) this.sendStatus(sub);
    if (this.latest) this.deliverSnapshot(sub);
  }

  publishSnapshot(data: unknown): void {
    this.seq++;
    this.latest = { seq: this.seq, json: JSON.stringify(data) };
    for (const sub of this.subs) if (sub.ready) this.deliverSnapshot(sub);
  }

  /** Keep a snapshot for new subscribers without broadcasting it (event topics). */
  setLatest(data: unknown): void {
    this.latest = { seq: this.seq, json: JSON.stringify(data) };
  }

  deliverSnapshot(sub: Sub): void {
    if (!this.latest) return;
    if (isOverBudget(sub.conn)) {
      sub.pendingSnapshot = true;
      markOver(sub.conn);
      return;
    }
    sub.pendingSnapshot = false;
    this.latest.body ??= frameBody(this.latest.json);
    sendDataFrame(sub.conn, 'snapshot', sub.id, this.name, this.latest.seq, this.latest.body);
  }

  /** Broadcast an event to every ready subscriber. `lines` > 0 marks a skippable log batch. */
  publishEvent(data: unknown, lines = 0): void {
    const body = frameBody(JSON.stringify(data));
    for (const sub of this.subs) {
      if (!sub.ready) continue;
      this.deliverEvent(sub, body, lines);
    }
  }

  deliverEvent(sub: Sub, body: Buffer, lines: number): void {
    if (isOverBudget(sub.conn)) {
      markOver(sub.conn);
      if (lines > 0) {
        if (sub.skipped === 0) sub.skippedFrom = Date.now();
        sub.skipped += lines;
        return;
      }
      // non-line events (deployment log appends) are small and not skippable: a resubscribe
      // would re-send them anyway, so they are coalesced into a fresh snapshot instead.
      sub.pendingSnapshot = true;
      return;
    }
    if (sub.skipped > 0 || sub.pendingSnapshot) this.onDrained(sub);
    sendDataFrame(sub.conn, 'event', sub.id, this.name, this.seq, body);
  }

  /** Called when the client's buffer went back under budget. */
  onDrained(sub: Sub): void {
    if (sub.pendingSnapshot) this.deliverSnapshot(sub);
  }

  setHealth(h: Omit<TopicHealth, 'updatedAt'>): void {
    const changed = h.ok !== this.health.ok || h.error !== this.health.error || h.retryInMs !== this.health.retryInMs;
    this.health = { ...h, updatedAt: Date.now() };
    if (changed) for (const sub of this.subs) this.sendStatus(sub);
  }

  sendStatus(sub: Sub): void {
    rawSend(sub.conn, JSON.stringify({ type: 'status', sub: sub.id, topic: this.name, health: this.health }));
  }
}

// ------------------------------------------------------------------ poll loops

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/**
 * Run `step` until aborted. `step` returns the delay before the next run (adaptive intervals).
 * Failures back off exponentially (1 s → 30 s, × scale) and are reported through `onHealth` with
 * the retry delay, so the panes that watch this topic can degrade on their own.
 */
export async function pollLoop(opts: {
  signal: AbortSignal;
  scale: number;
  step: () => Promise<number>;
  onHealth: (h: Omit<TopicHealth, 'updatedAt'>) => void;
  /** Given the loop's wake-up: the wait after the current (or next) step is cut short, once. */
  onWaker?: (wake: () => void) => void;
}): Promise<void> {
  let failures = 0;
  let woken = false;
  let cut: (() => void) | null = null;
  opts.onWaker?.(() => {
    woken = true;
    cut?.();
  });
  while (!opts.signal.aborted) {
    let wait: number;
    woken = false;
    try {
      wait = await opts.step();
      if (failures > 0) opts.onHealth({ ok: true, error: null, retryInMs: null });
      failures = 0;
    } catch (e) {
      if (opts.signal.aborted) break;
      failures++;
      const base = Math.min(30_000, 1000 * 2 ** Math.min(failures - 1, 5)) * opts.scale;
      wait = Math.round(base / 2 + (Math.random() * base) / 2);
      opts.onHealth({ ok: false, error: errorText(e), retryInMs: wait });
    }
    // woken during the step: what it read may be from before the change it was woken for
    if (woken) continue;
    await Promise.race([sleep(wait, opts.signal), new Promise<void>((r) => (cut = r))]);
    cut = null;
  }
}
