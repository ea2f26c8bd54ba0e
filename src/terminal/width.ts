// Display width of sanitised text: grapheme-aware (wide CJK/emoji = 2 columns, combining marks = 0)
// and SGR-aware (colour sequences have zero width and are never cut in half).
// Input is expected to be sanitised already (see sanitize.ts): the only escapes left are SGR.
import stringWidth from 'string-width';
import { eastAsianWidth } from 'get-east-asian-width';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const SGR_SPLIT = /(\x1b\[[0-9;]*m)/;
const SGR_RESET = '\x1b[0m';

let segmenter: Intl.Segmenter | null = null;
function graphemes(s: string): Iterable<string> {
  if (PRINTABLE_ASCII.test(s)) return s;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const it = segmenter.segment(s);
  return (function* () {
    for (const g of it) yield g.segment;
  })();
}

function graphemeWidth(g: string): number {
  if (g.length === 1) {
    const c = g.charCodeAt(0);
    if (c >= 0x20 && c < 0x7f) return 1;
  }
  return stringWidth(g);
}

const widths = new Map<string, number>();

// Characters beyond ASCII that take one column and never join a neighbour into one grapheme: the
// candidates (Latin, punctuation such as the ellipsis, arrows, box drawing, blocks, shapes,
// dingbats, braille spinners) hold no combining marks, joiners or variation selectors. Of those, the zero-width ones
// (soft hyphen, bidi controls) and the wide ones (emoji presented as emoji: East Asian Wide) are
// turned away, as string-width would (test/logic/terminal.test.ts checks every candidate against
// it). Not string-width itself: its first call compiles its emoji patterns, ~60 ms of the first frame.
const NARROW_CANDIDATE = /^[\u00a0-\u024f\u2010-\u205e\u2190-\u23ff\u2500-\u27bf\u2800-\u28ff]$/;
const ZERO_WIDTH = /[\p{Default_Ignorable_Code_Point}\p{Control}\p{Format}\p{Mark}\p{Surrogate}]/u;
const narrowChars = new Map<number, boolean>();

/** A character (one UTF-16 unit) that is one column wide on its own and beside any other such one. */
export function isNarrowChar(code: number): boolean {
  if (code >= 0x20 && code < 0x7f) return true;
  let n = narrowChars.get(code);
  if (n === undefined) {
    const ch = String.fromCharCode(code);
    n = NARROW_CANDIDATE.test(ch) && !ZERO_WIDTH.test(ch) && eastAsianWidth(code) === 1;
    narrowChars.set(code, n);
  }
  return n;
}

/** The length of an SGR sequence (ESC [ digits/semicolons m) starting at i, or 0. */
export function sgrLength(s: string, i: number): number {
  if (s.charCodeAt(i) !== 0x1b || s.charCodeAt(i + 1) !== 0x5b) return 0;
  for (let j = i + 2; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x6d) return j - i + 1;
    if (!((c >= 0x30 && c <= 0x39) || c === 0x3b)) return 0;
  }
  return 0;
}

/** Columns of text made of narrow characters and SGR sequences only (one per character), else -1. */
function narrowWidth(s: string): number {
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x1b) {
      const n = sgrLength(s, i);
      if (!n) return -1;
      i += n - 1;
    } else if (isNarrowChar(c)) w++;
    else return -1;
  }
  return w;
}

/**
 * Columns the text occupies in a terminal. SGR sequences count 0. Remembered (bounded): a frame
 * measures the same strings render after render (issue 16).
 */
export function displayWidth(s: string): number {
  if (PRINTABLE_ASCII.test(s)) return s.length;
  let w = widths.get(s);
  if (w === undefined) {
    // coloured text of narrow characters (most log lines, cut with an ellipsis) without
    // string-width's grapheme walk
    w = narrowWidth(s);
    if (w < 0) w = stringWidth(s);
    if (widths.size >= 8000) widths.clear();
    widths.set(s, w);
  }
  return w;
}

const blocks = new Map<string, number>();

/** The widest line of a block of text (what `widest-line` computes), remembered (bounded). */
export function widestLine(text: string): number {
  let w = blocks.get(text);
  if (w === undefined) {
    w = 0;
    for (const line of text.split('\n')) w = Math.max(w, displayWidth(line));
    if (blocks.size >= 2000) blocks.clear();
    blocks.set(text, w);
  }
  return w;
}

interface Token {
  sgr: boolean;
  text: string;
}

function tokens(s: string): Token[] {
  if (s.indexOf('\x1b') < 0) return [{ sgr: false, text: s }];
  const out: Token[] = [];
  for (const part of s.split(SGR_SPLIT)) {
    if (part === '') continue;
    out.push({ sgr: part.charCodeAt(0) === 0x1b && SGR_SPLIT.test(part) && part.endsWith('m'), text: part });
  }
  return out;
}

function isReset(sgr: string): boolean {
  return sgr === '\x1b[m' || sgr === '\x1b[0m';
}

/**
 * Cut to at most `width` columns. When cut, `ellipsis` (default none) replaces the tail and counts
 * towards the width. A wide character that would straddle the edge is dropped (never half-drawn).
 * If any SGR was open at the cut, a reset is appended.
 */
export function truncateToWidth(s: string, width: number, ellipsis = ''): string {
  if (width <= 0) return '';
  if (PRINTABLE_ASCII.test(s)) {
    if (s.length <= width) return s;
    if (ellipsis.length >= width) return ellipsis.slice(0, width);
    return s.slice(0, width - ellipsis.length) + ellipsis;
  }
  const total = displayWidth(s);
  if (total <= width) return s;
  const ew = displayWidth(ellipsis);
  const room = Math.max(0, width - ew);
  let out = '';
  let used = 0;
  let open = false;
  outer: for (const t of tokens(s)) {
    if (t.sgr) {
      out += t.text;
      open = !isReset(t.text);
      continue;
    }
    for (const g of graphemes(t.text)) {
      const gw = graphemeWidth(g);
      if (used + gw > room) break outer;
      out += g;
      used += gw;
    }
  }
  if (open) out += SGR_RESET;
  return ew <= width ? out + ellipsis : out;
}

/** Pad with spaces on the right (or left with `align: 'right'`) to exactly `width` columns (truncating when longer). */
export function padToWidth(s: string, width: number, align: 'left' | 'right' = 'left'): string {
  const w = displayWidth(s);
  if (w > width) return truncateToWidth(s, width);
  const pad = ' '.repeat(width - w);
  return align === 'left' ? s + pad : pad + s;
}

/**
 * Hard-wrap into rows of at most `width` columns, by grapheme. SGR state is carried: a row that ends
 * inside a coloured run is closed with a reset and the next row re-opens the active sequences.
 * Always returns at least one row.
 */
export function wrapToWidth(s: string, width: number): string[] {
  if (width <= 0) return [''];
  if (PRINTABLE_ASCII.test(s)) {
    if (s.length <= width) return [s];
    const rows: string[] = [];
    for (let i = 0; i < s.length; i += width) rows.push(s.slice(i, i + width));
    return rows;
  }
  const rows: string[] = [];
  let row = '';
  let used = 0;
  let active: string[] = [];
  for (const t of tokens(s)) {
    if (t.sgr) {
      row += t.text;
      if (isReset(t.text)) active = [];
      else active.push(t.text);
      continue;
    }
    for (const g of graphemes(t.text)) {
      const gw = graphemeWidth(g);
      if (used + gw > width && used > 0) {
        rows.push(active.length ? row + SGR_RESET : row);
        row = active.join('');
        used = 0;
      }
      row += g;
      used += gw;
    }
  }
  rows.push(row);
  return rows;
}
