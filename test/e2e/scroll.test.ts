// End-to-end: a following log view scrolls the terminal instead of repainting it (issue 16), and the
// screen that leaves is the screen a full repaint draws. The bundled console tails a sandbox
// environment in a real pty; while lines flow, the bytes it writes must move rows (delete/insert
// line); then, at several moments, the view is paused and the screen is compared with what Ctrl-L
// (erase everything, draw the frame from scratch) draws.
import { describe, expect, it } from 'vitest';
import { KEYS, type Pty } from './harness.js';
import { timeScale, useE2e } from './setup.js';

const e2e = useE2e();
const SCALE = timeScale(1);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The screen without the rows that change by themselves while a view is paused (counters, clock). */
function stable(lines: string[]): string[] {
  return lines.filter((l) => !/FOLLOW|PAUSED|lines of 100k|new lines?\b|\bjobs? running/.test(l));
}

/** Wait until the screen's stable rows stop changing. */
async function settled(pty: Pty): Promise<string[]> {
  let last = stable(pty.lines()).join('\n');
  let since = Date.now();
  const end = Date.now() + 10_000 * SCALE;
  while (Date.now() < end) {
    await sleep(100);
    const now = stable(pty.lines()).join('\n');
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= 700) return stable(pty.lines());
  }
  throw new Error(`the screen did not settle:\n${pty.screenText()}`);
}

describe('a following log view in a real terminal', () => {
  it('moves rows for new lines, and its screen equals a full repaint', async () => {
    const p = e2e.console({ cols: 120, rows: 30, args: ['--sandbox', '--ephemeral', '--seed', '1', '--log-rate', '6'] });
    await p.waitForText(/nordwind-shop/, 15_000 * SCALE);
    await p.press(':');
    await p.waitForText(/^:_?$/m, 5000 * SCALE);
    await p.type('logs nordwind-shop@live');
    await p.press(KEYS.enter);
    await p.waitForText(/nordwind-shop › live › logs/, 5000 * SCALE);
    await p.waitForText(/FOLLOW/, 5000 * SCALE);
    await p.waitForText(/[2-9]\d* lines of 100k|\d{3,} lines of 100k/, 15_000 * SCALE);

    for (let round = 0; round < 3; round++) {
      // lines flow in: the terminal is told to move rows (CSI n M / CSI n L), not to rewrite them
      const mark = p.raw().length;
      const end = Date.now() + 8000 * SCALE;
      while (!/\x1b\[\d+M[\s\S]*\x1b\[\d+L/.test(p.raw().slice(mark)) && Date.now() < end) await sleep(100);
      expect(p.raw().slice(mark)).toMatch(/\x1b\[\d+M[\s\S]*\x1b\[\d+L/);

      // pause (one row up), then compare with a repaint from scratch
      await p.press('k');
      await p.waitForText(/PAUSED/, 5000 * SCALE);
      const before = await settled(p);
      const mark2 = p.raw().length;
      await p.press('\x0c');
      const end2 = Date.now() + 5000 * SCALE;
      while (!p.raw().slice(mark2).includes('\x1b[2J') && Date.now() < end2) await sleep(50);
      expect(p.raw().slice(mark2)).toContain('\x1b[2J');
      const after = await settled(p);
      expect(before).toEqual(after);
      expect(before.filter((l) => /nordwind-shop@live\//.test(l)).length).toBeGreaterThan(5);

      // follow the tail again
      await p.press('f');
      await p.waitForText(/FOLLOW/, 5000 * SCALE);
    }
  });
});
