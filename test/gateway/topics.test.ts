// Topic contents as a pane would show them: fleet states, masked secrets, deployment log appends,
// deployment markers in followed logs, upstream errors as per-subscription status, rediscovery.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TopicHealth } from '../../src/protocol/index.js';
import type { LogMarker } from '../../src/domain/index.js';
import { SCENARIO } from '../../src/sandbox/index.js';
import { startGateway } from '../../src/gateway/index.js';
import { GatewayClient } from '../../src/client/index.js';
import { OPERATOR, startRig, waitFor, type Rig } from './helpers.js';

let rig: Rig;
beforeAll(async () => {
  // no Docker engine for this gateway (DOCKER_HOST points nowhere): the local topic must say so
  rig = await startRig({ sandbox: { speed: 40, logRate: 5 }, gateway: { local: { engine: { env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } } } } });
});
afterAll(async () => {
  await rig?.close();
});

describe('topics', () => {
  test('env: sensitive values and DSN passwords never leave the gateway', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    // a DSN the zone forgot to flag sensitive: its password is scrubbed all the same
    rig.sandbox.state.envVars.push({ uuid: 'unflagged-dsn', name: 'LEGACY_DSN', value: 'postgres://app:hunter2@db.example:5432/app', is_sensitive: false, environment: env });
    const c = rig.client();
    await c.waitLive();
    let json = '';
    let data: any = null;
    c.subscribe('env', { env }, { onSnapshot: (d) => ((data = d), (json = JSON.stringify(d))) });
    await waitFor(() => data, 5000, 'env detail');
    expect(data.environment.slug).toBe('live');
    expect(data.environments.map((e: any) => e.slug)).toEqual(expect.arrayContaining(['test', 'live']));
    expect(data.serviceInstances.length).toBeGreaterThan(0);
    const vars = rig.sandbox.state.envVars.filter((v: any) => v.environment === env);
    const secrets = vars.filter((v: any) => v.is_sensitive && v.value).map((v: any) => v.value as string);
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(json).not.toContain(s);
    expect(data.variables.find((v: any) => v.is_sensitive).value).toBe('****');
    expect(data.variables.find((v: any) => v.name === 'DATABASE_URL').value).toBe('****');
    expect(json).not.toContain('hunter2');
    expect(data.variables.find((v: any) => v.name === 'LEGACY_DSN').value).toBe('****'); // named like a secret: masked whole
  });

  test('deployment: the log arrives as a snapshot then appended text; the followed logs get a "finished" marker', async () => {
    const env = rig.sandbox.ids('acme-reports', 'test').env!;
    const c = rig.client();
    await c.waitLive();
    const markers: LogMarker[] = [];
    const ls = c.subscribe('logs', { envs: [env] }, { onEvent: (d) => markers.push(...d.markers) });
    await waitFor(() => ls.lastSeq > 0, 5000, 'logs');
    const job = await c.command('deploy', { env });
    let uuid: string | null = null;
    c.onJob((j) => {
      if (j.id === job.id && j.upstreamId) uuid = j.upstreamId;
    });
    await waitFor(() => uuid, 5000, 'deployment uuid');
    let log = '';
    let appends = 0;
    let ended = false;
    c.subscribe('deployment', { deployment: uuid! }, {
      onSnapshot: (d) => {
        log = d.log;
        ended = !!d.deployment.ended_at;
      },
      onEvent: (d) => {
        if (d.append) {
          log += d.log;
          appends++;
        }
        ended = !!d.deployment.ended_at;
      },
    });
    await waitFor(() => ended, 15_000, 'deployment end');
    const full = await rig.upstream.divio.deploymentLog(uuid!);
    expect(log).toBe(full);
    expect(appends).toBeGreaterThan(0);
    const short = uuid!.slice(0, 4);
    await waitFor(() => markers.find((m) => m.kind === 'deployment' && m.text.includes(`deployment ${short}`) && /finished \(succeeded\)/.test(m.text)), 8000, 'finished marker');
  }, 25_000);

  test('metrics: upstream samples plus request rate, 5xx and latency derived from the access lines of the followed logs', async () => {
    // a sleeping environment: no runtime lines of its own, so every access line here is ours
    const env = rig.sandbox.ids(SCENARIO.sleepingApp, 'live').env!;
    rig.sandbox.setLogRate(0, env);
    const c = rig.client();
    await c.waitLive();
    let m: any = null;
    c.subscribe('metrics', { env, minutes: 15 }, { onSnapshot: (d) => (m = d) });
    await waitFor(() => m, 5000, 'metrics');
    expect(Array.isArray(m.samples)).toBe(true);
    expect(m.samples.length).toBeGreaterThan(0);
    // request figures are there once the follower's first page is in
    await waitFor(() => m.access, 10_000, 'request figures');
    const base = m.access?.requests ?? 0;
    const now = new Date();
    const stamp = `${String(now.getUTCDate()).padStart(2, '0')}/Nov/2026:00:00:00 +0000`;
    const line = (status: number, ms: number) => ({ message: `10.0.0.1 - - [${stamp}] "GET /probe/ HTTP/1.1" ${status} 12 "-" "curl/8" rt=${(ms / 1000).toFixed(3)} ms=${ms}` });
    rig.sandbox.emitLog(env, [...Array.from({ length: 18 }, () => line(200, 10)), line(500, 900), line(503, 900)]);
    await waitFor(() => m.access && m.access.requests >= base + 20, 8000, 'access stats');
    expect(m.access.requests - base).toBe(20);
    expect(m.access.p99).toBeGreaterThanOrEqual(900);
    expect(m.access.errorRate).toBeGreaterThan(0);
  });

  test('backups: each backup with its service-instance details', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const c = rig.client();
    await c.waitLive();
    let d: any = null;
    c.subscribe('backups', { env }, { onSnapshot: (x) => (d = x) });
    await waitFor(() => d, 8000, 'backups');
    expect(d.backups.length).toBeGreaterThan(0);
    expect(d.serviceInstances.length).toBeGreaterThan(0);
    const b = d.backups.find((x: any) => x.success === 'SUCCESS');
    expect(b.details.length).toBe(b.service_instance_backups.length);
    expect(b.details[0].service_type).toMatch(/DATABASE|STORAGE/);
    expect(d.backups.some((x: any) => x.success === 'FAILURE')).toBe(true); // the scenario's failed one is shown, not hidden
  });

  test('upstream errors reach each subscription as a status with a retry time; recovery is announced', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const c = rig.client();
    await c.waitLive();
    const health: TopicHealth[] = [];
    let snaps = 0;
    c.subscribe('deployments', { env }, { onStatus: (h) => health.push(h), onSnapshot: () => snaps++ });
    await waitFor(() => snaps > 0, 5000, 'first snapshot');
    rig.sandbox.setFaults('GET /apps/v3/deployments/ 503');
    await waitFor(() => health.find((h) => !h.ok), 10_000, 'degraded status');
    const bad = health.find((h) => !h.ok)!;
    expect(bad.error).toMatch(/503|unavailable|server/i);
    expect(bad.retryInMs).toBeGreaterThan(0);
    rig.sandbox.setFaults(null);
    await waitFor(() => health.length > 1 && health[health.length - 1].ok, 10_000, 'recovered status');
  }, 25_000);

  test('the local topic answers with a clear status when there is no Docker engine', async () => {
    const c = rig.client();
    await c.waitLive();
    let h: TopicHealth | null = null;
    let engine: string | null = null;
    const errors: string[] = [];
    c.subscribe('local', {}, { onStatus: (x) => (h = x), onSnapshot: (d) => (engine = d.engine.status), onError: (e) => errors.push(e) });
    await waitFor(() => h && engine, 8000, 'local status');
    expect(engine).toBe('unavailable');
    expect(errors).toEqual([]);
    expect(h!.ok).toBe(false);
    expect(h!.error).toMatch(/no Docker engine: DOCKER_HOST=unix:\/\/\/nonexistent\/docker.sock/);
  });

  test('bad topic parameters are an error for that subscription only', async () => {
    const c = rig.client();
    await c.waitLive();
    const errors: string[] = [];
    c.subscribe('logs', { envs: [] } as any, { onError: (e) => errors.push(e) });
    await waitFor(() => errors.length, 3000, 'error');
    expect(errors[0]).toMatch(/bad logs parameters: envs/);
    expect(c.state.status).toBe('live');
  });

  test('on start, a deployment already running upstream is rediscovered and followed as a job', async () => {
    const { uuid } = await rig.upstream.divio.createDeployment(rig.sandbox.ids('lindqvist-web', 'test').env!);
    const gw = await startGateway({ tokens: [{ token: OPERATOR, role: 'operator', name: 'o' }], upstream: rig.upstream, dataDir: `${rig.dataDir}/rediscover`, pollScale: 0.1 });
    const c = new GatewayClient({ url: gw.url, token: OPERATOR });
    c.connect();
    try {
      await c.waitLive();
      await gw.rediscovered;
      let jobs: any[] = [];
      c.subscribe('jobs', {}, { onSnapshot: (d) => (jobs = d.jobs) });
      const found = await waitFor(() => jobs.find((j) => j.upstreamId === uuid), 5000, 'rediscovered job');
      expect(found).toMatchObject({ kind: 'deploy', actor: 'upstream', target: 'lindqvist-web@test' });
      const done = await waitFor(() => jobs.find((j) => j.upstreamId === uuid && j.state !== 'running'), 15_000, 'followed to its end');
      expect(done.state).toBe('succeeded');
    } finally {
      await c.close();
      await gw.close();
    }
  });
});
