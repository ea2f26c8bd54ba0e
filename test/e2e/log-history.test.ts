// End-to-end: older log history in the bundled console against its sandbox, in a real pty.
// `:logs APP@ENV --since 2h` opens the log view with the last two hours (under a marker naming the
// window); `[` loads the 10 minutes before the oldest line held, marked the same way; a bad --since
// is refused in the palette's words.
import { describe, expect, it } from 'vitest';
import { KEYS } from './harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();

const MARKER = /older history, from (\d\d:\d\d:\d\d) to (\d\d:\d\d:\d\d)/;

describe('older log history', () => {
  it(':logs --since 2h, then [ for the window before it', async () => {
    const p = e2e.console({ cols: 140, rows: 36 });
    await p.waitForText(/acme-reports/, 10_000 * SCALE);
    await p.press(':');
    await p.type('logs acme-reports@live --since 2h');
    const t0 = Date.now();
    await p.press(KEYS.enter);
    // the status line says what came, the marker names the window
    await p.waitForText(/older history from \d\d:\d\d:\d\d to \d\d:\d\d:\d\d: [\d,]+ lines?/, 60_000 * SCALE);
    let s = await p.waitForText(MARKER, 10_000 * SCALE);
    const first = MARKER.exec(s)!;
    // from two hours before the command (to the minute), to where the live lines begin
    const span = (t: string): number => {
      const [h, m, x] = t.split(':').map(Number);
      return h! * 3600 + m! * 60 + x!;
    };
    const d = new Date(t0 - 2 * 3_600_000);
    const expected = d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds();
    const off = (expected - span(first[1]!) + 86_400) % 86_400;
    expect(off).toBeLessThanOrEqual(60 + 5);
    // the view shows the start of what was loaded: the marker is on top, lines of acme-reports@live below it
    expect(s).toMatch(/PAUSED/);
    expect(s).toMatch(/acme-reports@live\/\w+ /);

    // `[`: the 10 minutes before
    await p.press('[');
    s = await p.waitForText(new RegExp(`older history, from \\d\\d:\\d\\d:\\d\\d to ${first[1]!.slice(0, 5)}`), 30_000 * SCALE);
    const second = new RegExp(`older history, from (\\d\\d:\\d\\d:\\d\\d) to ${first[1]!.slice(0, 5)}`).exec(s)!;
    expect((span(first[1]!) - span(second[1]!) + 86_400) % 86_400).toBeLessThanOrEqual(11 * 60);
    // f follows the tail again: the live lines are still there after the history
    await p.press('f');
    await p.waitForText(/FOLLOW/);
  }, 300_000);

  it('a bad --since is refused in the palette', async () => {
    const p = e2e.console();
    await p.waitForText(/acme-reports/, 10_000 * SCALE);
    await p.press(':');
    await p.type('logs acme-reports@live --since soon');
    await p.press(KEYS.enter);
    await p.waitForText(/--since needs a duration/);
  }, 60_000);
});
