// End-to-end: carriage-return progress output ("10%\r60%\r100%") shows as a terminal shows it, the
// last overwrite, in the deployment log view and in the runtime logs of the built console.
import { afterEach, describe, expect, test } from 'vitest';
import { spawnConsole, binAvailable, KEYS, type Pty } from './harness.js';

let p: Pty | null = null;
afterEach(() => {
  p?.cleanup();
  p = null;
});
const SCALE = Number(process.env.E2E_TIME_SCALE ?? 4);

describe.skipIf(!binAvailable())('progress lines in a real terminal', () => {
  test('the deployment log and the runtime logs show the final state of a progress line', async () => {
    p = spawnConsole({ cols: 140, rows: 90 }); // the whole deployment log on one screen
    await p.waitForText(/nordwind-shop/, 8000 * SCALE);
    await p.press(':');
    await p.type('env nordwind-shop@test');
    await p.press(KEYS.enter);
    await p.waitForText(/nordwind-shop › test › environment/, 5000 * SCALE);
    // the last deployment's log, from its top
    await p.press('d');
    await p.waitForText(/Deployment finished/, 8000 * SCALE);
    await p.press('g');
    let s = await p.waitForText(/layer [0-9a-f]{12}: pushed 100%/, 5000 * SCALE);
    expect(s).not.toMatch(/pushing {2}10%|pushing {2}60%/);
    // the runtime logs, filtered to the reindexing job's progress line
    await p.press(KEYS.esc);
    await p.waitForText(/nordwind-shop › test › environment/, 5000 * SCALE);
    await p.press('l');
    await p.waitForText(/FOLLOW/, 8000 * SCALE);
    await p.press('/');
    await p.type('Reindexing');
    await p.press(KEYS.enter);
    s = await p.waitForText(/Reindexing products: 100%/, 20_000 * SCALE);
    expect(s).not.toMatch(/ 10%|60%Reindexing/);
  }, 120_000);
});
