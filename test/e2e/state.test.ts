// End-to-end: the console's persistent state (the default: no --ephemeral) found garbled, and two
// consoles started at the same moment on the same state directory. Needs the bundle.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Pty } from './harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();

/** A console on `state` (XDG_STATE_HOME), persistent sandbox. */
function persistentConsole(state: string): Pty {
  return e2e.console({ cols: 220, rows: 30, args: ['--sandbox', '--seed', '1'], env: { XDG_STATE_HOME: state } });
}

/** The text the program wrote after leaving the alternate screen (its stderr at exit). */
function afterExit(p: Pty): string {
  const raw = p.raw();
  return raw.slice(raw.lastIndexOf('\x1b[?1049l'));
}

describe('persistent state', () => {
  it('every state file garbled: the console starts, shows the fleet and says what it moved aside', async () => {
    const state = e2e.tempDir('divio-tui-e2e-state-');
    const sb = join(state, 'divio-tui', 'sandbox');
    const gw = join(state, 'divio-tui', 'gateway-sandbox');
    mkdirSync(sb, { recursive: true });
    mkdirSync(gw, { recursive: true });
    writeFileSync(join(sb, 'state.json'), '{"version": 1, "seed": 1, "vcl');
    writeFileSync(join(sb, 'ssh_host_ed25519_key'), '-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n');
    writeFileSync(join(sb, 'ssh_host_ed25519_key.pub'), 'ssh-ed25519 AAAA\n');
    writeFileSync(join(gw, 'jobs.json'), '\u0000\u0000\u0000');
    writeFileSync(join(state, 'divio-tui', 'history.json'), '{"not": "a list"}');
    const p = persistentConsole(state);
    await p.waitForText(/unusable sandbox state: moved to/, 10_000 * SCALE);
    // the notices share one line, cut at the width (the sandbox's and the gateway's come from two
    // processes: either may be first)
    await p.waitForText(/unusable [a-zA-Z ]+: moved to .* · unusable /, 10_000 * SCALE);
    await p.waitForText(/nordwind-shop/, 10_000 * SCALE);
    // the sandbox's SSH endpoint starts in the background: quit once it has moved its key aside
    const keyMoved = () => readdirSync(sb).some((f) => f.startsWith('ssh_host_ed25519_key.corrupt-'));
    for (const end = Date.now() + 10_000 * SCALE; !keyMoved() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
    await p.press('q', 'q'); // q on the fleet asks, the second q quits
    expect(await p.waitExit(5000 * SCALE)).toBe(0);
    const out = afterExit(p);
    expect(out).toMatch(/divio-tui: unusable sandbox state: moved to \S+state\.json\.corrupt-\d{8}T\d{6}Z \(unreadable state file: .+\); starting fresh/);
    expect(out).toMatch(/divio-tui: unusable gateway job file: moved to \S+jobs\.json\.corrupt-/);
    expect(out).toMatch(/divio-tui: unusable sandbox SSH host key: moved to \S+ssh_host_ed25519_key\.corrupt-/);
    for (const [dir, file] of [[sb, 'state.json'], [sb, 'ssh_host_ed25519_key'], [gw, 'jobs.json'], [join(state, 'divio-tui'), 'history.json']] as const) {
      expect(readdirSync(dir).filter((f) => f.startsWith(`${file}.corrupt-`))).toHaveLength(1);
    }
    // fresh files were written in their place: the next start is quiet
    expect(existsSync(join(sb, 'state.json'))).toBe(true);
    const again = persistentConsole(state);
    await again.waitForText(/nordwind-shop/, 10_000 * SCALE);
    await again.press('q', 'q'); // q on the fleet asks, the second q quits
    expect(await again.waitExit(5000 * SCALE)).toBe(0);
    expect(afterExit(again)).not.toMatch(/unusable/);
  }, 120_000);

  it('two consoles started at the same moment on one state directory: both work, the second runs a private sandbox and says so', async () => {
    const state = e2e.tempDir('divio-tui-e2e-state-');
    const [a, b] = [persistentConsole(state), persistentConsole(state)];
    await Promise.all([a, b].map((p) => p.waitForText(/nordwind-shop/, 15_000 * SCALE)));
    for (const p of [a, b]) {
      await p.press('q', 'q'); // q on the fleet asks, the second q quits
      expect(await p.waitExit(5000 * SCALE)).toBe(0);
    }
    const said = [a, b].map((p) => /another divio-tui \(pid \d+\) is using the sandbox state in \S+; started a private sandbox instead/.test(afterExit(p)));
    expect(said.filter(Boolean)).toHaveLength(1);
    // the shared directory holds one sandbox's state and no lock once both have ended
    const sb = join(state, 'divio-tui', 'sandbox');
    expect(existsSync(join(sb, 'state.json'))).toBe(true);
    expect(existsSync(join(sb, '.lock'))).toBe(false);
    expect(existsSync(join(state, 'divio-tui', 'gateway-sandbox', '.lock'))).toBe(false);
  }, 120_000);
});
