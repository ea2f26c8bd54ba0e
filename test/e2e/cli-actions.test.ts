// End to end: every action of the shipped program (the bundle, started as a process) and its outcome,
// as a script runs them: deploy that succeeds (then live, with its confirmation), deploy that fails,
// backup, restore into another environment and into the same one, purge of Divio-managed domains and
// of a customer zone, jobs, and a gateway that goes away under a running job. One sandbox process for
// the file; each test asserts the exit status and the verdict line a user reads.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './harness.js';
import { cleanEnv, runBin, type SandboxBin } from './cli-harness.js';
import { useE2e } from './setup.js';

const e2e = useE2e();
let sb: SandboxBin;
beforeAll(async () => {
  sb = await e2e.sandbox(['--seed', '7', '--speed', '20']);
});

const run = (args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 90_000) =>
  runBin(args, { home: sb.home, env: { ...sb.env, ...env }, timeoutMs });

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('deploy', () => {
  test('test succeeds (exit 0, verdict with the probe); live is refused without its confirmation, then deploys with it', async () => {
    const t = await run(['deploy', 'acme-reports', 'test']);
    expect(t.stderr).toMatch(/deploy acme-reports@test: running/);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(new RegExp(`^deploy acme-reports@test: succeeded deployment=${UUID} .*success=true`, 'm'));

    const refused = await run(['deploy', 'acme-reports', 'live']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('deploying acme-reports@live needs --confirm acme-reports@live');
    const wrong = await run(['deploy', 'acme-reports', 'live', '--confirm', 'live']);
    expect(wrong.code).toBe(2);

    const live = await run(['deploy', 'acme-reports', 'live', '--confirm', 'acme-reports@live']);
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(new RegExp(`^deploy acme-reports@live: succeeded deployment=${UUID}`, 'm'));
  }, 180_000);

  test('a deployment whose release commands fail: exit 1, the stage named', async () => {
    const r = await run(['deploy', 'acme-booking', 'test']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/divio-tui: deploy acme-booking@test failed: deployment [0-9a-f]{8} failed at release/);
  }, 120_000);
});

describe('backup and restore', () => {
  test('a backup of live, restored into test and into live itself; a confirmation naming another app is refused', async () => {
    const b = await run(['backup', 'acme-reports', 'live', '--notes', 'e2e-golden']);
    expect(b.code).toBe(0);
    const id = new RegExp(`^backup acme-reports@live: succeeded backup=(${UUID})`, 'm').exec(b.stdout)?.[1];
    expect(id, b.all).toBeDefined();

    const list = await run(['backups', 'acme-reports', 'live', '--json']);
    expect(list.code).toBe(0);
    const mine = (JSON.parse(list.stdout) as Array<{ uuid: string; notes: string | null; success: string | null }>).find((x) => x.uuid === id);
    expect(mine).toMatchObject({ notes: 'e2e-golden', success: 'SUCCESS' });

    const other = await run(['restore', 'acme-reports', '--backup', id!, '--to', 'test', '--confirm', 'nordwind-shop@test']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('--confirm acme-reports@test');

    const intoTest = await run(['restore', 'acme-reports', '--backup', id!, '--to', 'test', '--confirm', 'acme-reports@test']);
    expect(intoTest.code).toBe(0);
    // into another environment: the documented path (download, upload into test's service instances, restore that)
    expect(intoTest.stdout).toMatch(new RegExp(`^restore acme-reports@test: succeeded safetyBackup=${UUID} download=${UUID} uploadBackup=${UUID} uploaded=true restore=${UUID}`, 'm'));

    const intoLive = await run(['restore', 'acme-reports', '--backup', id!.slice(0, 8), '--to', 'live', '--db', '--confirm', 'acme-reports@live']);
    expect(intoLive.code).toBe(0);
    expect(intoLive.stdout).toMatch(/^restore acme-reports@live: succeeded /m);
  }, 240_000);
});

describe('purge', () => {
  test('the Divio-managed domains of an environment: exit 0; an environment without any says so', async () => {
    const r = await run(['purge', 'acme-portal', 'live']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cdn-clear acme-portal@live: succeeded/m);
    const none = await run(['purge', 'acme-reports', 'live']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/acme-reports@live/);
    expect(none.stderr).toMatch(/--url|--prefix|--everything/);
  }, 120_000);

  test("URLs of a customer's own Cloudflare zone (the embedded sandbox's): exit 0; a prefix with a scheme is refused before anything is sent", async () => {
    // --sandbox: the in-process sandbox brings its Cloudflare API and zone mapping along
    const sbx = ['--sandbox', '--ephemeral', '--seed', '7'];
    const r = await run(['purge', 'nordwind-shop', 'live', '--url', 'https://nordwind-shop.com/static/app.css', ...sbx]);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toMatch(/^cloudflare-purge nordwind-shop@live: succeeded zone=\w+ requests=1/m);
    const bad = await run(['purge', 'nordwind-shop', 'live', '--prefix', 'https://nordwind-shop.com/static', ...sbx]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^divio-tui: --prefix: /m);
  }, 120_000);
});

describe('jobs', () => {
  test('lists the jobs of the gateway (a fresh in-process gateway per command: its own, none yet)', async () => {
    const r = await run(['jobs', '--json']);
    expect(r.code).toBe(0);
    expect(Array.isArray(JSON.parse(r.stdout))).toBe(true);
  });
});

describe('a shared gateway that goes away', () => {
  let home = '';
  const procs: ChildProcess[] = [];
  afterAll(() => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** `divio-tui serve --sandbox` (speed 1: a deployment runs for minutes) on a random port. */
  function serve(token: string): Promise<{ url: string; child: ChildProcess }> {
    home ||= mkdtempSync(join(tmpdir(), 'divio-tui-serve-e2e-'));
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'serve', '--sandbox', '--port', '0', '--token', token, '--data-dir', join(home, 'gw')], {
        cwd: ROOT,
        env: cleanEnv(home),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      procs.push(child);
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /gateway listening on (ws:\/\/\S+)/.exec(out);
        if (m) resolve({ url: m[1]!, child });
      });
      child.on('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
    });
  }

  test('a twin following a job says the gateway is gone, names the job, exits 1; a dead gateway is named at once', async () => {
    const token = 'e2e-operator-token-0123456789';
    const gw = await serve(token);
    let killed = false;
    const r = await runBin(['deploy', 'acme-reports', 'test', '--gateway', gw.url, '--token', token], {
      home,
      timeoutMs: 60_000,
      onOutput: (_c, o) => {
        if (!killed && /deploy acme-reports@test: running/.test(o.stderr)) {
          killed = true;
          gw.child.kill('SIGKILL');
        }
      },
    });
    expect(killed).toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/lost the gateway \(.*\): reconnecting/);
    expect(r.stderr).toMatch(/divio-tui: lost the gateway for 15 s \(.*\); deploy job job_\w+ \(acme-reports@test\) may still be running there: see `divio-tui jobs`/);
    expect(r.all).not.toContain(token);

    const dead = await runBin(['apps', '--gateway', gw.url, '--token', token], { home, timeoutMs: 30_000 });
    expect(dead.code).toBe(1);
    expect(dead.stderr).toMatch(/cannot reach the gateway: ws:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  }, 90_000);
});
