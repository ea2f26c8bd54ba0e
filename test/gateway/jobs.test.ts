// Restore jobs: safety backup first, rediscovery after a gateway restart, abort when the safety
// backup fails.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Job } from '../../src/domain/index.js';
import type { GatewayClient } from '../../src/client/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCENARIO, readTar } from '../../src/sandbox/index.js';
import { startRig, waitFor, type Rig } from './helpers.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ sandbox: { speed: 8 } });
});
afterAll(async () => {
  await rig?.close();
});

/** A completed, successful backup of acme-reports@live, with its service-instance backups. */
function liveBackup(): { uuid: string; sibs: string[] } {
  const live = rig.sandbox.ids('acme-reports', 'live').env!;
  const b = rig.sandbox.state.backups
    .filter((x: any) => x.environment === live && x.state === 'COMPLETED' && x.success === 'SUCCESS')
    .sort((x: any, y: any) => String(y.created_at).localeCompare(String(x.created_at)))[0];
  return { uuid: b.uuid, sibs: b.service_instance_backups };
}

function watchJobs(c: GatewayClient): { get(id: string): Job | undefined } {
  const jobs = new Map<string, Job>();
  c.subscribe('jobs', {}, { onSnapshot: (d) => d.jobs.forEach((j) => jobs.set(j.id, j)) });
  c.onJob((j) => jobs.set(j.id, j));
  return { get: (id) => jobs.get(id) };
}

describe('restore jobs', () => {
  test('a restore started, the gateway restarted: the restore is rediscovered and followed to its end', async () => {
    const dest = rig.sandbox.ids('acme-reports', 'test').env!;
    const before = await rig.upstream.divio.contentVersion(dest);
    const { uuid, sibs } = liveBackup();
    const c1 = rig.client();
    await c1.waitLive();
    const w1 = watchJobs(c1);
    const job = await c1.command('restore', { backup: uuid, to: dest, siBackups: sibs, safetyBackup: false, confirm: 'acme-reports@test' });
    expect(job.target).toBe('acme-reports@test');
    const started = await waitFor(() => (w1.get(job.id)?.result?.restore ? w1.get(job.id) : undefined), 10_000, 'restore created upstream');
    const restoreUuid = started.result!.restore as string;
    expect(rig.sandbox.state.restores.find((r: any) => r.uuid === restoreUuid)?.finished).toBe(false);

    // a new gateway instance on the same data directory
    await rig.restartGateway();
    await c1.close();
    await rig.gateway.rediscovered;
    const c2 = rig.client();
    await c2.waitLive();
    const w2 = watchJobs(c2);
    const done = await waitFor(() => {
      const j = w2.get(job.id);
      return j && (j.state === 'succeeded' || j.state === 'failed') ? j : undefined;
    }, 15_000, 'rediscovered restore to finish');
    expect(done.error).toBeNull();
    expect(done.state).toBe('succeeded');
    expect(done.upstreamId).toBe(restoreUuid);
    expect(rig.sandbox.state.restores.find((r: any) => r.uuid === restoreUuid)?.finished).toBe(true);
    // the result carries the destination's new content version, which is what upstream now says
    const after = await rig.upstream.divio.contentVersion(dest);
    expect(done.result?.contentVersion).toEqual(after);
    expect(after?.database?.checksum).not.toBe(before?.database?.checksum);
  }, 30_000);

  test('with a safety backup: backup of the destination first, then the restore; the safety backup holds the old content', async () => {
    const dest = rig.sandbox.ids('acme-reports', 'test').env!;
    const before = await rig.upstream.divio.contentVersion(dest);
    const c = rig.client();
    await c.waitLive();
    const w = watchJobs(c);
    const { uuid, sibs } = liveBackup();
    const job = await c.command('restore', { backup: uuid, to: dest, siBackups: sibs, confirm: 'acme-reports@test' });
    const done = await waitFor(() => {
      const j = w.get(job.id);
      return j && (j.state === 'succeeded' || j.state === 'failed') ? j : undefined;
    }, 20_000, 'restore with safety backup');
    expect(done.error).toBeNull();
    expect(done.steps.map((s) => [s.name, s.state])).toEqual([
      ['safety backup', 'succeeded'],
      ['download', 'succeeded'],
      ['upload', 'succeeded'],
      ['uploaded backup', 'succeeded'],
      ['restore', 'succeeded'],
      ['content version', 'succeeded'],
    ]);
    const safety = rig.sandbox.state.backups.find((b: any) => b.uuid === done.result?.safetyBackup)!;
    expect(safety.environment).toBe(dest);
    const safetyRestoreStart = Date.parse(rig.sandbox.state.restores.find((r: any) => r.uuid === done.result?.restore)!.created_at);
    expect(Date.parse(safety.ended_at!)).toBeLessThanOrEqual(safetyRestoreStart);
    const dbSib = rig.sandbox.state.siBackups.find((s: any) => s.backup === safety.uuid && s.service_type === 'DATABASE')!;
    expect(dbSib.snapshot?.database?.checksum).toBe(before?.database?.checksum);
  }, 30_000);

  test('a failed safety backup stops the restore before it starts', async () => {
    const dest = rig.sandbox.ids('acme-reports', 'test').env!;
    const restores = rig.sandbox.state.restores.length;
    rig.sandbox.failNext('backup', dest);
    const c = rig.client();
    await c.waitLive();
    const w = watchJobs(c);
    const { uuid, sibs } = liveBackup();
    const job = await c.command('restore', { backup: uuid, to: dest, siBackups: sibs, confirm: 'acme-reports@test' });
    const done = await waitFor(() => {
      const j = w.get(job.id);
      return j && (j.state === 'succeeded' || j.state === 'failed') ? j : undefined;
    }, 20_000, 'restore job to fail');
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/safety backup failed, restore not started/);
    // the backup's end in the console's words (src/domain/words.ts), not the API's FAILURE
    expect(done.error).toMatch(/safety backup [0-9a-f]{8} failed/);
    expect(done.error).not.toMatch(/FAILURE|ended with/);
    expect(done.steps.find((s) => s.name === 'restore')?.state).toBe('skipped');
    expect(rig.sandbox.state.restores.length).toBe(restores);
  }, 30_000);

  test('a restore whose confirmation does not name the destination APP@ENV is refused', async () => {
    const dest = rig.sandbox.ids('acme-reports', 'test').env!;
    const c = rig.client();
    await c.waitLive();
    const { uuid, sibs } = liveBackup();
    await expect(c.command('restore', { backup: uuid, to: dest, siBackups: sibs, confirm: 'live' })).rejects.toThrow(/does not name acme-reports@test/);
    // the environment's slug alone, a word every application shares, is not enough
    await expect(c.command('restore', { backup: uuid, to: dest, siBackups: sibs, confirm: 'test' })).rejects.toThrow(/confirm "acme-reports@test"/);
    await expect(c.command('restore', { backup: uuid, to: dest, siBackups: sibs, confirm: 'nordwind-shop@test' })).rejects.toThrow(/does not name acme-reports@test/);
  });
});

describe('other jobs', () => {
  async function run(c: GatewayClient, kind: any, params: any, ms = 15_000): Promise<Job> {
    const w = watchJobs(c);
    const job = await c.command(kind, params);
    return waitFor(() => {
      const j = w.get(job.id);
      return j && (j.state === 'succeeded' || j.state === 'failed') ? j : undefined;
    }, ms, `${kind} job`);
  }

  test('download: the prepared backup lands as a tar archive in the data directory', async () => {
    const c = rig.client();
    await c.waitLive();
    const { uuid, sibs } = liveBackup();
    const done = await run(c, 'download', { backup: uuid, siBackups: sibs.slice(0, 1) });
    expect(done.error).toBeNull();
    const files = done.result?.files as { path: string; bytes: number }[];
    expect(files).toHaveLength(1);
    expect(files[0].path.startsWith(join(rig.dataDir, 'downloads'))).toBe(true);
    const buf = readFileSync(files[0].path);
    expect(buf.length).toBe(files[0].bytes);
    expect(readTar(buf).map((e) => e.name)).toContain('manifest.json');
  }, 20_000);

  test('cloudflare purge of 250 URLs in the customer zone: split into paced requests of at most 100', async () => {
    const env = rig.sandbox.ids(SCENARIO.customerZoneApp, 'live').env!;
    const c = rig.client();
    await c.waitLive();
    const before = rig.sandbox.purges().length;
    const files = Array.from({ length: 250 }, (_, i) => `https://${SCENARIO.customerZoneName}/p/${i}`);
    const done = await run(c, 'cloudflare-purge', { env, files });
    expect(done.error).toBeNull();
    expect(done.result?.requests).toBe(3);
    const sent = rig.sandbox.purges().slice(before);
    expect(sent.filter((p) => p.accepted).map((p) => (p.body as any).files.length)).toEqual([100, 100, 50]);
    // an environment without a customer zone gets a clear failure, not a crash
    const other = await run(c, 'cloudflare-purge', { env: rig.sandbox.ids('acme-reports', 'live').env!, tags: ['product-1'] });
    expect(other.state).toBe('failed');
    expect(other.error).toMatch(/no customer-owned Cloudflare zone/);
  }, 20_000);
});
