// One shape, proven three ways. Fixtures written from Divio's own CLI and the reference
// (test/contract/fixtures/*.json: each names its source) hold:
//  1. the domain schemas (src/domain/divio.ts) — they parse every fixture and reject the old shapes;
//  2. the client (src/divio/client.ts) — served the fixtures over HTTP, it returns what they carry;
//  3. the sandbox — its answers have every fixture field, of the same JSON kind, without extensions.
// The sandbox and the client can no longer drift together: both answer to the fixtures.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { collect, DivioClient } from '../../src/divio/index.js';
import {
  Application, Backup, BackupDownloadServiceInstance, BackupRestore, Deployment, DeploymentLog, Environment, EnvironmentVariable, Me,
  Organisation, Region, RuntimeLogPage, Service, ServiceInstance, ServiceInstanceBackup, page,
} from '../../src/domain/divio.js';
import { SCENARIO, startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { client as http, until } from '../sandbox/helpers.js';

interface Fixture { source: string; route: string; nullable: string[]; body: any }
const DIR = join(import.meta.dirname, 'fixtures');
const FX: Record<string, Fixture> = Object.fromEntries(
  readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Fixture]),
);

/** The domain schema of each fixture (null: the product reads nothing of it, only the sandbox answers to it). */
const SCHEMA: Record<string, z.ZodTypeAny | null> = {
  environment: Environment,
  'environments-page': page(Environment),
  deployment: Deployment,
  'deployments-page': page(Deployment),
  'deployment-log': DeploymentLog,
  'runtime-logs': RuntimeLogPage,
  'environment-variables': page(EnvironmentVariable),
  'deployment-environment-variables': null,
  'service-instances': page(ServiceInstance),
  services: page(Service),
  backup: Backup,
  'service-instance-backup': ServiceInstanceBackup,
  'backup-restore': BackupRestore,
  'backup-download-service-instance': BackupDownloadServiceInstance,
  me: Me,
  'applications-page': page(Application),
  'organisations-page': page(Organisation),
  'regions-page': page(Region),
};

/** Where `actual` differs from the fixture's shape: a missing field or another JSON kind. Null is allowed where the fixture says nullable. */
export function shapeDiff(fixture: unknown, actual: unknown, nullable: readonly string[], path = ''): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  const name = path.split('.').pop()!.replace(/\[\d+\]$/, '');
  if (fixture === null || (actual === null && nullable.includes(name))) return [];
  if (kind(fixture) !== kind(actual)) return [`${path || '(body)'}: ${kind(fixture)} expected, got ${kind(actual)}${actual === null ? '' : ` (${JSON.stringify(actual).slice(0, 40)})`}`];
  if (Array.isArray(fixture)) {
    const a = actual as unknown[];
    if (!fixture.length || !a.length) return [];
    return a.slice(0, 5).flatMap((x, i) => shapeDiff(fixture[0], x, nullable, `${path}[${i}]`));
  }
  if (kind(fixture) === 'object') {
    const f = fixture as Record<string, unknown>;
    const o = actual as Record<string, unknown>;
    // a name → value mapping (environment_variables): the values' kind, whatever the names
    if (name === 'environment_variables') return Object.values(o).flatMap((v) => shapeDiff(Object.values(f)[0], v, nullable, `${path}.*`));
    return Object.keys(f).flatMap((k) => (k in o ? shapeDiff(f[k], o[k], nullable, path ? `${path}.${k}` : k) : [`${path ? `${path}.` : ''}${k}: missing`]));
  }
  return [];
}

const OLD_ENV = { ...FX.environment!.body, last_finished_deployment: FX.environment!.body.last_finished_deployment.uuid };

describe('the fixtures', () => {
  it('each says where its shape comes from, and every fixture has a schema entry', () => {
    expect(Object.keys(FX).sort()).toEqual(Object.keys(SCHEMA).sort());
    for (const [name, f] of Object.entries(FX)) {
      expect(f.source, name).toMatch(/divio-cli|divio_cli|reference\/divio-api\.md/);
      expect(f.route, name).toMatch(/^GET \//);
    }
  });
});

describe('1. domain', () => {
  it('every fixture parses with its schema and keeps every field', () => {
    for (const [name, f] of Object.entries(FX)) {
      const schema = SCHEMA[name];
      if (!schema) continue;
      const r = schema.safeParse(f.body);
      expect(r.success, `${name}: ${r.success ? '' : r.error.message}`).toBe(true);
      expect(shapeDiff(f.body, r.data, f.nullable), name).toEqual([]);
    }
  });
  it('the old string shape of last_finished_deployment is refused; null (never deployed) and extra fields are fine', () => {
    expect(Environment.safeParse(OLD_ENV).success).toBe(false);
    expect(Environment.safeParse({ ...FX.environment!.body, last_finished_deployment: null }).success).toBe(true);
    const extra = Environment.parse({ ...FX.environment!.body, last_finished_deployment: { uuid: 'd', builder: { x: 1 } }, brand_new_field: [1] });
    expect(extra.last_finished_deployment?.uuid).toBe('d');
  });
});

describe('2. client', () => {
  let server: Server;
  let base = '';
  let oldShape = false;
  const routes: [RegExp, () => unknown][] = [
    [/^\/iam\/v3\/me\/$/, () => FX.me!.body],
    [/^\/iam\/v3\/organisations\/$/, () => FX['organisations-page']!.body],
    [/^\/apps\/v3\/regions\/$/, () => FX['regions-page']!.body],
    [/^\/apps\/v3\/applications\/$/, () => FX['applications-page']!.body],
    [/^\/apps\/v3\/environments\/$/, () => FX['environments-page']!.body],
    [/^\/apps\/v3\/environments\/[^/]+\/logs\/$/, () => FX['runtime-logs']!.body],
    [/^\/apps\/v3\/environments\/[^/]+\/$/, () => (oldShape ? OLD_ENV : FX.environment!.body)],
    [/^\/apps\/v3\/deployments\/$/, () => FX['deployments-page']!.body],
    [/^\/apps\/v3\/deployments\/[^/]+\/logs$/, () => FX['deployment-log']!.body],
    [/^\/apps\/v3\/deployments\/[^/]+\/$/, () => FX.deployment!.body],
    [/^\/apps\/v3\/environment-variables\/$/, () => FX['environment-variables']!.body],
    [/^\/apps\/v3\/service-instances\/$/, () => FX['service-instances']!.body],
    [/^\/apps\/v3\/backups\/[^/]+\/$/, () => FX.backup!.body],
    [/^\/apps\/v3\/service-instance-backups\/[^/]+\/$/, () => FX['service-instance-backup']!.body],
    [/^\/apps\/v3\/backup-restores\/[^/]+\/$/, () => FX['backup-restore']!.body],
    [/^\/apps\/v3\/backup-download-service-instances\/[^/]+$/, () => FX['backup-download-service-instance']!.body],
  ];
  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const hit = routes.find(([re]) => re.test(path));
      const body = JSON.stringify(hit ? hit[1]() : { detail: 'Not found.' });
      res.writeHead(hit ? 200 : 404, { 'content-type': 'application/json' });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  const make = () => new DivioClient({ baseUrl: base, token: 'tok_contract_1234', retry: { maxAttempts: 1 } });

  it('returns what the fixtures carry, field by field the product reads', async () => {
    const c = make();
    try {
      const e = await c.environment('e');
      expect(e.last_finished_deployment?.uuid).toBe(FX.environment!.body.last_finished_deployment.uuid);
      expect(e.ssh_endpoint).toMatchObject(FX.environment!.body.ssh_endpoint);
      expect((await collect(c.environments({ application: 'a' })))[0]!.last_finished_deployment?.uuid).toBe(FX.environment!.body.last_finished_deployment.uuid);
      const d = await c.deployment('d');
      for (const k of ['uuid', 'environment', 'started_at', 'ended_at', 'status', 'percent', 'success']) expect((d as any)[k], k).toEqual(FX.deployment!.body[k]);
      expect((await c.latestDeployment('e'))?.uuid).toBe(FX['deployments-page']!.body.results[0].uuid);
      expect(await c.deploymentLog('d')).toBe(FX['deployment-log']!.body.logs);
      const logs = await c.runtimeLogs('e');
      expect(logs.results).toEqual(FX['runtime-logs']!.body.results);
      expect(logs.next).toBe(FX['runtime-logs']!.body.next);
      const vars = await collect(c.environmentVariables({ environment: 'e' }));
      expect(vars[0]).toMatchObject({ name: 'SECRET_KEY', is_sensitive: true, environment: FX['environment-variables']!.body.results[0].environment });
      expect((await collect(c.serviceInstances('e')))[0]).toMatchObject(FX['service-instances']!.body.results[0]);
      expect(await c.backup('b')).toMatchObject(FX.backup!.body);
      // errors null (none) is read as an empty list
      expect(await c.serviceInstanceBackup('s')).toMatchObject({ ...FX['service-instance-backup']!.body, errors: [] });
      expect(await c.restore('r')).toMatchObject(FX['backup-restore']!.body);
      expect(await c.downloadServiceInstance('x')).toMatchObject({ uuid: FX['backup-download-service-instance']!.body.uuid, ended_at: FX['backup-download-service-instance']!.body.ended_at });
      expect(await c.me()).toMatchObject(FX.me!.body);
      expect((await collect(c.applications()))[0]).toMatchObject({ uuid: FX['applications-page']!.body.results[0].uuid, slug: 'shop' });
      expect((await collect(c.organisations()))[0]!.name).toBe('Nordwind Digital');
      expect((await collect(c.regions()))[0]!.name).toBe('eu-central');
    } finally {
      await c.close();
    }
  });
  it('served the old string shape, the client refuses it (malformed, naming the field)', async () => {
    oldShape = true;
    const c = make();
    try {
      await expect(c.environment('e')).rejects.toMatchObject({ kind: 'malformed', message: expect.stringContaining('last_finished_deployment') });
    } finally {
      oldShape = false;
      await c.close();
    }
  });
});

describe('3. sandbox (as started by default: no extensions)', () => {
  let sb: Sandbox;
  let api: ReturnType<typeof http>;
  const got: Record<string, unknown> = {};
  beforeAll(async () => {
    sb = await startSandbox({ ephemeral: true, seed: 42, speed: 500, logRate: 0, ssh: true });
    await sb.sshReady;
    api = http(sb);
    const { app, env } = sb.ids(SCENARIO.healthyApp, 'live');
    const get = async (p: string) => {
      const r = await api.get(p);
      if (r.status !== 200) throw new Error(`GET ${p} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    };
    got.environment = await get(`/apps/v3/environments/${env}/`);
    got['environments-page'] = await get(`/apps/v3/environments/?application=${app}&slug=live`);
    const deployments = await get(`/apps/v3/deployments/?environment=${env}`);
    got['deployments-page'] = deployments;
    const dep = deployments.results[0].uuid;
    got.deployment = await get(`/apps/v3/deployments/${dep}/`);
    got['deployment-log'] = await get(`/apps/v3/deployments/${dep}/logs`);
    got['deployment-environment-variables'] = await get(`/apps/v3/deployments/${dep}/environment-variables`);
    got['runtime-logs'] = await get(`/apps/v3/environments/${env}/logs/`);
    got['environment-variables'] = await get(`/apps/v3/environment-variables/?environment=${env}`);
    got['service-instances'] = await get(`/apps/v3/service-instances/?environment=${env}`);
    const regions = await get('/apps/v3/regions/');
    got['regions-page'] = regions;
    got.services = await get(`/apps/v3/services/?region=${regions.results[0].uuid}`);
    got.me = await get('/iam/v3/me/');
    got['applications-page'] = await get('/apps/v3/applications/');
    got['organisations-page'] = await get('/iam/v3/organisations/');
    const backups = await get(`/apps/v3/backups/?environment=${env}`);
    const b = backups.results.find((x: any) => x.success === 'SUCCESS');
    got.backup = await get(`/apps/v3/backups/${b.uuid}/`);
    got['service-instance-backup'] = await get(`/apps/v3/service-instance-backups/${b.service_instance_backups[0]}/`);
    const r = await api.post('/apps/v3/backup-restores/', { backup: b.uuid, service_instance_restores: [{ service_instance_backup: b.service_instance_backups[0] }] });
    got['backup-restore'] = await until(async () => {
      const x = await get(`/apps/v3/backup-restores/${r.body.uuid}/`);
      return x.finished ? x : null;
    });
    const dl = await api.post('/apps/v3/backup-downloads/', { backup: b.uuid, service_instance_backups: [b.service_instance_backups[0]], trigger: 'PULL' });
    const dlsi = (await get(`/apps/v3/backup-download-service-instances/?backup=${dl.body.uuid}`)).results[0].uuid;
    got['backup-download-service-instance'] = await until(async () => {
      const x = await get(`/apps/v3/backup-download-service-instances/${dlsi}`);
      return x.ended_at ? x : null;
    });
  }, 30_000);
  afterAll(async () => {
    await sb?.close();
  });

  it('every answer has every fixture field, of the same kind, and parses with the domain schema', () => {
    expect(Object.keys(got).sort()).toEqual(Object.keys(FX).sort());
    for (const [name, f] of Object.entries(FX)) {
      expect(shapeDiff(f.body, got[name], f.nullable), name).toEqual([]);
      const schema = SCHEMA[name];
      if (schema) expect(schema.safeParse(got[name]).success, name).toBe(true);
    }
  });
  it('runtime-log pages carry results, next and previous only; no extension field leaks', () => {
    expect(Object.keys(got['runtime-logs'] as object).sort()).toEqual(['next', 'previous', 'results']);
    const e = got.environment as Record<string, any>;
    for (const k of ['url', 'status', 'instances']) expect(e).not.toHaveProperty(k);
    expect(e.ssh_endpoint).not.toHaveProperty('host_key');
  });
  it('a sandbox served with the old string shape fails the contract', () => {
    const e = got.environment as Record<string, any>;
    const old = { ...e, last_finished_deployment: e.last_finished_deployment.uuid };
    expect(shapeDiff(FX.environment!.body, old, FX.environment!.nullable)).toEqual([
      expect.stringMatching(/^last_finished_deployment: object expected, got string/),
    ]);
    expect(Environment.safeParse(old).success).toBe(false);
    const oldPage = { ...(got['environments-page'] as any), results: (got['environments-page'] as any).results.map((x: any) => ({ ...x, last_finished_deployment: x.last_finished_deployment?.uuid ?? null })) };
    expect(shapeDiff(FX['environments-page']!.body, oldPage, FX['environments-page']!.nullable)).not.toEqual([]);
  });
});
