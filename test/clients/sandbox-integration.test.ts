// The Divio and Cloudflare clients against the real sandbox over loopback HTTP: every high-level
// operation end to end, plus retries against the sandbox's fault injection.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CloudflareClient } from '../../src/cloudflare/index.js';
import {
  collect,
  DivioApiError,
  DivioClient,
  deploy,
  fetchDownload,
  followBackup,
  followRestore,
  followRuntimeLogs,
  openDownload,
  prepareDownload,
  readTar,
  resolveApp,
  resolveEnv,
  runtimeLogHistory,
  uploadBackupFile,
} from '../../src/divio/index.js';
import type { Domain, Environment } from '../../src/domain/divio.js';
import { SCENARIO, startSandbox, type Sandbox } from '../../src/sandbox/index.js';

let sb: Sandbox;
let c: DivioClient;
let dir: string;
const FAST = { intervalMs: 25 };

beforeAll(async () => {
  sb = await startSandbox({ seed: 7, ephemeral: true, speed: 2000, logRate: 0, ssh: false, extensions: true });
  c = new DivioClient({ baseUrl: sb.divioUrl, token: sb.token, retry: { baseDelayMs: 5, maxDelayMs: 50 } });
  dir = mkdtempSync(join(tmpdir(), 'divio-it-'));
});
afterAll(async () => {
  await c?.close();
  await sb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => sb.setFaults(null));

/** An on-demand backup of every service instance of `envUuid`, followed to its end. */
async function backupAndFollow(envUuid: string, opts: { notes?: string; onProgress?: (b: { state: string }) => void } = {}) {
  const sis = (await collect(c.serviceInstances(envUuid))).map((s) => s.uuid);
  const { uuid } = await c.createBackup(envUuid, sis, opts.notes);
  return followBackup(c, uuid, { ...FAST, onProgress: opts.onProgress });
}

async function env(appSlug: string, envSlug: string): Promise<Environment> {
  const app = await resolveApp(c, appSlug);
  return resolveEnv(c, app, envSlug);
}

describe('reading the platform', () => {
  it('every list endpoint parses, and paging follows next to the end', async () => {
    expect((await c.me()).email).toBe(SCENARIO.userEmail);
    expect((await collect(c.organisations())).map((o) => o.name).sort()).toEqual([...SCENARIO.orgs].sort());
    expect((await collect(c.regions())).length).toBeGreaterThan(0);
    const small = new DivioClient({ baseUrl: sb.divioUrl, token: sb.token, pageSize: 2 });
    sb.resetStats();
    const apps = await collect(small.applications());
    await small.close();
    expect(apps.map((a) => a.slug).sort()).toEqual([...SCENARIO.apps].sort());
    expect(sb.stats().byRoute['GET /apps/v3/applications/']).toBe(Math.ceil(SCENARIO.apps.length / 2));
    const e = await env(SCENARIO.healthyApp, 'live');
    expect((await c.environment(e.uuid)).uuid).toBe(e.uuid);
    const sis = await collect(c.serviceInstances(e.uuid));
    expect(sis.map((s) => s.type).sort()).toEqual(['DATABASE', 'STORAGE']);
    expect((await collect(c.environmentVariables({ environment: e.uuid }))).every((v) => typeof v.is_sensitive === 'boolean')).toBe(true);
    expect((await collect(c.backups({ environment: e.uuid }))).length).toBeGreaterThan(0);
    expect((await c.metrics(e.uuid, 15))?.length).toBeGreaterThan(0);
    expect(await c.contentVersion(e.uuid)).toMatchObject({ environment: e.uuid });
  });

  it('resolves by slug or uuid; a typo names the close match', async () => {
    const app = await resolveApp(c, SCENARIO.healthyApp);
    expect((await resolveApp(c, app.uuid)).slug).toBe(SCENARIO.healthyApp);
    await expect(resolveApp(c, 'acme-reprots')).rejects.toThrow(/did you mean "acme-reports"/);
    await expect(resolveEnv(c, app, 'staging')).rejects.toThrow(/has no environment "staging" \(it has: .*test.*live/);
  });

  it('a wrong token gets the login hint, and the token is not in it', async () => {
    const bad = new DivioClient({ baseUrl: sb.divioUrl, token: 'wrong-token-abcdef' });
    const err = await bad.me().catch((e: unknown) => e as DivioApiError);
    await bad.close();
    expect(err).toBeInstanceOf(DivioApiError);
    expect((err as DivioApiError).message).toMatch(/token rejected .*\(401\): run `divio login` or set DIVIO_TOKEN/);
    expect(JSON.stringify(err) + String(err) + (err as Error).stack).not.toContain('wrong-token-abcdef');
  });
});

describe('deployments', () => {
  it('deploys a healthy environment to success, progress moving forward', async () => {
    const e = await env(SCENARIO.healthyApp, 'test');
    const percents: number[] = [];
    const r = await deploy(c, e, { ...FAST, onProgress: (d) => percents.push(d.percent ?? 0) });
    expect(r.attached).toBe(false);
    expect(r.deployment.success).toBe(true);
    expect(r.deployment.ended_at).toBeTruthy();
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect((await c.environment(e.uuid)).last_finished_deployment?.uuid).toBe(r.deployment.uuid);
  });

  it('a failing deployment ends with success false and a log that shows why', async () => {
    const e = await env(SCENARIO.failedApp, SCENARIO.failedEnv);
    const r = await deploy(c, e, FAST);
    expect(r.deployment.success).toBe(false);
    expect(await c.deploymentLog(r.deployment.uuid)).toMatch(/Traceback/);
  });

  it('attaches to a running deployment instead of starting another', async () => {
    // a real-time sandbox, so that the scenario's running deployment is still running when we look
    const slow = await startSandbox({ seed: 7, ephemeral: true, speed: 1, logRate: 0, ssh: false, extensions: true });
    const sc = new DivioClient({ baseUrl: slow.divioUrl, token: slow.token });
    try {
      const app = await resolveApp(sc, SCENARIO.deployingApp);
      const e = await resolveEnv(sc, app, SCENARIO.deployingEnv);
      const running = await sc.latestDeployment(e.uuid);
      expect(running?.ended_at).toBeNull();
      slow.resetStats();
      const ac = new AbortController();
      let started: { uuid: string; attached: boolean } | null = null;
      const progress: number[] = [];
      const p = deploy(sc, e, {
        signal: ac.signal,
        intervalMs: 50,
        onStart: (s) => (started = s),
        onProgress: (d) => {
          progress.push(d.percent ?? 0);
          if (progress.length >= 2) ac.abort();
        },
      });
      await expect(p).rejects.toThrow(/abort/i);
      expect(started).toEqual({ uuid: running!.uuid, attached: true });
      expect(progress[1]).toBeGreaterThanOrEqual(progress[0]);
      expect(slow.stats().byRoute['POST /apps/v3/deployments/'] ?? 0).toBe(0);
    } finally {
      await sc.close();
      await slow.close();
    }
  });
});

describe('backups, restores, downloads', () => {
  it('the documented restore goes back into the backed-up service instances: an item naming another one (the old body) restores the SOURCE', async () => {
    // Divio documents no destination field; like Django REST framework, the sandbox ignores it. The
    // body divio-tui used to send for "restore live's backup into test" overwrote live instead.
    const src = await env(SCENARIO.healthyApp, 'live');
    const dst = await env(SCENARIO.healthyApp, 'test');
    const backup = await backupAndFollow(src.uuid, { notes: 'old-body check' });
    expect(backup.success).toBe('SUCCESS');
    const live = sb.state.environments.find((e) => e.uuid === src.uuid)!;
    live.content.database = { rows: 1, checksum: 'changed-after-the-backup' };
    const testBefore = await c.contentVersion(dst.uuid);
    const dstSis = await collect(c.serviceInstances(dst.uuid));
    const items = await Promise.all(
      backup.service_instance_backups.map(async (u) => {
        const sib = await c.serviceInstanceBackup(u);
        return { service_instance_backup: u, service_instance: dstSis.find((s) => s.type === sib.service_type)!.uuid };
      }),
    );
    const { uuid } = await c.call({ method: 'POST', url: c.url('/apps/v3/backup-restores/'), body: { backup: backup.uuid, service_instance_restores: items }, schema: null }).then(
      () => ({ uuid: sb.state.restores.at(-1)!.uuid }),
    );
    const restore = await followRestore(c, uuid, FAST);
    expect(restore).toMatchObject({ finished: true, success: 'SUCCESS' });
    expect(sb.state.restores.at(-1)!.environment).toBe(src.uuid);
    expect((await c.contentVersion(src.uuid))?.database?.checksum).not.toBe('changed-after-the-backup'); // live was overwritten
    expect((await c.contentVersion(dst.uuid))?.database).toEqual(testBefore?.database); // test untouched
  });

  it('into another environment, the documented path: download the source, upload it as a backup of the destination (exo-presigned-v1), restore that', async () => {
    const src = await env(SCENARIO.healthyApp, 'live');
    const dst = await env(SCENARIO.healthyApp, 'test');
    const srcVersion = await c.contentVersion(src.uuid);
    const states: string[] = [];
    const backup = await backupAndFollow(src.uuid, { notes: 'before test refresh', onProgress: (b) => states.push(b.state) });
    expect(backup.success).toBe('SUCCESS');
    expect(states.at(-1)).toBe('COMPLETED');
    const sib = (await Promise.all(backup.service_instance_backups.map((u) => c.serviceInstanceBackup(u)))).find((x) => x.service_type === 'DATABASE')!;
    const destSi = (await collect(c.serviceInstances(dst.uuid))).find((s) => s.type === 'DATABASE')!;
    const { bySib } = await prepareDownload(c, backup.uuid, [sib.uuid], FAST);
    const up = await c.createUploadBackup(dst.uuid, [destSi.uuid], 'push from live');
    expect(up.results[destSi.uuid]).toMatchObject({ handler: 'exo-presigned-v1', upload_parameters: { url: expect.any(String), max_file_size: expect.any(Number) } });
    const dl = await openDownload(bySib[sib.uuid]!);
    await uploadBackupFile(up.results[destSi.uuid]!, dl.body, dl.length!);
    const uploaded = await followBackup(c, up.uuid, FAST);
    expect(uploaded).toMatchObject({ state: 'COMPLETED', success: 'SUCCESS', environment: dst.uuid });
    const restore = await followRestore(c, (await c.createRestore(uploaded.uuid, uploaded.service_instance_backups)).uuid, FAST);
    expect(restore).toMatchObject({ finished: true, success: 'SUCCESS' });
    expect((await c.contentVersion(dst.uuid))?.database).toEqual(srcVersion?.database);
    expect((await c.contentVersion(src.uuid))?.database).toEqual(srcVersion?.database);
  });

  it('an upload above max_file_size, or with a handler this client does not use, is refused before sending', async () => {
    const dst = await env(SCENARIO.healthyApp, 'test');
    const destSi = (await collect(c.serviceInstances(dst.uuid))).find((s) => s.type === 'DATABASE')!;
    const { Readable } = await import('node:stream');
    sb.setUploadHandler('exo-presigned-v1', 100);
    try {
      const up = await c.createUploadBackup(dst.uuid, [destSi.uuid]);
      await expect(uploadBackupFile(up.results[destSi.uuid]!, Readable.from([Buffer.alloc(200)]), 200)).rejects.toThrow(/200 bytes, above the upload size limit of 100 bytes/);
      sb.setUploadHandler('s3-sts-v1');
      const s3 = await c.createUploadBackup(dst.uuid, [destSi.uuid]);
      await expect(uploadBackupFile(s3.results[destSi.uuid]!, Readable.from([Buffer.alloc(10)]), 10)).rejects.toThrow(/"s3-sts-v1" upload handler; this console uploads only with exo-presigned-v1/);
    } finally {
      sb.setUploadHandler('exo-presigned-v1', 64 * 1024 * 1024);
    }
  });

  it('a restore of a failed backup is refused with Divio’s reason', async () => {
    const e = await env(SCENARIO.failedBackupApp, SCENARIO.failedBackupEnv);
    const failed = (await collect(c.backups({ environment: e.uuid }))).find((b) => b.state === 'COMPLETED' && b.success !== 'SUCCESS');
    expect(failed).toBeTruthy();
    const err = await c.createRestore(failed!.uuid, failed!.service_instance_backups).catch((x: unknown) => x as DivioApiError);
    expect(err).toBeInstanceOf(DivioApiError);
    expect((err as DivioApiError).kind).toBe('validation');
    expect((err as DivioApiError).fields.backup?.[0]).toMatch(/did not succeed/);
  });

  it('a download is fetched without the token and unpacks to a dump matching the content version', async () => {
    const e = await env(SCENARIO.healthyApp, 'live');
    const version = await c.contentVersion(e.uuid);
    const backup = await backupAndFollow(e.uuid);
    const sibs = await Promise.all(backup.service_instance_backups.map((u) => c.serviceInstanceBackup(u)));
    const db = sibs.find((s) => s.service_type === 'DATABASE')!;
    const { url } = await prepareDownload(c, backup.uuid, [db.uuid], FAST);
    expect(url.startsWith(sb.divioUrl)).toBe(true);
    const out = join(dir, 'db.tar');
    const got = await fetchDownload(url, out);
    expect(got.bytes).toBeGreaterThan(512);
    const entries = readTar(readFileSync(out));
    const byName = new Map(entries.map((x) => [x.name, x]));
    const manifest = JSON.parse(byName.get('manifest.json')!.data.toString('utf8'));
    expect(manifest.backup).toBe(backup.uuid);
    for (const f of manifest.files as { name: string; size: number; sha256: string }[]) {
      const entry = byName.get(f.name)!;
      expect(entry.size).toBe(f.size);
      expect(createHash('sha256').update(entry.data).digest('hex')).toBe(f.sha256);
    }
    const dump = byName.get('database.dump')!.data.toString('utf8');
    expect(dump).toContain(`${version!.database!.rows}\t${version!.database!.checksum}`);
  });
});

describe('CDN', () => {
  it('clears the Divio CDN cache of a domain; a domain without Divio CDN gets Divio’s explanation', async () => {
    const app = await resolveApp(c, SCENARIO.divioCdnApps[0]);
    const domains: Domain[] = await collect(c.domains({ application: app.uuid }));
    const cdn = domains.find((d) => d.cdn === 'divio-cloudflare')!;
    const before = sb.cdnClears().length;
    await c.clearCdnCache(cdn.uuid);
    expect(sb.cdnClears().slice(before).map((x) => x.domain)).toEqual([cdn.uuid]);

    const other = (await collect(c.domains())).find((d) => d.cdn === 'none')!;
    const err = await c.clearCdnCache(other.uuid).catch((x: unknown) => x as DivioApiError);
    expect((err as DivioApiError).kind).toBe('validation');
    expect((err as DivioApiError).message).toMatch(/not served through Divio's Cloudflare CDN/);
  });

  it('purges 250 URLs of a customer zone as 3 requests, and paces a large purge under the plan limit', async () => {
    const cf = new CloudflareClient({ baseUrl: sb.cloudflareUrl, token: sb.cloudflareToken, plan: SCENARIO.customerZonePlan });
    try {
      const zone = await cf.zoneByName(SCENARIO.customerZoneName);
      const before = sb.purges().length;
      const files = Array.from({ length: 250 }, (_, i) => `https://${SCENARIO.customerZoneName}/products/${i}`);
      const r = await cf.purge(zone.id, { files });
      expect(r.requests).toBe(3);
      const got = sb.purges().slice(before);
      expect(got.map((p) => [p.zone, p.status, (p.body as { files: string[] }).files.length])).toEqual([
        [zone.id, 200, 100],
        [zone.id, 200, 100],
        [zone.id, 200, 50],
      ]);
      // 30 requests on a Pro plan (bucket 25, 5/s): the client waits instead of being refused
      const mid = sb.purges().length;
      const tags = Array.from({ length: 3000 }, (_, i) => `t${i}`);
      const big = await cf.purge(zone.id, { tags });
      expect(big.requests).toBe(30);
      const statuses = sb.purges().slice(mid).map((p) => p.status);
      expect(statuses.filter((s) => s === 429)).toEqual([]);
      expect(statuses).toHaveLength(30);
    } finally {
      await cf.close();
    }
  });
});

describe('runtime logs', () => {
  it('follows the cursor: every emitted line once, in order, across many pages', async () => {
    const e = await env(SCENARIO.healthyApp, 'live');
    const ac = new AbortController();
    const seen: string[] = [];
    const N = 1200;
    sb.resetStats();
    const reader = (async () => {
      for await (const page of followRuntimeLogs(c, e.uuid, { signal: ac.signal, idleMs: 10, maxIdleMs: 40 })) {
        for (const l of page.results) if (l.message.startsWith('probe ')) seen.push(l.message);
        if (seen.length >= N) ac.abort();
      }
    })();
    // let the first poll (the newest page) happen before emitting: from then on nothing may be missed
    while (sb.stats().logRequests < 2) await new Promise((r) => setTimeout(r, 5));
    for (let b = 0; b < 6; b++) {
      sb.emitLog(e.uuid, Array.from({ length: N / 6 }, (_, i) => ({ service: 'web', message: `probe ${b * (N / 6) + i}` })));
      await new Promise((r) => setTimeout(r, 30));
    }
    const timeout = setTimeout(() => ac.abort(), 10_000);
    await reader;
    clearTimeout(timeout);
    expect(seen).toEqual(Array.from({ length: N }, (_, i) => `probe ${i}`));
  });

  it('scrolls back through history with previous: contiguous, newest page first', async () => {
    const e = await env(SCENARIO.healthyApp, 'test');
    sb.emitLog(e.uuid, Array.from({ length: 250 }, (_, i) => ({ message: `hist ${i}` })));
    const pages: string[][] = [];
    for await (const p of runtimeLogHistory(c, e.uuid, { maxPages: 3 })) pages.push(p.results.map((l) => l.message));
    expect(pages).toHaveLength(3);
    const lines = pages.reverse().flat().filter((m) => m.startsWith('hist '));
    expect(lines).toEqual(Array.from({ length: 250 }, (_, i) => `hist ${i}`));
  });

  it('since: only lines from that time on', async () => {
    const e = await env(SCENARIO.healthyApp, 'test');
    // the clock moves on between the lines and `since` (a condition on the clock, not a delay)
    const tick = async () => {
      const t = Date.now();
      while (Date.now() <= t + 1) await new Promise((r) => setImmediate(r));
    };
    sb.emitLog(e.uuid, [{ message: 'old line' }]);
    await tick();
    const since = new Date();
    await tick();
    sb.emitLog(e.uuid, [{ message: 'new line' }]);
    const ac = new AbortController();
    const got: string[] = [];
    for await (const p of followRuntimeLogs(c, e.uuid, { signal: ac.signal, since, idleMs: 10 })) {
      got.push(...p.results.map((l) => l.message));
      if (got.includes('new line')) ac.abort();
    }
    expect(got).toContain('new line');
    expect(got).not.toContain('old line');
  });
});

describe('retries against injected faults', () => {
  it('GETs succeed through 50% 503s, resets and a truncated body', async () => {
    const app = await resolveApp(c, SCENARIO.healthyApp);
    const tough = new DivioClient({ baseUrl: sb.divioUrl, token: sb.token, retry: { maxAttempts: 10, baseDelayMs: 2, maxDelayMs: 20 } });
    try {
      sb.setFaults('/apps/v3/applications/** 503@50%; /iam/v3/me/ reset times=2; /apps/v3/regions/ malformed times=1');
      for (let i = 0; i < 6; i++) expect((await tough.application(app.uuid)).slug).toBe(SCENARIO.healthyApp);
      expect((await tough.me()).email).toBe(SCENARIO.userEmail);
      expect((await collect(tough.regions())).length).toBeGreaterThan(0);
      expect(tough.stats().retries).toBeGreaterThanOrEqual(4);
    } finally {
      await tough.close();
    }
  });

  it('a log tail through 30% connection resets neither repeats nor skips a line', async () => {
    const e = await env(SCENARIO.healthyApp, 'live');
    const tough = new DivioClient({ baseUrl: sb.divioUrl, token: sb.token, retry: { maxAttempts: 10, baseDelayMs: 2, maxDelayMs: 20 } });
    const ac = new AbortController();
    const seen: string[] = [];
    const errors: string[] = [];
    try {
      sb.resetStats();
      const reader = (async () => {
        for await (const page of followRuntimeLogs(tough, e.uuid, { signal: ac.signal, idleMs: 10, maxIdleMs: 40, onError: (x) => errors.push(x.message) })) {
          for (const l of page.results) if (l.message.startsWith('rst ')) seen.push(l.message);
          if (seen.length >= 600) ac.abort();
        }
      })();
      while (sb.stats().logRequests < 2) await new Promise((r) => setTimeout(r, 5));
      sb.setFaults('/apps/v3/environments/*/logs/ reset@30%');
      for (let b = 0; b < 4; b++) {
        sb.emitLog(e.uuid, Array.from({ length: 150 }, (_, i) => ({ message: `rst ${b * 150 + i}` })));
        await new Promise((r) => setTimeout(r, 20));
      }
      const timeout = setTimeout(() => ac.abort(), 10_000);
      await reader;
      clearTimeout(timeout);
      expect(seen).toEqual(Array.from({ length: 600 }, (_, i) => `rst ${i}`));
      expect(tough.stats().retries).toBeGreaterThan(0);
    } finally {
      await tough.close();
    }
  });

  it('a 429 with Retry-After is waited out', async () => {
    sb.setFaults('/iam/v3/me/ 429 retry-after=1 times=1');
    const t0 = Date.now();
    expect((await c.me()).email).toBe(SCENARIO.userEmail);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it('a POST that gets a 503 is not repeated: exactly one request reached the server', async () => {
    const e = await env(SCENARIO.healthyApp, 'test');
    sb.setFaults('POST /apps/v3/backups/ 503');
    sb.resetStats();
    const err = await c.createBackup(e.uuid, (await collect(c.serviceInstances(e.uuid))).map((s) => s.uuid)).catch((x: unknown) => x as DivioApiError);
    expect((err as DivioApiError).kind).toBe('server');
    expect(sb.stats().byRoute['POST /apps/v3/backups/']).toBe(1);
  });
});
