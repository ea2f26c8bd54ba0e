// The console's frame writer (issue 16): the bundle (scripts/bundle.mjs) gives Ink this module in
// place of ink/build/log-update.js. Same contract as Ink's incremental writer (the previous frame is
// on screen, the cursor rests below it; write what differs), with two savings that matter over a
// slow SSH link:
// - a log tail that scrolls instead of repainting: before each frame it looks for a block of rows
//   that merely moved up (or down) since the previous frame — a following log view that received a
//   few lines — and when moving them saves bytes, it moves them on the terminal itself, as less and
//   tmux do, then writes only what the moved rows do not already show (the new lines);
// - unchanged rows cost nothing: the cursor jumps over them in one move (Ink writes ESC[E per row).
//
// The move is relative to the cursor and leaves no terminal state behind: go up to the block's first
// row, delete k lines there (DL: the rows below move up), go to the row after the block, insert k
// lines (IL: the rows below move back down), return. DL/IL are in every VT102-compatible terminal
// (xterm, tmux, screen, the Linux console, VTE, iTerm2, Windows Terminal); TERM=dumb or
// DIVIO_TUI_SCROLL=off turns the move off (the changed rows are rewritten).
//
// test/logic/inklogupdate.test.ts holds the screen, in a terminal emulator, to what Ink's own writer
// leaves, frame after frame; test/logic/inkoutput.test.tsx does the same for the frame itself.
import type { Writable } from 'node:stream';

const CSI = '\x1b[';
/** Don't move rows for less than this many bytes saved. */
const MIN_SAVING = 64;

/** The terminal can delete and insert lines (and the user did not turn the move off). */
export function scrollSupported(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.DIVIO_TUI_SCROLL === 'off') return false;
  const term = env.TERM ?? '';
  return term !== '' && term !== 'dumb';
}

export interface Shift {
  /** +k: rows moved up by k (content scrolled up, new lines at the bottom); −k: down. */
  k: number;
  /** Frame rows [from, to] that receive moved content (next[i] === prev[i + k] for each). */
  from: number;
  to: number;
  /** Bytes not written thanks to the move (net of the rows the move blanks). */
  saving: number;
}

/**
 * The best block move from `prev` to `next` (visible rows, same count), or null when none saves at
 * least MIN_SAVING bytes. Pure (tested).
 */
export function findShift(prev: readonly string[], next: readonly string[], maxK = prev.length - 1): Shift | null {
  const n = next.length;
  if (prev.length !== n || n < 3) return null;
  let best: Shift | null = null;
  const cost = 24; // the move's own escape sequences
  for (let mag = 1; mag <= Math.min(maxK, n - 1); mag++) {
    for (const k of [mag, -mag]) {
      // runs of rows i (of next) whose content is prev[i + k]
      const lo = k > 0 ? 0 : -k;
      const hi = k > 0 ? n - 1 - k : n - 1;
      let i = lo;
      while (i <= hi) {
        if (next[i] !== prev[i + k]) {
          i++;
          continue;
        }
        const a = i;
        let saved = 0;
        while (i <= hi && next[i] === prev[i + k]) {
          if (next[i] !== prev[i]) saved += next[i]!.length + 4;
          i++;
        }
        const b = i - 1;
        // the rows the move blanks: [b+1, b+k] going up, [a+k, a-1] going down (k < 0)
        const [ba, bb] = k > 0 ? [b + 1, b + k] : [a + k, a - 1];
        let extra = 0;
        for (let j = ba; j <= bb; j++) if (next[j] === prev[j] && next[j] !== '') extra += next[j]!.length + 4;
        const saving = saved - extra - cost;
        if (saving >= MIN_SAVING && (!best || saving > best.saving)) best = { k, from: a, to: b, saving };
      }
    }
  }
  return best;
}

/** The previous frame's rows as they stand after the move (blank rows where the move opened a gap). */
export function applyShift(prev: readonly string[], s: Shift): string[] {
  const out = [...prev];
  for (let i = s.from; i <= s.to; i++) out[i] = prev[i + s.k]!;
  const [ba, bb] = s.k > 0 ? [s.to + 1, s.to + s.k] : [s.from + s.k, s.from - 1];
  for (let j = ba; j <= bb; j++) out[j] = '';
  return out;
}

const up = (n: number): string => (n > 0 ? `${CSI}${n}A` : '');
const down = (n: number): string => (n > 0 ? `${CSI}${n}B` : '');

/** The escape sequence of the move, from and back to the cursor's row `cursorRow` (column 1). */
export function shiftSequence(s: Shift, cursorRow: number): string {
  const k = Math.abs(s.k);
  // going up: delete k rows at the block's top (the rows below move up), insert k below the block
  // (the rows after it move back down); going down: delete the k rows the block will cover at its
  // end, insert k at the top of the rows that move.
  const [delAt, insAt] = s.k > 0 ? [s.from, s.to + 1] : [s.to + s.k + 1, s.from + s.k];
  let seq = up(cursorRow - delAt) + `${CSI}${k}M`;
  seq += insAt >= delAt ? down(insAt - delAt) : up(delAt - insAt);
  seq += `${CSI}${k}L`;
  seq += down(cursorRow - insAt) + '\r';
  return seq;
}

function splitFrame(str: string): { rows: string[]; trailing: boolean } {
  const trailing = str.endsWith('\n');
  const rows = str.split('\n');
  if (trailing) rows.pop();
  return { rows, trailing };
}

const HIDE = `${CSI}?25l`;
const SHOW = `${CSI}?25h`;
const ERASE_LINE = `${CSI}2K`;
const ERASE_BELOW = `${CSI}J`;

interface CursorPosition {
  x: number;
  y: number;
}

/** What Ink calls on its writer (ink/build/log-update.d.ts). */
export interface FrameWriter {
  (str: string): boolean;
  clear(): void;
  done(): void;
  sync(str: string): void;
  setCursorPosition(position: CursorPosition | undefined): void;
  isCursorDirty(): boolean;
  willRender(str: string): boolean;
}

export function createFrameWriter(stream: Pick<Writable, 'write'>, options: { showCursor?: boolean; scroll?: boolean } = {}): FrameWriter {
  const scroll = options.scroll ?? scrollSupported();
  let previous = '';
  let prevRows: string[] = [];
  /** The row the cursor rests on between frames: below the last row (trailing newline) or on it. */
  let rest = 0;
  let hidden = false;
  let cursor: CursorPosition | undefined;
  let cursorDirty = false;
  /** Where a program cursor was shown after the last frame (we return to `rest` before writing). */
  let shownAt: CursorPosition | undefined;

  const returnToRest = (): string => {
    if (!shownAt) return '';
    const s = HIDE + down(rest - shownAt.y) + '\r';
    shownAt = undefined;
    return s;
  };
  const placeCursor = (): string => {
    const c = cursorDirty ? cursor : undefined;
    cursorDirty = false;
    if (!c) return '';
    shownAt = { ...c };
    return up(rest - c.y) + `${CSI}${c.x + 1}G` + SHOW;
  };
  const changed = (str: string): boolean => str !== previous || (cursorDirty && (cursor?.x !== shownAt?.x || cursor?.y !== shownAt?.y));

  const render = ((str: string): boolean => {
    if (!options.showCursor && !hidden) {
      stream.write(HIDE);
      hidden = true;
    }
    if (!changed(str)) return false;
    const q = splitFrame(str);
    let out = returnToRest();
    if (previous === '') {
      // nothing of ours on screen: the cursor is where the frame starts
      out += str;
    } else {
      const p = splitFrame(previous);
      let base: string[] = prevRows;
      if (p.trailing !== q.trailing || p.rows.length !== q.rows.length) {
        // another height: rewrite everything from the top, erase what is left below
        out += up(rest) + '\r' + q.rows.map((r) => ERASE_LINE + r).join('\n') + (q.trailing ? '\n' : '') + ERASE_BELOW;
      } else {
        const shift = scroll ? findShift(base, q.rows) : null;
        if (shift) {
          out += shiftSequence(shift, rest);
          base = applyShift(base, shift);
        }
        // the rows that differ, each erased and written; the cursor jumps over the others
        let at = rest;
        let wrote = false;
        for (let i = 0; i < q.rows.length; i++) {
          if (q.rows[i] === base[i]) continue;
          out += (i < at ? up(at - i) : down(i - at)) + '\r' + ERASE_LINE + q.rows[i];
          at = i;
          wrote = true;
        }
        if (wrote) out += down(rest - at) + '\r';
      }
    }
    previous = str;
    prevRows = q.rows;
    rest = q.trailing ? q.rows.length : q.rows.length - 1;
    out += placeCursor();
    if (out) stream.write(out);
    return true;
  }) as FrameWriter;

  render.clear = () => {
    let out = returnToRest();
    if (previous !== '') out += up(rest) + '\r' + ERASE_BELOW;
    if (out) stream.write(out);
    previous = '';
    prevRows = [];
    rest = 0;
  };
  render.done = () => {
    previous = '';
    prevRows = [];
    shownAt = undefined;
    rest = 0;
    if (!options.showCursor) {
      stream.write(SHOW);
      hidden = false;
    }
  };
  render.sync = (str: string) => {
    // the caller wrote `str` itself (a full repaint): it is on screen, the cursor below it
    let out = '';
    if (shownAt && !cursorDirty) out += HIDE;
    shownAt = undefined;
    previous = str;
    const q = splitFrame(str);
    prevRows = q.rows;
    rest = q.trailing ? q.rows.length : q.rows.length - 1;
    out += placeCursor();
    if (out) stream.write(out);
  };
  render.setCursorPosition = (position) => {
    cursor = position;
    cursorDirty = true;
  };
  render.isCursorDirty = () => cursorDirty;
  render.willRender = (str: string) => changed(str);
  return render;
}

/** Ink's `logUpdate` shape: `create(stream, { showCursor, incremental })`. */
export default {
  create: (stream: Writable, options: { showCursor?: boolean; incremental?: boolean } = {}): FrameWriter => createFrameWriter(stream, { showCursor: options.showCursor }),
};
