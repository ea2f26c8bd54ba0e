// The reconnecting WebSocket client of the gateway, used by the TUI, the CLI twins and the bench.
// Every server message is validated with zod; a malformed frame becomes an onError for the
// subscription it concerns (never a throw). Reconnects with exponential back-off and full jitter,
// re-sends hello and resubscribes every active subscription with its last sequence.
import WebSocket from 'ws';
import { randomUUID } from 'node:crypto';
import type * as z from '../domain/zod.js';
import {
  CommandParams,
  PROTOCOL_VERSION,
  ServerMessage,
  TopicData,
  TopicParams,
  type TopicHealth,
  type TopicName,
  type Welcome,
  CLIENT_WARMUP,
} from '../protocol/index.js';
import type { Job, JobKind, LogLine } from '../domain/index.js';
import { warmInTurns } from '../domain/deferred.js';

// The console loads this module before it connects (its gateway or sandbox still starting): the
// schemas of the first answers (welcome, the fleet's snapshot) are built and run meanwhile, a step
// at a time (issue 16).
warmInTurns(CLIENT_WARMUP);

export type ConnStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';
export interface ConnState {
  status: ConnStatus;
  attempt: number;
  /** Epoch ms of the next connection attempt while reconnecting. */
  retryAt: number | null;
  error: string | null;
  since: number;
}

export interface GapInfo {
  from: number;
  to: number;
  missed: number;
  reason: string;
  text: string;
}

export interface SubHandlers<T> {
  onSnapshot?(data: T, seq: number): void;
  onEvent?(data: T, seq: number): void;
  onGap?(gap: GapInfo): void;
  onStatus?(health: TopicHealth): void;
  /** Bad params, forbidden, malformed payload for this topic. */
  onError?(message: string): void;
}

export interface GatewayClientOptions {
  url: string;
  token: string;
  clientName?: string;
  backoff?: { baseMs?: number; maxMs?: number };
  commandTimeoutMs?: number;
  /** Client-side liveness: ping every N ms, reconnect when no message for 2.5× (default 15000). */
  pingMs?: number;
  /**
   * `--read-only` against a gateway this process does not run: every command is refused here, and the
   * welcome says read-only (the header shows it, the screens refuse their actions) whatever the token may do.
   */
  readOnly?: boolean;
}

export interface Subscription {
  unsubscribe(): void;
  /** Tell the gateway what this subscriber shows (fleet: environment uuids); kept across reconnects. */
  view(visible: string[]): void;
  readonly lastSeq: number;
}

interface SubRecord {
  id: string;
  topic: TopicName;
  params: unknown;
  handlers: SubHandlers<unknown>;
  lastSeq: number | undefined;
  /** logs: where the client's stream ended (for a restarted gateway). */
  lastTsIso: string | null;
  atLast: number;
  /** The last `view` hint (re-sent after a resubscribe). */
  view?: string[];
  active: boolean;
}

interface PendingCommand {
  resolve(job: Job): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  kind: JobKind;
}

export class GatewayError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

export class GatewayClient {
  private ws: WebSocket | null = null;
  private _state: ConnState = { status: 'offline', attempt: 0, retryAt: null, error: null, since: Date.now() };
  private _welcome: Welcome | null = null;
  private stateListeners = new Set<(s: ConnState) => void>();
  private welcomeListeners = new Set<(w: Welcome) => void>();
  private jobListeners = new Set<(j: Job) => void>();
  /** The latest state the gateway sent of each job (the last 256 jobs), for latestJob(). */
  private jobsSeen = new Map<string, Job>();
  private subs = new Map<string, SubRecord>();
  private pending = new Map<string, PendingCommand>();
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private lastMessageAt = 0;
  private closedByUser = false;
  private started = false;
  private nextSub = 1;
  private readonly base: number;
  private readonly max: number;
  private readonly cmdTimeout: number;
  private readonly pingMs: number;

  constructor(private opts: GatewayClientOptions) {
    this.base = Math.max(10, opts.backoff?.baseMs ?? 250);
    this.max = Math.max(this.base, opts.backoff?.maxMs ?? 5000);
    this.cmdTimeout = opts.commandTimeoutMs ?? 30_000;
    this.pingMs = opts.pingMs ?? 15_000;
  }

  get state(): ConnState {
    return this._state;
  }
  get welcome(): Welcome | null {
    return this._welcome;
  }

  onState(fn: (s: ConnState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }
  onWelcome(fn: (w: Welcome) => void): () => void {
    this.welcomeListeners.add(fn);
    return () => this.welcomeListeners.delete(fn);
  }
  onJob(fn: (job: Job) => void): () => void {
    this.jobListeners.add(fn);
    return () => this.jobListeners.delete(fn);
  }

  /**
   * The latest state the gateway sent of this job, if it sent one. A command's answer and the job's
   * next frames can come in one read of the socket: they are handled one after the other at once,
   * so a listener added when the answer's promise resolves has missed them (a quick job had ended).
   */
  latestJob(id: string): Job | undefined {
    return this.jobsSeen.get(id);
  }

  private setState(patch: Partial<ConnState>): void {
    const status = patch.status ?? this._state.status;
    this._state = { ...this._state, ...patch, since: status !== this._state.status ? Date.now() : this._state.since };
    for (const fn of this.stateListeners) safe(() => fn(this._state));
  }

  connect(): void {
    if (this.started && !this.closedByUser) return;
    this.started = true;
    this.closedByUser = false;
    this.setState({ status: 'connecting', attempt: 0, retryAt: null, error: null });
    this.open();
    if (!this.pingTimer) {
      this.pingTimer = setInterval(() => this.keepalive(), this.pingMs);
      this.pingTimer.unref?.();
    }
  }

  private open(): void {
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.opts.url, { handshakeTimeout: 5000, maxPayload: 64 * 1024 * 1024 });
    } catch (e) {
      this.scheduleReconnect(`cannot connect to ${safeUrl(this.opts.url)}: ${errText(e)}`);
      return;
    }
    this.ws = ws;
    ws.on('open', () => {
      this.lastMessageAt = Date.now();
      this.sendRaw({ type: 'hello', protocol: PROTOCOL_VERSION, token: this.opts.token, client: this.opts.clientName ?? 'divio-tui' });
    });
    ws.on('message', (data, isBinary) => {
      if (ws !== this.ws) return;
      this.lastMessageAt = Date.now();
      if (isBinary) return;
      this.onFrame(data.toString());
    });
    ws.on('ping', () => {
      this.lastMessageAt = Date.now();
    });
    // this socket's own error (connect ECONNREFUSED, ENOTFOUND …) says more than "connection lost"
    let sockError: string | null = null;
    ws.on('error', (e) => {
      if (ws !== this.ws) return;
      sockError = `${safeUrl(this.opts.url)}: ${errText(e)}`;
      this.setState({ error: sockError });
    });
    ws.on('close', (code, reason) => {
      if (ws !== this.ws) return;
      this.ws = null;
      if (this.closedByUser) return;
      const why = (code === 1006 ? sockError : null) ?? closeText(code, reason.toString()) ?? this._state.error ?? 'connection lost';
      if (code === 4001 || code === 4002) {
        // wrong token or protocol: retrying will not help; stay offline with a clear error
        this.failPending(why);
        this.setState({ status: 'offline', retryAt: null, error: why });
        return;
      }
      this.scheduleReconnect(why);
    });
  }

  private scheduleReconnect(error: string): void {
    this.failPending(`connection lost: ${error}`);
    if (this.closedByUser) return;
    const attempt = this._state.attempt + 1;
    const cap = Math.min(this.max, this.base * 2 ** Math.min(attempt - 1, 20));
    const delay = Math.round(Math.random() * cap); // full jitter
    this.setState({ status: 'reconnecting', attempt, retryAt: Date.now() + delay, error });
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closedByUser) return;
      this.setState({ status: 'connecting', retryAt: null });
      this.open();
    }, delay);
  }

  /** Retry now (e.g. a "retry" key while reconnecting): skips the back-off wait; drops a live connection first. */
  reconnect(): void {
    if (this.closedByUser || !this.started) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = this.ws;
    if (ws) {
      this.ws = null;
      ws.terminate();
    }
    this.failPending('reconnecting');
    this.setState({ status: 'connecting', retryAt: null });
    this.open();
  }

  private keepalive(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    if (Date.now() - this.lastMessageAt > this.pingMs * 2.5) {
      ws.terminate(); // 'close' schedules the reconnect
      return;
    }
    this.sendRaw({ type: 'ping', t: Date.now() });
  }

  async close(): Promise<void> {
    this.closedByUser = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
    this.failPending('client closed');
    const ws = this.ws;
    this.ws = null;
    this.setState({ status: 'offline', retryAt: null });
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          ws.terminate();
          resolve();
        }, 1000);
        ws.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        try {
          ws.close(1000, 'bye');
        } catch {
          ws.terminate();
        }
      });
    }
  }

  waitLive(timeoutMs = 10_000): Promise<Welcome> {
    if (this._state.status === 'live' && this._welcome) return Promise.resolve(this._welcome);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        off();
        offW();
        reject(new Error(`gateway ${safeUrl(this.opts.url)} not live after ${timeoutMs} ms${this._state.error ? `: ${this._state.error}` : ''}`));
      }, timeoutMs);
      const offW = this.onWelcome((w) => {
        clearTimeout(t);
        off();
        offW();
        resolve(w);
      });
      const off = this.onState((s) => {
        if (s.status === 'offline' && s.error) {
          clearTimeout(t);
          off();
          offW();
          reject(new Error(s.error));
        }
      });
    });
  }

  // ---------------------------------------------------------------- subscriptions

  /**
   * `opts.resumeAfter` (logs only): the caller already holds lines up to this timestamp (e.g. a log
   * view that was closed and opened again): the gateway continues after it, or says what is missing.
   */
  subscribe<K extends TopicName>(
    topic: K,
    params: z.input<(typeof TopicParams)[K]>,
    h: SubHandlers<z.infer<(typeof TopicData)[K]>>,
    opts: { resumeAfter?: { tsIso: string; count: number } } = {},
  ): Subscription {
    const id = `s${this.nextSub++}`;
    const ra = topic === 'logs' ? opts.resumeAfter : undefined;
    const rec: SubRecord = { id, topic, params, handlers: h, lastSeq: undefined, lastTsIso: ra?.tsIso ?? null, atLast: ra?.count ?? 0, active: true };
    this.subs.set(id, rec);
    if (this._state.status === 'live') this.sendSubscribe(rec);
    return {
      unsubscribe: () => {
        if (!rec.active) return;
        rec.active = false;
        this.subs.delete(id);
        if (this._state.status === 'live') this.sendRaw({ type: 'unsubscribe', id });
      },
      view: (visible: string[]) => {
        if (!rec.active) return;
        rec.view = visible.slice(0, 500);
        if (this._state.status === 'live') this.sendRaw({ type: 'view', id, visible: rec.view });
      },
      get lastSeq() {
        return rec.lastSeq ?? 0;
      },
    };
  }

  private sendSubscribe(rec: SubRecord): void {
    const msg: Record<string, unknown> = { type: 'subscribe', id: rec.id, topic: rec.topic, params: rec.params };
    if (rec.lastSeq !== undefined) msg.resumeFrom = rec.lastSeq;
    if (rec.topic === 'logs' && rec.lastTsIso) msg.resumeAfter = { tsIso: rec.lastTsIso, count: rec.atLast };
    this.sendRaw(msg);
    if (rec.view) this.sendRaw({ type: 'view', id: rec.id, visible: rec.view });
  }

  // ---------------------------------------------------------------- commands

  command<K extends JobKind>(kind: K, params: z.input<(typeof CommandParams)[K]>, opts: { idempotencyKey?: string; timeoutMs?: number } = {}): Promise<Job> {
    if (this.opts.readOnly) return Promise.reject(new GatewayError(`${kind} refused: this session is read-only (--read-only)`, 'forbidden'));
    if (this._state.status !== 'live') {
      return Promise.reject(new GatewayError(`cannot run ${kind}: not connected to the gateway (${this._state.status}${this._state.error ? `: ${this._state.error}` : ''})`, 'offline'));
    }
    const schema = CommandParams[kind] as z.ZodTypeAny;
    const checked = schema.safeParse(params);
    if (!checked.success) {
      return Promise.reject(new GatewayError(`bad ${kind} parameters: ${checked.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}`, 'bad-params'));
    }
    const id = `c${randomUUID().slice(0, 12)}`;
    const key = opts.idempotencyKey ?? randomUUID();
    const timeoutMs = opts.timeoutMs ?? this.cmdTimeout;
    return new Promise<Job>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new GatewayError(`${kind} was not acknowledged by the gateway within ${Math.round(timeoutMs / 1000)} s; it may still run — check the jobs list (idempotency key ${key})`, 'timeout'));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, kind });
      this.sendRaw({ type: 'command', id, kind, params, idempotencyKey: key });
    });
  }

  /** The unmasked value of one environment variable (operators only; the gateway audits it). */
  reveal(env: string, name: string, timeoutMs = this.cmdTimeout): Promise<string | null> {
    if (this._state.status !== 'live') return Promise.reject(new GatewayError(`cannot reveal ${name}: not connected to the gateway (${this._state.status})`, 'offline'));
    const id = `r${randomUUID().slice(0, 12)}`;
    return new Promise<string | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.reveals.delete(id);
        reject(new GatewayError(`revealing ${name}: no answer from the gateway within ${Math.round(timeoutMs / 1000)} s`, 'timeout'));
      }, timeoutMs);
      this.reveals.set(id, { resolve, reject, timer });
      this.sendRaw({ type: 'reveal', id, env, name });
    });
  }
  private reveals = new Map<string, { resolve(v: string | null): void; reject(e: Error): void; timer: NodeJS.Timeout }>();

  private failPending(why: string): void {
    for (const [id, p] of this.reveals) {
      clearTimeout(p.timer);
      p.reject(new GatewayError(`reveal: ${why}`, 'offline'));
      this.reveals.delete(id);
    }
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new GatewayError(`${p.kind}: ${why} (the job may still have started: check the jobs list)`, 'offline'));
      this.pending.delete(id);
    }
  }

  // ---------------------------------------------------------------- frames

  private sendRaw(msg: unknown): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    try {
      ws.send(JSON.stringify(msg));
    } catch {}
  }

  private onFrame(text: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return; // not JSON: nothing to attribute it to
    }
    const parsed = ServerMessage.safeParse(raw);
    if (!parsed.success) {
      const subId = raw && typeof raw === 'object' && 'sub' in raw ? raw.sub : undefined;
      const sub = typeof subId === 'string' ? this.subs.get(subId) : undefined;
      if (sub) safe(() => sub.handlers.onError?.(`malformed ${sub.topic} message from the gateway: ${parsed.error.issues[0]?.message ?? 'invalid'}`));
      return;
    }
    const m = parsed.data;
    switch (m.type) {
      case 'welcome': {
        const w = this.opts.readOnly ? { ...m, readOnly: true } : m;
        this._welcome = w;
        this.setState({ status: 'live', attempt: 0, retryAt: null, error: null });
        for (const fn of this.welcomeListeners) safe(() => fn(w));
        for (const rec of this.subs.values()) this.sendSubscribe(rec);
        return;
      }
      case 'snapshot':
      case 'event': {
        const rec = this.subs.get(m.sub);
        if (!rec || rec.topic !== m.topic) return;
        const d = (TopicData[rec.topic] as z.ZodTypeAny).safeParse(m.data);
        if (!d.success) {
          safe(() => rec.handlers.onError?.(`malformed ${rec.topic} ${m.type} from the gateway: ${d.error.issues[0]?.path.join('.')}: ${d.error.issues[0]?.message}`));
          return;
        }
        rec.lastSeq = m.seq;
        if (rec.topic === 'logs') this.trackLogPosition(rec, (d.data as { lines: LogLine[] }).lines, m.type === 'snapshot');
        if (m.type === 'snapshot') safe(() => rec.handlers.onSnapshot?.(d.data, m.seq));
        else safe(() => rec.handlers.onEvent?.(d.data, m.seq));
        return;
      }
      case 'gap': {
        const rec = this.subs.get(m.sub);
        if (rec) safe(() => rec.handlers.onGap?.({ from: m.from, to: m.to, missed: m.missed, reason: m.reason, text: m.text }));
        return;
      }
      case 'status': {
        const rec = this.subs.get(m.sub);
        if (rec) safe(() => rec.handlers.onStatus?.(m.health));
        return;
      }
      case 'job':
        this.jobsSeen.delete(m.job.id);
        this.jobsSeen.set(m.job.id, m.job);
        if (this.jobsSeen.size > 256) this.jobsSeen.delete(this.jobsSeen.keys().next().value!);
        for (const fn of this.jobListeners) safe(() => fn(m.job));
        return;
      case 'reveal-result': {
        const p = this.reveals.get(m.id);
        if (!p) return;
        this.reveals.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.value ?? null);
        else p.reject(new GatewayError(m.error ?? 'refused', 'rejected'));
        return;
      }
      case 'command-result': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok && m.job) p.resolve(m.job);
        else p.reject(new GatewayError(m.error ?? `${p.kind} was refused`, 'rejected'));
        return;
      }
      case 'error': {
        if (m.ref) {
          const r = this.reveals.get(m.ref);
          if (r) {
            this.reveals.delete(m.ref);
            clearTimeout(r.timer);
            r.reject(new GatewayError(m.message, m.code));
            return;
          }
          const p = this.pending.get(m.ref);
          if (p) {
            this.pending.delete(m.ref);
            clearTimeout(p.timer);
            p.reject(new GatewayError(m.message, m.code));
            return;
          }
          const rec = this.subs.get(m.ref);
          if (rec) {
            safe(() => rec.handlers.onError?.(m.message));
            return;
          }
        }
        if (m.code === 'unauthorized' || m.code === 'protocol' || m.code === 'overloaded') this.setState({ error: m.message });
        return;
      }
      case 'pong':
        return;
    }
  }

  private trackLogPosition(rec: SubRecord, lines: LogLine[], snapshot: boolean): void {
    if (snapshot && !lines.length) return;
    for (const l of lines) {
      if (!l.tsIso) continue;
      if (l.tsIso === rec.lastTsIso) rec.atLast++;
      else if (!rec.lastTsIso || l.tsIso > rec.lastTsIso) {
        rec.lastTsIso = l.tsIso;
        rec.atLast = 1;
      }
    }
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // a handler's bug must not break the connection
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The URL without credentials or query (tokens never appear in errors). */
function safeUrl(u: string): string {
  try {
    const x = new URL(u);
    return `${x.protocol}//${x.host}${x.pathname === '/' ? '' : x.pathname}`;
  } catch {
    return 'the gateway';
  }
}

function closeText(code: number, reason: string): string | null {
  switch (code) {
    case 4001:
      return `gateway refused the token${reason ? ` (${reason})` : ''}`;
    case 4002:
      return `protocol mismatch${reason ? `: ${reason}` : ''}`;
    case 4008:
      return 'the gateway disconnected this client: it did not read its data in time (slow link)';
    case 4029:
      return `the gateway is at its connection limit${reason ? ` (${reason})` : ''}: retrying`;
    case 1001:
      return 'the gateway shut down';
    case 1006:
      return 'connection lost';
    default:
      return reason ? `${reason} (${code})` : null;
  }
}
