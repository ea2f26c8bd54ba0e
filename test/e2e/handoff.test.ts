// The terminal hand-off (ssh): the console leaves the alternate screen, stops its subscriptions,
// lets a child own the terminal, swallows stray keys, and comes back on the same screen and row.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ROOT, KEYS } from './harness.js';
import { SCALE, useE2e } from './setup.js';

// a fixture app (tsx), not the bundle
const e2e = useE2e({ bundle: false });

describe('terminal hand-off', () => {
  it('hands the terminal over and comes back exactly where it was', async () => {
    const p = e2e.console({ cols: 110, rows: 30, node: ['--import', 'tsx', join(ROOT, 'test/e2e/fixtures/handoff-app.tsx')] });
    await p.waitForText(/7 environments/, 15000 * SCALE);
    await p.press('j', 'j', 'j'); // shop@live
    await p.press('s');
    // the child owns the terminal: normal screen, our subscriptions stopped (only the jobs count… none)
    const s = await p.waitForText(/HANDOFF shop@live subscriptions=0/, 5000 * SCALE);
    expect(s).not.toContain('SANDBOX');
    expect(p.raw()).toContain('\x1b[?1049l');
    await p.type('hello');
    await p.press(KEYS.enter);
    await p.waitForText(/GOT hello/, 3000 * SCALE);
    await p.type('xyz'); // stray keys typed while the child exits: swallowed
    const back = await p.waitForText(/shell ended with exit code 3/, 5000 * SCALE);
    expect(back).toContain('SANDBOX');
    expect(back).toMatch(/▶ shop\s+Acme\s+live/); // same row selected
    expect(back).not.toMatch(/\/xyz|sorted by .*xyz/);
    await p.press('j', KEYS.enter); // keys work again
    await p.waitForText(/shop › test › environment/, 3000 * SCALE);
    await p.press(KEYS.esc, 'q', 'q'); // q on the fleet asks first: the second q quits
    expect(await p.waitExit(5000)).toBe(0);
  });
});
