// End-to-end: the bundled console in a real pseudo-terminal against the embedded sandbox.
// Needs the bundle (`node scripts/bundle.mjs`, or DIVIO_TUI_BIN=path).
import { describe, expect, it } from 'vitest';
import { KEYS } from './harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();

/** The fleet table's header row. */
function headerRow(screen: string): string {
  return screen.split('\n').find((l) => /\bAPP\b/.test(l) && /\bSTATE\b/.test(l)) ?? '';
}

describe('divio-tui in a real terminal', () => {
  it('shows the fleet, filters, opens an environment, help, palette, re-lays out on resize, and leaves the terminal clean', async () => {
    const p = e2e.console({ cols: 140, rows: 34 });
    await p.waitForText(/connecting|SANDBOX/, 5000 * SCALE);
    await p.waitForText(/nordwind-shop/, 8000 * SCALE);
    let s = p.screenText();
    expect(s).toContain('SANDBOX');
    expect(s).toMatch(/● connected/);
    expect(headerRow(s)).toMatch(/ORGANISATION.*BRANCH/);
    expect(s).toContain('acme-booking');

    // `/` filters
    await p.press('/');
    await p.type('nordwind-shop');
    s = await p.waitForText(/3 of 20/);
    expect(s).not.toContain('acme-booking');
    expect(s).toMatch(/nordwind-shop\s+\S.*\blive\b/);
    await p.press(KEYS.enter); // keep the filter, back to the list

    // Enter opens the environment (the first filtered row: nordwind-shop live)
    await p.press(KEYS.enter);
    s = await p.waitForText(/URL\s+\S+/, 5000 * SCALE);
    expect(s).toMatch(/nordwind-shop › live › environment/);
    expect(s).toMatch(/Environment variables \(\d+\)/);

    // ? shows help for this view
    await p.press('?');
    s = await p.waitForText(/help \(env\)/);
    expect(s).toMatch(/Everywhere/);
    expect(s).toMatch(/\?\s+help for this view/);
    await p.press(KEYS.esc);
    await p.waitForGone(/help \(env\)/);

    // : jumps
    await p.press(':');
    await p.type('env acme-portal@qa');
    await p.press(KEYS.enter);
    s = await p.waitForText(/acme-portal › qa › environment/, 5000 * SCALE);

    // back to the fleet, resize to 80 columns: the table drops low-priority columns
    await p.press(':');
    await p.type('fleet');
    await p.press(KEYS.enter);
    await p.waitForText(/ORGANISATION/);
    p.resize(80, 24);
    s = await p.waitForText(/^\s+APP▲\s+ENV\s+LAST DEPLOY\s+STATE\b/m); // ▲: sorted by app
    const hdr = headerRow(s);
    expect(hdr).not.toMatch(/ORGANISATION|BRANCH|TREND/);
    expect(s).toMatch(/nordwind-shop\s+live\s+ok/); // the app column got the room (the filter is kept)
    expect(s).toMatch(/q quit/); // the footer is still on screen
    for (const line of s.split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    // q on the top screen asks first (a stray q must not drop the session); the second q quits:
    // alternate screen left, cursor shown again
    await p.press('q');
    await p.waitForText(/press q again to quit/);
    await p.press('q');
    expect(await p.waitExit(5000)).toBe(0);
    const raw = p.raw();
    expect(raw.startsWith('\x1b[?1049h')).toBe(true);
    const leave = raw.lastIndexOf('\x1b[?1049l');
    expect(leave).toBeGreaterThan(0);
    expect(raw.indexOf('\x1b[?25h', leave)).toBeGreaterThan(leave);
  });

  it('keys in one read each reach the screen the key before opened; an Escape and a key in one read are both keys', async () => {
    const p = e2e.console({ cols: 120, rows: 30 });
    await p.waitForText(/nordwind-shop/, 8000 * SCALE);
    // one write (a paste, a fast typist over a slow link): the palette opens, runs, the environment
    // opens, and e opens its variables there
    await p.press(':env nordwind-shop@test\re');
    let s = await p.waitForText(/nordwind-shop › test › variables/, 5000 * SCALE);
    expect(s).toMatch(/NAME\s+VALUE/);
    // back to the environment, then Escape and ? in one read: the Escape goes back to the fleet,
    // then ? opens the fleet's help (not the environment's)
    await p.press('q');
    await p.waitForText(/nordwind-shop › test › environment/, 5000 * SCALE);
    await p.press('\x1b?');
    s = await p.waitForText(/help \(fleet\)/, 5000 * SCALE);
    expect(s).not.toContain('help (env)');
    // Enter then the next screen's key in one read
    await p.press(KEYS.esc);
    await p.waitForGone(/help \(fleet\)/);
    await p.press('/nordwind-shop\r\rm');
    s = await p.waitForText(/nordwind-shop › live › metrics/, 5000 * SCALE);
  });

  it('a resize (even one column) repaints the whole frame; ctrl-l repaints on demand', async () => {
    const p = e2e.console({ cols: 100, rows: 20 });
    await p.waitForText(/acme-booking/, 8000 * SCALE);
    // The frame is right when the header is on the top rows and the key hints on the last one.
    const whole = async (cols: number, rows: number): Promise<void> => {
      const end = Date.now() + 5000 * SCALE;
      for (;;) {
        const l = p.lines();
        const ok = /^ SANDBOX\s+│ ● connected │/.test(l[0]!) && l[1] === 'fleet' && /\bAPP\b.*\bSTATE\b/.test(l[2]!) && /^q quit {2}\? help/.test(l[rows - 2]!) && l[rows - 1] === '' && l.every((x) => x.length <= cols);
        if (ok) return;
        if (Date.now() > end) throw new Error(`the frame was not repainted at ${cols}x${rows}:\n${l.map((x, i) => `${String(i).padStart(2)}|${x}`).join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await whole(100, 20);
    for (const [c, r] of [
      [99, 20],
      [99, 19],
      [100, 21],
      [90, 18],
      [100, 20],
    ] as const) {
      p.resize(c, r);
      await whole(c, r);
    }
    // Something else writes over the screen (a `wall` message, a stray background job): ctrl-l repairs it.
    await p.inject('\x1b[1;1HSTRAY OUTPUT OVER THE HEADER\x1b[19;1HSTRAY OUTPUT OVER THE KEYS\x1b[5;10H');
    expect(p.screenText()).toContain('STRAY OUTPUT');
    await p.press('\x0c');
    await p.waitForGone(/STRAY OUTPUT/);
    await whole(100, 20);
  });

  it('a crash inside one pane leaves the rest usable; ctrl-c quits cleanly', async () => {
    const p = e2e.console({ cols: 120, rows: 30, env: { DIVIO_TUI_FORCE_PANE_CRASH: 'fleet' } });
    await p.waitForText(/The fleet pane failed/, 8000 * SCALE);
    await p.waitForText('SANDBOX', 8000 * SCALE);
    await p.press('J');
    await p.waitForText(/jobs/);
    await p.waitForText(/Jobs run in the gateway/);
    await p.press(':');
    await p.type('env nordwind-cms@test');
    await p.press(KEYS.enter);
    await p.waitForText(/nordwind-cms › test › environment/, 5000 * SCALE);
    await p.press(KEYS.ctrlC);
    expect(await p.waitExit(5000)).toBe(0);
    expect(p.raw()).toContain('\x1b[?1049l');
  });

  it('LANG=C and NO_COLOR=1: no non-ASCII character on screen and no colour codes; SIGTERM restores the terminal', async () => {
    const p = e2e.console({ cols: 120, rows: 30, env: { LANG: 'C', LC_ALL: undefined, LC_CTYPE: undefined, NO_COLOR: '1' } });
    const screens: string[] = [];
    screens.push(await p.waitForText(/nordwind-shop/, 8000 * SCALE));
    await p.press(KEYS.enter);
    screens.push(await p.waitForText(/URL\s+\S+/, 5000 * SCALE));
    await p.press('G');
    screens.push(p.screenText());
    await p.press('?');
    screens.push(await p.waitForText(/help \(env\)/));
    await p.press(KEYS.esc);
    await p.waitForGone(/help \(env\)/);
    await p.press(KEYS.esc);
    await p.waitForText(/20 environments/);
    await p.press('v');
    screens.push(await p.waitForText(/grouped by organisation/));
    await p.press(':');
    await p.type('env nord');
    screens.push(p.screenText());
    await p.press(KEYS.esc, 'J');
    screens.push(await p.waitForText(/Jobs run in the gateway/));
    for (const sc of screens) {
      const bad = [...sc].find((c) => c.charCodeAt(0) > 0x7e);
      expect(bad, `non-ASCII ${JSON.stringify(bad)} on screen:\n${sc}`).toBeUndefined();
    }
    expect(screens[0]).toContain('[SANDBOX]');
    const raw = p.raw();
    // colour SGRs: 30-37/39 fg, 40-47/49 bg, 90-97/100-107 bright, 38;5/48;5/38;2 extended
    expect(raw).not.toMatch(/\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m/);
    p.kill();
    // (kill sends SIGHUP via the pty; the exit guards restore the terminal)
    await p.waitExit(5000).catch(() => -1);
    expect(p.raw().lastIndexOf('\x1b[?1049l')).toBeGreaterThan(raw.lastIndexOf('\x1b[?1049h'));
  });
});
