// End to end: the deploy cockpit in a real terminal against the sandbox. Deploying an environment
// whose release commands fail: the live log streams, then the cockpit names the failing stage and
// opens the log at the first error.
import { describe, expect, test } from 'vitest';
import { KEYS } from './harness.js';
import { useE2e } from './setup.js';

const e2e = useE2e();

describe('deploy cockpit in a real terminal', () => {
  test('a failing deployment: stages stream, then the failing stage is named and the log opens at the first error', async () => {
    // speed 8: an ADOPT deployment runs a few seconds of real time, so the cockpit (polling every
    // 1.5 s) sees it running before it fails (at 30 it could end within one poll)
    const pty = e2e.console({ args: ['--sandbox', '--ephemeral', '--seed', '1', '--speed', '8'], cols: 110, rows: 32 });
    await pty.waitForText('acme-booking', 20_000);
    await pty.press('j', KEYS.enter); // acme-booking@test (its release commands always fail)
    await pty.waitForText(/acme-booking › test › environment/, 8000);
    await pty.press('D');
    await pty.waitForText(/build mode: \[AUTO\]/, 5000);
    await pty.press('m');
    await pty.waitForText('[ADOPT]');
    await pty.press('D');
    await pty.waitForText('Deploy acme-booking@test?', 5000);
    await pty.press('y');
    let s = await pty.waitForText(/deploying \d+ %.*heartbeat \d+s ago/, 10_000);
    expect(s).toMatch(/● (services|checkout|build|release)/);
    s = await pty.waitForText(/Failed at stage release; first error on log line \d+/, 30_000);
    s = await pty.waitForText('Traceback (most recent call last)', 5000);
    expect(s).toMatch(/✗ release/);
    expect(s).toContain('Verdict: FAILED');
    expect(s).toContain('psycopg.errors.NotNullViolation');
    await pty.press('J');
    s = await pty.waitForText(/failed\s+deploy\s+acme-booking@test/, 5000);
  }, 60_000);
});
