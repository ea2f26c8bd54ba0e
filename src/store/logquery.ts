// Filter and search over the WHOLE log buffer, kept incrementally.
//
// - Filter hides non-matching entries: text (case-insensitive substring, or `/regex/flags`, `!` inverts)
//   combined (AND) with field filters (`@level:error`, `@status>=500`, `@status:5xx`, `@path:/api`,
//   `@service:worker`, `@source:shop@live`, any JSON key), level toggles and per-source mute.
//   Markers (gaps, drops, deployments) are never hidden: loss is always stated in-band.
// - Search highlights and steps through matches (`n`/`N`, wrap-around, "3/17") among the filtered entries.
// - Both keep sorted id lists. `sync()` tests only what changed: new entries, entries that grew
//   continuation lines, evicted ids dropped from the front. A changed filter/search rescans once.
// - Bad input (invalid regex, unknown operator) gives an error value, never a throw.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LogLevel } from '../domain/console.js';
import { normaliseLevel } from '../domain/logparse.js';
import { entryPlainText, fieldsOf, type LineEntry, type LogBuffer, type LogEntry } from './logbuffer.js';
import { stripAnsi } from '../terminal/sanitize.js';

export type QueryResult = { ok: true } | { ok: false; error: string };

// ---------------------------------------------------------------------------------------------
// Text matchers

export interface TextMatcher {
  /** Source as typed (without the leading `!`). */
  source: string;
  regex: RegExp; // global flag, used for highlights; tests use lastIndex = 0
  test(s: string): boolean;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `/re/flags` → regex; anything else → case-insensitive literal. */
export function compileText(input: string): { ok: true; matcher: TextMatcher } | { ok: false; error: string } {
  // `/re/flags` is a regex only when the flags are regex flags: `/api/items` stays a literal path.
  const m = /^\/(.+)\/([gimsuv]*)$/s.exec(input);
  let re: RegExp;
  if (m) {
    const flags = m[2];
    try {
      re = new RegExp(m[1], flags.includes('g') ? flags : flags + 'g');
    } catch (e) {
      return { ok: false, error: `invalid regex: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}` };
    }
    // A pattern that matches the empty string would highlight nothing useful and step forever.
    if (re.test('')) {
      re.lastIndex = 0;
      return { ok: false, error: 'regex matches the empty string' };
    }
  } else {
    const literal = input.startsWith('\\/') || input.startsWith('\\!') || input.startsWith('\\@') ? input.slice(1) : input;
    re = new RegExp(escapeRegExp(literal), 'gi');
  }
  const matcher: TextMatcher = {
    source: input,
    regex: re,
    test(s: string): boolean {
      re.lastIndex = 0;
      return re.test(s);
    },
  };
  return { ok: true, matcher };
}

/** Match ranges [start, end) of a matcher in plain text (for highlighting). */
export function highlightRanges(text: string, matcher: TextMatcher | null): Array<[number, number]> {
  if (!matcher) return [];
  const re = matcher.regex;
  re.lastIndex = 0;
  const out: Array<[number, number]> = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    out.push([m.index, m.index + m[0].length]);
    if (out.length > 1000) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Field filters

export type FieldOp = ':' | '=' | '!=' | '>' | '>=' | '<' | '<=';

export interface FieldTest {
  field: string;
  op: FieldOp;
  value: string;
  negate: boolean;
  test(e: LineEntry): boolean;
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };
const FIELD_TOKEN = /^(!?)@([A-Za-z_][\w.-]*)(!=|>=|<=|:|=|>|<)(.*)$/s;

function parseNumber(v: string, field: string): number | null {
  const m = /^(-?\d+(?:\.\d+)?)(ms|s|m|b|kb|mb)?$/i.exec(v.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  if (field === 'duration') return unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
  if (unit === 'kb') return n * 1024;
  if (unit === 'mb') return n * 1024 * 1024;
  return n;
}

function fieldValue(e: LineEntry, field: string): unknown {
  switch (field) {
    case 'source':
      return e.source;
    case 'service':
      return e.service;
    case 'level':
      return e.level;
    case 'msg':
    case 'message':
    case 'text': {
      const f = fieldsOf(e);
      return f[field] ?? stripAnsi(e.text);
    }
    default:
      return fieldsOf(e)[field];
  }
}

function compileField(negate: boolean, field: string, op: FieldOp, raw: string): { ok: true; test: FieldTest } | { ok: false; error: string } {
  const f = field.toLowerCase();
  const value = raw.replace(/^"(.*)"$/s, '$1');
  if (value === '') return { ok: false, error: `@${field}${op} needs a value` };
  let pred: (e: LineEntry) => boolean;
  if (f === 'level') {
    const names = value.split(',').map((v) => v.trim());
    const levels: LogLevel[] = [];
    for (const n of names) {
      const l = normaliseLevel(n);
      if (!l) return { ok: false, error: `unknown level "${n}" (error, warning, info, debug)` };
      levels.push(l);
    }
    const rank = LEVEL_ORDER[levels[0]];
    switch (op) {
      case ':':
      case '=':
        pred = (e) => e.level !== null && levels.includes(e.level);
        break;
      case '!=':
        pred = (e) => e.level === null || !levels.includes(e.level);
        break;
      case '>=':
        pred = (e) => e.level !== null && LEVEL_ORDER[e.level] >= rank;
        break;
      case '>':
        pred = (e) => e.level !== null && LEVEL_ORDER[e.level] > rank;
        break;
      case '<=':
        pred = (e) => e.level !== null && LEVEL_ORDER[e.level] <= rank;
        break;
      case '<':
        pred = (e) => e.level !== null && LEVEL_ORDER[e.level] < rank;
        break;
    }
  } else if (op === '>' || op === '>=' || op === '<' || op === '<=') {
    const n = parseNumber(value, f);
    if (n === null) return { ok: false, error: `@${field}${op} needs a number, got "${value}"` };
    pred = (e) => {
      const v = fieldValue(e, f);
      const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(x)) return false;
      return op === '>' ? x > n : op === '>=' ? x >= n : op === '<' ? x < n : x <= n;
    };
  } else {
    const cls = /^([1-5])xx$/i.exec(value);
    const num = parseNumber(value, f);
    const lower = value.toLowerCase();
    const exact = op !== ':';
    const eq = (v: unknown): boolean => {
      if (v === undefined || v === null) return false;
      if (cls && typeof v === 'number') return Math.floor(v / 100) === Number(cls[1]);
      if (cls && typeof v === 'string' && /^\d{3}$/.test(v)) return v[0] === cls[1];
      if (typeof v === 'number') return num !== null && v === num;
      const s = String(v).toLowerCase();
      return exact ? s === lower : s.includes(lower);
    };
    pred = op === '!=' ? (e) => !eq(fieldValue(e, f)) : (e) => eq(fieldValue(e, f));
  }
  const test = negate ? (e: LineEntry) => !pred(e) : pred;
  return { ok: true, test: { field: f, op, value, negate, test } };
}

// ---------------------------------------------------------------------------------------------
// Filter parsing

export interface CompiledFilter {
  input: string;
  text: TextMatcher | null;
  invert: boolean;
  fields: FieldTest[];
  /** True for a line entry the filter keeps (ignores level toggles and mute). */
  test(e: LineEntry): boolean;
}

/**
 * Parse a filter: whitespace-separated `@field<op>value` tokens (prefix `!` to negate one) and free
 * text (the rest, as typed). Text is a case-insensitive substring, or `/regex/flags`; a leading `!`
 * inverts the text match; `\!`, `\@`, `\/` escape a literal first character.
 */
export function parseFilter(input: string): { ok: true; filter: CompiledFilter } | { ok: false; error: string } {
  const fields: FieldTest[] = [];
  const rest: string[] = [];
  // Field tokens are whole whitespace-separated words; the remaining text keeps its inner spacing.
  const parts = input.split(/(\s+)/);
  for (const p of parts) {
    const m = FIELD_TOKEN.exec(p);
    if (m) {
      const r = compileField(m[1] === '!', m[2], m[3] as FieldOp, m[4]);
      if (!r.ok) return r;
      fields.push(r.test);
    } else rest.push(p);
  }
  let textSrc = rest.join('').trim();
  let invert = false;
  if (textSrc.startsWith('!')) {
    invert = true;
    textSrc = textSrc.slice(1).trimStart();
  }
  let text: TextMatcher | null = null;
  if (textSrc) {
    const r = compileText(textSrc);
    if (!r.ok) return r;
    text = r.matcher;
  }
  const test = (e: LineEntry): boolean => {
    for (const f of fields) if (!f.test(e)) return false;
    if (text) {
      const hit = text.test(entryPlainText(e));
      if (hit === invert) return false;
    }
    return true;
  };
  return { ok: true, filter: { input, text, invert, fields, test } };
}

// ---------------------------------------------------------------------------------------------
// Sorted id lists with O(1) front drops

class IdList {
  // A window [head, tail) of a typed array: no per-id boxes, and dropping from the front or
  // appending at the back reuses the same memory (the ids move down when the end is reached).
  private buf = new Float64Array(1024);
  private head = 0;
  private tail = 0;
  get length(): number {
    return this.tail - this.head;
  }
  get(i: number): number {
    return this.buf[this.head + i];
  }
  clear(): void {
    this.head = 0;
    this.tail = 0;
    if (this.buf.length > 1024) this.buf = new Float64Array(1024);
  }
  /** Room for one more id at the back. */
  private room(): void {
    if (this.tail < this.buf.length) return;
    const n = this.tail - this.head;
    if (n < this.buf.length / 2) this.buf.copyWithin(0, this.head, this.tail);
    else {
      const nb = new Float64Array(this.buf.length * 2);
      nb.set(this.buf.subarray(this.head, this.tail));
      this.buf = nb;
    }
    this.head = 0;
    this.tail = n;
  }
  push(id: number): void {
    this.room();
    this.buf[this.tail++] = id;
  }
  /** Drop ids < minId from the front. */
  dropBelow(minId: number): void {
    this.head += this.lowerBound(minId);
    if (this.head === this.tail) this.head = this.tail = 0;
  }
  /** Index of the first id >= id. */
  lowerBound(id: number): number {
    let lo = this.head;
    let hi = this.tail;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buf[mid] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }
  has(id: number): boolean {
    const i = this.lowerBound(id);
    return i < this.length && this.get(i) === id;
  }
  insert(id: number): void {
    let i = this.lowerBound(id);
    if (i < this.length && this.get(i) === id) return;
    if (this.tail === this.buf.length) {
      this.room();
      i = this.lowerBound(id);
    }
    const at = this.head + i;
    this.buf.copyWithin(at + 1, at, this.tail);
    this.buf[at] = id;
    this.tail++;
  }
  remove(id: number): void {
    const i = this.lowerBound(id);
    if (i < this.length && this.get(i) === id) {
      const at = this.head + i;
      this.buf.copyWithin(at, at + 1, this.tail);
      this.tail--;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The query

export const ALL_LEVELS: readonly LogLevel[] = ['error', 'warning', 'info', 'debug'];

export class LogQuery {
  private filter: CompiledFilter | null = null;
  private search: TextMatcher | null = null;
  private levels: Set<LogLevel> | null = null;
  private readonly matches = new IdList();
  private readonly hits = new IdList();
  private processedEnd = -1; // -1: needs a full rescan
  private updateCursor = 0;
  private muteVersion = -1;
  private currentHit: number | null = null;
  filterText = '';
  filterError: string | null = null;
  searchText = '';
  searchError: string | null = null;
  /** Incremented whenever the filtered/search view changes. */
  version = 0;
  /** Entries tested since creation (how incremental the work is; for benches and tests). */
  tested = 0;

  constructor(readonly buffer: LogBuffer) {}

  /** Set the filter (empty string clears it). On error the previous filter stays active. */
  setFilter(input: string): QueryResult {
    const trimmed = input.trim();
    if (trimmed === '') {
      this.filter = null;
      this.filterText = '';
      this.filterError = null;
      this.invalidate();
      return { ok: true };
    }
    const r = parseFilter(trimmed);
    if (!r.ok) {
      this.filterError = r.error;
      return r;
    }
    this.filter = r.filter;
    this.filterText = trimmed;
    this.filterError = null;
    this.invalidate();
    return { ok: true };
  }

  /** Set the search (empty clears). Search always treats a leading `!` literally. */
  setSearch(input: string): QueryResult {
    if (input === '') {
      this.search = null;
      this.searchText = '';
      this.searchError = null;
      this.currentHit = null;
      this.invalidate();
      return { ok: true };
    }
    const r = compileText(input);
    if (!r.ok) {
      this.searchError = r.error;
      return r;
    }
    this.search = r.matcher;
    this.searchText = input;
    this.searchError = null;
    this.currentHit = null;
    this.invalidate();
    return { ok: true };
  }

  get searchMatcher(): TextMatcher | null {
    return this.search;
  }

  /** Visible levels; null = all. Lines with no detected level count as info. */
  setLevels(levels: Iterable<LogLevel> | null): void {
    this.levels = levels === null ? null : new Set(levels);
    if (this.levels && this.levels.size === ALL_LEVELS.length) this.levels = null;
    this.invalidate();
  }

  getLevels(): ReadonlySet<LogLevel> {
    return this.levels ?? new Set(ALL_LEVELS);
  }

  toggleLevel(level: LogLevel): void {
    const s = new Set(this.getLevels());
    if (s.has(level)) s.delete(level);
    else s.add(level);
    this.setLevels(s);
  }

  private invalidate(): void {
    this.processedEnd = -1;
    this.version++;
  }

  private passes(e: LogEntry): boolean {
    this.tested++;
    if (e.kind === 'marker') return true;
    if (this.buffer.isMuted(e.source)) return false;
    if (this.levels && !this.levels.has(e.level ?? 'info')) return false;
    return this.filter ? this.filter.test(e) : true;
  }

  private hitTest(e: LogEntry): boolean {
    return this.search !== null && e.kind === 'line' && this.search.test(entryPlainText(e));
  }

  /** Bring the indexes up to date with the buffer. Cheap when nothing changed. */
  sync(): void {
    const b = this.buffer;
    if (b.muteVersion !== this.muteVersion) {
      this.muteVersion = b.muteVersion;
      this.processedEnd = -1;
    }
    if (this.processedEnd >= 0) {
      const up = b.updatesSince(this.updateCursor);
      if (up.overflow) this.processedEnd = -1;
      else {
        this.updateCursor = up.cursor;
        if (up.ids.length) this.applyUpdates(up.ids);
      }
    }
    if (this.processedEnd < 0) {
      this.matches.clear();
      this.hits.clear();
      this.updateCursor = b.updateCursor;
      this.processedEnd = b.firstId;
      this.version++;
    }
    const before = this.matches.length;
    const hitsBefore = this.hits.length;
    const first = b.firstId;
    if (this.matches.length && this.matches.get(0) < first) {
      this.matches.dropBelow(first);
      this.hits.dropBelow(first);
      if (this.currentHit !== null && this.currentHit < first) this.currentHit = null;
      this.version++;
    }
    const end = b.endId;
    for (let id = Math.max(this.processedEnd, first); id < end; id++) {
      const e = b.get(id)!;
      if (this.passes(e)) {
        this.matches.push(id);
        if (this.search && this.hitTest(e)) this.hits.push(id);
      }
    }
    if (end > this.processedEnd) this.processedEnd = end;
    if (this.matches.length !== before || this.hits.length !== hitsBefore) this.version++;
  }

  private applyUpdates(ids: number[]): void {
    const b = this.buffer;
    const seen = new Set<number>();
    for (const id of ids) {
      if (seen.has(id) || id >= this.processedEnd) continue;
      seen.add(id);
      const e = b.get(id);
      if (!e) continue;
      const pass = this.passes(e);
      if (pass) this.matches.insert(id);
      else this.matches.remove(id);
      if (pass && this.hitTest(e)) this.hits.insert(id);
      else this.hits.remove(id);
    }
    if (seen.size) this.version++;
  }

  // --- the filtered view ---

  /** Entries that pass the filter. Call sync() first. */
  get count(): number {
    return this.matches.length;
  }
  idAt(index: number): number {
    return this.matches.get(index);
  }
  entryAt(index: number): LogEntry | undefined {
    if (index < 0 || index >= this.matches.length) return undefined;
    return this.buffer.get(this.matches.get(index));
  }
  /** Index of the first filtered entry with id >= `id` (count when none). */
  indexOfId(id: number): number {
    return this.matches.lowerBound(id);
  }
  /** First filtered index (from `from`) whose entry satisfies `pred`, or -1 (e.g. the first error line of a failed deployment). */
  firstIndexWhere(pred: (e: LogEntry) => boolean, from = 0): number {
    for (let i = Math.max(0, from); i < this.matches.length; i++) {
      const e = this.buffer.get(this.matches.get(i));
      if (e && pred(e)) return i;
    }
    return -1;
  }

  /** Filtered entries with id > `id` (the "N new lines" badge while paused). */
  countAfter(id: number): number {
    return this.matches.length - this.matches.lowerBound(id + 1);
  }

  // --- search ---

  get searchCount(): number {
    return this.hits.length;
  }
  get currentMatchId(): number | null {
    return this.currentHit;
  }
  /** 1-based position of the current match among all matches, or 0 when none is selected. */
  get currentMatchOrdinal(): number {
    if (this.currentHit === null) return 0;
    const i = this.hits.lowerBound(this.currentHit);
    return i < this.hits.length && this.hits.get(i) === this.currentHit ? i + 1 : 0;
  }
  /** "3/17", "0/17" before stepping, "0/0" with no match; "" without a search. */
  searchStatus(): string {
    if (!this.search) return '';
    const ord = this.currentMatchOrdinal;
    return `${ord}/${this.hits.length}`;
  }
  isHit(id: number): boolean {
    return this.hits.has(id);
  }

  /**
   * Step to the next match after the current one (or after `fromId` when none is current), wrapping
   * around. Returns the filtered index of the match, or null when there is none.
   */
  nextMatch(fromId?: number): number | null {
    const n = this.hits.length;
    if (!n) return null;
    let i: number;
    if (this.currentHit !== null) i = this.hits.lowerBound(this.currentHit + 1);
    else if (fromId !== undefined) i = this.hits.lowerBound(fromId);
    else i = 0;
    if (i >= n) i = 0;
    this.currentHit = this.hits.get(i);
    this.version++;
    return this.matches.lowerBound(this.currentHit);
  }

  /** Step to the previous match before the current one (or at/before `fromId`), wrapping around. */
  prevMatch(fromId?: number): number | null {
    const n = this.hits.length;
    if (!n) return null;
    let i: number;
    if (this.currentHit !== null) i = this.hits.lowerBound(this.currentHit) - 1;
    else if (fromId !== undefined) i = this.hits.lowerBound(fromId + 1) - 1;
    else i = n - 1;
    if (i < 0) i = n - 1;
    this.currentHit = this.hits.get(i);
    this.version++;
    return this.matches.lowerBound(this.currentHit);
  }
}

// ---------------------------------------------------------------------------------------------
// Timestamps and saving

export type TimestampMode = 'local' | 'utc' | 'off';

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** `HH:MM:SS.mmm` (or with date `YYYY-MM-DD HH:MM:SS.mmm`), local time or UTC (`Z` suffix). */
export function formatTimestamp(ts: number, mode: 'local' | 'utc', withDate = false): string {
  const d = new Date(ts);
  const utc = mode === 'utc';
  const Y = utc ? d.getUTCFullYear() : d.getFullYear();
  const Mo = (utc ? d.getUTCMonth() : d.getMonth()) + 1;
  const D = utc ? d.getUTCDate() : d.getDate();
  const h = utc ? d.getUTCHours() : d.getHours();
  const m = utc ? d.getUTCMinutes() : d.getMinutes();
  const s = utc ? d.getUTCSeconds() : d.getSeconds();
  const ms = utc ? d.getUTCMilliseconds() : d.getMilliseconds();
  const time = `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms, 3)}${utc ? 'Z' : ''}`;
  return withDate ? `${Y}-${pad(Mo)}-${pad(D)} ${time}` : time;
}

/** Marker line text, e.g. `1,234 lines missed: reconnect 12:03:04–12:03:09`. */
export function markerLabel(e: LogEntry & { kind: 'marker' }): string {
  const m = e.marker;
  const count = m.count > 0 && (m.kind === 'gap' || m.kind === 'dropped' || m.kind === 'slow-link' || m.kind === 'retention') ? `${m.count.toLocaleString('en-US')} lines missed: ` : '';
  return `${count}${e.text}`;
}

export interface SaveOptions {
  utc?: boolean;
  /** Include source/service prefix. Default true. */
  prefix?: boolean;
}

export interface SaveResult {
  path: string;
  /** Entries written (lines and markers). */
  count: number;
  /** Physical lines written. */
  lines: number;
}

/**
 * Plain-text lines of one entry, as saved to a file or printed by `divio-tui logs` (no SGR):
 * `<timestamp> <source>/<service> <text>`, continuation lines indented under the text, markers as
 * `<timestamp> -- <label> --`.
 */
export function formatEntryPlain(e: LogEntry, opts: { utc?: boolean; prefix?: boolean; timestamps?: boolean; withDate?: boolean } = {}): string[] {
  const mode = opts.utc ? 'utc' : 'local';
  const ts = opts.timestamps === false ? '' : formatTimestamp(e.ts, mode, opts.withDate !== false) + ' ';
  if (e.kind === 'marker') return [`${ts}-- ${markerLabel(e)} --`];
  const head = opts.prefix !== false ? `${ts}${e.source}/${e.service} ` : ts;
  const out = [head + stripAnsi(e.text)];
  if (e.more) for (const l of e.more) out.push(' '.repeat(head.length) + stripAnsi(l));
  return out;
}

/**
 * Write the filtered buffer (what the filter shows, whole buffer, not only the window) as plain text
 * with full timestamps. Markers are written as `-- … --` lines. The file is created with mode 0600.
 */
export async function saveBuffer(buffer: LogBuffer, query: LogQuery | null, filePath: string, opts: SaveOptions = {}): Promise<SaveResult> {
  const out: string[] = [];
  let count = 0;
  const emit = (e: LogEntry): void => {
    count++;
    for (const l of formatEntryPlain(e, { utc: opts.utc, prefix: opts.prefix })) out.push(l);
  };
  if (query) {
    query.sync();
    for (let i = 0; i < query.count; i++) {
      const e = query.entryAt(i);
      if (e) emit(e);
    }
  } else {
    for (const e of buffer.entries()) emit(e);
  }
  const abs = path.resolve(filePath);
  await fs.writeFile(abs, out.length ? out.join('\n') + '\n' : '', { mode: 0o600 });
  return { path: abs, count, lines: out.length };
}
