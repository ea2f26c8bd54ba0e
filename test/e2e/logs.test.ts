// End-to-end: the bundled console in a real pseudo-terminal against the embedded sandbox: tail an
// environment, filter to errors, search and step through matches, toggle timestamps, save to a file
// and check its content. Needs the bundle (`node scripts/bundle.mjs`, or DIVIO_TUI_BIN=path).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYS } from './harness.js';
import { timeScale, useE2e } from './setup.js';
import { waitFor } from '../wait.js';

const e2e = useE2e();
const SCALE = timeScale(1);

/** The log rows between the log status line and the usage line. */
function logRows(screen: string): string[] {
  const rows = screen.split('\n');
  const top = rows.findIndex((r) => /FOLLOW|PAUSED/.test(r));
  const bottom = rows.findIndex((r) => /lines of 100k/.test(r));
  return top >= 0 && bottom > top ? rows.slice(top + 1, bottom).filter((r) => r.trim() !== '') : [];
}

function statusLine(screen: string): string {
  return screen.split('\n').find((r) => /FOLLOW|PAUSED/.test(r)) ?? '';
}

describe('logs in a real terminal', () => {
  it('tails, filters to errors, searches with n/N, toggles timestamps and saves the filtered buffer', async () => {
    const state = e2e.tempDir('divio-tui-e2e-state-');
    const p = e2e.console({ cols: 150, rows: 36, args: ['--sandbox', '--ephemeral', '--seed', '1', '--log-rate', '60'], env: { XDG_STATE_HOME: state } });
    await p.waitForText(/nordwind-shop/, 15_000 * SCALE);
    await p.press(':');
    await p.waitForText(/^:_?$/m, 5000 * SCALE); // the palette prompt
    await p.type('logs nordwind-shop@live');
    await p.press(KEYS.enter);
    let s = await p.waitForText(/nordwind-shop › live › logs/, 5000 * SCALE);
    // tailing: lines flow in, the view follows
    s = await p.waitForText(/[1-9][\d,]* lines of 100k/, 10_000 * SCALE);
    const firstCount = Number(/([\d,]+) lines of 100k/.exec(s)![1]!.replace(/,/g, ''));
    s = await p.waitForText(new RegExp(`(?!${firstCount} )[\\d,]+ lines of 100k`), 10_000 * SCALE);
    expect(statusLine(s)).toContain('FOLLOW');
    expect(logRows(s).length).toBeGreaterThan(3);
    expect(logRows(s).some((r) => /nordwind-shop@live\/(web|worker|cron)/.test(r))).toBe(true);

    // filter to errors over the whole buffer
    await p.press('/');
    await p.type('@level:error');
    await p.press(KEYS.enter);
    s = await p.waitForText(/\/@level:error \([1-9][\d,]* shown\)/, 20_000 * SCALE);
    for (const r of logRows(s)) {
      // markers, traceback continuation lines, and rows cut at the width (the saved file is checked in full below)
      if (/── |-- /.test(r) || /^\s/.test(r) || r.endsWith('\u2026')) continue;
      expect(r).toMatch(/ERROR|Error|Traceback|"level":"error"|HTTP\/1\.1"? ?5\d\d|\(HTTP\/1\.1 5\d\d\)|" 5\d\d /);
    }

    // search within what is shown: the first match, then n and N step
    await p.press('s');
    await p.type('HTTP');
    await p.press(KEYS.enter);
    s = await p.waitForText(/search "HTTP" [1-9]\d*\/[1-9]\d*/, 5000 * SCALE);
    // The stream goes on meanwhile: a line arriving between reading the counter and the key can
    // change what "the match before" is (a traceback's lines join an earlier entry). A step is
    // checked against the counter read just before it, and tried again when the total moved.
    const status = (t: string): [number, number] => {
      const m = /search "HTTP" (\d+)\/(\d+)/.exec(t)!;
      return [Number(m[1]), Number(m[2])];
    };
    const step = async (key: string, dir: 1 | -1): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        const [cur, total] = status(p.screenText());
        await p.press(key);
        const want = dir < 0 ? (cur > 1 ? cur - 1 : total) : cur < total ? cur + 1 : 1;
        s = await waitFor(() => {
          const t = p.screenText();
          return /search "HTTP" \d+\/\d+/.test(t) && status(t)[0] !== cur ? t : null;
        }, 5000 * SCALE, `${key} to move off match ${cur}`);
        const [got, nowTotal] = status(s);
        if (got === want) return;
        if (nowTotal !== total && attempt < 3) continue;
        expect(got, `${key} from ${cur}/${total}`).toBe(want);
        return;
      }
    };
    await step('N', -1);
    await step('n', 1);
    const total = status(s)[1];
    // stepping to a match that is not on screen leaves the tail; with more matches than rows on
    // screen some match is off screen, so n/N above must have paused (a visible match keeps FOLLOW)
    if (total > logRows(s).length) expect(statusLine(s)).toContain('PAUSED');

    // timestamps: local by default (no Z), then UTC, then off
    const tsLocal = /^\d\d:\d\d:\d\d\.\d{3} /;
    expect(logRows(s).some((r) => tsLocal.test(r))).toBe(true);
    await p.press('t');
    s = await p.waitForText(/ts UTC/);
    expect(logRows(s).some((r) => /^\d\d:\d\d:\d\d\.\d{3}Z /.test(r))).toBe(true);
    await p.press('t');
    s = await p.waitForText(/ts off/);
    expect(logRows(s).filter((r) => !/── |-- /.test(r)).some((r) => /^\d\d:\d\d:\d\d/.test(r))).toBe(false);
    await p.press('t');
    await p.waitForText(/ts local/);

    // save: the filtered buffer goes to the XDG state dir; the path is shown
    await p.press('f', 'S');
    s = await p.waitForText(/saved [\d,]+ lines \(filtered\) to \S+\.log/, 5000 * SCALE);
    const saved = Number(/saved ([\d,]+) lines/.exec(s)![1]!.replace(/,/g, ''));
    const dir = join(state, 'divio-tui', 'logs');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^nordwind-shop-live-\d{8}-\d{6}\.log$/);
    expect(s).toContain(files[0]);
    const lines = readFileSync(join(dir, files[0]!), 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBe(saved);
    expect(saved).toBeGreaterThan(0);
    for (const l of lines) {
      // entries start with the full timestamp; traceback frames are indented under their first line
      expect(l).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} |^ {20,}\S/);
      // no escape byte and no control character reaches the file
      expect(l).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f\x9b]/);
    }
    const heads = lines.filter((l) => / nordwind-shop@live\/\w+ /.test(l));
    expect(heads.length).toBeGreaterThan(0);
    for (const l of heads) expect(l).toMatch(/ERROR|Error|Traceback|"level":"error"|HTTP\/1\.1"? ?5\d\d|\(HTTP\/1\.1 5\d\d\)|" 5\d\d /);

    // Esc clears the search, then the filter, then goes back
    await p.press(KEYS.esc);
    await p.waitForGone(/search "HTTP"/);
    await p.press(KEYS.esc);
    await p.waitForGone(/@level:error/);
    await p.press(KEYS.esc);
    await p.waitForText(/ORGANISATION|APP/);
    await p.press('q', 'q'); // q on the fleet asks, the second q quits
    expect(await p.waitExit(5000)).toBe(0);
  }, 90_000);
});
