// The non-interactive twins, run as a user runs them: the bundled binary, its exit code, its output.
import { describe, expect, it, beforeAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(process.cwd(), 'dist', 'divio-tui.js');
const home = mkdtempSync(join(tmpdir(), 'divio-tui-twins-'));
const env = {
  ...process.env,
  HOME: home,
  XDG_STATE_HOME: join(home, 'state'),
  XDG_CONFIG_HOME: join(home, 'config'),
  DIVIO_TOKEN: '',
  NETRC_PATH: join(home, 'no-netrc'),
  NO_COLOR: '1',
};
const SB = ['--sandbox', '--ephemeral', '--seed', '7'];

function run(args: string[], timeout = 40_000) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!existsSync(BIN)) {
    const b = spawnSync(process.execPath, ['scripts/bundle.mjs'], { encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`bundle failed: ${b.stderr}`);
  }
});

describe('divio-tui twins (bundled binary, embedded sandbox)', () => {
  it('apps --json lists every application x environment of the sandbox', () => {
    const r = run(['apps', '--json', ...SB]);
    expect(r.code, r.err).toBe(0);
    const rows = JSON.parse(r.out) as { app: string; env: string; state: string }[];
    expect(rows.length).toBeGreaterThanOrEqual(16);
    expect(rows.find((x) => x.app === 'acme-labs' && x.env === 'live')?.state).toBe('never-deployed');
    expect(rows.find((x) => x.app === 'nordwind-intranet')?.state).toBe('sleeping');
    expect(new Set(rows.map((x) => x.env))).toEqual(new Set(['test', 'live', 'qa']));
  });

  it("apps and services print the console's words, --json the API's values", () => {
    const r = run(['apps', ...SB]);
    expect(r.code, r.err).toBe(0);
    const line = (app: string, env: string) => r.out.split('\n').find((l) => new RegExp(`^${app}\\s+\\S.*\\s${env}\\s`).test(l)) ?? '';
    expect(line('acme-labs', 'live')).toMatch(/\bnever deployed\b/);
    expect(line('nordwind-intranet', 'live')).toMatch(/\basleep\b/);
    expect(line('nordwind-shop', 'live')).toMatch(/\bup\b/);
    expect(r.out).not.toMatch(/not_deployed|never-deployed|\bsleeping\b/);
    const s = run(['services', 'nordwind-shop', 'live', ...SB]);
    expect(s.code, s.err).toBe(0);
    expect(s.out).toMatch(/^database\s+DEFAULT\s.*\sready\s/m);
    expect(s.out).not.toMatch(/\b(DATABASE|STORAGE|READY)\b/);
    const j = JSON.parse(run(['services', 'nordwind-shop', 'live', '--json', ...SB]).out) as { type: string; state: string }[];
    expect(j.map((x) => x.type).sort()).toEqual(['DATABASE', 'STORAGE']);
    expect(j.every((x) => x.state === 'READY')).toBe(true);
  });

  it('a misspelt application is refused with close matches and exit 2', () => {
    const r = run(['backups', 'nordwind', 'live', ...SB]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no application "nordwind" \(did you mean .*nordwind-shop/);
  });

  it('restore refuses without --confirm naming the destination', () => {
    const r = run(['restore', 'acme-reports', '--backup', 'x', '--to', 'live', ...SB]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--confirm acme-reports@live');
  });

  it('unknown options are a usage error, not ignored', () => {
    const r = run(['apps', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown option --frobnicate');
  });

  it('logs prints sanitised lines with times and exits cleanly when the reader goes away (| head)', async () => {
    const child = spawn(process.execPath, [BIN, 'logs', 'acme-reports', 'live', '--follow', '--utc', ...SB], { env });
    let first = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.once('data', (d: Buffer) => {
        first = d.toString('utf8');
        child.stdout.destroy(); // like `| head -1` closing the pipe
      });
      child.on('exit', (c) => resolve(c));
      setTimeout(() => child.kill('SIGKILL'), 30_000);
    });
    expect(first).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z (web|worker|cronjob)/m);
    expect(first).not.toMatch(/\x1b(?!\[[0-9;]*m)/); // no control sequence other than colour
    expect(code).toBe(0);
  });

  it('deploy follows the job to its end and exits non-zero when the deployment fails', () => {
    const r = run(['deploy', 'acme-booking', 'test', '--speed', '60', ...SB], 90_000);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/deploy acme-booking@test failed/);
  }, 100_000);
});
