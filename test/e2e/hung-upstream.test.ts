// End-to-end: a hung upstream (log requests that never answer) is said on the log screen of the built
// console within 15 s ("upstream … not answering"), and the line clears when the upstream answers
// again. The console (the bundle, in a real pty) attaches to a gateway and sandbox run by the test,
// so the test can hang the sandbox and let it recover.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { KEYS } from './harness.js';
import { SCALE, useE2e } from './setup.js';
import { OPERATOR, startRig, type Rig } from '../gateway/helpers.js';

const e2e = useE2e();
let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ sandbox: { logRate: 1 } });
});
afterAll(async () => {
  await rig?.close();
});

describe('a hung upstream in a real terminal', () => {
  test('the log screen says "not answering" within 15 s and clears once data flows again', async () => {
    const p = e2e.console({ cols: 140, rows: 30, args: ['--gateway', rig.gateway.url, '--token', OPERATOR] });
    await p.waitForText(/nordwind-shop/, 8000 * SCALE);
    await p.press(':');
    await p.type('env nordwind-shop@test');
    await p.press(KEYS.enter);
    await p.waitForText(/nordwind-shop › test › environment/, 5000 * SCALE);
    await p.press('l');
    await p.waitForText(/FOLLOW/, 8000 * SCALE);
    await p.waitForText(/\d+ lines of/, 8000 * SCALE);
    // every log request from now on gets no answer at all
    rig.sandbox.setFaults('/apps/v3/environments/*/logs/ hang');
    const t0 = Date.now();
    const s = await p.waitForText(/upstream .*not answering/, 15_000);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(s).toMatch(/nordwind-shop@test/);
    // the upstream recovers: the held requests are answered, new lines arrive, the line clears
    rig.sandbox.setFaults(null);
    rig.sandbox.emitLog(rig.sandbox.ids('nordwind-shop', 'test').env!, [{ message: 'the upstream answers again' }]);
    await p.waitForText(/the upstream answers again/, 10_000 * SCALE);
    await p.waitForGone(/not answering/, 5000 * SCALE);
  }, 120_000);
});
