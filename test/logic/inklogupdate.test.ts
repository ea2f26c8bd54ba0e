// The scrolling frame writer (src/terminal/inklogupdate.ts) must leave exactly the screen a plain
// repaint leaves. Two terminal emulators (@xterm/headless) receive the same frames, one through
// Ink's own incremental writer, one through the scrolling one; after every frame both screens —
// characters, colours, attributes — must be the same, and equal to the frame itself.
import { describe, expect, it } from 'vitest';
import xtermHeadless from '@xterm/headless';
import { Writable } from 'node:stream';
import inkLogUpdate from '../../node_modules/ink/build/log-update.js';
import { applyShift, createFrameWriter, findShift, scrollSupported } from '../../src/terminal/inklogupdate.js';
import { fixIncrementalCursor } from '../../src/tui.js';

const { Terminal } = xtermHeadless as unknown as typeof import('@xterm/headless');
type Term = InstanceType<typeof Terminal>;

class Sink extends Writable {
  bytes = 0;
  raw = '';
  constructor(private term: Term) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    // as the console's stdout wrapper does (src/tui.tsx); convertEol below is the tty's ONLCR
    const s = fixIncrementalCursor(chunk.toString());
    this.bytes += Buffer.byteLength(s);
    this.raw += s;
    this.term.write(s, cb);
  }
}

function screen(t: Term): string[] {
  const b = t.buffer.active;
  const out: string[] = [];
  const cell = b.getNullCell();
  for (let y = 0; y < t.rows; y++) {
    const line = b.getLine(y)!;
    let row = '';
    for (let x = 0; x < t.cols; x++) {
      line.getCell(x, cell);
      row += `${cell.getChars() || ' '}${cell.getFgColor()}/${cell.getBgColor()}/${cell.isBold()}${cell.isInverse()}${cell.isDim()}|`;
    }
    out.push(row);
  }
  return out;
}
const text = (t: Term): string[] => {
  const b = t.buffer.active;
  return Array.from({ length: t.rows }, (_, y) => b.getLine(y)!.translateToString(true));
};
const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');
const flush = (t: Term): Promise<void> => new Promise((r) => t.write('', r));

async function pair(cols: number, rows: number, scroll = true) {
  const ta = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0, convertEol: true });
  const tb = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0, convertEol: true });
  const sa = new Sink(ta);
  const sb = new Sink(tb);
  const a = createFrameWriter(sa, { scroll });
  const b = inkLogUpdate.create(sb, { incremental: true });
  return {
    ta,
    tb,
    sa,
    sb,
    async frame(f: string) {
      a(f);
      b(f);
      await new Promise<void>((r) => sa.write('', () => r()));
      await new Promise<void>((r) => sb.write('', () => r()));
      await flush(ta);
      await flush(tb);
    },
  };
}

let seed = 11;
const rnd = (n: number): number => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return (seed >>> 8) % n;
};
const COLORS = ['\x1b[31m', '\x1b[33m', '\x1b[2m', '\x1b[1m', '\x1b[36m', '\x1b[7m'];
let counter = 0;
function logLine(width: number): string {
  counter++;
  const msg = `12:00:${String(counter % 60).padStart(2, '0')}.${counter} web GET /orders/${counter} 200 ${'x'.repeat(rnd(width))}`.slice(0, width);
  return rnd(3) === 0 ? `${COLORS[rnd(COLORS.length)]}${msg}\x1b[0m` : rnd(5) === 0 ? `${msg.slice(0, 20)}日本語✓${msg.slice(26, width - 4)}` : msg;
}

describe('the scrolling frame writer', () => {
  it.each([true, false])('leaves the same screen as a repaint, frame after frame, with fewer bytes (moves: %s)', async (scroll) => {
    const cols = 60;
    const rows = 16;
    const h = rows - 1; // the console's frame: rows - 1, then a newline
    const t = await pair(cols, rows, scroll);
    const head = ['\x1b[1m SANDBOX \x1b[0m │ acme › live › logs', '\x1b[7mFOLLOW\x1b[0m web, worker'];
    let log: string[] = Array.from({ length: h - 4 }, () => logLine(cols));
    let n = 0;
    let overlay = false;
    for (let step = 0; step < 300; step++) {
      const r = rnd(20);
      if (r < 12) {
        // lines arrive at the bottom (1 to a pane and a half)
        const k = rnd(6) === 0 ? 1 + rnd(log.length + 6) : 1 + rnd(3);
        for (let i = 0; i < k; i++) log.push(logLine(cols));
        log = log.slice(-(h - 4));
        n += k;
      } else if (r < 14) {
        // the user scrolls back a few rows (content moves down)
        const k = 1 + rnd(4);
        log = [...Array.from({ length: k }, () => logLine(cols)), ...log].slice(0, h - 4);
      } else if (r < 15) overlay = !overlay;
      else if (r < 16) log[rnd(log.length)] = logLine(cols); // one row changes in place
      const body = overlay ? log.map((l, i) => (i > 2 && i < 7 ? `  ┌ confirm ${i} ───────────┐ ${plain(l).slice(30)}` : l)) : log;
      const frame = [...head, ...body, `${n} lines of 100k · evicted 0 · lost 0`, ' q quit  / filter  ? help'].join('\n') + '\n';
      await t.frame(frame);
      expect(text(t.ta)).toEqual(text(t.tb));
      expect(screen(t.ta)).toEqual(screen(t.tb));
      expect(text(t.ta).slice(0, h).map((l) => l.trimEnd())).toEqual(frame.split('\n').slice(0, h).map((l) => plain(l).trimEnd()));
    }
    // the moves were used, and they saved bytes
    if (scroll) {
      expect(t.sa.raw).toMatch(/\x1b\[\d+M/);
      expect(t.sa.raw).toMatch(/\x1b\[\d+L/);
      expect(t.sa.bytes).toBeLessThan(t.sb.bytes * 0.6);
    } else expect(t.sa.raw).not.toMatch(/\x1b\[\d+[ML]/);
  });

  it('a tail of one line at a time writes about the line, not the pane', async () => {
    const t = await pair(100, 30);
    const log: string[] = Array.from({ length: 25 }, () => logLine(100));
    const frame = () => ['header', ...log.slice(-25), 'status', 'keys'].join('\n') + '\n';
    await t.frame(frame());
    const a0 = t.sa.bytes;
    const b0 = t.sb.bytes;
    let textBytes = 0;
    for (let i = 0; i < 20; i++) {
      const l = logLine(100);
      textBytes += Buffer.byteLength(l);
      log.push(l);
      await t.frame(frame());
      expect(text(t.ta)).toEqual(text(t.tb));
      expect(screen(t.ta)).toEqual(screen(t.tb));
    }
    const scrolled = t.sa.bytes - a0;
    const repainted = t.sb.bytes - b0;
    expect(repainted / textBytes).toBeGreaterThan(10); // the whole pane, every time
    expect(scrolled / textBytes).toBeLessThan(1.5);
  });

  it('a spinner tick rewrites its row only', async () => {
    const t = await pair(100, 30);
    const rows = Array.from({ length: 29 }, (_, i) => `row ${i} ${'.'.repeat(80)}`);
    const frame = (spin: string) => rows.map((r, i) => (i === 4 ? `  ${spin} running   build   12s` : r)).join('\n') + '\n';
    await t.frame(frame('⠋'));
    const a0 = t.sa.bytes;
    for (const f of ['⠙', '⠹', '⠸', '⠼']) await t.frame(frame(f));
    expect(text(t.ta)[4]).toBe('  ⠼ running   build   12s');
    expect(screen(t.ta)).toEqual(screen(t.tb));
    expect((t.sa.bytes - a0) / 4).toBeLessThan(50); // the row (28 bytes) and the cursor moves
  });
});

describe('findShift (pure)', () => {
  const L = (s: string) => s.split('');
  it('finds a block moved up by k, and applyShift reproduces the moved rows', () => {
    const prev = ['h', ...Array.from({ length: 10 }, (_, i) => `line ${i} ${'.'.repeat(40)}`), 'f'];
    const next = ['h', ...prev.slice(3, 11), `new 1 ${'.'.repeat(40)}`, `new 2 ${'.'.repeat(40)}`, 'f'];
    const s = findShift(prev, next)!;
    expect(s).toMatchObject({ k: 2, from: 1, to: 8 });
    const moved = applyShift(prev, s);
    expect(moved.slice(1, 9)).toEqual(next.slice(1, 9));
    expect(moved.slice(9, 11)).toEqual(['', '']);
  });
  it('no move when nothing moved, or when it would save too little', () => {
    expect(findShift(L('abcdef'), L('abcdef'))).toBeNull();
    expect(findShift(L('abcdef'), L('bcdefg'))).toBeNull(); // one-byte rows: not worth it
    expect(findShift(['a'], ['b'])).toBeNull();
  });
  it('is off for TERM=dumb and DIVIO_TUI_SCROLL=off', () => {
    expect(scrollSupported({ TERM: 'xterm-256color' })).toBe(true);
    expect(scrollSupported({ TERM: 'dumb' })).toBe(false);
    expect(scrollSupported({ TERM: 'xterm', DIVIO_TUI_SCROLL: 'off' })).toBe(false);
  });
});
