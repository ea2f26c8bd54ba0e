// The one sanitiser and secret masker every upstream string passes through where it enters the
// domain model (the upstream clients call cleanUpstream() on the decoded JSON before zod parses it),
// and the one JSON writer for `--json` output. A pure leaf module: it imports nothing.
//
// Log text carries terminal control sequences (screen clears, cursor moves, title changes, clipboard
// writes, hyperlinks). Drawn raw they garble the screen or attack the user's terminal. This module
// removes them (or, with `visible`, shows them as readable placeholders) in a single pass, keeping only
// well-formed SGR colour sequences when asked to.

export interface SanitizeOptions {
  /** Keep well-formed SGR (ESC [ digits/; m) colour sequences. Default false. */
  keepSgr?: boolean;
  /** Show removed things as readable placeholders (`␛[2J`, `<ESC>[2J` in ASCII mode) instead of removing them. */
  visible?: boolean;
  /** With `visible`: use ASCII placeholders only (`<ESC>`, `^A`, `<DEL>`, `<U+202E>`). Default false. */
  ascii?: boolean;
  /** Tab stop width for tab expansion. Default 8. */
  tabWidth?: number;
}

const ESC = 0x1b;
const BEL = 0x07;

/**
 * Anything that could need work: C0 controls, DEL, C1, bidi/invisible format characters, line and
 * paragraph separators. A string without any of these is returned as-is (the fast path).
 */
const NEEDS_WORK = /[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/;

/** Invisible format characters that can spoof text direction or hide content (ZWJ/ZWNJ are kept: emoji and scripts need them). */
function isSpoofFormat(c: number): boolean {
  return (
    c === 0x061c ||
    c === 0x200b ||
    c === 0x200e ||
    c === 0x200f ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2060 && c <= 0x2064) ||
    (c >= 0x2066 && c <= 0x206f) ||
    c === 0xfeff ||
    (c >= 0xfff9 && c <= 0xfffb)
  );
}

function hex2(c: number): string {
  return c.toString(16).toUpperCase().padStart(2, '0');
}

/** A readable, safe rendering of one control/format character (used in visible mode). */
function visibleChar(c: number, ascii: boolean): string {
  if (c === ESC) return ascii ? '<ESC>' : '\u241b';
  if (c < 0x20) return ascii ? '^' + String.fromCharCode(c + 0x40) : String.fromCharCode(0x2400 + c);
  if (c === 0x7f) return ascii ? '<DEL>' : '\u2421';
  if (c >= 0x80 && c <= 0x9f) return '<' + hex2(c) + '>';
  if (c === 0x2028 || c === 0x2029 || isSpoofFormat(c)) return '<U+' + c.toString(16).toUpperCase().padStart(4, '0') + '>';
  return String.fromCharCode(c);
}

/** Visible rendering of a whole removed sequence: controls inside it become placeholders too. */
function visibleSeq(s: string, from: number, to: number, ascii: boolean): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || isSpoofFormat(c)) out += visibleChar(c, ascii);
    else if (!ascii || c < 0x80) out += s[i];
    else out += '?';
  }
  return out;
}

/** End index (exclusive) of a control string (OSC/DCS/SOS/PM/APC) whose body starts at `i`. */
function endOfString(s: string, i: number, allowBel: boolean): number {
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (allowBel && c === BEL) return i + 1;
    if (c === 0x9c) return i + 1; // 8-bit ST
    if (c === ESC && s.charCodeAt(i + 1) === 0x5c) return i + 2; // ESC \ (ST)
    if (c === 0x18 || c === 0x1a) return i + 1; // CAN / SUB abort the string
  }
  return n; // unterminated: everything after the introducer is payload
}

/** Result of scanning a CSI whose parameter bytes start at `i`: end index and whether it is plain SGR. */
function scanCsi(s: string, i: number): { end: number; sgr: boolean } {
  const n = s.length;
  const start = i;
  let numericOnly = true;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x3f) {
      if (!((c >= 0x30 && c <= 0x39) || c === 0x3b)) numericOnly = false;
      i++;
    } else break;
  }
  let intermediates = false;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x2f) {
      intermediates = true;
      i++;
    } else break;
  }
  if (i < n) {
    const c = s.charCodeAt(i);
    if (c >= 0x40 && c <= 0x7e) {
      return { end: i + 1, sgr: c === 0x6d && numericOnly && !intermediates && i - start <= 64 };
    }
  }
  // Malformed: stop before the offending byte (it is handled on its own); at end of string drop the rest.
  return { end: i, sgr: false };
}

/**
 * SGR parameters with the spoofing ones removed: 8 (concealed: invisible text), 5/6 (blink).
 * Extended colours (38/48/58;5;n and ;2;r;g;b) are kept whole. Null when nothing is left.
 */
function safeSgrParams(p: string): string | null {
  if (p === '' || p === '0') return p;
  if (!/(^|;)[568](;|$)/.test(p)) return p;
  const parts = p.split(';');
  const kept: string[] = [];
  for (let k = 0; k < parts.length; k++) {
    const v = parts[k];
    if (v === '38' || v === '48' || v === '58') {
      const n = parts[k + 1] === '5' ? 2 : parts[k + 1] === '2' ? 4 : 0;
      kept.push(...parts.slice(k, k + 1 + n));
      k += n;
    } else if (v !== '8' && v !== '5' && v !== '6') kept.push(v);
  }
  return kept.length ? kept.join(';') : null;
}

/**
 * Sanitise one line of upstream text for display. The result contains no C0/C1 control characters,
 * no escape sequences (except well-formed SGR when `keepSgr`), no bidi overrides and no newline:
 * tabs are expanded to spaces, `\n` becomes a space (or `␊` when visible), `\r` is dropped.
 */
export function sanitize(s: string, opts: SanitizeOptions = {}): string {
  if (!NEEDS_WORK.test(s)) return s;
  const keepSgr = opts.keepSgr === true;
  const visible = opts.visible === true;
  const ascii = opts.ascii === true;
  const tabWidth = opts.tabWidth && opts.tabWidth > 0 ? opts.tabWidth : 8;
  const n = s.length;
  let out = '';
  let col = 0; // approximate visible column, for tab stops
  let runStart = 0;
  let i = 0;
  const flush = (to: number): void => {
    if (to > runStart) {
      out += s.slice(runStart, to);
      col += to - runStart;
    }
  };
  const emitRemoved = (from: number, to: number): void => {
    if (visible) {
      const v = visibleSeq(s, from, to, ascii);
      out += v;
      col += v.length;
    }
  };
  while (i < n) {
    const c = s.charCodeAt(i);
    const control = c < 0x20 || (c >= 0x7f && c <= 0x9f);
    if (!control && !(c >= 0x0600 && (c === 0x2028 || c === 0x2029 || isSpoofFormat(c)))) {
      i++;
      continue;
    }
    flush(i);
    if (c === 0x09) {
      const spaces = tabWidth - (col % tabWidth);
      out += ' '.repeat(spaces);
      col += spaces;
      i++;
    } else if (c === 0x0a || c === 0x2028 || c === 0x2029) {
      if (visible && c === 0x0a) out += ascii ? '^J' : '\u240a';
      else out += ' ';
      col++;
      i++;
    } else if (c === 0x0d) {
      if (visible && i !== n - 1 && s.charCodeAt(i + 1) !== 0x0a) emitRemoved(i, i + 1);
      i++;
    } else if (c === ESC || c === 0x9b || c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) {
      // Escape sequences, 7-bit (ESC x) or 8-bit (C1 introducer).
      let kind: number; // the 7-bit final of the introducer: '[', ']', 'P', 'X', '^', '_' or other
      let body: number;
      if (c === ESC) {
        kind = i + 1 < n ? s.charCodeAt(i + 1) : -1;
        body = i + 2;
      } else {
        kind = c - 0x40;
        body = i + 1;
      }
      let end: number;
      if (kind === 0x5b) {
        const r = scanCsi(s, body);
        end = r.end;
        if (r.sgr && keepSgr) {
          const params = safeSgrParams(s.slice(body, end - 1));
          if (params !== null) out += '\x1b[' + params + 'm'; // 8-bit CSI SGR is normalised to the 7-bit form
          runStart = i = end;
          continue;
        }
      } else if (kind === 0x5d) {
        end = endOfString(s, body, true);
      } else if (kind === 0x50 || kind === 0x58 || kind === 0x5e || kind === 0x5f) {
        end = endOfString(s, body, true);
      } else if (c === ESC) {
        // nF / Fp / Fe / Fs escapes: ESC, intermediates 0x20–0x2f, then one final 0x30–0x7e.
        let j = i + 1;
        while (j < n) {
          const d = s.charCodeAt(j);
          if (d >= 0x20 && d <= 0x2f) j++;
          else break;
        }
        if (j < n && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x7e) end = j + 1;
        else end = i + 1; // bare ESC: remove only the ESC
      } else {
        end = i + 1;
      }
      emitRemoved(i, end);
      i = end;
    } else {
      // Other C0, DEL, other C1, bidi overrides/isolates and invisible format characters.
      emitRemoved(i, i + 1);
      i++;
    }
    runStart = i;
  }
  flush(n);
  return out;
}

/** Split a (possibly multi-line) upstream text into sanitised physical lines. CRLF and lone CR at line end count as one break. */
export function sanitizeLines(s: string, opts: SanitizeOptions = {}): string[] {
  if (s.indexOf('\n') < 0) return [sanitize(s, opts)];
  const parts = s.split('\n');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((p) => sanitize(p, opts));
}

const SGR_RE = /\x1b\[[0-9;]*m/g;
const HAS_ESC = /[\x1b\x9b]/;

/**
 * Remove every escape sequence (including SGR) and control character: plain text.
 * For already sanitised text (which can only hold SGR), this is a cheap SGR strip.
 */
export function stripAnsi(s: string): string {
  if (!HAS_ESC.test(s)) return NEEDS_WORK.test(s) ? sanitize(s) : s;
  const stripped = s.replace(SGR_RE, '');
  return NEEDS_WORK.test(stripped) ? sanitize(stripped) : stripped;
}

// ---------------------------------------------------------------------------------------------
// Secrets

const SECRET_HINT = /:\/\/|secret|passw|token|key|dsn|auth|bearer|credential|private/i;
/** KEY=value / KEY: value where the key names a secret. Value may be quoted. */
const KV_SECRET =
  /\b([A-Za-z0-9_.-]*(?:SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET_?KEY|_KEY|DSN|CREDENTIALS?)[A-Za-z0-9_.-]*)(\s*=\s*|:\s*)("[^"]*"|'[^']*'|[^\s,;&"'}]+)/gi;
/** "key": "value" in JSON where the key names a secret. */
const JSON_SECRET = /("[^"]*(?:secret|password|passwd|token|api_?key|access_?key|private_?key|_key|dsn|credential)[^"]*"\s*:\s*")((?:[^"\\]|\\.)*)(")/gi;
/** scheme://user:password@host */
const DSN_SECRET = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)(@)/gi;
/** Authorization headers and bare bearer tokens. */
const AUTH_SECRET = /\b(authorization["']?\s*[:=]\s*["']?(?:(?:token|bearer|basic|jwt)\s+)?)([^\s"',;]+)/gi;
const BEARER_SECRET = /\b((?:bearer|token)\s+)([A-Za-z0-9._~+/=-]{8,})/gi;

/** A word after "token"/"bearer" is a value only when it looks like one: a digit in it, or very long. */
function looksLikeSecretValue(v: string): boolean {
  return /\d/.test(v) || v.length >= 24;
}

const MASK = '****';

/**
 * Mask secrets in a line of text: passwords in DSNs (`postgres://user:****@host`), Authorization
 * headers (`Authorization: Token ****`, Bearer), and `KEY=value` / `"key": "value"` where the key names
 * a secret (SECRET, PASSWORD, TOKEN, KEY, DSN, CREDENTIALS).
 */
export function maskSecrets(text: string): string {
  if (!SECRET_HINT.test(text)) return text;
  let s = text;
  s = s.replace(DSN_SECRET, (_m, a: string, _p: string, b: string) => a + MASK + b);
  s = s.replace(AUTH_SECRET, (_m, a: string, v: string) => (v === MASK ? a + v : a + MASK));
  s = s.replace(BEARER_SECRET, (m, a: string, v: string) => (v === MASK || !looksLikeSecretValue(v) ? m : a + MASK));
  s = s.replace(JSON_SECRET, (_m, a: string, _v: string, b: string) => a + MASK + b);
  s = s.replace(KV_SECRET, (m, k: string, sep: string, v: string) => {
    if (v === MASK || v === '"' + MASK + '"') return m;
    // "token: missing", "password: required": a plain word after a plain lowercase key is prose, not a value
    if (sep.trim() === ':' && /^[a-z]+$/.test(k) && /^[a-z]+$/.test(v)) return m;
    // A DSN value already had its password masked above; mask the whole value anyway (a DSN key is a secret).
    const q = v[0] === '"' || v[0] === "'" ? v[0] : '';
    return k + sep + q + MASK + q;
  });
  return s;
}

/** Sanitise then mask: what the gateway/store should apply to every upstream log line. */
export function cleanLine(s: string, opts: SanitizeOptions = {}): string {
  return maskSecrets(sanitize(s, opts));
}

// ---------------------------------------------------------------------------------------------
// Upstream payloads: sanitised (and prose masked) once, where they enter the domain model

/** Longest single-line upstream string kept whole (names, notes, statuses); the rest is cut with `…`. */
export const MAX_FIELD_CHARS = 4096;
/** Longest log text kept per string (a deployment log, one runtime log message). */
export const MAX_LOG_CHARS = 4 * 1024 * 1024;

/** Keys whose string values are free text typed by people or programs: secrets in them are masked. */
const PROSE_KEYS = new Set(['message', 'logs', 'notes', 'note', 'description', 'detail', 'comment', 'reason', 'error', 'errors', 'non_field_errors', 'title', 'output', 'status_text']);

export interface CleanUpstreamOptions {
  /**
   * Keys whose string values are log text: kept multi-line, SGR colour kept, each line sanitised and
   * masked (deployment `logs`, runtime log `message`).
   */
  logKeys?: readonly string[];
}

function cut(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) + '…' : s;
}

/** One log text: every line sanitised keeping SGR, secrets masked, line breaks kept (CRLF → LF), carriage-return overwrites resolved. */
export function cleanLogText(s: string): string {
  s = cut(s, MAX_LOG_CHARS);
  if (s.indexOf('\n') < 0) return maskSecrets(sanitize(overwriteCarriageReturns(s), { keepSgr: true }));
  const lines = s.split('\n');
  for (let i = 0; i < lines.length; i++) lines[i] = maskSecrets(sanitize(overwriteCarriageReturns(lines[i]), { keepSgr: true }));
  return lines.join('\n');
}

/** A CSI sequence, an OSC string, or another two-character escape, at the sticky position. */
const ESCAPE_AT = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[^[\]])?/y;

/**
 * One line as a terminal shows it after its carriage returns: a `\r` moves back to the start of the
 * line and what follows overwrites what was there (progress output: `10%\r60%\r100%` is `100%`);
 * erase-in-line (`ESC[K`, `ESC[1K`, `ESC[2K`) erases as a terminal does. A trailing `\r` (CRLF) changes
 * nothing. Escape sequences are kept (zero width) in front of the character they precede; one
 * character is one column. A line without `\r` is returned as it is.
 */
export function overwriteCarriageReturns(line: string): string {
  if (line.indexOf('\r') < 0) return line;
  const cells: string[] = [];
  let cur = 0;
  let pending = ''; // escape sequences waiting for the next character
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 0x0d) {
      cur = 0;
      i++;
      continue;
    }
    if (c === 0x1b) {
      ESCAPE_AT.lastIndex = i;
      const m = ESCAPE_AT.exec(line);
      const seq = m ? m[0] : '\x1b';
      i += seq.length;
      const el = /^\x1b\[([012]?)K$/.exec(seq);
      if (!el) {
        pending += seq;
        continue;
      }
      if (el[1] === '2') for (let k = 0; k < cells.length; k++) cells[k] = ' ';
      else if (el[1] === '1') for (let k = 0; k <= cur && k < cells.length; k++) cells[k] = ' ';
      if (el[1] !== '1') cells.length = Math.min(cells.length, cur);
      if (el[1] === '2') while (cells.length && cells[cells.length - 1] === ' ') cells.pop();
      continue;
    }
    const cp = line.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    while (cells.length < cur) cells.push(' ');
    cells[cur++] = pending + ch;
    pending = '';
  }
  return cells.join('') + pending;
}

/** One upstream string that is not log text: a single safe line, prose masked. */
export function cleanField(s: string, prose = false): string {
  const t = sanitize(cut(s, MAX_FIELD_CHARS));
  return prose ? maskSecrets(t) : t;
}

/**
 * Deep copy of a decoded upstream JSON value with every string made safe: no control characters,
 * escape sequences, C1, bidi overrides or invisible formatting (log text keeps SGR colour and its
 * line breaks), over-long strings cut, and secrets masked in free-text fields. Object keys are
 * cleaned too. Numbers, booleans and null pass through.
 */
export function cleanUpstream(v: unknown, opts: CleanUpstreamOptions = {}, key = '', depth = 0): unknown {
  if (typeof v === 'string') {
    if (opts.logKeys?.includes(key)) return cleanLogText(v);
    return cleanField(v, PROSE_KEYS.has(key));
  }
  if (v === null || typeof v !== 'object') return v;
  if (depth > 64) return null;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cleanUpstream(v[i], opts, key, depth + 1);
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const ck = NEEDS_WORK.test(k) ? sanitize(k) : k;
    out[ck] = cleanUpstream(x, opts, ck, depth + 1);
  }
  return out;
}

/**
 * Every string of a value made a safe single line with its secrets masked, and the string value of a
 * secret-named key (`password`, `api_token`, `dsn` …) masked whole: what the gateway applies to job
 * parameters and results, jobs.json and audit lines, whatever the role that will read them.
 */
export function maskDeep(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return maskSecrets(cleanField(v));
  if (v === null || typeof v !== 'object' || depth > 32) return v;
  if (Array.isArray(v)) return v.map((x) => maskDeep(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const ck = NEEDS_WORK.test(k) ? sanitize(k) : k;
    out[ck] = typeof x === 'string' && SECRET_NAME.test(k) && x !== '' ? MASK : maskDeep(x, depth + 1);
  }
  return out;
}

/** An environment variable / setting name whose value is a secret. */
const SECRET_VAR = /SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|_KEY$|DSN|CREDENTIAL|AUTH/i;

/** The value of an environment variable as it may leave the gateway: masked whole when marked sensitive or named like a secret, else with secrets inside it (a DSN's password) masked. */
export function maskVariable(name: string, value: string | null, sensitive: boolean): string | null {
  if (value == null || value === '') return value;
  if (sensitive || SECRET_VAR.test(name)) return MASK;
  return maskSecrets(value);
}

/** A key that names a secret (its string value is masked whole). */
const SECRET_NAME = /(^|[_-])(token|password|passwd|secret|api[_-]?key|access[_-]?key|private[_-]?key|dsn|credentials?)$|^authorization$/i;

// ---------------------------------------------------------------------------------------------
// JSON output (`--json`)

/** C1 controls, DEL, line/paragraph separators, bidi and invisible formatting: escaped as \uXXXX. */
const JSON_UNSAFE = /[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

/**
 * JSON.stringify whose output a terminal can print safely: besides the C0 controls JSON already
 * escapes, DEL, C1 (U+0080–U+009F, e.g. U+009B CSI), bidi overrides/isolates, zero-width and other
 * invisible formatting characters are written as `\uXXXX` escapes. The parsed value is unchanged.
 */
export function safeJsonStringify(v: unknown, indent?: number): string {
  const s = JSON.stringify(v, null, indent) ?? 'null';
  return s.replace(JSON_UNSAFE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** Up to 3 candidates that look like `key` (substring or small edit distance). */
export function closeMatches(key: string, candidates: string[]): string[] {
  const k = key.toLowerCase();
  const scored = candidates
    .map((c) => ({ c, d: c.toLowerCase().includes(k) || k.includes(c.toLowerCase()) ? 0 : editDistance(k, c.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(k.length / 3)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  return scored.slice(0, 3).map((x) => x.c);
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
