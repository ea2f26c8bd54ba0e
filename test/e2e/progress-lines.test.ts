// End-to-end: carriage-return progress output ("10%\r60%\r100%") shows as a terminal shows it, the
// last overwrite, in the deployment log view of the built console. (Runtime log messages go through
// the same cleanLogText at the way in: test/logic/carriage-return.test.ts; the sandbox's runtime
// progress line is random, so it is not waited for here.)
import { describe, expect, test } from 'vitest';
import { KEYS } from './harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();

describe('progress lines in a real terminal', () => {
  test('the deployment log shows the final state of a progress line', async () => {
    const p = e2e.console({ cols: 140, rows: 90 }); // the whole deployment log on one screen
    await p.waitForText(/nordwind-shop/, 8000 * SCALE);
    await p.press(':');
    await p.type('env nordwind-shop@test');
    await p.press(KEYS.enter);
    await p.waitForText(/nordwind-shop › test › environment/, 5000 * SCALE);
    // the deployments list (newest first), then the newest one's log, from its top
    await p.press('d');
    await p.waitForText(/▶ \d{4}-\d\d-\d\d \d\d:\d\d\s+\d+[smhd]\s/, 8000 * SCALE);
    await p.press(KEYS.enter);
    await p.waitForText(/Deployment finished/, 8000 * SCALE);
    await p.press('g');
    const s = await p.waitForText(/layer [0-9a-f]{12}: pushed 100%/, 5000 * SCALE);
    expect(s).not.toMatch(/pushing {2}10%|pushing {2}60%/);
  }, 120_000);
});
