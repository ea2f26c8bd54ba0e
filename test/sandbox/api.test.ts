// The sandbox's Divio API: every read endpoint's shape, DRF paging, DRF errors, auth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Application, Backup, BackupRestore, ContentVersion, Deployment, DeploymentLog, Domain, Environment, EnvironmentVariable, Me,
  MetricSample, Organisation, Region, RuntimeLogPage, ServiceInstance, ServiceInstanceBackup, page,
} from '../../src/domain/divio.js';
import { SCENARIO, type Sandbox } from '../../src/sandbox/index.js';
import { client, start } from './helpers.js';

let sb: Sandbox;
let api: ReturnType<typeof client>;
beforeAll(async () => { sb = await start(); api = client(sb); });
afterAll(async () => { await sb.close(); });

const ids = (app: string, env?: string) => sb.ids(app, env);

describe('auth and errors', () => {
  it('401 without a token, with a wrong token, with Bearer instead of Token', async () => {
    for (const auth of ['', 'Token wrong-token', `Bearer ${sb.token}`]) {
      const r = await fetch(`${sb.divioUrl}/apps/v3/applications/`, { headers: auth ? { authorization: auth } : {} });
      expect(r.status).toBe(401);
      const body = (await r.json()) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(['detail']);
      expect(typeof body.detail).toBe('string');
    }
  });
  it('404 {"detail":"Not found."} for unknown paths and unknown uuids', async () => {
    for (const p of ['/apps/v3/nothing/', '/apps/v3/applications/00000000-0000-4000-8000-000000000000/', '/apps/v3/deployments/nope/']) {
      const r = await api.get(p);
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ detail: 'Not found.' });
    }
  });
  it('405 for a wrong method, 400 for malformed JSON and for a list body', async () => {
    expect((await api.call('DELETE', '/apps/v3/applications/')).status).toBe(405);
    const bad = await api.post('/apps/v3/deployments/', '{"environment": ');
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/JSON parse error/);
    const list = await api.post('/apps/v3/deployments/', [1, 2]);
    expect(list.status).toBe(400);
    expect(list.body.non_field_errors[0]).toMatch(/Expected a dictionary/);
  });
  it('400 field errors in DRF shape for a missing field and a bad filter', async () => {
    const r = await api.post('/apps/v3/deployments/', {});
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ environment: ['This field is required.'] });
    const f = await api.get('/apps/v3/environments/?application=not-a-real-uuid');
    expect(f.status).toBe(400);
    expect(Array.isArray(f.body.application)).toBe(true);
    const v = await api.get('/apps/v3/environment-variables/');
    expect(v.status).toBe(400);
    expect(v.body.non_field_errors).toHaveLength(1);
  });
  it('invalid page → 404 "Invalid page."', async () => {
    const r = await api.get('/apps/v3/applications/?page=99');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ detail: 'Invalid page.' });
  });
});

describe('read endpoints', () => {
  it('me, organisations, regions', async () => {
    const me = Me.parse((await api.get('/iam/v3/me/')).body);
    expect(me.email).toBe(SCENARIO.userEmail);
    const orgs = page(Organisation).parse((await api.get('/iam/v3/organisations/')).body);
    expect(orgs.results.map((o) => o.name)).toEqual([...SCENARIO.orgs]);
    const regions = page(Region).parse((await api.get('/apps/v3/regions/')).body);
    expect(regions.results.length).toBeGreaterThanOrEqual(1);
  });

  it('applications: paging chain with absolute next/previous followed to the end', async () => {
    const first = await api.get('/apps/v3/applications/?page_size=2');
    expect(first.body.count).toBe(SCENARIO.apps.length);
    expect(first.body.previous).toBeNull();
    expect(first.body.next).toMatch(new RegExp(`^${sb.divioUrl}/apps/v3/applications/\\?`));
    const second = await api.get(first.body.next);
    expect(second.body.previous).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/apps\/v3\/applications\//);
    const all = await api.all('/apps/v3/applications/?page_size=2');
    expect(all.pages).toBe(Math.ceil(SCENARIO.apps.length / 2));
    const apps = all.results.map((a) => Application.parse(a));
    expect(apps.map((a) => a.slug).sort()).toEqual([...SCENARIO.apps].sort());
    expect(new Set(apps.map((a) => a.organisation)).size).toBeGreaterThanOrEqual(2);
    const bySlug = await api.get(`/apps/v3/applications/?slug=${SCENARIO.healthyApp}`);
    expect(bySlug.body.results).toHaveLength(1);
    const one = await api.get(`/apps/v3/applications/${bySlug.body.results[0].uuid}/`);
    expect(Application.parse(one.body).slug).toBe(SCENARIO.healthyApp);
  });

  it('environments: test + live everywhere, qa on some; detail has ssh_endpoint only when deployed', async () => {
    const all = await api.all('/apps/v3/environments/?page_size=7');
    const envs = all.results.map((e) => Environment.parse(e));
    expect(all.count).toBe(envs.length);
    for (const slug of SCENARIO.apps) {
      const app = ids(slug).app;
      const mine = envs.filter((e) => e.application === app).map((e) => e.slug).sort();
      expect(mine).toEqual((SCENARIO.qaApps as readonly string[]).includes(slug) ? ['live', 'qa', 'test'] : ['live', 'test']);
    }
    const never = await api.get(`/apps/v3/environments/?application=${ids(SCENARIO.neverDeployedApp).app}&slug=live`);
    expect(never.body.results).toHaveLength(1);
    expect(never.body.results[0].last_finished_deployment).toBeNull();
    expect(never.body.results[0].status).toBe('not_deployed');
    const sleeping = Environment.parse((await api.get(`/apps/v3/environments/${ids(SCENARIO.sleepingApp, 'live').env}/`)).body);
    expect(sleeping.status).toBe('sleeping');
    const healthy = Environment.parse((await api.get(`/apps/v3/environments/${ids(SCENARIO.healthyApp, 'live').env}/`)).body);
    expect(healthy.status).toBe('live');
    // an object {uuid, …} as Divio serves it (divio_cli/cloud.py get_deploy_log reads ["uuid"]), not a string
    expect(typeof healthy.last_finished_deployment).toBe('object');
    const lfd = (await api.get(`/apps/v3/deployments/${healthy.last_finished_deployment!.uuid}/`)).body;
    expect(lfd.environment).toBe(healthy.uuid);
    expect(lfd.ended_at).not.toBeNull();
    expect(healthy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_sites\//);
    // the environment's URL answers without a token (HTTP probe after a deploy)
    expect((await fetch(healthy.url!)).status).toBe(200);
    expect((await fetch(never.body.results[0].url)).status).toBe(404);
  });

  it('PATCH branch and POST copy', async () => {
    const env = ids('lindqvist-web', 'test').env!;
    const p = await api.patch(`/apps/v3/environments/${env}/`, { branch: 'feature/tax' });
    expect(p.status).toBe(200);
    expect(p.body.branch).toBe('feature/tax');
    expect((await api.get(`/apps/v3/environments/${env}/`)).body.branch).toBe('feature/tax');
    expect((await api.patch(`/apps/v3/environments/${env}/`, { branch: '' })).body.branch).toEqual(['This field may not be blank.']);
    const c = await api.post(`/apps/v3/environments/${env}/copy/`, { new_slug: 'hotfix' });
    expect(c.status).toBe(201);
    expect(Environment.parse(c.body).slug).toBe('hotfix');
    expect(c.body.uuid).not.toBe(env);
    const vars = await api.get(`/apps/v3/environment-variables/?environment=${c.body.uuid}&name=STAGE`);
    expect(vars.body.results[0].value).toBe('hotfix');
    const dup = await api.post(`/apps/v3/environments/${env}/copy/`, { new_slug: 'hotfix' });
    expect(dup.status).toBe(400);
    expect(dup.body.new_slug[0]).toMatch(/already exists/);
    expect((await api.post(`/apps/v3/environments/${env}/copy/`, { new_slug: 'Bad Slug' })).body.new_slug).toHaveLength(1);
  });

  it('environment variables: DSN with password, sensitive SECRET_KEY, filters', async () => {
    const env = ids(SCENARIO.healthyApp, 'live').env!;
    const r = await api.all(`/apps/v3/environment-variables/?environment=${env}`);
    const vars = r.results.map((v) => EnvironmentVariable.parse(v));
    const db = vars.find((v) => v.name === 'DATABASE_URL')!;
    expect(db.value).toMatch(/^postgres:\/\/[^:]+:[^@]+@/);
    expect(vars.find((v) => v.name === 'SECRET_KEY')!.is_sensitive).toBe(true);
    expect(vars.every((v) => v.environment === env)).toBe(true);
    const byApp = await api.all(`/apps/v3/environment-variables/?application=${ids(SCENARIO.healthyApp).app}&name=SECRET_KEY`);
    expect(byApp.results).toHaveLength(2);
  });

  it('service instances: a Postgres DATABASE and a STORAGE per environment', async () => {
    const env = ids(SCENARIO.customerZoneApp, 'qa').env!;
    const r = await api.get(`/apps/v3/service-instances/?environment=${env}`);
    const sis = r.body.results.map((x: unknown) => ServiceInstance.parse(x));
    expect(sis.map((s: ServiceInstance) => s.type).sort()).toEqual(['DATABASE', 'STORAGE']);
    // region and service are uuids, as Divio's CLI posts them: the catalogue of that region names the service
    const db = sis.find((s: ServiceInstance) => s.type === 'DATABASE')!;
    const catalogue = (await api.get(`/apps/v3/services/?region=${db.region}`)).body.results as { uuid: string; name: string; type: string }[];
    expect(catalogue.find((x) => x.uuid === db.service)).toMatchObject({ name: 'PostgreSQL 15', type: 'DATABASE' });
    const regions = (await api.get('/apps/v3/regions/')).body.results as { uuid: string }[];
    expect(regions.map((r) => r.uuid)).toContain(db.region);
    expect(sis.every((s: ServiceInstance) => s.prefix === 'DEFAULT')).toBe(true);
  });

  it('deployments: newest first, detail, logs; failed app has a traceback', async () => {
    const failedEnv = ids(SCENARIO.failedApp, SCENARIO.failedEnv).env!;
    const list = await api.get(`/apps/v3/deployments/?environment=${failedEnv}`);
    const deps = list.body.results.map((d: unknown) => Deployment.parse(d));
    const times = deps.map((d: Deployment) => d.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(deps[0].success).toBe(false);
    expect(deps[0].ended_at).not.toBeNull();
    const detail = Deployment.parse((await api.get(`/apps/v3/deployments/${deps[0].uuid}/`)).body);
    expect(detail.environment_variables).toContain('DATABASE_URL');
    const logs = DeploymentLog.parse((await api.get(`/apps/v3/deployments/${deps[0].uuid}/logs`)).body);
    expect(logs.logs).toMatch(/Traceback \(most recent call last\)/);
    expect(logs.logs).toMatch(/release command .* failed/);
    const running = await api.get(`/apps/v3/deployments/?environment=${ids(SCENARIO.deployingApp, SCENARIO.deployingEnv).env}`);
    expect(running.body.results[0].ended_at === null || running.body.results[0].success === true).toBe(true);
    const byApp = await api.all(`/apps/v3/deployments/?application=${ids(SCENARIO.neverDeployedApp).app}`);
    expect(byApp.results).toHaveLength(0);
  });

  it('backups, service-instance backups, restores list', async () => {
    const env = ids(SCENARIO.failedBackupApp, SCENARIO.failedBackupEnv).env!;
    const all = await api.all(`/apps/v3/backups/?environment=${env}`);
    const backups = all.results.map((b) => Backup.parse(b));
    expect(backups.length).toBeGreaterThanOrEqual(7);
    expect(backups.filter((b) => b.trigger === 'SCHEDULED').length).toBeGreaterThanOrEqual(7);
    const failed = backups.filter((b) => b.success !== 'SUCCESS');
    expect(failed).toHaveLength(1);
    const ok = backups.find((b) => b.success === 'SUCCESS')!;
    expect(ok.state).toBe('COMPLETED');
    const sib = ServiceInstanceBackup.parse((await api.get(`/apps/v3/service-instance-backups/${ok.service_instance_backups[0]}/`)).body);
    expect(sib.backup).toBe(ok.uuid);
    expect(sib.size).toBeGreaterThan(0);
    const failedSib = await api.get(`/apps/v3/service-instance-backups/${failed[0].service_instance_backups[0]}/`);
    expect(failedSib.body.errors).toMatch(/pg_dump|s3 sync/);
    expect(page(BackupRestore).parse((await api.get('/apps/v3/backup-restores/')).body).results).toEqual([]);
  });

  it('domains: Divio-managed Cloudflare, customer zone, none', async () => {
    const all = (await api.all('/apps/v3/domains/?page_size=100')).results.map((d) => Domain.parse(d));
    for (const slug of SCENARIO.divioCdnApps) {
      expect(all.some((d) => d.application === ids(slug).app && d.cdn === 'divio-cloudflare')).toBe(true);
    }
    const cz = all.find((d) => d.domain === SCENARIO.customerZoneName)!;
    expect(cz.cdn).toBe('customer-cloudflare');
    expect(cz.cloudflare_zone).toMatch(/^[0-9a-f]{32}$/);
    expect(cz.application).toBe(ids(SCENARIO.customerZoneApp).app);
    const filtered = await api.get(`/apps/v3/domains/?application=${ids(SCENARIO.healthyApp).app}`);
    expect(filtered.body.results.every((d: Domain) => d.application === ids(SCENARIO.healthyApp).app)).toBe(true);
  });

  it('sandbox extensions: metrics with ?minutes= and content-version', async () => {
    const env = ids(SCENARIO.healthyApp, 'live').env!;
    const m = await api.get(`/apps/v3/environments/${env}/metrics/?minutes=30`);
    expect(m.status).toBe(200);
    const samples = m.body.results.map((x: unknown) => MetricSample.parse(x));
    expect(samples.length).toBe(30);
    expect(samples.every((s: MetricSample) => s.cpu_percent > 0 && s.memory_mb > 0)).toBe(true);
    expect((await api.get(`/apps/v3/environments/${env}/metrics/?minutes=5`)).body.results).toHaveLength(30);
    expect((await api.get(`/apps/v3/environments/${env}/metrics/?minutes=0`)).body.minutes).toHaveLength(1);
    const sleeping = await api.get(`/apps/v3/environments/${ids(SCENARIO.sleepingApp, 'live').env}/metrics/?minutes=5`);
    expect(sleeping.body.results.every((s: MetricSample) => s.cpu_percent === 0)).toBe(true);
    const cv = ContentVersion.parse((await api.get(`/apps/v3/environments/${env}/content-version/`)).body);
    expect(cv.database!.rows).toBeGreaterThan(0);
    expect(cv.media!.files).toBeGreaterThan(0);
  });

  it('runtime logs page shape', async () => {
    const env = ids(SCENARIO.healthyApp, 'live').env!;
    const r = RuntimeLogPage.parse((await api.get(`/apps/v3/environments/${env}/logs/`)).body);
    expect(r.results.length).toBe(100);
    expect(r.next).toMatch(/after=\d+/);
    expect(r.previous).toMatch(/before=\d+/);
    expect(r.results.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(l.timestamp))).toBe(true);
  });
});

describe('the scenario is deterministic for a seed', () => {
  it('same seed → same uuids; another seed → other uuids', async () => {
    const again = await start();
    const other = await start({ seed: 7 });
    try {
      expect(again.ids(SCENARIO.healthyApp, 'live')).toEqual(sb.ids(SCENARIO.healthyApp, 'live'));
      expect(other.ids(SCENARIO.healthyApp, 'live')).not.toEqual(sb.ids(SCENARIO.healthyApp, 'live'));
    } finally {
      await again.close();
      await other.close();
    }
  });
});
