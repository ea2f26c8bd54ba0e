// A log session: the glue between the gateway's `logs` topic and the log viewer, outside React.
//
// - Owns a LogBuffer (ring buffer, caps, markers) and a LogQuery (filter, search, levels) for one set
//   of environments (one, or several merged in time order by the gateway).
// - Subscribes the topic only while a screen shows it (`show()` returns the release); the buffer and
//   every view setting stay when the user navigates away and comes back. On return the gateway's
//   snapshot is spliced onto what the buffer holds (by timestamp, no duplicates); when the snapshot
//   does not reach back to the last line held, an in-band marker says which time span may be missing.
// - Nothing is dropped silently: every gateway gap (reconnect, replay exhausted, slow link, upstream
//   retention, gateway restart) becomes a marker line with its count and times; a connection loss and
//   its recovery are marked too.
// - Tracks follow/paused and counts the lines that arrived while paused ("N new lines").
// - React reads it through `subscribe`/`uiVersion` (view state, synchronous with keys) and the
//   buffer's own throttled notifications (data, at most ~30/s). No line is ever in React state.
import { mkdir } from 'node:fs/promises';
import { stateDir } from '../statefile/index.js';
import { join } from 'node:path';
import type { LogLine, LogMarker } from '../domain/console.js';
import type { LogsData, TopicHealth } from '../protocol/messages.js';
import type { ConnStatus, GatewayLike } from './app.js';
import { LogBuffer, makeMarker, type LogBufferOptions } from './logbuffer.js';
import { LogQuery, saveBuffer, type QueryResult, type SaveResult, type TimestampMode } from './logquery.js';
import type { LogLevel } from '../domain/console.js';
import type { LogHistoryData } from '../protocol/messages.js';

/** Same shape as LogView's LogScroll (kept here: the store does not import components). */
export type LogScrollState = { follow: true } | { follow: false; topId: number; row: number };
export const FOLLOWING: LogScrollState = { follow: true };

export interface LogPrefs {
  timestamps: TimestampMode;
  wrap: boolean;
  prefix: boolean;
  json: 'compact' | 'pretty';
  /** Keep upstream SGR colours (sanitised) instead of plain text. */
  keepSgr: boolean;
}

export const DEFAULT_LOG_PREFS: LogPrefs = { timestamps: 'local', wrap: false, prefix: true, json: 'compact', keepSgr: false };

/** Which text field is being edited on the log screen (or the source mute picker). */
export type LogEditMode = 'filter' | 'search' | 'mute' | null;

/** Reads a past window (the gateway's logHistory topic; AppStore.load in the console). */
export type HistoryLoader = (params: { envs: string[]; from: string; to: string }) => Promise<LogHistoryData | null>;

/** A whole minute as the logHistory topic takes it: 2026-12-06T08:20Z. */
export function minuteIso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16) + 'Z';
}

export interface LogSessionSpec {
  /** Environment uuids (1–16), merged in time order by the gateway. */
  envs: string[];
  /** Labels of the environments, e.g. ["shop@test", "shop@live"] (same order as envs). */
  labels?: string[];
  services?: string[];
  /** Base of saved file names, e.g. "shop-live" or "shop-test+live". */
  name?: string;
}

/** Where a session finds the gateway client: an AppStore, or `staticClient(client)`. */
export interface ClientSource {
  readonly client: GatewayLike | null;
  subscribe(listener: () => void): () => void;
}

export function staticClient(client: GatewayLike): ClientSource {
  return { client, subscribe: () => () => {} };
}

export interface LogSessionOptions {
  buffer?: LogBufferOptions;
  now?: () => number;
  /** Environment for the XDG state dir (default process.env). */
  env?: NodeJS.ProcessEnv;
  prefs?: Partial<LogPrefs>;
}

/** Stable key of a spec: sorted envs and services. */
export function logSessionKey(spec: LogSessionSpec): string {
  const envs = [...new Set(spec.envs)].sort().join(',');
  const services = spec.services?.length ? [...new Set(spec.services)].sort().join(',') : '';
  return services ? `${envs}|${services}` : envs;
}

/** `logs` under the state directory (stateDir). */
export function defaultLogSaveDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'logs');
}

function stamp(ts: number): string {
  const d = new Date(ts);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** A file-name-safe base name. */
export function safeFileBase(name: string): string {
  const s = name
    .replace(/\.\.+/g, '')
    .replace(/[^A-Za-z0-9._+-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 80);
  return s || 'logs';
}

function hms(ts: number): string {
  const d = new Date(ts);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Appended to a draft's error when Enter would have kept it (the view says which key clears it). */
const REFUSED = '; not applied';

const GAP_KIND: Record<string, LogMarker['kind']> = {
  'slow-link': 'slow-link',
  'upstream-retention': 'retention',
  'replay-exhausted': 'gap',
  'gateway-restart': 'gap',
};

interface Position {
  ts: number;
  iso: string | null;
  /** Lines held with exactly this timestamp. */
  count: number;
}

function cmp(l: LogLine, p: Position): number {
  if (l.tsIso && p.iso) return l.tsIso < p.iso ? -1 : l.tsIso > p.iso ? 1 : 0;
  return l.ts < p.ts ? -1 : l.ts > p.ts ? 1 : 0;
}

export class LogSession {
  readonly key: string;
  readonly buffer: LogBuffer;
  readonly query: LogQuery;
  readonly spec: LogSessionSpec;
  scroll: LogScrollState = FOLLOWING;
  /** buffer.endId when the view was paused; null while following. */
  pausedEnd: number | null = null;
  prefs: LogPrefs;
  edit: LogEditMode = null;
  /** Text being typed in the filter or search line. */
  draft = '';
  /** Error of the text being typed (invalid regex …). */
  draftError: string | null = null;
  /** The filter or search text in effect when the edit began. */
  private committed = '';
  health: TopicHealth | null = null;
  error: string | null = null;
  /** The first snapshot arrived. */
  loaded = false;
  conn: ConnStatus | null = null;
  /** Incremented on every view-state change (for useSyncExternalStore). */
  uiVersion = 0;
  private readonly now: () => number;
  private readonly env: NodeJS.ProcessEnv;
  private last: Position | null = null;
  private shows = 0;
  private sub: { unsubscribe(): void } | null = null;
  private subClient: GatewayLike | null = null;
  private offSource: (() => void) | null = null;
  private offState: (() => void) | null = null;
  private hiddenAt: number | null = null;
  private disconnectedAt: number | null = null;
  private readonly listeners = new Set<() => void>();
  private disposed = false;

  constructor(spec: LogSessionSpec, opts: LogSessionOptions = {}) {
    if (!spec.envs.length) throw new Error('a log session needs at least one environment');
    if (spec.envs.length > 16) throw new Error('at most 16 environments can be merged');
    this.spec = { ...spec, envs: [...spec.envs] };
    this.key = logSessionKey(spec);
    this.buffer = new LogBuffer(opts.buffer);
    this.query = new LogQuery(this.buffer);
    this.now = opts.now ?? Date.now;
    this.env = opts.env ?? process.env;
    this.prefs = { ...DEFAULT_LOG_PREFS, ...opts.prefs };
  }

  // ------------------------------------------------------------------ view-state notifications

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getUiVersion = (): number => this.uiVersion;

  private changed(): void {
    this.uiVersion++;
    for (const fn of [...this.listeners]) {
      try {
        fn();
      } catch {}
    }
  }

  // ------------------------------------------------------------------ the gateway subscription

  /** True while at least one screen shows the session (the topic is subscribed). */
  get shown(): boolean {
    return this.shows > 0;
  }

  /** Show the session: subscribe the topic (now, or when the client appears). Returns the release. */
  show(source: ClientSource): () => void {
    if (this.disposed) throw new Error('log session disposed');
    this.shows++;
    if (this.shows === 1) {
      const sync = (): void => {
        if (source.client !== this.subClient) this.open(source.client);
      };
      this.offSource = source.subscribe(sync);
      sync();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.shows--;
      if (this.shows === 0) this.close();
    };
  }

  private open(client: GatewayLike | null): void {
    this.closeSub();
    this.subClient = client;
    if (!client) return;
    this.conn = client.state.status;
    this.offState = client.onState((s) => this.onConn(s.status));
    const params: { envs: string[]; services?: string[] } = { envs: this.spec.envs };
    if (this.spec.services?.length) params.services = this.spec.services;
    // Coming back to lines we hold: the gateway continues after our last line (or states the hole).
    const resume = this.last?.iso ? { resumeAfter: { tsIso: this.last.iso, count: this.last.count } } : undefined;
    this.sub = client.subscribe('logs', params, {
      onSnapshot: (data: LogsData) => this.onSnapshot(data),
      onEvent: (data: LogsData) => this.onEvent(data),
      onGap: (gap) => this.onGap(gap),
      onStatus: (h) => {
        this.health = h;
        this.changed();
      },
      onError: (m) => {
        this.error = m;
        this.changed();
      },
    }, resume);
  }

  private closeSub(): void {
    try {
      this.sub?.unsubscribe();
    } catch {}
    this.sub = null;
    this.offState?.();
    this.offState = null;
    this.subClient = null;
  }

  private close(): void {
    this.offSource?.();
    this.offSource = null;
    this.closeSub();
    this.hiddenAt = this.now();
    this.disconnectedAt = null;
  }

  private onConn(status: ConnStatus): void {
    const prev = this.conn;
    this.conn = status;
    if (status === 'reconnecting' || status === 'offline') {
      if (this.disconnectedAt === null) this.disconnectedAt = this.now();
    } else if (status === 'live' && this.disconnectedAt !== null) {
      const from = this.disconnectedAt;
      this.disconnectedAt = null;
      const to = this.now();
      const secs = Math.max(0, Math.round((to - from) / 1000));
      // The client resubscribes with its last sequence: the gateway replays what followed, or says
      // how much is missing (a gap marker follows then).
      this.buffer.addMarker(makeMarker('info', `reconnected to the gateway after ${secs} s, resumed from the last line received; disconnected`, { from, to, ts: to }));
    }
    if (prev !== status) this.changed();
  }

  private onSnapshot(data: LogsData): void {
    const wasLoaded = this.loaded;
    this.loaded = true;
    let lines = data.lines;
    if (this.last && lines.length) {
      const kept = this.after(lines, this.last);
      const overlaps = kept.length < lines.length;
      if (!overlaps) {
        // The snapshot starts after our last line: the time between may be missing.
        const from = this.last.ts;
        const to = lines[0]!.ts;
        const why = this.hiddenAt !== null ? 'while the log view was closed' : 'while the stream was re-established';
        this.buffer.addMarker(makeMarker('gap', `lines ${why} may be missing (unknown count): between`, { from, to, ts: to }));
      }
      lines = kept;
    }
    this.hiddenAt = null;
    this.ingest(lines, data.markers);
    if (!wasLoaded) this.changed();
  }

  private onEvent(data: LogsData): void {
    if (data.lines.length) this.hiddenAt = null;
    if (!this.loaded) {
      this.loaded = true;
      this.changed();
    }
    this.ingest(data.lines, data.markers);
  }

  private onGap(gap: { from: number; to: number; missed: number; reason: string; text: string }): void {
    const kind = GAP_KIND[gap.reason] ?? 'gap';
    const to = this.now();
    const from = this.last?.ts ?? this.disconnectedAt ?? to;
    const reason = gap.reason === 'slow-link' ? 'slow link' : gap.reason.replace(/-/g, ' ');
    // A view opened again on a topic the gateway had to start afresh: say it in the user's terms.
    const text =
      gap.reason === 'gateway-restart' && this.hiddenAt !== null
        ? `lines while the log view was closed may be missing (${gap.missed ? gap.missed : 'unknown count'}): between`
        : `${reason}: ${gap.text} \u2014`;
    const marker = makeMarker(kind, text, { count: gap.missed, from: Math.min(from, to), to, ts: to });
    this.buffer.addMarker(marker);
  }

  /** Lines strictly after position p (skipping the `count` lines already held at p's timestamp). */
  private after(lines: readonly LogLine[], p: Position): LogLine[] {
    let skip = p.count;
    const out: LogLine[] = [];
    for (const l of lines) {
      const c = cmp(l, p);
      if (c < 0) continue;
      if (c === 0 && skip > 0) {
        skip--;
        continue;
      }
      out.push(l);
    }
    return out;
  }

  private track(lines: readonly LogLine[]): void {
    for (const l of lines) {
      const p = this.last;
      if (!p) {
        this.last = { ts: l.ts, iso: l.tsIso ?? null, count: 1 };
        continue;
      }
      const c = cmp(l, p);
      if (c === 0) p.count++;
      else if (c > 0) this.last = { ts: l.ts, iso: l.tsIso ?? null, count: 1 };
    }
  }

  /** Append lines and markers, markers placed among the lines by time. */
  private ingest(lines: readonly LogLine[], markers: readonly LogMarker[]): void {
    if (!markers.length) {
      if (lines.length) this.buffer.append(lines);
      this.track(lines);
      return;
    }
    const ms = [...markers].sort((a, b) => a.ts - b.ts);
    let i = 0;
    for (const m of ms) {
      let j = i;
      while (j < lines.length && lines[j]!.ts <= m.ts) j++;
      if (j > i) {
        const part = lines.slice(i, j);
        this.buffer.append(part);
        this.track(part);
      }
      i = j;
      this.buffer.addMarker(m);
    }
    if (i < lines.length) {
      const rest = lines.slice(i);
      this.buffer.append(rest);
      this.track(rest);
    }
  }

  // ------------------------------------------------------------------ older history

  /** The start of the older history loaded so far (ms), or null when none was loaded. */
  olderFrom: number | null = null;
  /** An older window is being read. */
  loadingOlder = false;

  /**
   * Load the window before the oldest line held (`windowMs`, default 10 minutes; or from `from` when
   * given, e.g. `:logs … --since 2h`) through the gateway's logHistory topic, and put it before the
   * lines held under a marker "older history, from … to …". Returns what the status line says.
   */
  async loadOlder(load: HistoryLoader, opts: { windowMs?: number; from?: number } = {}): Promise<string> {
    if (this.loadingOlder) return 'older history: already loading';
    const envs = this.spec.envs.filter((e) => !e.startsWith('local:'));
    if (!envs.length) return 'older history: not offered for local containers (their logs start with the container)';
    const first = this.firstLineTs();
    const oldest = Math.min(this.olderFrom ?? Infinity, first ?? this.now());
    const MIN = 60_000;
    const to = Math.ceil(oldest / MIN) * MIN;
    const from = Math.max(to - 24 * 3_600_000, Math.floor((opts.from ?? to - (opts.windowMs ?? 10 * MIN)) / MIN) * MIN);
    if (from >= oldest) return 'older history: the lines held already start there';
    this.loadingOlder = true;
    this.changed();
    try {
      const data = await load({ envs, from: minuteIso(from), to: minuteIso(to) });
      if (!data) return 'older history: no answer from the gateway';
      const services = this.spec.services?.length ? new Set(this.spec.services) : null;
      const lines = data.lines.filter((l) => l.ts < oldest && l.ts >= from && (!services || services.has(l.service)));
      const range = `from ${hms(from)} to ${hms(oldest)}`;
      const note = data.truncated ? ' (the newest lines of a longer window)' : lines.length ? '' : ': no lines';
      const endBefore = this.buffer.endId;
      this.buffer.insertOlder(lines, makeMarker('info', `older history, ${range}${note}`, { ts: from }));
      // every line held was put back after the older ones, with new ids: a pause keeps its place
      // (the lines that came after it are still the only new ones)
      if (this.pausedEnd !== null) this.pausedEnd += this.buffer.endId - endBefore;
      this.olderFrom = from;
      // show the start of what was loaded
      this.setScroll({ follow: false, topId: this.buffer.firstId, row: 0 });
      return `older history ${range}: ${lines.length.toLocaleString('en-US')} line${lines.length === 1 ? '' : 's'}${data.truncated ? ' (cut to the newest)' : ''}`;
    } finally {
      this.loadingOlder = false;
      this.changed();
    }
  }

  private firstLineTs(): number | null {
    for (const e of this.buffer.entries()) if (e.kind === 'line') return e.ts;
    return null;
  }

  // ------------------------------------------------------------------ follow and pause

  get following(): boolean {
    return this.scroll.follow;
  }

  /** Set the scroll state; leaving the tail records where the pause began. */
  setScroll(s: LogScrollState, opts: { silent?: boolean } = {}): void {
    const was = this.scroll.follow;
    this.scroll = s;
    if (s.follow) this.pausedEnd = null;
    else if (was || this.pausedEnd === null) this.pausedEnd = this.buffer.endId;
    if (!opts.silent) this.changed();
  }

  /** Back to the tail. */
  follow(): void {
    this.setScroll(FOLLOWING);
  }

  /** Lines (filtered, markers included) that arrived since the view was paused. */
  newLines(): number {
    if (this.scroll.follow || this.pausedEnd === null) return 0;
    this.query.sync();
    return this.query.countAfter(this.pausedEnd - 1);
  }

  // ------------------------------------------------------------------ filter, search, levels

  setFilter(text: string): QueryResult {
    const r = this.query.setFilter(text);
    this.changed();
    return r;
  }

  setSearch(text: string): QueryResult {
    const r = this.query.setSearch(text);
    this.changed();
    return r;
  }

  /** Begin editing the filter or search line (the draft starts from the active text). */
  beginEdit(mode: 'filter' | 'search' | 'mute'): void {
    this.edit = mode;
    this.draft = mode === 'filter' ? this.query.filterText : mode === 'search' ? this.query.searchText : '';
    this.committed = this.draft;
    this.draftError = null;
    this.changed();
  }

  /**
   * Change the draft: filter and search apply as you type. While the draft is invalid the view
   * shows what was in effect before the edit (never the last valid prefix of what was typed).
   */
  setDraft(text: string): void {
    this.draft = text.slice(0, 500);
    if (this.edit === 'filter') {
      const r = this.query.setFilter(this.draft);
      this.draftError = r.ok ? null : r.error;
      if (!r.ok) this.query.setFilter(this.committed);
    } else if (this.edit === 'search') {
      const r = this.query.setSearch(this.draft);
      this.draftError = r.ok ? null : r.error;
      if (!r.ok) this.query.setSearch(this.committed);
    }
    this.changed();
  }

  /**
   * Stop editing; `keep` false clears what was being edited. Keeping an invalid filter or search is
   * refused (returns false): the line stays open with its error, as Enter must never apply some
   * other filter (the last valid prefix of what was typed) in its place.
   */
  /** The draft's error was refused on a keep (the line stays open until it is fixed or cleared). */
  get draftRefused(): boolean {
    return !!this.draftError?.endsWith(REFUSED);
  }

  endEdit(keep: boolean): boolean {
    const mode = this.edit;
    if (keep && this.draftError && (mode === 'filter' || mode === 'search')) {
      if (!this.draftError.endsWith(REFUSED)) this.draftError += REFUSED;
      this.changed();
      return false;
    }
    this.edit = null;
    if (!keep) {
      if (mode === 'filter') this.query.setFilter('');
      if (mode === 'search') this.query.setSearch('');
    }
    this.draft = '';
    this.draftError = null;
    this.changed();
    return true;
  }

  /** Show only `level` (or everything again when it is the only one shown). */
  soloLevel(level: LogLevel): void {
    const cur = this.query.getLevels();
    if (cur.size === 1 && cur.has(level)) this.query.setLevels(null);
    else this.query.setLevels([level]);
    this.changed();
  }

  toggleLevel(level: LogLevel): void {
    this.query.toggleLevel(level);
    this.changed();
  }

  allLevels(): void {
    this.query.setLevels(null);
    this.changed();
  }

  /** Errors only, or everything again. */
  toggleErrorsOnly(): void {
    this.soloLevel('error');
  }

  // ------------------------------------------------------------------ sources

  /** Source labels: the spec's labels, then any other source seen in the buffer. */
  sources(): string[] {
    const out = [...(this.spec.labels ?? [])];
    for (const s of this.buffer.sources()) if (!out.includes(s)) out.push(s);
    return out;
  }

  toggleMute(source: string): boolean {
    const m = this.buffer.toggleMute(source);
    this.changed();
    return m;
  }

  // ------------------------------------------------------------------ toggles

  setPrefs(p: Partial<LogPrefs>): void {
    this.prefs = { ...this.prefs, ...p };
    this.changed();
  }

  cycleTimestamps(): TimestampMode {
    const next: TimestampMode = this.prefs.timestamps === 'local' ? 'utc' : this.prefs.timestamps === 'utc' ? 'off' : 'local';
    this.setPrefs({ timestamps: next });
    return next;
  }

  // ------------------------------------------------------------------ saving

  /** Default path of a saved log: `<state>/divio-tui/logs/<name>-<YYYYMMDD-HHMMSS>.log`. */
  defaultSavePath(): string {
    const name = safeFileBase(this.spec.name ?? this.spec.labels?.join('+') ?? 'logs');
    return join(defaultLogSaveDir(this.env), `${name}-${stamp(this.now())}.log`);
  }

  /** Save what the filter shows (the whole buffer, markers included) as plain text. */
  async save(path?: string): Promise<SaveResult> {
    const file = path ?? this.defaultSavePath();
    await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
    return saveBuffer(this.buffer, this.query, file, { utc: this.prefs.timestamps === 'utc', prefix: this.prefs.prefix });
  }

  // ------------------------------------------------------------------ status

  /** "upstream 503, retrying in 4 s", "connection lost", error, or null when all is well. */
  problem(): string | null {
    if (this.error) return this.error;
    if (this.health && !this.health.ok) return `upstream ${this.health.error ?? 'error'}${this.health.retryInMs != null ? `, retrying in ${Math.ceil(this.health.retryInMs / 1000)} s` : ''}`;
    if (this.shows > 0 && this.conn && this.conn !== 'live') return this.conn === 'offline' ? 'not connected to the gateway' : `gateway ${this.conn} (since ${hms(this.disconnectedAt ?? this.now())})`;
    return null;
  }

  dispose(): void {
    this.disposed = true;
    this.shows = 0;
    this.close();
    this.buffer.dispose();
    this.listeners.clear();
  }
}

// ------------------------------------------------------------------ sessions per store

const MAX_SESSIONS = 4;
const registry = new WeakMap<object, Map<string, LogSession>>();

/**
 * The session for `spec` within `owner` (the AppStore): created once, kept while the console runs so
 * navigating away and back keeps every line. At most 4 are kept (least recently used go first,
 * never one that is shown).
 */
export function logSessionFor(owner: object, spec: LogSessionSpec, opts: LogSessionOptions = {}): LogSession {
  let m = registry.get(owner);
  if (!m) {
    m = new Map();
    registry.set(owner, m);
  }
  const key = logSessionKey(spec);
  let s = m.get(key);
  if (s) {
    m.delete(key);
    m.set(key, s); // most recently used last
    return s;
  }
  s = new LogSession(spec, opts);
  m.set(key, s);
  for (const [k, old] of m) {
    if (m.size <= MAX_SESSIONS) break;
    if (old === s || old.shown) continue;
    old.dispose();
    m.delete(k);
  }
  return s;
}

/** Sessions of an owner (for tests and diagnostics). */
export function logSessionsOf(owner: object): LogSession[] {
  return [...(registry.get(owner)?.values() ?? [])];
}
