// Every action job end to end: the real sandbox (HTTP), a real in-process gateway, a real WebSocket
// client. Covers what test/gateway/jobs.test.ts does not: deploy success (with the HTTP probe),
// deploy failure (stage and first error), a site that fails the probe, backup with chosen services
// and a note, restore aborted when the safety backup's POST fails, download unpacked, CDN clear,
// Cloudflare purge of 250 URLs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from '../../src/domain/index.js';
import type { GatewayClient } from '../../src/client/index.js';
import type { DeploymentData } from '../../src/protocol/messages.js';
import { readTar } from '../../src/sandbox/index.js';
import { parseDeployLog } from '../../src/store/deploy.js';
import { startRig, waitFor, type Rig } from '../gateway/helpers.js';

let rig: Rig;
let c: GatewayClient;
const jobs = new Map<string, Job>();
const tmp = mkdtempSync(join(tmpdir(), 'divio-tui-actions-'));

beforeAll(async () => {
  rig = await startRig({ sandbox: { speed: 60 } });
  c = rig.client();
  await c.waitLive();
  c.subscribe('jobs', {}, { onSnapshot: (d) => d.jobs.forEach((j: Job) => jobs.set(j.id, j)) });
  c.onJob((j) => jobs.set(j.id, j));
});
afterAll(async () => {
  await rig?.close();
  rmSync(tmp, { recursive: true, force: true });
});

function ended(id: string, ms = 25_000): Promise<Job> {
  return waitFor(() => {
    const j = jobs.get(id);
    return j && (j.state === 'succeeded' || j.state === 'failed') ? j : undefined;
  }, ms, `job ${id} to end`);
}

function firstSnapshot<T>(topic: 'deployment' | 'backups', params: Record<string, unknown>, pred: (d: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${topic} data`)), 10_000);
    const take = (d: T) => {
      if (!pred(d)) return;
      clearTimeout(timer);
      sub.unsubscribe();
      resolve(d);
    };
    const sub = c.subscribe(topic, params as never, { onSnapshot: take as never, onEvent: take as never });
  });
}

describe('deploy', () => {
  test('a healthy test environment deploys; the verdict has the API success and an HTTP 200 from its URL', async () => {
    const env = rig.sandbox.ids('acme-reports', 'test').env!;
    const job = await c.command('deploy', { env, buildMode: 'FORCE' });
    const done = await ended(job.id);
    expect(done.error).toBeNull();
    expect(done.state).toBe('succeeded');
    expect(done.steps.map((s) => [s.name, s.state])).toEqual([
      ['deploy', 'succeeded'],
      ['probe', 'succeeded'],
    ]);
    const probe = done.result?.probe as { ok: boolean; status: number; url: string };
    expect(probe).toMatchObject({ ok: true, status: 200 });
    expect(probe.url).toMatch(/\/_sites\/acme-reports\/test\//);
    const dep = rig.sandbox.state.deployments.find((d: any) => d.uuid === done.result?.deployment)!;
    expect(dep.success).toBe(true);
    expect(dep.build_mode).toBe('FORCE');
  }, 40_000);

  test('a failing deployment fails the job at its stage, and its log names the failing stage and first error', async () => {
    const env = rig.sandbox.ids('acme-booking', 'test').env!;
    const job = await c.command('deploy', { env });
    const done = await ended(job.id);
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/failed at release/);
    expect(done.steps.find((s) => s.name === 'probe')?.state).toBe('skipped'); // never probed, and not left pending
    const data = await firstSnapshot<DeploymentData>('deployment', { deployment: done.result!.deployment as string }, (d) => !!d.deployment.ended_at);
    const info = parseDeployLog(data.log);
    expect(info.failingStage).toMatch(/release/i);
    expect(info.firstErrorText).toMatch(/Traceback|Error/);
    expect(data.log.split('\n')[info.firstError!]!.trim()).toBe(info.firstErrorText);
    expect(data.deployment.stage).toBe('release');
  }, 40_000);

  test('API success but the site answers 502: the job fails and says so', async () => {
    const env = rig.sandbox.ids('lindqvist-web', 'test').env!;
    rig.sandbox.setFaults('/_sites/** 502');
    try {
      const job = await c.command('deploy', { env, buildMode: 'ADOPT' });
      const done = await ended(job.id);
      expect(done.state).toBe('failed');
      expect(done.steps.find((s) => s.name === 'deploy')?.state).toBe('succeeded');
      expect(done.steps.find((s) => s.name === 'probe')?.state).toBe('failed');
      expect(done.error).toMatch(/succeeded upstream, but .*answered HTTP 502/);
    } finally {
      rig.sandbox.setFaults(null);
    }
  }, 40_000);
});

describe('backups, restore, download', () => {
  test('an on-demand backup of the database only, with a note, appears in the backups topic', async () => {
    const env = rig.sandbox.ids('nordwind-cms', 'test').env!;
    const db = rig.sandbox.state.serviceInstances.find((s: any) => s.environment === env && s.type === 'DATABASE')!;
    const job = await c.command('backup', { env, services: [db.uuid], notes: 'before the upgrade' });
    const done = await ended(job.id);
    expect(done.state).toBe('succeeded');
    const uuid = done.result!.backup as string;
    const data = await firstSnapshot<{ backups: any[] }>('backups', { env }, (d) => d.backups.some((b) => b.uuid === uuid && b.details.length));
    const b = data.backups.find((x) => x.uuid === uuid)!;
    expect(b.notes).toBe('before the upgrade');
    expect(b.success).toBe('SUCCESS');
    expect(b.details.map((d: any) => d.service_type)).toEqual(['DATABASE']);
  }, 30_000);

  test('when the safety backup cannot even be created (POST 500), the restore never starts and the destination is untouched', async () => {
    const src = rig.sandbox.ids('acme-portal', 'live').env!;
    const dest = rig.sandbox.ids('acme-portal', 'test').env!;
    const b = rig.sandbox.state.backups.filter((x: any) => x.environment === src && x.success === 'SUCCESS').at(-1)!;
    const before = await rig.upstream.divio.contentVersion(dest);
    const restores = rig.sandbox.state.restores.length;
    rig.sandbox.setFaults('POST /apps/v3/backups/ 500');
    try {
      const job = await c.command('restore', { backup: b.uuid, to: dest, siBackups: b.service_instance_backups, confirm: 'acme-portal@test' });
      const done = await ended(job.id);
      expect(done.state).toBe('failed');
      expect(done.error).toMatch(/safety backup failed, restore not started/);
      expect(done.steps.map((s) => [s.name, s.state])).toEqual([
        ['safety backup', 'failed'],
        ['download', 'skipped'],
        ['upload', 'skipped'],
        ['uploaded backup', 'skipped'],
        ['restore', 'skipped'],
        ['content version', 'skipped'],
      ]);
    } finally {
      rig.sandbox.setFaults(null);
    }
    expect(rig.sandbox.state.restores.length).toBe(restores);
    expect(await rig.upstream.divio.contentVersion(dest)).toEqual(before);
  }, 30_000);

  test('a download is prepared, saved under the gateway\'s download directory with a name it chooses, and unpacks to the database dump', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const b = rig.sandbox.state.backups.filter((x: any) => x.environment === env && x.success === 'SUCCESS').at(-1)!;
    const dbSib = rig.sandbox.state.siBackups.find((s: any) => s.backup === b.uuid && s.service_type === 'DATABASE')!;
    const job = await c.command('download', { backup: b.uuid, siBackups: [dbSib.uuid] });
    const done = await ended(job.id);
    expect(done.error).toBeNull();
    const files = done.result!.files as { path: string; bytes: number }[];
    expect(files).toEqual([{ path: expect.stringMatching(new RegExp(`^${rig.dataDir}/downloads/acme-reports-live-${b.uuid.slice(0, 8)}-1-database-`)), bytes: expect.any(Number) }]);
    const dest = files[0]!.path;
    const entries = readTar(readFileSync(dest));
    const names = entries.map((e) => e.name);
    expect(names).toContain('manifest.json');
    expect(names).toContain('database.dump');
    expect(entries.find((e) => e.name === 'database.dump')!.data.length).toBeGreaterThan(0);
  }, 30_000);
});

describe('CDN', () => {
  test('a domain on Divio-managed Cloudflare is cleared through Divio', async () => {
    const env = rig.sandbox.ids('nordwind-cms', 'live').env!;
    const dom = rig.sandbox.state.domains.find((d: any) => d.environment === env && d.cdn === 'divio-cloudflare')!;
    const n = rig.sandbox.cdnClears().length;
    const job = await c.command('cdn-clear', { domain: dom.uuid });
    const done = await ended(job.id);
    expect(done.state).toBe('succeeded');
    expect(rig.sandbox.cdnClears().slice(n).map((x) => x.domain)).toEqual([dom.uuid]);
  });

  test('250 URLs of a customer zone go out as 3 requests of ≤100, with the rate-limit state in the job', async () => {
    const env = rig.sandbox.ids('nordwind-shop', 'live').env!;
    const n = rig.sandbox.purges().length;
    const files = Array.from({ length: 250 }, (_, i) => `https://nordwind-shop.com/p/${i}`);
    const job = await c.command('cloudflare-purge', { env, files });
    const done = await ended(job.id);
    expect(done.error).toBeNull();
    const sent = rig.sandbox.purges().slice(n);
    expect(sent.map((p) => (p.body as { files: string[] }).files.length)).toEqual([100, 100, 50]);
    expect(sent.every((p) => p.accepted)).toBe(true);
    expect(new Set(sent.flatMap((p) => (p.body as { files: string[] }).files))).toEqual(new Set(files));
    expect(done.result).toMatchObject({ requests: 3, rateLimit: { plan: 'pro', capacity: 25 } });
    // three of the bucket's 25 tokens spent; it refills 5 a second in real time while the job runs
    const secs = (done.updatedAt - done.createdAt) / 1000;
    expect((done.result!.rateLimit as { tokens: number }).tokens).toBeLessThanOrEqual(Math.min(25, 22 + Math.ceil(5 * secs)));
  }, 30_000);

  test('purge everything without APP@ENV is refused before anything is sent', async () => {
    const env = rig.sandbox.ids('nordwind-shop', 'live').env!;
    const n = rig.sandbox.purges().length;
    await expect(c.command('cloudflare-purge', { env, everything: true, confirm: 'live' })).rejects.toThrow(/does not name nordwind-shop@live/);
    expect(rig.sandbox.purges().length).toBe(n);
  });
});
