// The gateway's persisted state: jobs.json truncated or garbled (the jobs still readable are kept,
// the file is moved aside with one line the console shows), and the audit of a job that outlived a
// gateway restart still names who started it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway } from '../../src/gateway/index.js';
import { startInProcessGateway } from '../../src/cli/serve.js';
import type { Job } from '../../src/domain/index.js';
import { OPERATOR, startRig, waitFor, type Rig } from './helpers.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.close();
});

const jobsFile = () => join(rig.dataDir, 'jobs.json');
const asides = () => readdirSync(rig.dataDir).filter((f) => f.startsWith('jobs.json.corrupt-'));

/** Two finished cdn-clear jobs on disk; returns the file's text. */
let pristine = '';
async function twoFinishedJobs(): Promise<string> {
  if (pristine) return pristine;
  const c = rig.client();
  await c.waitLive();
  const domains = rig.sandbox.state.domains.filter((d: any) => d.cdn === 'divio-cloudflare').slice(0, 2);
  expect(domains).toHaveLength(2);
  const ids: string[] = [];
  for (const d of domains) ids.push((await c.command('cdn-clear', { domain: d.uuid })).id);
  await waitFor(() => ids.every((id) => ['succeeded', 'failed'].includes(rig.gateway.jobs.get(id)?.state ?? '')), 10_000, 'both cdn-clear jobs to end');
  rig.gateway.jobs.saveNow();
  pristine = readFileSync(jobsFile(), 'utf8');
  expect(JSON.parse(pristine).jobs).toHaveLength(2);
  return pristine;
}

async function restartWith(text: string): Promise<{ jobs: Job[]; notices: string[] }> {
  await rig.gateway.close();
  const before = new Set(asides());
  writeFileSync(jobsFile(), text);
  await rig.restartGateway();
  const c = rig.client();
  const w = await c.waitLive();
  const fresh = asides().filter((f) => !before.has(f));
  expect(w.notices).toEqual(rig.gateway.notices());
  if (fresh.length) expect(readFileSync(join(rig.dataDir, fresh[0]!), 'utf8')).toBe(text);
  return { jobs: rig.gateway.jobs.list(), notices: w.notices };
}

describe('jobs.json truncated or garbled', () => {
  const whole: Record<string, (t: string) => string> = {
    'truncated to half': (t) => t.slice(0, t.length >> 1),
    'empty': () => '',
    'random bytes': () => '\u0000\u00ff\u0013garbage{{{',
    'valid JSON, not a job file': () => '{"version":7}',
  };
  for (const [name, g] of Object.entries(whole)) {
    test(`${name}: the gateway starts with no jobs, the file is moved aside with one line`, async () => {
      const text = g(await twoFinishedJobs());
      const { jobs, notices } = await restartWith(text);
      expect(jobs).toEqual([]);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toMatch(/^unusable gateway job file: moved to \S+jobs\.json\.corrupt-\d{8}T\d{6}Z(-\d+)? \(.+\); starting fresh$/);
    }, 20_000);
  }

  test('one job record garbled: the other job is kept (listed, and written back), the whole file kept aside', async () => {
    const text = await twoFinishedJobs();
    const f = JSON.parse(text);
    const keep: Job = f.jobs[1];
    f.jobs[0] = { ...f.jobs[0], state: 'exploded', createdAt: 'yesterday' };
    const garbled = JSON.stringify(f);
    const { jobs, notices } = await restartWith(garbled);
    expect(jobs.map((j) => j.id)).toEqual([keep.id]);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^unusable gateway job file: moved to \S+ \(1 of 2 job records unreadable; the other 1 are kept\); starting fresh$/);
    expect(JSON.parse(readFileSync(jobsFile(), 'utf8')).jobs.map((j: Job) => j.id)).toEqual([keep.id]);
    // and the next start is quiet again
    const again = await restartWith(readFileSync(jobsFile(), 'utf8'));
    expect(again.notices).toEqual([]);
    expect(again.jobs.map((j) => j.id)).toEqual([keep.id]);
  }, 20_000);
});

test('a deploy started by ops-alice that ends after a gateway restart: its audit line still says ops-alice, operator', async () => {
  const env = rig.sandbox.ids('acme-reports', 'test').env!;
  const c = rig.client();
  await c.waitLive();
  const job = await c.command('deploy', { env, buildMode: 'FORCE' });
  await waitFor(() => rig.gateway.jobs.get(job.id)?.upstreamId, 10_000, 'the deployment to be created upstream');
  await rig.restartGateway({ rediscover: true });
  await rig.gateway.rediscovered;
  await waitFor(() => ['succeeded', 'failed'].includes(rig.gateway.jobs.get(job.id)?.state ?? ''), 30_000, 'the rediscovered deployment to end');
  const lines = readFileSync(join(rig.dataDir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const end = lines.find((l) => l.job === job.id && /^(succeeded|failed)/.test(l.outcome));
  expect(end).toMatchObject({ actor: 'ops-alice', role: 'operator', action: 'deploy', target: 'acme-reports@test' });
}, 45_000);

test('a garbled log-cursors.json is moved aside with one line; the gateway starts and follows logs as usual', async () => {
  await rig.gateway.close();
  const file = join(rig.dataDir, 'log-cursors.json');
  writeFileSync(file, '{"version":1,"upstream":"http://x","cursors":{"e":{"next":');
  await rig.restartGateway();
  const c = rig.client();
  const w = await c.waitLive();
  const aside = readdirSync(rig.dataDir).filter((f) => f.startsWith('log-cursors.json.corrupt-'));
  expect(aside).toHaveLength(1);
  expect(w.notices.some((n) => n.includes('gateway log cursor file') && n.includes(aside[0]!))).toBe(true);
  // the logs of an environment still flow (and the cursor file is written afresh)
  const env = rig.sandbox.ids('acme-reports', 'live').env!;
  let got = 0;
  c.subscribe('logs', { envs: [env] }, { onSnapshot: (d) => (got += d.lines.length), onEvent: (d) => (got += d.lines.length) });
  rig.sandbox.emitLog(env, [{ message: 'after the garbled cursor file' }]);
  await waitFor(() => got > 0, 10_000, 'log lines');
  await waitFor(() => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')).cursors[env] !== undefined;
    } catch {
      return false;
    }
  }, 10_000, 'a fresh cursor file');
});

describe('two gateways on one data directory', () => {
  test('a second gateway on a directory in use is refused with a clear message (serve)', async () => {
    await expect(startGateway({ tokens: [{ token: OPERATOR, role: 'operator', name: 'x' }], upstream: rig.upstream, dataDir: rig.dataDir, rediscover: false }))
      .rejects.toThrow(`another divio-tui (pid ${process.pid}) is using the gateway state (jobs.json, audit.log) in ${rig.dataDir}; stop it or use another --data-dir`);
  });

  test("two consoles' gateways started at once: one keeps the directory, the other keeps its jobs privately and says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'divio-tui-gw-shared-'));
    const env = { NETRC_PATH: join(dir, 'no-netrc') };
    const [a, b] = await Promise.all([0, 1].map(() => startInProcessGateway({ dataDir: dir, env, sandboxOptions: { ephemeral: true, seed: 3 } })));
    try {
      const notices = [a!.gateway.notices(), b!.gateway.notices()];
      const quiet = notices.filter((n) => n.length === 0);
      const told = notices.filter((n) => n.length === 1);
      expect(quiet).toHaveLength(1);
      expect(told).toHaveLength(1);
      expect(told[0]![0]).toBe(`another divio-tui (pid ${process.pid}) is using ${dir}; this console keeps its jobs and audit in a private directory (gone when it ends)`);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
