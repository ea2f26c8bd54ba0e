// Persistence in a data directory, and the `divio-tui sandbox` command as a real process.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { SCENARIO, startSandbox } from '../../src/sandbox/index.js';
import { client, until } from './helpers.js';

const dirs: string[] = [];
const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'sbx-persist-')); dirs.push(d); return d; };
afterEach(() => { while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true }); });

describe('persistence', () => {
  it('state survives a restart: created objects, uuids, log sequence; another seed starts fresh', async () => {
    const dataDir = tmp();
    const a = await startSandbox({ dataDir, seed: 5, speed: 500, logRate: 0, ssh: false });
    const api = client(a);
    const env = a.ids(SCENARIO.healthyApp, 'live').env!;
    const sis = a.state.serviceInstances.filter((s) => s.environment === env).map((s) => s.uuid);
    const backup = (await api.post('/apps/v3/backups/', { environment: env, services: sis, notes: 'survives restarts' })).body;
    await until(async () => (await api.get(`/apps/v3/backups/${backup.uuid}/`)).body.state === 'COMPLETED');
    a.emitLog(env, [{ message: 'before restart' }]);
    const tail = (await api.get(`/apps/v3/environments/${env}/logs/?page_size=1`)).body;
    expect(tail.results[0].message).toBe('before restart');
    await a.close();
    const file = join(dataDir, 'state.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('survives restarts');

    const b = await startSandbox({ dataDir, speed: 500, logRate: 0, ssh: false }); // no seed: whatever is stored
    try {
      const api2 = client(b);
      expect(b.ids(SCENARIO.healthyApp, 'live').env).toBe(env);
      const got = (await api2.get(`/apps/v3/backups/${backup.uuid}/`)).body;
      expect(got).toMatchObject({ notes: 'survives restarts', state: 'COMPLETED', success: 'SUCCESS' });
      b.emitLog(env, [{ message: 'after restart' }]);
      const old = new URL(tail.next); // the old cursor still works on the new port: no repeat, no gap
      const page = (await api2.get(old.pathname + old.search)).body;
      expect(page.results.map((l: { message: string }) => l.message)).toEqual(['after restart']);
    } finally {
      await b.close();
    }
    const c = await startSandbox({ dataDir, seed: 6, ssh: false, logRate: 0 });
    try {
      expect(c.ids(SCENARIO.healthyApp, 'live').env).not.toBe(env);
    } finally {
      await c.close();
    }
  });

  it('a corrupt state file is replaced by a fresh scenario, not a crash', async () => {
    const dataDir = tmp();
    writeFileSync(join(dataDir, 'state.json'), '{"version": 1, "seed": ');
    const s = await startSandbox({ dataDir, seed: 1, ssh: false, logRate: 0 });
    try {
      expect((await client(s).get('/apps/v3/applications/')).body.count).toBe(SCENARIO.apps.length);
    } finally {
      await s.close();
    }
    expect(JSON.parse(readFileSync(join(dataDir, 'state.json'), 'utf8')).version).toBe(1);
  });

  it('ephemeral leaves nothing behind; bad options are refused clearly', async () => {
    const s = await startSandbox({ ephemeral: true, ssh: false });
    expect(s.dataDir).toBeNull();
    await s.close();
    await expect(startSandbox({ ephemeral: true, speed: -1 })).rejects.toThrow(/invalid sandbox options: speed/);
    await expect(startSandbox({ ephemeral: true, token: 'short' })).rejects.toThrow(/token/);
  });
});

function runCommand(args: string[]) {
  const code = "const m = await import('./src/sandbox/command.ts'); process.exitCode = await m.runSandboxCommand(process.argv.slice(1));";
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, '--', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('divio-tui sandbox command', () => {
  it('prints its endpoints, serves until SIGTERM, then closes cleanly', async () => {
    const child = runCommand(['--port', '0', '--ephemeral', '--seed', '3', '--no-ssh', '--json', '--token', 'cmd-test-token-123']);
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    const info = await until(async () => (out.includes('\n') ? JSON.parse(out.split('\n')[0]) : null), 20_000);
    expect(info.token).toBe('cmd-test-token-123');
    expect(info.divioUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${info.divioUrl}/apps/v3/applications/`, { headers: { authorization: 'Token cmd-test-token-123' } });
    expect(((await r.json()) as { count: number }).count).toBe(SCENARIO.apps.length);
    const exit = new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    await expect(fetch(`${info.divioUrl}/apps/v3/applications/`)).rejects.toThrow();
  });

  it('bad arguments: a clear message and exit code 2', async () => {
    const child = runCommand(['--speed', 'fast']);
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    expect(code).toBe(2);
    expect(err).toContain('--speed expects a number, got "fast"');
    const child2 = runCommand(['--faults', '/x 503@9']);
    let err2 = '';
    child2.stderr.on('data', (d) => { err2 += d; });
    expect(await new Promise<number | null>((res) => child2.on('exit', (c) => res(c)))).toBe(2);
    expect(err2).toContain('--faults: invalid rate "9"');
  });
});
