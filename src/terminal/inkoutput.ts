// Ink 6.8's output stage, made cheap for frames that mostly repeat (issue 16). The bundle
// (scripts/bundle.mjs) puts this class in place of ink/build/output.js; it produces the same frame
// string for the same operations (test/terminal/inkoutput.test.ts holds it to the original).
//
// Ink's Output builds a width × height grid of styled-character objects on every render, tokenises
// every written line for ANSI codes and measures every character with string-width, then turns each
// grid row back into a string; its caches live for one render only. On our 120×40 frames that was
// 10–100 ms a frame, most of the console's busy time. Here:
// - the pieces written to each row are collected first (same clipping, same transformers, same
//   order), and a row whose pieces were seen before (in this frame or any earlier one, at any row:
//   a scrolled log line too) is taken from a cache instead of being rebuilt;
// - a row that is built places styled characters exactly as Ink does; the tokenised lines, the
//   character widths and the clipped slices are cached across renders (bounded).
import sliceAnsi from 'slice-ansi';
import { displayWidth as width, isNarrowChar, sgrLength, widestLine } from './width.js';
import { ansiCodesToString, diffAnsiCodes, reduceAnsiCodesIncremental, styledCharsFromTokens, styledCharsToString, tokenize, type AnsiCode, type StyledChar } from '@alcalzone/ansi-tokenize';

type Transformer = (s: string, index: number) => string;
interface Clip {
  x1?: number;
  x2?: number;
  y1?: number;
  y2?: number;
}
type Operation = { type: 'write'; x: number; y: number; text: string; transformers: Transformer[] } | { type: 'clip'; clip: Clip } | { type: 'unclip' };

/** A map that forgets everything once it holds `max` entries (the working set refills it at once). */
class Bounded<V> {
  private m = new Map<string, V>();
  constructor(private max: number) {}
  get(k: string): V | undefined {
    return this.m.get(k);
  }
  set(k: string, v: V): void {
    if (this.m.size >= this.max) this.m.clear();
    this.m.set(k, v);
  }
}

const styledCache = new Bounded<StyledChar[]>(4000);
const sliceCache = new Bounded<string>(4000);
const rowCache = new Bounded<string>(3000);

function styledChars(line: string): StyledChar[] {
  let c = styledCache.get(line);
  if (c === undefined) {
    c = styledCharsFromTokens(tokenize(line));
    styledCache.set(line, c);
  }
  return c;
}

function slice(line: string, from: number, to: number): string {
  const k = `${from},${to},${line}`;
  let s = sliceCache.get(k);
  if (s === undefined) {
    s = sliceAnsi(line, from, to);
    sliceCache.set(k, s);
  }
  return s;
}

const BLANK: StyledChar = { type: 'char', value: ' ', fullWidth: false, styles: [] };

// Rows of narrow characters and SGR sequences (most of a log pane: fresh lines every frame) are built
// from runs, not from one styled-character object per cell: the same string, for a fraction of the
// time and garbage. A run is text that shares one reduced set of codes, computed exactly as
// styledCharsFromTokens does (the library's own tokenizer and reducer, per escape sequence).
interface Run {
  styles: AnsiCode[];
  text: string;
}
const NO_STYLES: AnsiCode[] = [];
const escapeTokens = new Map<string, AnsiCode[] | null>();
const runsCache = new Bounded<Run[] | null>(4000);

function codesOf(sequence: string): AnsiCode[] | null {
  let t = escapeTokens.get(sequence);
  if (t === undefined) {
    const tokens = tokenize(sequence);
    t = tokens.every((x) => x.type === 'ansi') ? (tokens as AnsiCode[]) : null;
    if (escapeTokens.size < 1000) escapeTokens.set(sequence, t);
  }
  return t;
}

/** The runs of a piece, or null when it holds anything but narrow characters and SGR sequences. */
function runsOf(piece: string): Run[] | null {
  let r = runsCache.get(piece);
  if (r !== undefined) return r;
  r = [];
  let codes = NO_STYLES;
  let start = 0;
  for (let i = 0; i <= piece.length; i++) {
    const c = i < piece.length ? piece.charCodeAt(i) : -1;
    if (c !== -1 && c !== 0x1b) {
      // a narrow character beyond ASCII is one the tokenizer also takes as one narrow character: held
      // for every such character by test/logic/inkoutput.test.tsx, not asked of it here (asking makes
      // the first Intl.Segmenter of the process, ~15 ms of the first frame)
      if (isNarrowChar(c)) continue;
      r = null;
      break;
    }
    if (i > start) r.push({ styles: codes, text: piece.slice(start, i) });
    if (c === -1) break;
    const n = sgrLength(piece, i);
    const seq = n ? codesOf(piece.slice(i, i + n)) : null;
    if (!seq) {
      r = null;
      break;
    }
    codes = reduceAnsiCodesIncremental(codes, seq);
    i += n - 1;
    start = i + 1;
  }
  runsCache.set(piece, r);
  return r;
}

// A line that fits its clip is still cut by Ink (sliceAnsi from 0 to its width), which mostly gives
// the line back. For a line of runs the answer depends only on its SGR sequences, not on its
// characters (each one column, none joining another): the same cut of its skeleton, each run of
// text one character, answers for every line of that shape.
const SGR_PARTS = /(\x1b\[[0-9;]*m)/;
const keepsWhole = new Bounded<boolean>(1000);
// the answer per line too: a line on screen is asked again every frame
const keepsWholeLine = new Bounded<boolean>(4000);
function sliceKeepsWhole(line: string): boolean {
  let k = keepsWholeLine.get(line);
  if (k === undefined) {
    k = skeletonKeepsWhole(line);
    keepsWholeLine.set(line, k);
  }
  return k;
}
function skeletonKeepsWhole(line: string): boolean {
  if (runsOf(line) === null) return false;
  let skeleton = '';
  let n = 0;
  for (const part of line.split(SGR_PARTS)) {
    if (!part) continue;
    if (part.charCodeAt(0) === 0x1b) skeleton += part;
    else {
      skeleton += 'x';
      n++;
    }
  }
  let k = keepsWhole.get(skeleton);
  if (k === undefined) {
    k = sliceAnsi(skeleton, 0, n) === skeleton;
    keepsWhole.set(skeleton, k);
  }
  return k;
}

/** buildRow for rows whose pieces are all runs and lie inside the row; null otherwise. */
function runRow(rowWidth: number, pieces: (number | string)[]): string | null {
  if (rowWidth <= 0) return null;
  const chars = new Array<string>(rowWidth).fill(' ');
  const styles = new Array<AnsiCode[]>(rowWidth).fill(NO_STYLES);
  for (let p = 0; p < pieces.length; p += 2) {
    let x = pieces[p] as number;
    const runs = runsOf(pieces[p + 1] as string);
    if (!runs || x < 0) return null;
    for (const run of runs) {
      if (x + run.text.length > rowWidth) return null;
      for (let i = 0; i < run.text.length; i++, x++) {
        chars[x] = run.text[i]!;
        styles[x] = run.styles;
      }
    }
  }
  // styledCharsToString over the cells: the codes of the first, each change, and the close at the end
  let prev = styles[0]!;
  let out = ansiCodesToString(prev);
  for (let i = 0; i < rowWidth; i++) {
    const st = styles[i]!;
    if (st !== prev) {
      out += ansiCodesToString(diffAnsiCodes(prev, st));
      prev = st;
    }
    out += chars[i];
  }
  out += ansiCodesToString(diffAnsiCodes(prev, NO_STYLES));
  return out.trimEnd();
}

/** One row of the frame from its pieces, as Ink's grid would produce it. */
function buildRow(rowWidth: number, pieces: (number | string)[]): string {
  const fast = runRow(rowWidth, pieces);
  if (fast !== null) return fast;
  const cells: (StyledChar | undefined)[] = new Array<StyledChar>(rowWidth).fill(BLANK);
  for (let p = 0; p < pieces.length; p += 2) {
    let offsetX = pieces[p] as number;
    for (const character of styledChars(pieces[p + 1] as string)) {
      cells[offsetX] = character;
      const v = character.value;
      const characterWidth = v.length === 1 && v.charCodeAt(0) >= 0x20 && v.charCodeAt(0) < 0x7f ? 1 : Math.max(1, width(v));
      for (let i = 1; i < characterWidth; i++) cells[offsetX + i] = { type: 'char', value: '', fullWidth: false, styles: character.styles };
      offsetX += characterWidth;
    }
  }
  // (a piece placed past the row's end leaves holes; Ink drops them the same way)
  return styledCharsToString(cells.filter((c): c is StyledChar => c !== undefined)).trimEnd();
}

export default class Output {
  width: number;
  height: number;
  private operations: Operation[] = [];

  constructor(options: { width: number; height: number }) {
    this.width = options.width;
    this.height = options.height;
  }

  write(x: number, y: number, text: string, options: { transformers: Transformer[] }): void {
    if (!text) return;
    this.operations.push({ type: 'write', x, y, text, transformers: options.transformers });
  }

  clip(clip: Clip): void {
    this.operations.push({ type: 'clip', clip });
  }

  unclip(): void {
    this.operations.push({ type: 'unclip' });
  }

  get(): { output: string; height: number } {
    // Pieces per row: x, line, x, line … in the order Ink would paint them.
    const rows: (number | string)[][] = [];
    for (let y = 0; y < this.height; y++) rows.push([]);
    const clips: Clip[] = [];
    for (const operation of this.operations) {
      if (operation.type === 'clip') {
        clips.push(operation.clip);
        continue;
      }
      if (operation.type === 'unclip') {
        clips.pop();
        continue;
      }
      const { text, transformers } = operation;
      let { x, y } = operation;
      let lines = text.split('\n');
      const clip = clips.at(-1);
      if (clip) {
        const clipHorizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
        const clipVertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
        if (clipHorizontally) {
          const w = widestLine(text);
          if (x + w < clip.x1! || x > clip.x2!) continue;
        }
        if (clipVertically) {
          const h = lines.length;
          if (y + h < clip.y1! || y > clip.y2!) continue;
        }
        if (clipHorizontally) {
          const x1 = clip.x1!;
          const x2 = clip.x2!;
          lines = lines.map((line) => {
            const from = x < x1 ? x1 - x : 0;
            const w = width(line);
            const to = x + w > x2 ? x2 - x : w;
            return from === 0 && to === w && sliceKeepsWhole(line) ? line : slice(line, from, to);
          });
          if (x < x1) x = x1;
        }
        if (clipVertically) {
          const from = y < clip.y1! ? clip.y1! - y : 0;
          const h = lines.length;
          const to = y + h > clip.y2! ? clip.y2! - y : h;
          lines = lines.slice(from, to);
          if (y < clip.y1!) y = clip.y1!;
        }
      }
      let offsetY = 0;
      for (let index = 0; index < lines.length; index++) {
        const row = rows[y + offsetY];
        if (!row) continue;
        let line = lines[index]!;
        for (const transformer of transformers) line = transformer(line, index);
        row.push(x, line);
        offsetY++;
      }
    }
    const out: string[] = [];
    for (const pieces of rows) {
      if (!pieces.length) {
        out.push('');
        continue;
      }
      const key = `${this.width}\u0000${pieces.join('\u0000')}`;
      let s = rowCache.get(key);
      if (s === undefined) {
        s = buildRow(this.width, pieces);
        rowCache.set(key, s);
      }
      out.push(s);
    }
    return { output: out.join('\n'), height: rows.length };
  }
}
