// The bundle draws every frame with src/terminal/inkoutput.ts in place of Ink's own output stage:
// it must produce the same frame, byte for byte, for the same operations. Held to the original here:
// on the frames of real screens (every Output Ink builds while the screens render is checked) and on
// random operations with colours, wide characters, clips and transformers.
import React from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
vi.hoisted(() => {
  process.env.FORCE_COLOR = '3';
});
import { render } from 'ink-testing-library';
import { Box, Text } from 'ink';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import Fast from '../../src/terminal/inkoutput.js';
import { tokenize } from '@alcalzone/ansi-tokenize';
import { isNarrowChar } from '../../src/terminal/width.js';
import { mount, KEY, type Harness } from '../ui/fake.js';
import { LogBuffer } from '../../src/store/logbuffer.js';
import { LogQuery } from '../../src/store/logquery.js';
import { DEFAULT_LOG_VIEW_OPTIONS, FOLLOW, LogView } from '../../components/LogView.js';

type Op = { type: 'write'; x: number; y: number; text: string; transformers: ((s: string, i: number) => string)[] } | { type: 'clip'; clip: object } | { type: 'unclip' };
interface InkOutput {
  width: number;
  height: number;
  operations: Op[];
  get(): { output: string; height: number };
}

// Ink's own Output, the very module instance its renderer uses (not exported by the package).
const inkDir = createRequire(import.meta.url).resolve('ink').replace(/index\.js$/, '');
let Original: { prototype: InkOutput } & (new (o: { width: number; height: number }) => InkOutput);

function replay(ops: Op[], width: number, height: number): string {
  const f = new Fast({ width, height });
  for (const op of ops) {
    if (op.type === 'write') f.write(op.x, op.y, op.text, { transformers: op.transformers });
    else if (op.type === 'clip') f.clip(op.clip);
    else f.unclip();
  }
  return f.get().output;
}

const compared = { frames: 0, mismatches: [] as { ink: string; ours: string }[] };
let restore: (() => void) | null = null;

beforeAll(async () => {
  Original = (await import(pathToFileURL(`${inkDir}output.js`).href)).default;
  const get = Original.prototype.get;
  Original.prototype.get = function (this: InkOutput) {
    const r = get.call(this);
    const ours = replay(this.operations, this.width, this.height);
    compared.frames++;
    if (ours !== r.output) compared.mismatches.push({ ink: r.output, ours });
    return r;
  };
  restore = () => {
    Original.prototype.get = get;
  };
});
afterAll(() => restore?.());

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

describe('the output stage (src/terminal/inkoutput.ts) draws what Ink draws', () => {
  it('on the fleet, the environment screen and the log view, frame after frame', async () => {
    const before = compared.frames;
    h = await mount();
    await h.press('j', 'j', 'k', 'v', 'v', 'o', 'O', '/', 's', 'h', KEY.enter, KEY.esc);
    await h.press(KEY.enter);
    await h.wait(60);
    await h.press(KEY.esc, 'j', 'j', 'j', KEY.down, KEY.up);
    h.unmount();
    h = null;

    // a following log view with colours, wide characters and a long line cut with an ellipsis
    const b = new LogBuffer();
    const q = new LogQuery(b);
    const v = render(<LogView buffer={b} query={q} width={50} height={6} scroll={FOLLOW} options={DEFAULT_LOG_VIEW_OPTIONS} />);
    for (let i = 0; i < 12; i++) {
      b.append([
        { seq: i, ts: Date.UTC(2026, 0, 1, 12, 0, i), source: 'shop@live', service: 'web', message: i % 3 ? `GET /orders/${i} 200 日本語 ✓ ${'x'.repeat(i * 5)}` : `ERROR boom ${i}` },
      ]);
      v.rerender(<LogView buffer={b} query={q} width={50} height={6} scroll={FOLLOW} options={DEFAULT_LOG_VIEW_OPTIONS} />);
    }
    expect(v.lastFrame()).toContain('ERROR boom 9');
    v.unmount();

    expect(compared.frames - before).toBeGreaterThan(20);
    expect(compared.mismatches.slice(0, 1)).toEqual([]);
  });

  it('on clipped boxes with wide characters, colours and overflow', async () => {
    const before = compared.frames;
    const v = render(
      <Box flexDirection="column" width={30} height={6}>
        <Box width={12} height={2} overflow="hidden" borderStyle="round">
          <Text color="red">{'日本語のテキストは長い'}</Text>
        </Box>
        <Box marginLeft={3} width={10} overflowX="hidden">
          <Text backgroundColor="blue">{'abc\x1b[1mbold\x1b[22m😀😀😀 tail'}</Text>
        </Box>
        <Text wrap="truncate-middle">{'a very long line that is cut in the middle, with é and 😀'}</Text>
      </Box>,
    );
    expect(v.lastFrame()).toBeTruthy();
    v.unmount();
    expect(compared.frames - before).toBeGreaterThan(0);
    expect(compared.mismatches.slice(0, 1)).toEqual([]);
  });
});

describe('the run path takes a character beyond ASCII', () => {
  it('only where the tokenizer Ink uses takes it alone as one narrow character (every candidate, one by one)', () => {
    const wrong: string[] = [];
    let narrow = 0;
    for (let c = 0x80; c <= 0xffff; c++) {
      if (!isNarrowChar(c)) continue;
      narrow++;
      const ch = String.fromCharCode(c);
      const t = tokenize(ch);
      if (!(t.length === 1 && t[0]!.type === 'char' && t[0]!.value === ch && !t[0]!.fullWidth)) wrong.push(`U+${c.toString(16)}`);
    }
    expect(narrow).toBeGreaterThan(1000);
    expect(wrong).toEqual([]);
  });
});

describe('random operations', () => {
  const pieces = ['plain', 'é', '日本', '😀', '\x1b[31mred\x1b[39m', '\x1b[1mbo\x1b[22m', ' ', '\x1b[44m  bg \x1b[49m', 'x'.repeat(7), '→', '\t'];
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return (seed >>> 8) % n;
  };
  const text = (): string => {
    const lines: string[] = [];
    for (let l = 0, n = 1 + rnd(3); l < n; l++) {
      let s = '';
      for (let i = 0, m = rnd(6); i < m; i++) s += pieces[rnd(pieces.length)];
      lines.push(s);
    }
    return lines.join('\n');
  };
  const upper = (s: string): string => s.toUpperCase();
  const dim = (s: string, i: number): string => (i % 2 ? `\x1b[2m${s}\x1b[22m` : s);

  it('give the same frame as Ink', () => {
    let writes = 0;
    for (let round = 0; round < 400; round++) {
      const width = 1 + rnd(40);
      const height = rnd(8);
      const ink = new Original({ width, height });
      const ops: Op[] = [];
      for (let k = 0, n = rnd(12); k < n; k++) {
        const r = rnd(10);
        if (r < 7) writes++;
        if (r < 7) ops.push({ type: 'write', x: rnd(width + 5) - 2, y: rnd(height + 2) - 1, text: text(), transformers: rnd(3) ? [] : rnd(2) ? [upper] : [dim, upper] });
        else if (r < 9) ops.push({ type: 'clip', clip: rnd(2) ? { x1: rnd(width), x2: rnd(width + 3), y1: undefined, y2: undefined } : { x1: rnd(width), x2: rnd(width + 3), y1: rnd(height), y2: rnd(height + 2) } });
        else ops.push({ type: 'unclip' });
      }
      ink.operations = ops;
      const before = compared.mismatches.length;
      const expected = ink.get().output; // (also compared by the patched get)
      expect(compared.mismatches.length).toBe(before);
      // and twice in a row (the second time from the caches)
      expect(replay(ops, width, height)).toBe(expected);
    }
    expect(writes).toBeGreaterThan(1000);
  });

  // rows of narrow characters and SGR only take the run path (most of a log pane): every kind of SGR
  // the reducer treats apart — intensity pairs, resets, 256 and true colours, ends without a start
  it('give the same frame as Ink on rows of narrow characters and SGR sequences (the run path)', () => {
    const sgr = ['\x1b[31m', '\x1b[39m', '\x1b[1m', '\x1b[2m', '\x1b[22m', '\x1b[0m', '\x1b[m', '\x1b[7m', '\x1b[27m', '\x1b[4m', '\x1b[24m',
      '\x1b[38;5;203m', '\x1b[48;5;17m', '\x1b[38;2;10;200;30m', '\x1b[48;2;1;2;3m', '\x1b[49m', '\x1b[1;31m', '\x1b[90m', '\x1b[99m', '\x1b[9m', '\x1b[29m'];
    // narrow characters beyond ASCII take the run path too; wide and zero-width ones must not
    const ascii = ['a', 'log line', ' ', '  ', 'GET /x 200', '[web]', '12:00:01', '~!@#$%^&*()_+{}|:"<>?', '…', '│─┐', '●○', '✓', 'é', '→', '▁▂▇', 'ß',
      '😀', '日', '\u00ad', '◽', 'e\u0301', '⌚', '\u200d'];
    // a transformer that shows the very bytes it was given (a cut that changed them would show)
    const byteSensitive = (t: string): string => `${t}\x1b[3${t.length % 8}m.\x1b[39m`;
    const piece = (): string => {
      let s = '';
      for (let i = 0, m = 1 + rnd(8); i < m; i++) s += rnd(2) ? sgr[rnd(sgr.length)] : ascii[rnd(ascii.length)];
      return s;
    };
    for (let round = 0; round < 1500; round++) {
      const width = 1 + rnd(60);
      const height = 1 + rnd(4);
      const ink = new Original({ width, height });
      const ops: Op[] = [];
      for (let k = 0, n = 1 + rnd(6); k < n; k++) {
        if (rnd(8) === 0) ops.push({ type: 'clip', clip: { x1: rnd(width), x2: rnd(width + 3), y1: undefined, y2: undefined } });
        else ops.push({ type: 'write', x: rnd(width), y: rnd(height), text: piece(), transformers: [[], [], [(t: string) => `\x1b[32m${t}\x1b[39m`], [byteSensitive]][rnd(4)]! });
      }
      ink.operations = ops;
      const expected = ink.get().output;
      expect(replay(ops, width, height)).toBe(expected);
    }
  });
});
