// The single file as a bastion host gets it: `npm run dist` (scripts/dist.mjs) builds
// dist-bin/divio-tui-linux-x64 (Node 24 LTS inside), which then runs with a PATH that holds no node
// and passes the three checks (install-checks.ts). The linux-arm64 file is built too; it cannot run
// on this machine, so its header and its injected program are checked.
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, mkdirSync, openSync, readFileSync, readSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './harness.js';
import { haveOpenSsh, startAgent } from './cli-harness.js';
import { installChecks, npmEnv } from './install-checks.js';
import { useE2e } from './setup.js';

const BUILT = join(ROOT, 'dist-bin', 'divio-tui-linux-x64');
const ARM64 = join(ROOT, 'dist-bin', 'divio-tui-linux-arm64');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
// the single file is checked, not the bundle of this checkout
const e2e = useE2e({ bundle: false });
let noNode = '';
/** The x64 file as a bastion gets it: copied alone into a directory of its own, far from node_modules. */
let X64 = '';

beforeAll(() => {
  // an empty directory as the whole PATH: nothing found by name, node least of all
  noNode = e2e.tempDir('divio-tui-no-node-');
  const dist = process.env.DIVIO_TUI_DIST_BUILT ? { status: 0, stdout: '', stderr: '' } : spawnSync('npm', ['run', 'dist'], { cwd: ROOT, env: npmEnv(), encoding: 'utf8' });
  expect(dist.status, `${dist.stdout}\n${dist.stderr}`).toBe(0);
  mkdirSync(join(noNode, '..', `${basename(noNode)}-bastion`));
  X64 = join(noNode, '..', `${basename(noNode)}-bastion`, 'divio-tui');
  copyFileSync(BUILT, X64);
  chmodSync(X64, 0o755);
}, 600_000);

afterAll(() => {
  if (X64) rmSync(dirname(X64), { recursive: true, force: true });
});

describe('npm run dist → the single file, run where node is not on PATH', () => {
  it('has no node on PATH for these runs', () => {
    const r = spawnSync('/bin/sh', ['-c', 'command -v node'], { env: { PATH: noNode } });
    expect(r.status).not.toBe(0);
    expect(r.stdout.toString()).toBe('');
  });

  installChecks(e2e, () => ({ command: X64, env: { PATH: noNode } }));

  it.skipIf(!haveOpenSsh())('says in one line that its SSH endpoint has no pseudo-terminal (a native module), and the shell still works', async () => {
    // PATH: OpenSSH's client only (the hand-off runs it by name), still no node
    const sshOnly = e2e.tempDir('divio-tui-ssh-only-');
    const ssh = spawnSync('/bin/sh', ['-c', 'command -v ssh'], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(ssh, join(sshOnly, 'ssh'));
    expect(spawnSync('/bin/sh', ['-c', 'command -v node'], { env: { PATH: sshOnly } }).status).not.toBe(0);
    const [sb, agent] = await Promise.all([e2e.sandbox(['--seed', '7'], { command: X64, env: { PATH: noNode } }), startAgent(true)]);
    try {
      const p = e2e.console({ command: X64, args: ['ssh', 'acme-reports', 'live'], env: { ...sb.env, PATH: sshOnly, SSH_AUTH_SOCK: agent.sock } });
      await p.waitForRaw('sandbox: no pseudo-terminal (the single-file build cannot load the native module @lydell/node-pty); this shell runs without one\r\n', 20_000);
      await p.type('echo single-$((6*7))\r');
      await p.waitForText('single-42', 10_000);
      await p.type('exit 5\r');
      expect(await p.waitExit(10_000)).toBe(5);
    } finally {
      agent.stop();
    }
  }, 60_000);

  it('builds linux-arm64 too: an aarch64 executable with the program injected behind the fuse', () => {
    const head = Buffer.alloc(20);
    const fd = openSync(ARM64, 'r');
    try {
      readSync(fd, head, 0, 20, 0);
    } finally {
      closeSync(fd);
    }
    expect(head.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(head.readUInt16LE(18)).toBe(183); // EM_AARCH64
    const file = readFileSync(ARM64);
    expect(file.includes(`${FUSE}:1`)).toBe(true);
    expect(file.includes('the console needs a terminal (stdin and stdout must be a TTY)')).toBe(true);
  });
});
