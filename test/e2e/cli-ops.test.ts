// End to end: the operations twins of issue 19 (backup download, deployments, environment
// variables), the shipped bundle run as a process against a sandbox process, as a shell runs them:
// exit status, what lands on stdout (for a script) and on stderr (for a person), files written.
import { beforeAll, describe, expect, test } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { runBin, type SandboxBin } from './cli-harness.js';
import { useE2e } from './setup.js';

const e2e = useE2e();
let sb: SandboxBin;
beforeAll(async () => {
  sb = await e2e.sandbox(['--seed', '7', '--speed', '20']);
});

const run = (args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 90_000) =>
  runBin(args, { home: sb.home, env: { ...sb.env, ...env }, timeoutMs });
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
    const dir = e2e.tempDir('divio-tui-dl-');
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
    const dir = e2e.tempDir('divio-tui-dl-');
    const unknown = await run(['backup', 'download', 'acme-reports', 'live', '--backup', 'ffffffff', '--to', dir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('acme-reports@live has no backup "ffffffff"');
    const noDir = await run(['backup', 'download', 'acme-reports', 'live', '--to', join(dir, 'nope')]);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toMatch(/--to .*nope: no such directory/);
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  test('a download that fails upstream: exit 1 with the reason, no file left under any name', async () => {
    const dir = e2e.tempDir('divio-tui-dl-');
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

describe('deployments', () => {
  test('the list: start (date and 24 h time), age, duration, result, commit, branch, newest first; --json', async () => {
    const r = await run(['deployments', 'acme-reports', 'test', '--utc']);
    expect(r.code, r.all).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+AGE\s+DURATION\s+RESULT\s+COMMIT\s+BRANCH\s+BY\s+DEPLOYMENT$/);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\dZ\s+\d+[smhd]\s+\d+(s|m\d\ds|h\d\dm)\s+(ok|FAILED|deploying \d+ %|queued)\s+[0-9a-f]{7}\s+\S+\s+\S+\s+[0-9a-f-]{36}$/);
    const j = JSON.parse((await run(['deployments', 'acme-reports', 'test', '--json'])).stdout) as { uuid: string; started_at: string }[];
    expect(j.length).toBe(lines.length - 1);
    expect([...j].sort((a, b) => b.started_at.localeCompare(a.started_at)).map((d) => d.uuid)).toEqual(j.map((d) => d.uuid));
  }, 60_000);

  test('redeploy of an earlier deployment: live refused without its confirmation; test redeploys and says which commit ran', async () => {
    const list = JSON.parse((await run(['deployments', 'acme-reports', 'live', '--json'])).stdout) as { uuid: string }[];
    const refused = await run(['deployments', 'acme-reports', 'live', 'redeploy', list.at(-1)!.uuid]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('redeploying acme-reports@live needs --confirm acme-reports@live');

    const t = JSON.parse((await run(['deployments', 'acme-reports', 'test', '--json'])).stdout) as { uuid: string; commit: string }[];
    const old = t.at(-1)!;
    const r = await run(['deployments', 'acme-reports', 'test', 'redeploy', old.uuid.slice(0, 8)]);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toMatch(/^redeploy acme-reports@test: succeeded deployment=[0-9a-f-]{36} commit=[0-9a-f]{7}$/m);
    expect(r.stderr).toMatch(/note: deployed [0-9a-f]{7}/);
    expect(r.stderr).toContain('a redeploy restores no data');
    const after = JSON.parse((await run(['deployments', 'acme-reports', 'test', '--json'])).stdout) as { uuid: string }[];
    expect(after.length).toBe(t.length + 1);

    const unknown = await run(['deployments', 'acme-reports', 'test', 'redeploy', 'ffffffff']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/deployment ffffffff: .*not found/i);
  }, 180_000);
});

describe('env-vars', () => {
  test('list masks sensitive values unless --reveal; set and unset on test; live needs --confirm; the next deployment is named', async () => {
    const list = await run(['env-vars', 'acme-reports', 'test']);
    expect(list.code, list.all).toBe(0);
    expect(list.stdout).toMatch(/^SECRET_KEY\s+\*{4}\s+yes$/m);
    expect(list.stderr).toContain('--reveal shows them');
    const masked = JSON.parse((await run(['env-vars', 'acme-reports', 'test', '--json'])).stdout) as { name: string; value: string }[];
    expect(masked.find((v) => v.name === 'SECRET_KEY')?.value).toBe('****');
    const revealed = JSON.parse((await run(['env-vars', 'acme-reports', 'test', '--json', '--reveal'])).stdout) as { name: string; value: string }[];
    const secret = revealed.find((v) => v.name === 'SECRET_KEY')!.value;
    expect(secret).not.toContain('****');
    expect(secret.length).toBeGreaterThan(8);

    const set = await run(['env-vars', 'acme-reports', 'test', 'set', 'E2E_FLAG=on and off']);
    expect(set.code, set.all).toBe(0);
    expect(set.stdout.trim()).toBe('E2E_FLAG created on acme-reports@test');
    expect(set.stderr).toContain('it takes effect on the next deployment of acme-reports@test: divio-tui deploy acme-reports test');
    expect((await run(['env-vars', 'acme-reports', 'test'])).stdout).toMatch(/^E2E_FLAG\s+on and off$/m);

    // a secret from standard input, out of the shell's history; then shown masked
    const fromStdin = await runBin(['env-vars', 'acme-reports', 'test', 'set', 'E2E_TOKEN', '--sensitive'], { home: sb.home, env: sb.env, input: 's3cr3t-from-stdin\n', timeoutMs: 90_000 });
    expect(fromStdin.code, fromStdin.all).toBe(0);
    expect(fromStdin.all).not.toContain('s3cr3t-from-stdin');
    expect((await run(['env-vars', 'acme-reports', 'test'])).stdout).toMatch(/^E2E_TOKEN\s+\*{4}\s+yes$/m);

    const unset = await run(['env-vars', 'acme-reports', 'test', 'unset', 'E2E_FLAG']);
    expect(unset.code, unset.all).toBe(0);
    expect(unset.stdout.trim()).toBe('E2E_FLAG unset on acme-reports@test');
    expect((await run(['env-vars', 'acme-reports', 'test'])).stdout).not.toContain('E2E_FLAG');
    const again = await run(['env-vars', 'acme-reports', 'test', 'unset', 'E2E_FLAG']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('acme-reports@test has no variable E2E_FLAG: nothing to unset');

    const live = await run(['env-vars', 'acme-reports', 'live', 'set', 'E2E_FLAG=1']);
    expect(live.code).toBe(2);
    expect(live.stderr).toContain('changing variables of acme-reports@live needs --confirm acme-reports@live');
    const liveOk = await run(['env-vars', 'acme-reports', 'live', 'set', 'E2E_FLAG=1', '--confirm', 'acme-reports@live']);
    expect(liveOk.code, liveOk.all).toBe(0);
    expect(liveOk.stderr).toContain('divio-tui deploy acme-reports live --confirm acme-reports@live');
  }, 180_000);
});
