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
import { displayWidth as width, widestLine } from './width.js';
import { styledCharsFromTokens, styledCharsToString, tokenize, type StyledChar } from '@alcalzone/ansi-tokenize';

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

/** One row of the frame from its pieces, as Ink's grid would produce it. */
function buildRow(rowWidth: number, pieces: (number | string)[]): string {
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
            return slice(line, from, to);
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
