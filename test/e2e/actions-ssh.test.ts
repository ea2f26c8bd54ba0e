// End to end: SSH hand-off from the console through the real OpenSSH client into the sandbox's SSH
// endpoint. The user's own agent holds the key (HOME and SSH_AUTH_SOCK point at a throwaway key);
// the sandbox publishes its host key, which the console pins for the session.
import { beforeAll, afterAll, describe, expect, test } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { KEYS, type Pty } from './harness.js';
import { useE2e } from './setup.js';

const haveSsh = spawnSync('ssh', ['-V']).status === 0 && spawnSync('ssh-keygen', ['--help']).error === undefined;
const e2e = useE2e();
let home = '';
let agent: ChildProcess | null = null;
let sock = '';

async function typeSeen(p: Pty, prefix: string, text: string): Promise<void> {
  for (let i = 1; i <= text.length; i++) {
    await p.press(text[i - 1]!);
    await p.waitForText((prefix + text.slice(0, i)).trimEnd(), 5000);
  }
}

beforeAll(async () => {
  if (!haveSsh) return;
  home = e2e.tempDir('divio-tui-ssh-home-');
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  const key = join(home, '.ssh', 'id_ed25519');
  expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]).status).toBe(0);
  sock = join(home, 'agent.sock');
  agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
  expect(spawnSync('ssh-add', [key], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).status).toBe(0);
});
afterAll(() => {
  agent?.kill();
});

describe.skipIf(!haveSsh)('ssh hand-off', () => {
  test('s opens a shell in the environment; after exit the console is back on the same screen and answers keys', async () => {
    const pty = e2e.console({ cols: 120, rows: 36, env: { HOME: home, SSH_AUTH_SOCK: sock } });
    await pty.waitForText('acme-reports', 20_000);
    await pty.press(':');
    await typeSeen(pty, ':', 'env acme-reports@live');
    await pty.press(KEYS.enter);
    await pty.waitForText(/Services \(\d+\)/, 8000);
    await pty.waitForText(/SSH\s+ssh -p \d+ acme-reports-live@127\.0\.0\.1/);
    await pty.press('s');
    let s = await pty.waitForText('SSH into acme-reports @ live', 8000);
    expect(s).toContain('sessions end after 30 minutes');
    s = await pty.waitForText(/Divio sandbox: acme-reports \/ live/, 10_000);
    await pty.waitForText(/root@acme-reports-live:.*# ?$/m, 10_000);
    await pty.type('echo "stage=$STAGE"\r');
    s = await pty.waitForText(/^stage=live$/m, 5000);
    await pty.type('exit 3\r');
    // back in the console, on the environment screen it left, with the exit code shown
    s = await pty.waitForText(/Services \(\d+\)/, 10_000);
    expect(s).toMatch(/acme-reports › live › environment/);
    expect(s).not.toContain('stage=live');
    s = await pty.waitForText(/ssh acme-reports@live: ssh exited with code 3/, 5000);
    expect(s).toMatch(/acme-reports › live › environment/);
    // it answers keys: help opens and closes
    await pty.press('?');
    await pty.waitForText(/help \(env\)/);
    await pty.press(KEYS.esc);
    await pty.waitForText(/Services \(\d+\)/);
  }, 60_000);

  test("a session ssh refuses: back in the console, ssh's own reason is on screen, not only its exit code", async () => {
    // an agent without keys, and no key file in this home: the endpoint refuses the login
    const emptySock = join(home, 'empty-agent.sock');
    const empty = spawn('ssh-agent', ['-D', '-a', emptySock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(emptySock); i++) await new Promise((r) => setTimeout(r, 20));
      const pty = e2e.console({ cols: 140, rows: 36, env: { HOME: join(home, 'nokeys'), SSH_AUTH_SOCK: emptySock } });
      await pty.waitForText('acme-reports', 20_000);
      await pty.press(':');
      await typeSeen(pty, ':', 'env acme-reports@live');
      await pty.press(KEYS.enter);
      await pty.waitForText(/SSH\s+ssh -p \d+ acme-reports-live@127\.0\.0\.1/, 8000);
      await pty.press('s');
      await pty.waitForText('SSH into acme-reports @ live', 8000);
      const s = await pty.waitForText(/ssh acme-reports@live: ssh failed: acme-reports-live@127\.0\.0\.1: Permission denied \(publickey\)/, 15_000);
      expect(s).toMatch(/acme-reports › live › environment/);
    } finally {
      empty.kill();
    }
  }, 60_000);

  test('an environment that was never deployed gets a clear message instead of a shell', async () => {
    const pty = e2e.console({ cols: 120, rows: 36, env: { HOME: home, SSH_AUTH_SOCK: sock } });
    await pty.waitForText('acme-labs', 20_000);
    await pty.press(':');
    await typeSeen(pty, ':', 'env acme-labs@test');
    await pty.press(KEYS.enter);
    await pty.waitForText(/Services \(\d+\)/, 8000);
    await pty.press('s');
    const s = await pty.waitForText(/not deployed, so there is no container/, 5000);
    expect(s).toMatch(/Services \(\d+\)/);
  }, 40_000);
});
