// The ssh argv of the hand-off and the twin (src/terminal/ssh.ts) against the sandbox's SSH endpoint
// with the real OpenSSH client, when the endpoint publishes no host key (real Divio does not): the
// key is trusted on first use into our own known-hosts file, and a changed key is refused loudly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIO, type Sandbox } from '../../src/sandbox/index.js';
import { lastReason, sshArgs } from '../../src/terminal/ssh.js';
import { start } from '../sandbox/helpers.js';

const hasSsh = spawnSync('ssh', ['-V']).status === 0 && spawnSync('ssh-keygen', ['-?']).error === undefined;

let sb: Sandbox;
let dir: string;
let key: string;
beforeAll(async () => {
  if (!hasSsh) return;
  sb = await start({ ssh: true });
  dir = mkdtempSync(join(tmpdir(), 'divio-tui-kh-'));
  key = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', key]);
});
afterAll(async () => {
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function ssh(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  // our key only, no user or system config: the test sees what the argv does
  const pre = ['-F', '/dev/null', '-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'BatchMode=yes'];
  return new Promise((resolve) => {
    const p = spawn('ssh', [...pre, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

describe.skipIf(!hasSsh)('ssh without a published host key', () => {
  it('trusts the key on first use into our own file, then refuses a changed key loudly', async () => {
    const target = { host: sb.ssh!.host, port: sb.ssh!.port, user: `${SCENARIO.healthyApp}-live` };
    const knownHostsFile = join(dir, 'state', 'divio-tui', 'known_hosts');
    const args = sshArgs(target, { knownHostsFile, command: 'echo first-$STAGE' });
    expect(args).toContain('StrictHostKeyChecking=accept-new');
    expect(args.slice(-2)).toEqual([`${target.user}@${target.host}`, 'echo first-$STAGE']);

    const first = await ssh(args);
    expect(first.code).toBe(0);
    expect(first.out).toBe('first-live\n');
    const kept = readFileSync(knownHostsFile, 'utf8');
    expect(kept).toContain(`[${target.host}]:${target.port} ${sb.ssh!.hostKey.split(' ').slice(0, 2).join(' ')}`);

    const again = await ssh(sshArgs(target, { knownHostsFile, command: 'exit 4' }));
    expect(again.code).toBe(4);

    // another machine answers on that address now: ssh refuses, and says why
    const other = join(dir, 'other');
    execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-q', '-f', other]);
    const otherKey = readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(knownHostsFile, `[${target.host}]:${target.port} ${otherKey}\n`);
    const changed = await ssh(sshArgs(target, { knownHostsFile, command: 'echo should-not-run' }));
    expect(changed.code).toBe(255);
    expect(changed.out).toBe('');
    expect(changed.err).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED/);
    expect(lastReason(changed.err)).toMatch(/Host key verification failed/);
  });

  it("ssh's last words: the reason, not its banners or the first-use notice", () => {
    expect(lastReason("Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts.\r\nshop-live@127.0.0.1: Permission denied (publickey).\r\n")).toBe(
      'shop-live@127.0.0.1: Permission denied (publickey).',
    );
    expect(lastReason('ssh: connect to host 127.0.0.1 port 1: Connection refused\n')).toBe('ssh: connect to host 127.0.0.1 port 1: Connection refused');
    expect(lastReason('\x1b]0;evil\x07bad\x1b[2J news\n')).toBe('bad news');
    expect(lastReason('')).toBeNull();
  });
});
