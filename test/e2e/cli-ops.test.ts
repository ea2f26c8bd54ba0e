// End to end: the operations twins of issue 19 (backup download, deployments, environment
// variables), the shipped bundle run as a process against a sandbox process, as a shell runs them:
// exit status, what lands on stdout (for a script) and on stderr (for a person), files written.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { binAvailable, BIN } from './harness.js';
import { runBin, startSandboxBin, type SandboxBin } from './cli-harness.js';

let sb: SandboxBin;
const dirs: string[] = [];
beforeAll(async () => {
  if (!binAvailable()) throw new Error(`the bundled program is missing at ${BIN}: run "npm run build" first`);
  sb = await startSandboxBin(['--seed', '7', '--speed', '20']);
});
afterAll(async () => {
  await sb?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const run = (args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 90_000) =>
  runBin(args, { home: sb.home, env: { ...sb.env, ...env }, timeoutMs });
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'divio-tui-dl-'));
  dirs.push(d);
  return d;
};
async function setFaults(spec: string | null): Promise<void> {
  const r = await request(`${sb.divioUrl}/_sandbox/faults`, {
    method: 'PUT',
    headers: { authorization: `Token ${sb.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ spec }),
  });
  await r.body.dump();
  if (r.statusCode !== 200) throw new Error(`setting faults: HTTP ${r.statusCode}`);
}

describe('backup download', () => {
  test('the newest successful backup into --to DIR: the files on stdout, progress on stderr, nothing partial', async () => {
    const dir = tempDir();
    const r = await run(['backup', 'download', 'acme-reports', 'live', '--to', dir]);
    expect(r.code, r.all).toBe(0);
    const paths = r.stdout.trim().split('\n');
    expect(paths.length).toBeGreaterThanOrEqual(1);
    for (const p of paths) {
      expect(p.startsWith(`${dir}/acme-reports-live-`)).toBe(true);
      expect(statSync(p).size).toBeGreaterThan(0);
    }
    expect(r.stderr).toMatch(/download acme-reports@live backup [0-9a-f]{8}: running/);
    expect(r.stderr).toMatch(/succeeded/);
    expect(readdirSync(dir).sort()).toEqual(paths.map((p) => p.slice(dir.length + 1)).sort());

    // the same backup again, by the id's prefix: new names beside the first ones, never an overwrite
    const id = /backup ([0-9a-f-]{36}) of/.exec(r.stderr)?.[1];
    expect(id, r.stderr).toBeDefined();
    const again = await run(['backup', 'download', 'acme-reports', 'live', '--backup', id!.slice(0, 8), '--to', dir, '--json']);
    expect(again.code, again.all).toBe(0);
    const j = JSON.parse(again.stdout) as { backup: string; files: { path: string; bytes: number }[] };
    expect(j.backup).toBe(id);
    expect(j.files.map((f) => f.path).every((p) => !paths.includes(p))).toBe(true);
    expect(readdirSync(dir)).toHaveLength(paths.length * 2);
  }, 120_000);

  test('bad input: an unknown backup, a missing directory (exit 2, nothing written)', async () => {
    const dir = tempDir();
    const unknown = await run(['backup', 'download', 'acme-reports', 'live', '--backup', 'ffffffff', '--to', dir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('acme-reports@live has no backup "ffffffff"');
    const noDir = await run(['backup', 'download', 'acme-reports', 'live', '--to', join(dir, 'nope')]);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toMatch(/--to .*nope: no such directory/);
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  test('a download that fails upstream: exit 1 with the reason, no file left under any name', async () => {
    const dir = tempDir();
    await setFaults('/_downloads/** reset');
    try {
      const r = await run(['backup', 'download', 'acme-reports', 'live', '--to', dir]);
      expect(r.code, r.all).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/divio-tui: download acme-reports@live backup [0-9a-f]{8} failed: /);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await setFaults(null);
    }
  }, 120_000);
});
