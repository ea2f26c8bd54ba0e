// End-to-end: a job that ends says so. The bundled console in a real pty against its sandbox: a
// backup started from the palette ends while the fleet is on screen → the bell, an OSC 9 desktop
// notification (wrapped for tmux: the console believes it runs inside tmux, as $TMUX says) and a
// status line; with DIVIO_TUI_NO_NOTIFY neither bell nor OSC is written, the status line still is.
import { describe, expect, it } from 'vitest';
import { KEYS, type Pty } from './harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();
/** The sandbox's clock 10× faster: a backup takes seconds, not half a minute. */
const FAST = ['--sandbox', '--ephemeral', '--seed', '1', '--speed', '10'];

async function backupFromFleet(pty: Pty): Promise<string> {
  await pty.waitForText(/acme-reports/, 10_000 * SCALE);
  await pty.press(':');
  await pty.type('backup acme-reports@test');
  await pty.press(KEYS.enter);
  await pty.waitForText(/Create a backup of acme-reports@test\?/, 5000 * SCALE);
  await pty.press('y');
  // still on the fleet: the end is announced in the status line
  return pty.waitForText(/backup acme-reports@test succeeded/, 60_000 * SCALE);
}

describe('notifications when a job ends', () => {
  it('bell + OSC 9 through tmux passthrough when the job ends while another view is on screen', async () => {
    const p = e2e.console({ args: FAST, env: { TERM_PROGRAM: 'iTerm.app', TMUX: '/tmp/tmux-e2e/default,1,0' } });
    const s = await backupFromFleet(p);
    expect(s).toMatch(/fleet/);
    await p.waitForRaw('\x1bPtmux;\x1b\x1b]9;divio-tui: backup acme-reports@test succeeded\x07\x1b\\', 5000 * SCALE);
    // the bell comes right before the notification (nothing else in the console rings it)
    expect(p.raw()).toContain('\x07\x1bPtmux;');
    // the bell and the OSC's terminator, nothing else: a deployment the gateway found running at start
    // (nordwind-api@test, started elsewhere) ends too, and is not announced
    expect(p.raw().split('\x07').length - 1).toBe(2);
  });

  it('DIVIO_TUI_NO_NOTIFY: no bell, no OSC, the status line still says it', async () => {
    const p = e2e.console({ args: FAST, env: { TERM_PROGRAM: 'iTerm.app', DIVIO_TUI_NO_NOTIFY: '1' } });
    await backupFromFleet(p);
    expect(p.raw()).not.toContain('\x07');
    expect(p.raw()).not.toContain('\x1b]9;');
  });
});
