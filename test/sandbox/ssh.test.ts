// The sandbox's SSH endpoint, driven by the real OpenSSH client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIO, type Sandbox } from '../../src/sandbox/index.js';
import { client, start, until } from './helpers.js';

function which(cmd: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; }
}
const hasSsh = which('ssh') && which('ssh-keygen');
if (!hasSsh) console.warn('ssh.test.ts: OpenSSH client not found (apt-get install -y openssh-client); SSH tests skipped');

let sb: Sandbox;
let dir: string;
let key: string;
beforeAll(async () => {
  if (!hasSsh) return;
  process.env.SANDBOX_LEAK_CHECK = 'leaked';
  sb = await start({ ssh: true, sshSessionLimitMs: 60_000 });
  dir = mkdtempSync(join(tmpdir(), 'sbx-ssh-'));
  key = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', key]);
});
afterAll(async () => {
  delete process.env.SANDBOX_LEAK_CHECK;
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function sshArgs(s: Sandbox, user: string, extra: string[] = []): string[] {
  return [
    '-F', '/dev/null', '-p', String(s.ssh!.port), '-i', key, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${s.ssh!.knownHostsPath}`,
    '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', ...extra, `${user}@${s.ssh!.host}`,
  ];
}
function runSsh(s: Sandbox, user: string, command: string, extra: string[] = []): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn('ssh', [...sshArgs(s, user, extra), command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe.skipIf(!hasSsh)('SSH endpoint (real OpenSSH client)', () => {
  it('environment detail carries the ssh_endpoint of the running server', async () => {
    const env = sb.ids(SCENARIO.healthyApp, 'live').env!;
    const d = (await client(sb).get(`/apps/v3/environments/${env}/`)).body;
    expect(d.ssh_endpoint).toEqual({ host: sb.ssh!.host, port: sb.ssh!.port, user: `${SCENARIO.healthyApp}-live`, host_key: sb.ssh!.hostKey });
    expect(readFileSync(sb.ssh!.knownHostsPath, 'utf8')).toBe(`[${sb.ssh!.host}]:${sb.ssh!.port} ${sb.ssh!.hostKey}\n`);
    const never = (await client(sb).get(`/apps/v3/environments/${sb.ids(SCENARIO.neverDeployedApp, 'live').env}/`)).body;
    expect(never.ssh_endpoint).toBeNull();
  });

  it('exec: the environment variables of that environment, STAGE, nothing from the sandbox process', async () => {
    const r = await runSsh(sb, `${SCENARIO.healthyApp}-live`, 'echo "S=$STAGE"; echo "D=$DATABASE_URL"; echo "L=${SANDBOX_LEAK_CHECK:-none}"; echo "H=$HOME"; exit 3');
    expect(r.code).toBe(3);
    expect(r.out).toContain('S=live\n');
    const db = sb.state.envVars.find((v) => v.environment === sb.ids(SCENARIO.healthyApp, 'live').env && v.name === 'DATABASE_URL')!;
    expect(r.out).toContain(`D=${db.value}\n`);
    expect(r.out).toContain('L=none\n');
    const test = await runSsh(sb, `${SCENARIO.healthyApp}-test`, 'echo $STAGE');
    expect(test.out.trim()).toBe('test');
  });

  it('interactive shell in a pseudo-terminal: type echo $STAGE, see it, exit', async () => {
    const pty = await import('@lydell/node-pty');
    const p = pty.spawn('ssh', [...sshArgs(sb, `${SCENARIO.customerZoneApp}-qa`, ['-tt'])], { cols: 100, rows: 30, env: { ...process.env, TERM: 'xterm-256color' } as Record<string, string> });
    let screen = '';
    p.onData((d) => { screen += d; });
    const exited = new Promise<number>((res) => p.onExit(({ exitCode }) => res(exitCode)));
    await until(async () => screen.includes('Sessions end after 1 minutes') || screen.includes('#'), 10_000);
    p.write('echo "STAGE-IS-$STAGE"\r');
    await until(async () => screen.includes('STAGE-IS-qa'), 10_000);
    p.write('exit\r');
    expect(await exited).toBe(0);
  });

  it('refuses environments that were never deployed, unknown users and non-publickey auth', async () => {
    const never = await runSsh(sb, `${SCENARIO.neverDeployedApp}-live`, 'true');
    expect(never.code).toBe(255);
    expect(never.err).toMatch(/Permission denied/);
    expect((await runSsh(sb, 'nobody-here', 'true')).code).toBe(255);
    const noKey = await runSsh(sb, `${SCENARIO.healthyApp}-live`, 'true', ['-o', 'PubkeyAuthentication=no']);
    expect(noKey.code).toBe(255);
    expect(noKey.err).toMatch(/Permission denied/);
  });

  it('ends a session after the session limit, whatever the activity', async () => {
    const short = await start({ ssh: true, sshSessionLimitMs: 1500 });
    try {
      const t0 = Date.now();
      const r = await runSsh(short, `${SCENARIO.healthyApp}-live`, 'while true; do echo tick; sleep 0.2; done');
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(r.out).toContain('tick');
      expect(r.out + r.err).toMatch(/Session limit reached/);
      expect(r.code).not.toBe(0);
    } finally {
      await short.close();
    }
  });
});
