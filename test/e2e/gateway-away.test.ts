// End to end: the console attached to a shared gateway (`divio-tui serve`, both the bundle) when
// that gateway goes away (SIGKILL) and comes back on the same address: the header says it is
// reconnecting, the console keeps answering keys, and once the gateway is back the fleet is live again.
import { afterEach, describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { BIN, ROOT } from './harness.js';
import { cleanEnv } from './cli-harness.js';
import { useE2e } from './setup.js';

const e2e = useE2e();
const procs: ChildProcess[] = [];
let home = '';
afterEach(() => {
  for (const p of procs.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
});

function serve(token: string, port: number): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--sandbox', '--port', String(port), '--token', token, '--data-dir', join(home, 'gw')], {
      cwd: ROOT,
      env: cleanEnv(home, { XDG_STATE_HOME: join(home, 'state') }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    procs.push(child);
    let out = '';
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /gateway listening on (ws:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, child });
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code}): ${out} ${err}`)));
  });
}

describe('a shared gateway that goes away', () => {
  test('the header says reconnecting while it is gone; the fleet is live again when it is back', async () => {
    home = e2e.tempDir('divio-tui-gw-away-');
    const token = 'e2e-console-token-0123456789';
    const first = await serve(token, 0);
    const port = Number(new URL(first.url).port);
    const pty = e2e.console({ args: ['--gateway', first.url, '--token', token], cols: 120, rows: 32 });
    await pty.waitForText('acme-reports', 20_000);

    const gone = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await gone;
    let s = await pty.waitForText(/reconnecting/, 15_000);
    expect(s).toContain('acme-reports'); // what was on screen stays
    // keys still work while it is away: help opens and closes
    await pty.press('?');
    await pty.waitForText(/help \(fleet\)/, 5000);
    await pty.press('\x1b');
    await pty.waitForGone(/help \(fleet\)/, 5000);

    await serve(token, port);
    s = await pty.waitForGone(/reconnecting/, 30_000);
    s = await pty.waitForText('acme-reports', 10_000);
    expect(s).not.toMatch(/reconnecting/);
    await pty.press('q', 'q'); // q on the fleet asks, the second q quits
    expect(await pty.waitExit(10_000)).toBe(0);
  }, 90_000);
});
