// End-to-end: editing keys in the typed boxes of the built console, in a real terminal. Ctrl-W deletes
// the last word and Ctrl-U clears the line, as in a shell, in the typed confirmation of a live deploy
// (the dialog every typed confirmation uses), the command palette and the log filter.
import { describe, expect, test } from 'vitest';
import { KEYS } from './harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();
const CTRL_U = '\x15';
const CTRL_W = '\x17';

describe('typed boxes in a real terminal', () => {
  test('Ctrl-W and Ctrl-U in the live deploy confirmation, the palette and the log filter', async () => {
    const p = e2e.console({ cols: 120, rows: 32 });
    await p.waitForText(/nordwind-shop/, 8000 * SCALE);
    // the palette: Ctrl-W takes back the last word
    await p.press(':');
    await p.type('env nordwind-shop@test');
    await p.waitForText(/^:env nordwind-shop@test/m);
    await p.press(CTRL_W);
    await p.waitForText(/^:env\s*$/m);
    await p.type('nordwind-shop@live');
    await p.press(KEYS.enter);
    await p.waitForText(/nordwind-shop › live › environment/, 5000 * SCALE);
    // the deploy cockpit; deploying live asks for the typed confirmation
    await p.press('D');
    await p.waitForText(/build mode:/, 5000 * SCALE);
    await p.press('D');
    await p.waitForText(/Type \S+ to deploy/);
    await p.type('nordwind shop');
    await p.waitForText(/> nordwind shop_/);
    await p.press(CTRL_W);
    let s = await p.waitForText(/> nordwind _/);
    await p.type('oops');
    await p.waitForText(/> nordwind oops_/);
    await p.press(CTRL_U);
    s = await p.waitForText(/> _/);
    expect(s).not.toContain('nordwind oops');
    // an empty box does not confirm; Esc cancels, nothing was deployed
    await p.press(KEYS.enter);
    await p.waitForText(/exactly to confirm/);
    await p.press(KEYS.esc);
    await p.waitForGone(/Type \S+ to deploy/);
    // the log filter (the runtime logs from the cockpit)
    await p.press('l');
    await p.waitForText(/FOLLOW|connecting to the log stream/, 5000 * SCALE);
    await p.press('/');
    await p.type('@status>=500 timeout');
    await p.waitForText(/\/@status>=500 timeout_/);
    await p.press(CTRL_W);
    await p.waitForText(/\/@status>=500 _/);
    await p.press(CTRL_U);
    await p.waitForText(/^\/_/m);
    await p.press(KEYS.esc);
  }, 60_000);
});
