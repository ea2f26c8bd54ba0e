// A bounded ring buffer of log entries, outside React.
//
// - Entries are lines (a first physical line plus continuation lines: a traceback is one entry) or
//   in-band markers (gap, dropped, slow-link, retention, deployment, info).
// - Caps: physical lines and bytes (text length in UTF-16 code units, which is the UTF-8 byte count
//   for ASCII). Append and eviction are O(1): a preallocated array used as a ring, never Array.shift.
// - Eviction is not loss (the user chose the cap; usage shows it). Loss is what markers say: gaps,
//   drops, slow-link skips and retention limits add their counts to `lost`.
// - `version` changes on every mutation; `subscribe` notifies at most `notifyHz` times per second.
// - Entry ids are contiguous and monotonic: the entries held are exactly ids [firstId, endId).
import type { LogLevel, LogLine, LogMarker } from '../domain/console.js';
import { detectLevel, extractFields, isContinuation, isTracebackHead, parseJsonLine, type LogFields } from '../domain/logparse.js';
import { setFlagsFromString } from 'node:v8';
import { maskSecrets, sanitize, stripAnsi } from '../terminal/sanitize.js';

export interface LineEntry {
  kind: 'line';
  id: number;
  /** Upstream sequence number (gateway topic seq), or -1. */
  seq: number;
  ts: number;
  source: string;
  service: string;
  /** First physical line, sanitised and secret-masked; may hold SGR sequences (nothing else). */
  text: string;
  /** Continuation physical lines (traceback frames …), or null. */
  more: string[] | null;
  level: LogLevel | null;
  /** Group holds a Python traceback header (for continuation rules). */
  traceback: boolean;
  bytes: number;
  /** Parsed fields, computed lazily by `fieldsOf`. */
  fields?: LogFields;
}

export interface MarkerEntry {
  kind: 'marker';
  id: number;
  ts: number;
  /** Source the marker is about, or null for the whole stream. */
  source: string | null;
  marker: LogMarker;
  /** Sanitised marker text. */
  text: string;
  bytes: number;
}

export type LogEntry = LineEntry | MarkerEntry;

export interface LogBufferUsage {
  /** Physical lines held (markers count 1). */
  lines: number;
  entries: number;
  bytes: number;
  capLines: number;
  capBytes: number;
  /** Lines evicted by the caps (not loss). */
  evictedLines: number;
  evictedBytes: number;
  /** Alias of evictedLines, for compact display. */
  evicted: number;
  /** Lines known to be missing, from markers (gaps, drops, slow-link skips, retention). */
  lost: number;
  /** Lines appended over the buffer's life. */
  totalLines: number;
}

export interface LogBufferOptions {
  /** Physical line cap. Default 100 000. */
  capLines?: number;
  /** Byte cap. Default 64 MiB. */
  capBytes?: number;
  /** Max subscriber notifications per second. Default 30 (a frame costs ~1–2 ms). */
  notifyHz?: number;
  /** Max physical lines in one grouped entry (a bigger traceback starts a new entry). Default 500. */
  maxGroupLines?: number;
  /** Sanitise (keeping SGR) on append. Default true; idempotent on clean text. */
  clean?: boolean;
  /** Group continuation lines (tracebacks) under their first line. Default true. */
  group?: boolean;
  /** Longer physical lines are cut, with a visible note saying how much. Default 32 768. */
  maxLineLength?: number;
}

/** Marker kinds that state lost lines. */
export const LOSS_MARKERS: ReadonlySet<LogMarker['kind']> = new Set(['gap', 'dropped', 'slow-link', 'retention']);

/** Source colours (Ink colour names); red and yellow are left to error and warning levels. */
export const SOURCE_PALETTE = ['cyan', 'magenta', 'blue', 'green', 'cyanBright', 'magentaBright', 'blueBright', 'greenBright'] as const;

/** Stable palette index for a source name (FNV-1a hash). */
export function sourceColorIndex(source: string, paletteSize: number = SOURCE_PALETTE.length): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < source.length; i++) {
    h ^= source.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % paletteSize;
}

export function sourceColor(source: string): (typeof SOURCE_PALETTE)[number] {
  return SOURCE_PALETTE[sourceColorIndex(source)];
}

/** Plain text of an entry (SGR removed), all physical lines joined with `\n`. */
export function entryPlainText(e: LogEntry): string {
  if (e.kind === 'marker') return e.text;
  const first = stripAnsi(e.text);
  if (!e.more) return first;
  let s = first;
  for (const l of e.more) s += '\n' + stripAnsi(l);
  return s;
}

/** Physical lines of an entry (with SGR, if any). */
export function entryLines(e: LogEntry): string[] {
  if (e.kind === 'marker') return [e.text];
  return e.more ? [e.text, ...e.more] : [e.text];
}

/** Fields for field filters (cached on the entry). */
export function fieldsOf(e: LineEntry): LogFields {
  if (!e.fields) {
    const f = extractFields(stripAnsi(e.text));
    if (e.level !== null) f.level = e.level;
    e.fields = f;
  }
  return e.fields;
}

/**
 * Pretty-printed JSON (2-space indent) of a JSON-object line, as sanitised physical lines; null when
 * the text is not a JSON object. Sanitised again because JSON escapes (\u009b, \u202e) decode to controls.
 */
export function prettyJsonLines(text: string): string[] | null {
  const obj = parseJsonLine(stripAnsi(text));
  if (!obj) return null;
  return JSON.stringify(obj, null, 2)
    .split('\n')
    .map((l) => maskSecrets(sanitize(l)));
}

function hms(ts: number, utc: boolean): string {
  const d = new Date(ts);
  const p = (n: number) => String(n).padStart(2, '0');
  return utc ? `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}` : `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * Build an in-band marker. With `from`/`to` the text carries the time range, e.g. a reconnect gap
 * `reconnect 12:03:04–12:03:09` (the view prefixes `1,234 lines missed:` for loss kinds with a count).
 */
export function makeMarker(
  kind: LogMarker['kind'],
  reason: string,
  opts: { ts?: number; count?: number; from?: number; to?: number; utc?: boolean } = {},
): LogMarker {
  const utc = opts.utc === true;
  let text = reason;
  if (opts.from !== undefined && opts.to !== undefined) text += ` ${hms(opts.from, utc)}\u2013${hms(opts.to, utc)}${utc ? 'Z' : ''}`;
  else if (opts.from !== undefined) text += ` since ${hms(opts.from, utc)}${utc ? 'Z' : ''}`;
  return { kind, ts: opts.ts ?? opts.to ?? Date.now(), count: Math.max(0, Math.floor(opts.count ?? 0)), text };
}

const JOURNAL_CAP = 4096;

// Compact storage: a line is not an object in the buffer. Each ring slot holds the text (or the
// marker entry), a shared source/service key, and numbers in typed arrays (time, seq, bytes, level
// and traceback bits); continuation lines live in a map by entry id. `get` builds a LineEntry on
// demand (the caller's copy: parsed fields cached on it are dropped with it). Per held line that is
// one string plus ~37 bytes of slots, and nothing else to collect once it is evicted.
const LEVEL_CODE: Record<LogLevel, number> = { debug: 1, info: 2, warning: 3, error: 4 };
const LEVEL_OF: ReadonlyArray<LogLevel | null> = [null, 'debug', 'info', 'warning', 'error'];
const F_LEVEL = 7;
const F_TRACEBACK = 8;

/** A source/service pair, shared by every line of it (interned; dropped with its last line). */
interface GroupKey {
  readonly source: string;
  readonly service: string;
  /** Line entries held with this key. */
  refs: number;
  /** Id of the last line entry of this key (the group continuation lines may join), or -1. */
  last: number;
}

/**
 * An own copy of `s`: a string cut from a bigger one (split parts, slices, concatenations) would
 * otherwise keep the whole original alive, e.g. a 1 MB line cut to 32 KB, or every line of a
 * multi-line message keeping the message. `' ' + s` is a concatenation; slicing it makes V8 flatten
 * it into a new string (a copy of s's characters) and return a slice of that copy, so what stays
 * alive is the copy (200 slices of 150 KB parents: 35.7 MB kept → 3.1 MB). A tenth of the cost of
 * a JSON round trip. Short strings are copied by V8 already.
 */
function own(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/**
 * Heap growth for a process that holds log buffers. A full buffer turns over continuously: every
 * line lives for seconds (long enough to reach the old generation) and is then garbage there, as are
 * the gateway frames it came in. V8 lets the old generation grow to up to 4x what survived the last
 * full collection before collecting again, so RSS saw-tooths between ~live and ~4x live and never
 * settles (bench: +6 % … +66 % after the buffer filled). 25 % growth keeps it near the live size at
 * the cost of more frequent (mostly concurrent) major collections: a few tens of ms every second or
 * two at 40,000 lines/s. Set once, when the first buffer is made; a no-op where V8 refuses it.
 */
const HEAP_GROWING_PERCENT = 25;
let heapTuned = false;
function tuneHeapForLogs(): void {
  if (heapTuned) return;
  heapTuned = true;
  try {
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  } catch {}
}

export class LogBuffer {
  readonly capLines: number;
  readonly capBytes: number;
  // The ring: slot = id % capLines.
  private readonly slotText: Array<string | MarkerEntry | undefined>;
  private readonly slotKey: Array<GroupKey | undefined>;
  private readonly slotTs: Float64Array;
  private readonly slotSeq: Float64Array;
  private readonly slotBytes: Float64Array;
  private readonly slotFlags: Uint8Array;
  /** Continuation lines of grouped entries, by entry id. */
  private readonly moreLines = new Map<number, string[]>();
  private readonly keys = new Map<string, Map<string, GroupKey>>(); // source → service → key
  private readonly maxGroup: number;
  private readonly clean: boolean;
  private readonly group: boolean;
  private readonly maxLineLength: number;
  private headId = 0; // id of the oldest entry held
  private nextId = 0; // id the next entry gets
  private lines = 0;
  private bytes = 0;
  private evictedLines = 0;
  private evictedBytes = 0;
  private lost = 0;
  private totalLines = 0;
  private readonly journal: number[] = [];
  private journalBase = 0; // update count before journal[0]
  private readonly listeners = new Set<() => void>();
  private readonly intervalMs: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastNotify = 0;
  private readonly mutedSet = new Set<string>();
  /** Incremented on every change. */
  version = 0;
  /** Incremented when the mute set changes. */
  muteVersion = 0;

  constructor(opts: LogBufferOptions = {}) {
    this.capLines = Math.max(1, opts.capLines ?? 100_000);
    this.capBytes = Math.max(1, opts.capBytes ?? 64 * 1024 * 1024);
    const n = this.capLines;
    this.slotText = new Array(n);
    this.slotKey = new Array(n);
    this.slotTs = new Float64Array(n);
    this.slotSeq = new Float64Array(n);
    this.slotBytes = new Float64Array(n);
    this.slotFlags = new Uint8Array(n);
    this.maxGroup = Math.max(1, Math.min(opts.maxGroupLines ?? 500, this.capLines));
    this.clean = opts.clean !== false;
    this.group = opts.group !== false;
    this.maxLineLength = Math.max(64, opts.maxLineLength ?? 32_768);
    this.intervalMs = 1000 / Math.max(0.1, opts.notifyHz ?? 30);
    tuneHeapForLogs();
  }

  /** Oldest id held. */
  get firstId(): number {
    return this.headId;
  }
  /** One past the newest id. */
  get endId(): number {
    return this.nextId;
  }
  /** Entries held. */
  get size(): number {
    return this.nextId - this.headId;
  }
  /** Total updates (continuation attachments) so far: a cursor for `updatesSince`. */
  get updateCursor(): number {
    return this.journalBase + this.journal.length;
  }

  /** The entry with this id (a fresh LineEntry for a line; the marker entry itself for a marker). */
  get(id: number): LogEntry | undefined {
    if (id < this.headId || id >= this.nextId) return undefined;
    const s = id % this.capLines;
    const t = this.slotText[s];
    if (typeof t !== 'string') return t;
    const k = this.slotKey[s]!;
    const f = this.slotFlags[s];
    return {
      kind: 'line',
      id,
      seq: this.slotSeq[s],
      ts: this.slotTs[s],
      source: k.source,
      service: k.service,
      text: t,
      more: this.moreLines.get(id) ?? null,
      level: LEVEL_OF[f & F_LEVEL],
      traceback: (f & F_TRACEBACK) !== 0,
      bytes: this.slotBytes[s],
    };
  }

  /** Entry at position i (0 = oldest). */
  at(i: number): LogEntry | undefined {
    return this.get(this.headId + i);
  }

  *entries(fromId = this.headId): IterableIterator<LogEntry> {
    for (let id = Math.max(fromId, this.headId); id < this.nextId; id++) yield this.get(id)!;
  }

  /** Ids of entries that changed (got continuation lines) since `cursor`; overflow when the journal no longer reaches back. */
  updatesSince(cursor: number): { ids: number[]; cursor: number; overflow: boolean } {
    const end = this.updateCursor;
    if (cursor < this.journalBase) return { ids: [], cursor: end, overflow: true };
    return { ids: this.journal.slice(cursor - this.journalBase), cursor: end, overflow: false };
  }

  /** Sanitised, cut text; an own copy when it is not `s` itself (or always, with `copy`). */
  private cleanText(s: string, copy = false): string {
    // Secrets were masked at the gateway (where the text entered); sanitising again is a cheap guard.
    let t = this.clean ? sanitize(s, { keepSgr: true }) : s;
    if (t.length > this.maxLineLength) {
      let cut = this.maxLineLength;
      const c = t.charCodeAt(cut - 1);
      if (c >= 0xd800 && c <= 0xdbff) cut--; // do not split a surrogate pair
      // Re-sanitising drops an SGR sequence cut in half.
      const kept = sanitize(t.slice(0, cut), { keepSgr: true });
      t = kept + (kept.indexOf('\x1b') >= 0 ? '\x1b[0m' : '') + ` [${(t.length - cut).toLocaleString('en-US')} more characters not kept]`;
    }
    // Sanitised, masked or cut text is built from pieces of the original: keep an own copy.
    return t === s && !copy ? t : own(t);
  }

  private keyOf(source: string, service: string): GroupKey {
    let bySvc = this.keys.get(source);
    if (!bySvc) {
      bySvc = new Map();
      this.keys.set(source, bySvc);
    }
    let k = bySvc.get(service);
    if (!k) {
      k = { source, service, refs: 0, last: -1 };
      bySvc.set(service, k);
    }
    return k;
  }

  private releaseKey(k: GroupKey): void {
    if (--k.refs > 0) return;
    const bySvc = this.keys.get(k.source);
    if (!bySvc || bySvc.get(k.service) !== k) return;
    bySvc.delete(k.service);
    if (!bySvc.size) this.keys.delete(k.source);
  }

  /** Make room for an entry of `lines` physical lines and `bytes` bytes; returns its id (slot is free). */
  private reserve(lines: number, bytes: number): number {
    // The ring holds capLines slots and every entry has >= 1 line, so evicting by lines first frees a slot.
    while (this.size > 0 && (this.lines + lines > this.capLines || this.bytes + bytes > this.capBytes || this.size >= this.capLines)) this.evictOne();
    const id = this.nextId;
    this.nextId = id + 1;
    this.lines += lines;
    this.bytes += bytes;
    return id;
  }

  private evictOne(): void {
    const id = this.headId;
    const s = id % this.capLines;
    const t = this.slotText[s];
    this.slotText[s] = undefined;
    this.headId++;
    let n = 1;
    if (typeof t === 'string') {
      const more = this.moreLines.get(id);
      if (more) {
        n += more.length;
        this.moreLines.delete(id);
      }
      const k = this.slotKey[s]!;
      this.slotKey[s] = undefined;
      if (k.last === id) k.last = -1;
      this.releaseKey(k);
    }
    const b = this.slotBytes[s];
    this.lines -= n;
    this.bytes -= b;
    this.evictedLines += n;
    this.evictedBytes += b;
  }

  private record(id: number): void {
    this.journal.push(id);
    if (this.journal.length > JOURNAL_CAP) {
      const drop = this.journal.length - JOURNAL_CAP / 2;
      this.journal.splice(0, drop);
      this.journalBase += drop;
    }
  }

  /** Append one physical line: joins the previous group of its source/service when it continues it. */
  private appendPhysical(line: LogLine, text: string, forceAttach: boolean): void {
    const k = this.keyOf(line.source, line.service);
    this.totalLines++;
    const gid = k.last;
    if ((this.group || forceAttach) && gid >= this.headId && gid < this.nextId) {
      const s = gid % this.capLines;
      const first = this.slotText[s] as string;
      const more = this.moreLines.get(gid);
      const f = this.slotFlags[s];
      const level = LEVEL_OF[f & F_LEVEL];
      const traceback = (f & F_TRACEBACK) !== 0;
      const count = 1 + (more ? more.length : 0);
      const plain = stripAnsi(text);
      const prev = stripAnsi(more ? more[more.length - 1] : first);
      if (forceAttach || isContinuation(prev, plain, { first: stripAnsi(first), firstLevel: level, traceback })) {
        if (count < this.maxGroup) {
          this.attach(gid, s, text, plain);
          return;
        }
        // The group is full: continue it in a new entry that inherits its level and traceback state.
        this.newEntry(line, k, text, level, traceback);
        return;
      }
    }
    this.newEntry(line, k, text, undefined, undefined);
  }

  private newEntry(line: LogLine, k: GroupKey, text: string, level: LogLevel | null | undefined, traceback: boolean | undefined): void {
    if (level === undefined) level = detectLevel(stripAnsi(text));
    const tb = traceback ?? isTracebackHead(text);
    k.refs++; // before evicting: the key stays while this line holds it
    const id = this.reserve(1, text.length);
    const s = id % this.capLines;
    this.slotText[s] = text;
    this.slotKey[s] = k;
    this.slotTs[s] = line.ts;
    this.slotSeq[s] = line.seq;
    this.slotBytes[s] = text.length;
    this.slotFlags[s] = (level === null ? 0 : LEVEL_CODE[level]) | (tb ? F_TRACEBACK : 0);
    k.last = id;
  }

  private attach(gid: number, s: number, text: string, plain: string): void {
    let more = this.moreLines.get(gid);
    if (!more) {
      more = [];
      this.moreLines.set(gid, more);
    }
    more.push(text);
    this.slotBytes[s] += text.length;
    this.bytes += text.length;
    this.lines += 1;
    const f = this.slotFlags[s];
    if (!(f & F_TRACEBACK) && isTracebackHead(plain)) {
      const lv = f & F_LEVEL;
      const promote = lv === 0 || lv === LEVEL_CODE.info || lv === LEVEL_CODE.debug;
      this.slotFlags[s] = (promote ? LEVEL_CODE.error : lv) | F_TRACEBACK;
    }
    this.record(gid);
    // Keep caps: evict old entries, but never the group just extended.
    while (this.size > 1 && (this.lines > this.capLines || this.bytes > this.capBytes) && this.headId !== gid) this.evictOne();
  }

  /** Append runtime log lines (messages with embedded newlines become one multi-line entry). */
  append(lines: LogLine | readonly LogLine[]): void {
    const list = Array.isArray(lines) ? (lines as readonly LogLine[]) : [lines as LogLine];
    if (!list.length) return;
    for (const line of list) {
      const msg = line.message;
      if (msg.indexOf('\n') < 0) {
        this.appendPhysical(line, this.cleanText(msg), false);
        continue;
      }
      const parts = msg.split('\n');
      if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
      // Split parts are slices of the message: each keeps an own copy, not the whole message.
      for (let i = 0; i < parts.length; i++) this.appendPhysical(line, this.cleanText(parts[i], true), i > 0);
    }
    this.changed();
  }

  /** Append an in-band marker. Loss kinds add their count to `lost`. */
  addMarker(marker: LogMarker, source: string | null = null): MarkerEntry {
    const text = own(this.cleanText(marker.text).replace(/\x1b\[[0-9;]*m/g, ''));
    const id = this.reserve(1, text.length);
    const e: MarkerEntry = { kind: 'marker', id, ts: marker.ts, source, marker, text, bytes: text.length };
    const s = id % this.capLines;
    this.slotText[s] = e;
    this.slotKey[s] = undefined;
    this.slotTs[s] = marker.ts;
    this.slotSeq[s] = -1;
    this.slotBytes[s] = text.length;
    this.slotFlags[s] = 0;
    if (LOSS_MARKERS.has(marker.kind)) this.lost += marker.count;
    // A marker breaks groups: nothing after a gap continues a traceback from before it.
    for (const [src, bySvc] of this.keys) if (source === null || src === source) for (const k of bySvc.values()) k.last = -1;
    this.changed();
    return e;
  }

  usage(): LogBufferUsage {
    return {
      lines: this.lines,
      entries: this.size,
      bytes: this.bytes,
      capLines: this.capLines,
      capBytes: this.capBytes,
      evictedLines: this.evictedLines,
      evictedBytes: this.evictedBytes,
      evicted: this.evictedLines,
      lost: this.lost,
      totalLines: this.totalLines,
    };
  }

  /**
   * Put older lines before everything held, under a marker (the log view's older history): the
   * entries are appended again after them, with new ids (ids stay contiguous and monotonic, so a
   * query follows the change as evictions and appends). Counters are kept as they were: nothing
   * held is evicted or lost by this. With the caps full, the oldest of the older lines go first.
   */
  insertOlder(lines: readonly LogLine[], marker: LogMarker): void {
    const held = [...this.entries()];
    const { evictedLines, evictedBytes, lost, totalLines } = this;
    while (this.size > 0) this.evictOne();
    const clearedLines = this.evictedLines;
    const clearedBytes = this.evictedBytes;
    for (const bySvc of this.keys.values()) for (const k of bySvc.values()) k.last = -1;
    this.addMarker(marker);
    this.append(lines);
    for (const e of held) {
      if (e.kind === 'marker') this.addMarker(e.marker, e.source);
      else this.append({ seq: e.seq, ts: e.ts, source: e.source, service: e.service, message: e.more ? [e.text, ...e.more].join('\n') : e.text });
    }
    // what the caps pushed out while putting it all back is evicted; what was moved is not
    this.evictedLines = evictedLines + (this.evictedLines - clearedLines);
    this.evictedBytes = evictedBytes + (this.evictedBytes - clearedBytes);
    this.lost = lost;
    this.totalLines = totalLines + lines.length;
    this.changed();
  }

  clear(): void {
    while (this.size > 0) this.evictOne();
    for (const bySvc of this.keys.values()) for (const k of bySvc.values()) k.last = -1;
    this.changed();
  }

  // --- sources and mute ---

  /** Sources with line entries currently held, sorted. */
  sources(): string[] {
    return [...this.keys.keys()].sort();
  }

  get muted(): ReadonlySet<string> {
    return this.mutedSet;
  }
  isMuted(source: string): boolean {
    return this.mutedSet.has(source);
  }
  setMuted(source: string, muted: boolean): void {
    if (muted === this.mutedSet.has(source)) return;
    if (muted) this.mutedSet.add(source);
    else this.mutedSet.delete(source);
    this.muteVersion++;
    this.changed();
  }
  toggleMute(source: string): boolean {
    this.setMuted(source, !this.mutedSet.has(source));
    return this.mutedSet.has(source);
  }

  // --- change notification ---

  /** Called on every change; notify is coalesced to `notifyHz`. */
  private changed(): void {
    this.version++;
    if (!this.listeners.size || this.timer) return;
    const wait = Math.max(0, this.lastNotify + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastNotify = Date.now();
      for (const fn of [...this.listeners]) {
        try {
          fn();
        } catch {}
      }
    }, wait);
    this.timer.unref?.();
  }

  /** Be told (at most notifyHz times per second) that the buffer changed. Returns the unsubscribe. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
      if (!this.listeners.size && this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
    };
  }

  dispose(): void {
    this.listeners.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
