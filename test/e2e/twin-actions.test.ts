// The shipped program's action twins (deploy, purge, restore) against a sandbox in its own process:
// the exit status and the verdict a user sees, through the bundle (not the sources).
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { BIN } from './harness.js';
import { startSandboxProcess } from '../../src/sandbox/child.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();
// each test runs the program a few times, a restore among them: minutes on a loaded machine
vi.setConfig({ testTimeout: 60_000 * SCALE });
let sb: Awaited<ReturnType<typeof startSandboxProcess>>;
let dir: string;

beforeAll(async () => {
  dir = e2e.tempDir('divio-tui-twins-');
  sb = await startSandboxProcess({ ephemeral: true, seed: 7, speed: 20, ssh: false }, BIN);
});
afterAll(async () => {
  await sb?.close();
});

/** Runs the bundle with args against the sandbox; resolves with its exit status and output. */
function twin(args: string[], timeoutMs = 60_000 * SCALE, up: { divioUrl: string; token: string } = sb): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        DIVIO_ZONE: up.divioUrl,
        DIVIO_TOKEN: up.token,
        NETRC_PATH: '/dev/null',
        XDG_STATE_HOME: join(dir, 'state'),
        XDG_CONFIG_HOME: join(dir, 'config'),
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`divio-tui ${args.join(' ')} did not end within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

it('a deployment that succeeds upstream is reported succeeded, its probe step done (a zone that offers the site URL)', async () => {
  // the site URL is a sandbox-only extension: only a sandbox started with it gives the probe a URL
  const ext = await startSandboxProcess({ ephemeral: true, seed: 7, speed: 20, ssh: false, extensions: true }, BIN);
  try {
    const r = await twin(['deploy', 'acme-reports', 'test', '--json'], 60_000 * SCALE, ext);
    expect(r.stderr).not.toMatch(/is not a function/);
    expect(r.code).toBe(0);
    const job = JSON.parse(r.stdout);
    expect(job.state).toBe('succeeded');
    expect(job.steps.find((s: any) => s.name === 'probe').state).toBe('succeeded');
  } finally {
    await ext.close();
  }
});

it('against a zone without the site URL (as real Divio), a good deployment succeeds and its probe says why it was skipped', async () => {
  const r = await twin(['deploy', 'acme-reports', 'test', '--json']);
  expect(r.code).toBe(0);
  const job = JSON.parse(r.stdout);
  expect(job.state).toBe('succeeded');
  expect(job.steps.find((s: any) => s.name === 'probe')).toMatchObject({ state: 'skipped', detail: 'site URL not offered by this zone' });
});

it('a deployment that fails leaves its probe step skipped, not pending', async () => {
  const r = await twin(['deploy', 'acme-booking', 'test', '--json']);
  expect(r.code).toBe(1);
  const job = JSON.parse(r.stdout);
  expect(job.state).toBe('failed');
  expect(job.steps.find((s: any) => s.name === 'deploy').state).toBe('failed');
  expect(job.steps.find((s: any) => s.name === 'probe').state).toBe('skipped');
});

it('purge APP ENV clears the domains on Divio\'s CDN and skips Divio\'s default domain: exit 0', async () => {
  const r = await twin(['purge', 'acme-portal', 'live']);
  expect(r.stderr).not.toMatch(/failed/);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/cdn-clear acme-portal@live: succeeded/);
});

it('purge APP ENV of an environment with no domain on Divio\'s CDN says so and names the customer-zone flags: exit 1', async () => {
  const r = await twin(['purge', 'acme-reports', 'live']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/acme-reports@live has no domain on Divio's CDN/);
  expect(r.stderr).toMatch(/--url U, --prefix P, --purge-host H, --tag T or --everything --confirm acme-reports@live/);
});

it('deploy to live needs --confirm APP@live: the slug alone or another app is a usage error (exit 2)', async () => {
  for (const extra of [[], ['--confirm', 'live'], ['--confirm', 'nordwind-shop@live']]) {
    const r = await twin(['deploy', 'acme-reports', 'live', ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --confirm acme-reports@live/);
  }
});

it('restore needs --confirm APP@ENV of the destination: another app or none is exit 2, the right one restores (exit 0)', async () => {
  const list = await twin(['backups', 'acme-reports', 'test', '--json']);
  expect(list.code).toBe(0);
  const b = (JSON.parse(list.stdout) as { uuid: string; success: string | null }[]).find((x) => x.success === 'SUCCESS')!;
  for (const extra of [[], ['--confirm', 'test'], ['--confirm', 'nordwind-shop@test']]) {
    const r = await twin(['restore', 'acme-reports', '--backup', b.uuid, '--to', 'test', ...extra]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--confirm acme-reports@test/);
  }
  const ok = await twin(['restore', 'acme-reports', '--backup', b.uuid, '--to', 'test', '--no-safety-backup', '--confirm', 'acme-reports@test']);
  expect(ok.stderr).not.toMatch(/failed/);
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/restore acme-reports@test: succeeded/);
});
