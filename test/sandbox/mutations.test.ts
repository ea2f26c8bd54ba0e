// Deployments, backups, restores, downloads and CDN clears move on the sandbox's clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Backup, BackupRestore, ContentVersion, Deployment } from '../../src/domain/divio.js';
import { SCENARIO, readTar, type Sandbox } from '../../src/sandbox/index.js';
import { client, start, until } from './helpers.js';

let sb: Sandbox;
let api: ReturnType<typeof client>;
beforeAll(async () => { sb = await start({ speed: 60 }); api = client(sb); });
afterAll(async () => { await sb.close(); });

async function waitDeployment(uuid: string) {
  const seen = { stages: new Set<string>(), percents: [] as number[] };
  const d = await until(async () => {
    const r = await api.get(`/apps/v3/deployments/${uuid}/`);
    const dep = Deployment.parse(r.body);
    if (dep.stage) seen.stages.add(dep.stage);
    seen.percents.push(dep.percent ?? 0);
    return dep.ended_at ? dep : null;
  }, 20_000, 20);
  return { d, seen };
}
async function waitBackup(uuid: string) {
  return until(async () => {
    const b = Backup.parse((await api.get(`/apps/v3/backups/${uuid}/`)).body);
    return b.state === 'COMPLETED' ? b : null;
  });
}
async function waitRestore(uuid: string) {
  return until(async () => {
    const r = BackupRestore.parse((await api.get(`/apps/v3/backup-restores/${uuid}/`)).body);
    return r.finished ? r : null;
  });
}
const contentOf = async (env: string) => ContentVersion.parse((await api.get(`/apps/v3/environments/${env}/content-version/`)).body);
const sisOf = async (env: string) => (await api.get(`/apps/v3/service-instances/?environment=${env}`)).body.results as { uuid: string; type: string }[];

describe('deployments', () => {
  it('a deployment walks the stages and succeeds; a second POST while it runs is refused and the running one is first in the list', async () => {
    const env = sb.ids(SCENARIO.healthyApp, 'test').env!;
    const post = await api.post('/apps/v3/deployments/', { environment: env, build_mode: 'FORCE' });
    expect(post.status).toBe(201);
    expect(post.body.ended_at).toBeNull();
    const again = await api.post('/apps/v3/deployments/', { environment: env });
    expect(again.status).toBe(400);
    expect(again.body.non_field_errors[0]).toMatch(/already in progress/);
    const list = await api.get(`/apps/v3/deployments/?environment=${env}`);
    expect(list.body.results[0].uuid).toBe(post.body.uuid);
    expect(list.body.results[0].ended_at).toBeNull();
    const early = (await api.get(`/apps/v3/deployments/${post.body.uuid}/logs`)).body.logs as string;
    const { d, seen } = await waitDeployment(post.body.uuid);
    expect(d.success).toBe(true);
    expect(d.status).toBe('success');
    expect(d.percent).toBe(100);
    expect(seen.stages.size).toBeGreaterThanOrEqual(2);
    expect(seen.percents).toEqual([...seen.percents].sort((a, b) => a - b));
    const logs = (await api.get(`/apps/v3/deployments/${d.uuid}/logs`)).body.logs as string;
    expect(logs.length).toBeGreaterThan(early.length);
    expect(logs.startsWith(early)).toBe(true);
    for (const s of ['Services check', 'Git checkout', 'Docker build', 'Release commands', 'Scaling']) expect(logs).toContain(s);
    expect(logs).toMatch(/Deployment finished: SUCCESS/);
    expect((await api.get(`/apps/v3/environments/${env}/`)).body.last_finished_deployment.uuid).toBe(d.uuid);
  });

  it('the failed app fails in the release commands with a traceback', async () => {
    const env = sb.ids(SCENARIO.failedApp, SCENARIO.failedEnv).env!;
    const post = await api.post('/apps/v3/deployments/', { environment: env });
    const { d } = await waitDeployment(post.body.uuid);
    expect(d.success).toBe(false);
    expect(d.status).toBe('failure');
    expect(d.percent).toBeLessThan(100);
    const logs = (await api.get(`/apps/v3/deployments/${d.uuid}/logs`)).body.logs as string;
    expect(logs).toMatch(/Traceback \(most recent call last\)/);
    expect(logs).toMatch(/IntegrityError/);
  });

  it('deploying the never-deployed app makes it live', async () => {
    const env = sb.ids(SCENARIO.neverDeployedApp, 'test').env!;
    const post = await api.post('/apps/v3/deployments/', { environment: env, build_mode: 'AUTO' });
    const { d } = await waitDeployment(post.body.uuid);
    expect(d.success).toBe(true);
    const e = (await api.get(`/apps/v3/environments/${env}/`)).body;
    expect(e.status).toBe('live');
    expect(e.last_finished_deployment.uuid).toBe(d.uuid);
    expect((await fetch(e.url)).status).toBe(200);
  });

  it('bad deployment bodies → DRF 400', async () => {
    expect((await api.post('/apps/v3/deployments/', { environment: 'nope' })).body.environment[0]).toMatch(/does not exist/);
    expect((await api.post('/apps/v3/deployments/', { environment: sb.ids(SCENARIO.healthyApp, 'live').env, build_mode: 'FAST' })).body.build_mode).toHaveLength(1);
  });

  it('the deploying app is deploying at start and gets deployed again after it finishes', async () => {
    const slow = await start({ speed: 1 });
    try {
      const c = client(slow);
      const env = slow.ids(SCENARIO.deployingApp, SCENARIO.deployingEnv).env!;
      const top = (await c.get(`/apps/v3/deployments/?environment=${env}`)).body.results[0];
      expect(top.ended_at).toBeNull();
      expect(top.stage).toBe('build');
      expect(top.percent).toBeGreaterThan(20);
    } finally {
      await slow.close();
    }
    const fast = await start({ speed: 2000 });
    try {
      const c = client(fast);
      const env = fast.ids(SCENARIO.deployingApp, SCENARIO.deployingEnv).env!;
      const startedAt = new Date().toISOString();
      const newer = await until(async () => {
        const top = (await c.get(`/apps/v3/deployments/?environment=${env}`)).body.results[0];
        return top.created_at > startedAt ? top : null;
      });
      expect(newer.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(fast.state.deployments.filter((d) => d.environment === env && d.success === true).length).toBeGreaterThanOrEqual(3);
    } finally {
      await fast.close();
    }
  });
});

describe('backups and restores', () => {
  it('backup of A restored with the documented body goes back into A; an unknown destination field is ignored, as DRF does', async () => {
    const a = sb.ids(SCENARIO.healthyApp, 'live').env!;
    const b = sb.ids(SCENARIO.healthyApp, 'test').env!;
    const sis = await sisOf(a);
    const post = await api.post('/apps/v3/backups/', { environment: a, services: sis.map((s) => s.uuid), trigger: 'MANUAL', notes: 'before restore test' });
    expect(post.status).toBe(201);
    expect(['QUEUED', 'RUNNING']).toContain(post.body.state);
    const done = await waitBackup(post.body.uuid);
    expect(done.success).toBe('SUCCESS');
    expect(done.notes).toBe('before restore test');
    expect(done.service_instance_backups).toHaveLength(2);
    const taken = await contentOf(a);
    sb.state.environments.find((e) => e.uuid === a)!.content.database = { rows: 1, checksum: 'after-the-backup' };
    const before = { a: await contentOf(a), b: await contentOf(b) };
    const targets = await sisOf(b);
    const items = [];
    for (const u of done.service_instance_backups) {
      const sib = (await api.get(`/apps/v3/service-instance-backups/${u}/`)).body;
      expect(sib.size).toBeGreaterThan(0);
      // `service_instance` is not part of Divio's documented body: it must not redirect the restore
      items.push({ service_instance_backup: u, service_instance: targets.find((t) => t.type === sib.service_type)!.uuid });
    }
    const restore = await api.post('/apps/v3/backup-restores/', { backup: done.uuid, service_instance_restores: items, notes: 'live → test?' });
    expect(restore.status).toBe(201);
    expect(restore.body.finished).toBe(false);
    const r = await waitRestore(restore.body.uuid);
    expect(r.success).toBe('SUCCESS');
    const after = { a: await contentOf(a), b: await contentOf(b) };
    expect(after.a.database).toEqual(taken.database);
    expect(after.a.database).not.toEqual(before.a.database);
    expect(after.b).toEqual(before.b);
  });

  it('a backup uploaded into B (exo-presigned-v1: PUT without token, then the finish URL) restores into B: B gets A\'s content, A unchanged', async () => {
    const a = sb.ids(SCENARIO.healthyApp, 'live').env!;
    const b = sb.ids(SCENARIO.healthyApp, 'test').env!;
    const aDb = (await sisOf(a)).find((s) => s.type === 'DATABASE')!;
    const bDb = (await sisOf(b)).find((s) => s.type === 'DATABASE')!;
    const done = await waitBackup((await api.post('/apps/v3/backups/', { environment: a, services: [aDb.uuid] })).body.uuid);
    const dl = await api.post('/apps/v3/backup-downloads/', { backup: done.uuid, service_instance_backups: done.service_instance_backups, trigger: 'PULL' });
    const item = await until(async () => {
      const list = (await api.get(`/apps/v3/backup-download-service-instances/?backup=${dl.body.uuid}`)).body.results;
      return list[0]?.download_url ? list[0] : null;
    });
    const file = Buffer.from(await (await fetch(item.download_url)).arrayBuffer());
    const before = { a: await contentOf(a), b: await contentOf(b) };
    const up = await api.post('/apps/v3/backups/upload/', { environment: b, services: [bDb.uuid], notes: 'push' });
    expect(up.status).toBe(201);
    const target = up.body.results[bDb.uuid];
    expect(target).toMatchObject({ handler: 'exo-presigned-v1', upload_parameters: { url: expect.stringMatching(/^http/), max_file_size: expect.any(Number) }, finish_url: expect.stringMatching(/^http/) });
    // not started before its file is in
    expect((await api.get(`/apps/v3/backups/${up.body.uuid}/`)).body.state).toBe('QUEUED');
    expect((await fetch(target.upload_parameters.url, { method: 'PUT', body: file })).status).toBe(200);
    expect((await fetch(target.finish_url, { method: 'POST' })).status).toBe(200);
    const uploaded = await waitBackup(up.body.uuid);
    expect(uploaded).toMatchObject({ success: 'SUCCESS', environment: b });
    const r = await waitRestore((await api.post('/apps/v3/backup-restores/', { backup: uploaded.uuid, service_instance_restores: uploaded.service_instance_backups.map((u) => ({ service_instance_backup: u })) })).body.uuid);
    expect(r.success).toBe('SUCCESS');
    expect((await contentOf(b)).database).toEqual(before.a.database);
    expect(await contentOf(a)).toEqual(before.a);
    // a used link is refused; a file that is not a backup fails the upload backup with the reason
    expect((await fetch(target.upload_parameters.url, { method: 'PUT', body: file })).status).toBe(403);
    const up2 = await api.post('/apps/v3/backups/upload/', { environment: b, services: [bDb.uuid] });
    const t2 = up2.body.results[bDb.uuid];
    await fetch(t2.upload_parameters.url, { method: 'PUT', body: 'not a tar' });
    await fetch(t2.finish_url, { method: 'POST' });
    const bad = await waitBackup(up2.body.uuid);
    expect(bad.success).toBe('FAILURE');
    const sib = (await api.get(`/apps/v3/service-instance-backups/${bad.service_instance_backups[0]}/`)).body;
    expect(sib.errors).toMatch(/the uploaded file is not usable/);
  });

  it('a restore of a failed backup is refused with a DRF error', async () => {
    const env = sb.ids(SCENARIO.failedBackupApp, SCENARIO.failedBackupEnv).env!;
    const failed = (await api.all(`/apps/v3/backups/?environment=${env}`)).results.find((x) => x.success === 'FAILURE');
    const r = await api.post('/apps/v3/backup-restores/', { backup: failed.uuid, service_instance_restores: [{ service_instance_backup: failed.service_instance_backups[1] }] });
    expect(r.status).toBe(400);
    expect(r.body.backup[0]).toMatch(/did not succeed/);
    expect((await api.post('/apps/v3/backup-restores/', { backup: failed.uuid })).body).toEqual({ service_instance_restores: ['This field is required.'] });
  });

  it('an injected backup failure and restore failure leave the destination untouched', async () => {
    const env = sb.ids('lindqvist-web', 'live').env!;
    const sis = await sisOf(env);
    sb.failNext('backup', env);
    const bad = await waitBackup((await api.post('/apps/v3/backups/', { environment: env, services: [sis[0].uuid] })).body.uuid);
    expect(bad.success).toBe('FAILURE');
    const good = await waitBackup((await api.post('/apps/v3/backups/', { environment: env, services: sis.map((s) => s.uuid) })).body.uuid);
    expect(good.success).toBe('SUCCESS');
    const dest = env;
    sb.state.environments.find((e) => e.uuid === env)!.content.database = { rows: 2, checksum: 'after-the-backup' };
    const before = await contentOf(dest);
    sb.failNext('restore', dest);
    const sib = (await api.get(`/apps/v3/service-instance-backups/${good.service_instance_backups[0]}/`)).body;
    const r = await waitRestore((await api.post('/apps/v3/backup-restores/', {
      backup: good.uuid, service_instance_restores: [{ service_instance_backup: sib.uuid }],
    })).body.uuid);
    expect(r.success).toBe('FAILURE');
    expect(await contentOf(dest)).toEqual(before);
  });

  it('bad backup bodies → DRF 400', async () => {
    const env = sb.ids(SCENARIO.healthyApp, 'live').env!;
    expect((await api.post('/apps/v3/backups/', { environment: env, services: [] })).body.services).toEqual(['This list may not be empty.']);
    const other = await sisOf(sb.ids(SCENARIO.healthyApp, 'test').env!);
    expect((await api.post('/apps/v3/backups/', { environment: env, services: [other[0].uuid] })).body.services[0]).toMatch(/does not exist/);
    expect((await api.post('/apps/v3/backups/', { environment: env, services: [other[0].uuid], trigger: 'SCHEDULED' })).body.trigger).toHaveLength(1);
  });

  it('scheduled backups appear on live environments as the clock runs', async () => {
    const fast = await start({ speed: 200_000 });
    try {
      const c = client(fast);
      const env = fast.ids(SCENARIO.healthyApp, 'live').env!;
      const count = async () => (await c.all(`/apps/v3/backups/?environment=${env}&trigger=SCHEDULED`)).results.length;
      const n0 = await count();
      await until(async () => (await count()) > n0, 10_000, 100);
    } finally {
      await fast.close();
    }
  });
});

describe('backup downloads', () => {
  it('a download becomes a real tar fetched without the token', async () => {
    const env = sb.ids(SCENARIO.customerZoneApp, 'live').env!;
    const backup = (await api.all(`/apps/v3/backups/?environment=${env}`)).results.find((x) => x.success === 'SUCCESS');
    const sibs = await Promise.all(backup.service_instance_backups.map(async (u: string) => (await api.get(`/apps/v3/service-instance-backups/${u}/`)).body));
    const dbSib = sibs.find((s) => s.service_type === 'DATABASE');
    const dl = await api.post('/apps/v3/backup-downloads/', { backup: backup.uuid, service_instance_backups: [dbSib.uuid], trigger: 'PULL' });
    expect(dl.status).toBe(201);
    const list = await api.get(`/apps/v3/backup-download-service-instances/?backup=${dl.body.uuid}`);
    expect(list.body.results).toHaveLength(1);
    const ready = await until(async () => {
      const r = (await api.get(`/apps/v3/backup-download-service-instances/${list.body.results[0].uuid}`)).body;
      return r.ended_at && r.download_url ? r : null;
    });
    expect(ready.errors).toBeNull();
    expect(ready.download_url).toMatch(/\/_downloads\/[0-9a-f]{48}\//);
    const res = await fetch(ready.download_url); // no Authorization header
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    const entries = readTar(Buffer.from(await res.arrayBuffer()));
    expect(entries.map((e) => e.name).sort()).toEqual(['database.dump', 'manifest.json']);
    const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')!.data.toString());
    expect(manifest.content_version).toEqual(dbSib.content_version);
    expect(manifest.files[0]).toMatchObject({ name: 'database.dump' });
    const dump = entries.find((e) => e.name === 'database.dump')!.data.toString();
    expect(dump).toContain('PostgreSQL database dump');
    expect(dump).toContain(`${dbSib.content_version.rows}\t${dbSib.content_version.checksum}`);
    const guessed = ready.download_url.replace(/\/_downloads\/[0-9a-f]{48}\//, `/_downloads/${'0'.repeat(48)}/`);
    expect((await fetch(guessed)).status).toBe(404);
  });
});

describe('domains', () => {
  it('clear-cdn-cache: 200 on Divio-managed Cloudflare, 400 otherwise, recorded', async () => {
    const domains = (await api.all('/apps/v3/domains/?page_size=100')).results;
    const managed = domains.find((d) => d.cdn === 'divio-cloudflare');
    const plain = domains.find((d) => d.cdn === 'none');
    const ok = await api.post(`/apps/v3/domains/${managed.uuid}/action/clear-cdn-cache/`);
    expect(ok.status).toBe(200);
    const no = await api.post(`/apps/v3/domains/${plain.uuid}/action/clear-cdn-cache/`);
    expect(no.status).toBe(400);
    expect(no.body.non_field_errors).toHaveLength(1);
    expect(sb.cdnClears().map((c) => c.domain)).toEqual([managed.uuid]);
  });
});
