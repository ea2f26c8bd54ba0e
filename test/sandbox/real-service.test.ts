// The sandbox behaves like the real service where that is inconvenient too: Django REST framework
// ignores request fields it does not know, the seeded history is consistent, sensitive values are
// flagged, and the routes Divio's own CLI uses exist (../shared/reference/divio-api.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScenario } from '../../src/sandbox/scenario.js';
import { SCENARIO, type Sandbox } from '../../src/sandbox/index.js';
import { client, start, until } from './helpers.js';

let sb: Sandbox;
let api: ReturnType<typeof client>;
beforeAll(async () => { sb = await start(); api = client(sb); });
afterAll(async () => { await sb.close(); });

const UNKNOWN = { not_a_field: 'x', destination: { nested: true }, force: 1 };

describe('unknown request fields are ignored, as Django REST framework does', () => {
  it('PATCH environment, POST copy, deployment, backup, download, clear-cdn-cache: the same answer with extra fields', async () => {
    const env = sb.ids('lindqvist-web', 'test').env!;
    const p = await api.patch(`/apps/v3/environments/${env}/`, { branch: 'feature/extra', ...UNKNOWN });
    expect(p.status).toBe(200);
    expect(p.body.branch).toBe('feature/extra');
    expect(p.body).not.toHaveProperty('not_a_field');

    const cp = await api.post(`/apps/v3/environments/${env}/copy/`, { new_slug: 'extra', ...UNKNOWN });
    expect(cp.status).toBe(201);
    expect(cp.body.slug).toBe('extra');

    const d = await api.post('/apps/v3/deployments/', { environment: env, ...UNKNOWN });
    expect(d.status).toBe(201);
    expect(d.body.environment).toBe(env);

    const sis = (await api.get(`/apps/v3/service-instances/?environment=${env}`)).body.results.map((x: any) => x.uuid);
    const b = await api.post('/apps/v3/backups/', { environment: env, services: sis, trigger: 'MANUAL', ...UNKNOWN });
    expect(b.status).toBe(201);
    const done = await until(async () => {
      const r = (await api.get(`/apps/v3/backups/${b.body.uuid}/`)).body;
      return r.state === 'COMPLETED' ? r : null;
    });
    const dl = await api.post('/apps/v3/backup-downloads/', { backup: done.uuid, service_instance_backups: done.service_instance_backups, trigger: 'PULL', ...UNKNOWN });
    expect(dl.status).toBe(201);

    const domains = (await api.get(`/apps/v3/domains/?environment=${sb.ids(SCENARIO.divioCdnApps[0], 'live').env}`)).body.results;
    const cdn = domains.find((x: any) => sb.state.domains.find((r) => r.uuid === x.uuid)?.cdn === 'divio-cloudflare');
    const clear = await api.post(`/apps/v3/domains/${cdn.uuid}/action/clear-cdn-cache/`, UNKNOWN);
    expect(clear.status).toBe(200);
  });
  it('an unknown field never replaces a missing required one', async () => {
    const r = await api.post('/apps/v3/deployments/', { env: 'x', ...UNKNOWN });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ environment: ['This field is required.'] });
  });
});

describe('the seeded state is consistent', () => {
  it("every environment's last_finished_deployment is its newest finished deployment (several seeds)", async () => {
    for (const seed of [42, 1, 7, 1234, 99_999]) {
      const s = buildScenario({ seed, nowMs: Date.UTC(2026, 5, 1, 12), logRetention: 10_000 });
      let deployed = 0;
      for (const e of s.environments) {
        const finished = s.deployments.filter((d) => d.environment === e.uuid && d.ended_at).sort((a, b) => (a.ended_at! < b.ended_at! ? 1 : -1));
        expect(e.last_finished_deployment, `seed ${seed} env ${e.uuid}`).toBe(finished[0]?.uuid ?? null);
        if (finished[0]) deployed++;
      }
      expect(deployed).toBeGreaterThan(0);
    }
  });
  it('over the API too: the object names the newest finished deployment of the environment', async () => {
    // a fresh sandbox at real speed: nothing finishes between the two listings
    const fresh = await start({ speed: 1 });
    const api = client(fresh);
    const envs = (await api.all('/apps/v3/environments/?page_size=100')).results;
    for (const e of envs) {
      const deps = (await api.all(`/apps/v3/deployments/?environment=${e.uuid}&page_size=100`)).results.filter((d: any) => d.ended_at);
      const newest = deps.sort((a: any, b: any) => (a.ended_at < b.ended_at ? 1 : -1))[0];
      if (!newest) expect(e.last_finished_deployment).toBeNull();
      else {
        expect(e.last_finished_deployment.uuid).toBe(newest.uuid);
        expect(e.last_finished_deployment.ended_at).toBe(newest.ended_at);
      }
    }
    await fresh.close();
  });
});

describe('sensitive variables and the CLI routes', () => {
  it('DSNs with passwords and secret keys are is_sensitive', async () => {
    const vars = (await api.all(`/apps/v3/environment-variables/?application=${sb.ids('nordwind-shop').app}`)).results;
    for (const name of ['DATABASE_URL', 'DEFAULT_STORAGE_DSN', 'SECRET_KEY', 'SENTRY_DSN', 'STRIPE_API_KEY', 'EMAIL_URL']) {
      const mine = vars.filter((v: any) => v.name === name);
      expect(mine.length, name).toBeGreaterThan(0);
      for (const v of mine) expect(v.is_sensitive, name).toBe(true);
    }
    // any value carrying user:password@ is flagged
    for (const v of vars) if (/:\/\/[^/\s:@]+:[^@\s]+@/.test(v.value ?? '')) expect(v.is_sensitive, v.name).toBe(true);
    expect(vars.find((v: any) => v.name === 'STAGE').is_sensitive).toBe(false);
  });
  it("GET /apps/v3/deployments/{uuid}/environment-variables: the deployment's variables by name (divio deployments get-var)", async () => {
    const env = sb.ids(SCENARIO.healthyApp, 'live').env!;
    const d = (await api.get(`/apps/v3/deployments/?environment=${env}`)).body.results[0];
    const r = await api.get(`/apps/v3/deployments/${d.uuid}/environment-variables`);
    expect(r.status).toBe(200);
    expect(r.body.environment).toBe(env);
    expect(r.body.environment_variables.STAGE).toBe('live');
    expect(Object.keys(r.body.environment_variables).sort()).toEqual([...d.environment_variables].sort());
    expect((await api.get('/apps/v3/deployments/nope/environment-variables')).status).toBe(404);
  });
  it('GET /apps/v3/services/?region=: the catalogue of a region (divio services list)', async () => {
    const regions = (await api.get('/apps/v3/regions/')).body.results;
    const r = await api.get(`/apps/v3/services/?region=${regions[0].uuid}`);
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: any) => x.type).sort()).toEqual(['DATABASE', 'STORAGE']);
    for (const x of r.body.results) {
      expect(x.region).toBe(regions[0].uuid);
      for (const k of ['uuid', 'name', 'type', 'description', 'identifier']) expect(typeof x[k]).toBe('string');
    }
    const all = (await api.get('/apps/v3/services/')).body;
    expect(all.count).toBe(regions.length * 2);
    expect((await api.get('/apps/v3/services/?region=nope')).status).toBe(400);
  });
});
