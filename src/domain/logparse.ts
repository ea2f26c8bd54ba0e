// Pure parsing of runtime log lines: level detection, access lines, JSON lines, field extraction for
// field filters, and traceback grouping. Runs on every line (20k lines/s): cheap pre-checks first.
import type { LogLevel } from './console.js';

export interface AccessInfo {
  method: string;
  path: string;
  status: number;
  /** Request duration in milliseconds, when the line carries it. */
  durationMs: number | null;
  /** Response size in bytes, when the line carries it. */
  bytes: number | null;
}

export type FieldValue = string | number | boolean | null;
export type LogFields = Record<string, FieldValue>;

// ---------------------------------------------------------------------------------------------
// JSON lines

/** Parse a JSON object line (`{…}`), or null. Cheap pre-check: first non-space char is `{`. */
export function parseJsonLine(message: string): Record<string, unknown> | null {
  let i = 0;
  const n = message.length;
  while (i < n && (message.charCodeAt(i) === 0x20 || message.charCodeAt(i) === 0x09)) i++;
  if (message.charCodeAt(i) !== 0x7b) return null;
  let j = n - 1;
  while (j > i && (message.charCodeAt(j) === 0x20 || message.charCodeAt(j) === 0x09 || message.charCodeAt(j) === 0x0d)) j--;
  if (message.charCodeAt(j) !== 0x7d) return null;
  try {
    const v: unknown = JSON.parse(message.slice(i, j + 1));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {}
  return null;
}

const JSON_LEVEL_KEYS = ['level', 'severity', 'levelname', 'lvl', 'loglevel', 'log_level', 'log.level', 'status_level'];

/** Map a level word or number (pino/bunyan 10–60, syslog 0–7 is not guessed) to our levels. */
export function normaliseLevel(v: unknown): LogLevel | null {
  if (typeof v === 'number') {
    if (v >= 50) return 'error';
    if (v >= 40) return 'warning';
    if (v >= 30) return 'info';
    if (v >= 10) return 'debug';
    return null;
  }
  if (typeof v !== 'string') return null;
  switch (v.trim().toLowerCase()) {
    case 'error':
    case 'err':
    case 'critical':
    case 'crit':
    case 'fatal':
    case 'alert':
    case 'emerg':
    case 'emergency':
    case 'panic':
    case 'severe':
      return 'error';
    case 'warning':
    case 'warn':
      return 'warning';
    case 'info':
    case 'information':
    case 'informational':
    case 'notice':
    case 'default':
      return 'info';
    case 'debug':
    case 'trace':
    case 'verbose':
    case 'fine':
    case 'finer':
    case 'finest':
      return 'debug';
    default:
      return null;
  }
}

export function statusLevel(status: number): LogLevel {
  if (status >= 500) return 'error';
  if (status >= 400) return 'warning';
  return 'info';
}

function jsonLevel(obj: Record<string, unknown>): LogLevel | null {
  for (const k of JSON_LEVEL_KEYS) {
    if (k in obj) {
      const l = normaliseLevel(obj[k]);
      if (l) return l;
    }
  }
  const st = obj.status ?? obj.status_code ?? obj.statusCode;
  if (typeof st === 'number' && st >= 100 && st <= 599) return statusLevel(st);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Access lines

// nginx combined / gunicorn / Django runserver / uvicorn: `"GET /path HTTP/1.1" 200 512 …`
const QUOTED_REQUEST = /"([A-Z]{3,10}) (\S+) HTTP\/[\d.]+" (\d{3})(?: (\d+|-))?/;
// uWSGI: `… GET /path => generated 512 bytes in 12 msecs (HTTP/1.1 200) …`
const UWSGI = /\b([A-Z]{3,10}) (\S+) => generated (\d+) bytes in (\d+) (msecs|micros)[^(]*\(HTTP\/[\d.]+ (\d{3})\)/;
const KV_DURATION = /\b(?:rt|request_time|req_time|duration|upstream_response_time|response_time)[=:]"?(\d+(?:\.\d+)?)(ms|s)?\b/;
const KV_DURATION_MS = /\b(?:duration_ms|elapsed_ms|time_ms|took_ms)[=:]"?(\d+(?:\.\d+)?)\b/;
const TRAILING_SECONDS = /\s(\d+\.\d+)\s*$/;
const TRAILING_MS = /\s(\d+(?:\.\d+)?)\s?ms\s*$/;

/** Parse an HTTP access line (nginx combined, gunicorn, uvicorn, Django, uWSGI), or null. */
export function parseAccessLine(message: string): AccessInfo | null {
  if (message.indexOf('HTTP/') < 0) return null;
  const u = UWSGI.exec(message);
  if (u) {
    const n = Number(u[4]);
    return { method: u[1], path: u[2], status: Number(u[6]), bytes: Number(u[3]), durationMs: u[5] === 'micros' ? n / 1000 : n };
  }
  const m = QUOTED_REQUEST.exec(message);
  if (!m) return null;
  const bytes = m[4] === undefined || m[4] === '-' ? null : Number(m[4]);
  const tail = message.slice(m.index + m[0].length);
  let durationMs: number | null = null;
  let d: RegExpExecArray | null;
  if ((d = KV_DURATION_MS.exec(tail))) durationMs = Number(d[1]);
  else if ((d = KV_DURATION.exec(tail))) durationMs = d[2] === 'ms' ? Number(d[1]) : Number(d[1]) * 1000;
  else if ((d = TRAILING_MS.exec(tail))) durationMs = Number(d[1]);
  else if ((d = TRAILING_SECONDS.exec(tail))) durationMs = Number(d[1]) * 1000;
  if (durationMs !== null) durationMs = Math.round(durationMs * 1000) / 1000; // float noise from s→ms
  return { method: m[1], path: m[2], status: Number(m[3]), bytes, durationMs };
}

// ---------------------------------------------------------------------------------------------
// Levels

const LOGFMT_LEVEL = /\b(?:level|severity|lvl)=("?)([A-Za-z]+)\1/i;
// Leftmost match wins: the level a logger prints near the start decides.
const LEVEL_WORD =
  /\b(?:(ERROR|ERR|CRITICAL|CRIT|FATAL|EMERG|ALERT|PANIC|Traceback|Exception|[A-Z][A-Za-z]*(?:Error|Exception):)|(WARNING|WARN|DeprecationWarning|[A-Z][A-Za-z]*Warning:)|(INFO|NOTICE)|(DEBUG|TRACE))(?![A-Za-z])/;

/**
 * Detect a log level: JSON fields (`level`, `severity`, `levelname`, `lvl`), HTTP status class of access
 * lines (5xx error, 4xx warning, else info), logfmt `level=`, then words (ERROR/CRITICAL/FATAL/
 * Traceback/Exception → error; WARNING/WARN → warning; INFO; DEBUG). Null when nothing says.
 */
export function detectLevel(message: string): LogLevel | null {
  const obj = parseJsonLine(message);
  if (obj) {
    const l = jsonLevel(obj);
    if (l) return l;
  }
  const a = parseAccessLine(message);
  if (a) return statusLevel(a.status);
  if (message.indexOf('=') >= 0) {
    const lf = LOGFMT_LEVEL.exec(message);
    if (lf) {
      const l = normaliseLevel(lf[2]);
      if (l) return l;
    }
  }
  const w = LEVEL_WORD.exec(message);
  if (!w) return null;
  if (w[1]) return 'error';
  if (w[2]) return 'warning';
  if (w[3]) return 'info';
  return 'debug';
}

// ---------------------------------------------------------------------------------------------
// Fields

function toField(v: unknown): FieldValue {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (v === undefined) return null;
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/**
 * Fields a field filter can test: top-level JSON keys (lower-cased; nested values as compact JSON),
 * plus `level`, and for access lines `method`, `path`, `status`, `duration` (ms), `bytes`.
 */
export function extractFields(message: string): LogFields {
  const out: LogFields = {};
  const obj = parseJsonLine(message);
  if (obj) {
    for (const k of Object.keys(obj)) out[k.toLowerCase()] = toField(obj[k]);
    if (out.status === undefined && typeof obj.status_code === 'number') out.status = obj.status_code;
    if (out.path === undefined && typeof obj.url === 'string') out.path = obj.url;
    if (out.duration === undefined) {
      const d = obj.duration_ms ?? obj.durationMs ?? obj.elapsed_ms;
      if (typeof d === 'number') out.duration = d;
    }
  }
  const a = parseAccessLine(message);
  if (a) {
    out.method = a.method;
    out.path = a.path;
    out.status = a.status;
    if (a.durationMs !== null) out.duration = a.durationMs;
    if (a.bytes !== null) out.bytes = a.bytes;
  }
  const level = detectLevel(message);
  out.level = level;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Multi-line grouping

/** What the buffer knows about the group a new line might join. */
export interface GroupContext {
  /** The group's first line. */
  first?: string;
  /** Level detected on the group's first line. */
  firstLevel?: LogLevel | null;
  /** The group contains a Python traceback header. */
  traceback?: boolean;
}

const TRACEBACK_HEAD = 'Traceback (most recent call last):';
const EXC_FINAL = /^[A-Za-z_][\w.]*(?::(?:\s.*)?|Error|Exception|Interrupt|Exit)$/;
const EXC_FINAL_NAME = /^[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit|Warning)\b/;

export function isTracebackHead(message: string): boolean {
  return message.startsWith(TRACEBACK_HEAD) || message.indexOf(TRACEBACK_HEAD) >= 0;
}

/**
 * Does `message` continue the multi-line entry whose last physical line is `prev`?
 * - Python tracebacks: after `Traceback (most recent call last):`, lines that start with whitespace
 *   or `File "`, the chaining sentences, up to and including the final `SomeError: …` line.
 * - Indented lines after an error or warning line; Java `\tat …`, `Caused by:`, `... N more`.
 * - A `Traceback …` header right after an error line (logger message followed by its traceback).
 */
export function isContinuation(prev: string, message: string, group: GroupContext = {}): boolean {
  if (message.length === 0 || prev.length === 0) return false;
  const first = group.first ?? prev;
  const c0 = message.charCodeAt(0);
  const indented = c0 === 0x20 || c0 === 0x09;
  const inTraceback = group.traceback ?? (isTracebackHead(first) || isTracebackHead(prev));
  if (indented) {
    if (inTraceback) return true;
    if (/^\s+at\s/.test(message) || /^\s*\.\.\. \d+ more/.test(message)) return true;
    const lvl = group.firstLevel !== undefined ? group.firstLevel : detectLevel(first);
    return lvl === 'error' || lvl === 'warning';
  }
  if (message.startsWith('Caused by: ')) return true;
  if (message.startsWith(TRACEBACK_HEAD)) {
    if (inTraceback) return true;
    const lvl = group.firstLevel !== undefined ? group.firstLevel : detectLevel(first);
    return lvl === 'error';
  }
  if (!inTraceback) return false;
  if (message.startsWith('File "')) return true;
  if (message.startsWith('During handling of the above exception') || message.startsWith('The above exception was the direct cause')) return true;
  // After a chaining sentence Python prints a blank line then a new header; blank lines are not grouped.
  const pc = prev.charCodeAt(0);
  const prevIsFrame = pc === 0x20 || pc === 0x09 || prev.startsWith('File "') || isTracebackHead(prev);
  if (prevIsFrame && EXC_FINAL.test(message)) {
    const colon = message.indexOf(':');
    return colon > 0 || EXC_FINAL_NAME.test(message);
  }
  return false;
}
