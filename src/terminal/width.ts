// Display width of sanitised text: grapheme-aware (wide CJK/emoji = 2 columns, combining marks = 0)
// and SGR-aware (colour sequences have zero width and are never cut in half).
// Input is expected to be sanitised already (see sanitize.ts): the only escapes left are SGR.
import stringWidth from 'string-width';

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

const SGR_ALL = /\x1b\[[0-9;]*m/g;
const widths = new Map<string, number>();

/**
 * Columns the text occupies in a terminal. SGR sequences count 0. Remembered (bounded): a frame
 * measures the same strings render after render (issue 16).
 */
export function displayWidth(s: string): number {
  if (PRINTABLE_ASCII.test(s)) return s.length;
  let w = widths.get(s);
  if (w === undefined) {
    // coloured ASCII (most log lines) without string-width's grapheme walk
    const plain = s.indexOf('\x1b') >= 0 ? s.replace(SGR_ALL, '') : null;
    w = plain !== null && PRINTABLE_ASCII.test(plain) ? plain.length : stringWidth(s);
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
