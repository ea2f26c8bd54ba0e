// Fault injection (spec parsing and behaviour over HTTP) and the /_sandbox/ control surface.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultSpecError, SCENARIO, parseFaultSpec, type Sandbox } from '../../src/sandbox/index.js';
import { client, start } from './helpers.js';

let sb: Sandbox;
let api: ReturnType<typeof client>;
beforeAll(async () => { sb = await start(); api = client(sb); });
afterAll(async () => { await sb.close(); });

describe('fault spec', () => {
  it('parses the documented forms', () => {
    expect(parseFaultSpec('/apps/v3/environments/*/logs/ 503@50%')).toEqual([{ path: '/apps/v3/environments/*/logs/', status: 503, statusRate: 0.5 }]);
    const rules = parseFaultSpec('POST /apps/v3/backups/ 500 times=1; ** latency=50-200@0.5 malformed@1%\n/client/v4/** 429@0.3 retry-after=2 reset@0.05');
    expect(rules).toHaveLength(3);
    expect(rules[0]).toMatchObject({ method: 'POST', status: 500, statusRate: 1, times: 1 });
    expect(rules[1]).toMatchObject({ path: '**', latencyMs: 50, latencyMaxMs: 200, latencyRate: 0.5, malformedRate: 0.01 });
    expect(rules[2]).toMatchObject({ status: 429, retryAfter: 2, resetRate: 0.05 });
    expect(parseFaultSpec('')).toEqual([]);
    expect(parseFaultSpec('[{"path":"/x","status":502}]')).toEqual([{ path: '/x', status: 502 }]);
  });
  it('rejects bad specs with a clear error', () => {
    expect(() => parseFaultSpec('/x 503@150%')).toThrow(/invalid rate "150%"/);
    expect(() => parseFaultSpec('/x explode')).toThrow(/unknown effect "explode"/);
    expect(() => parseFaultSpec('/x 200')).toThrow(/400–599/);
    expect(() => parseFaultSpec('apps 503')).toThrow(/must start with "\/"/);
    expect(() => parseFaultSpec('/x')).toThrow(FaultSpecError);
    expect(() => parseFaultSpec('[{"path":"/x","status":"bad"}]')).toThrow(/status/);
  });
});

describe('faults over HTTP', () => {
  it('with a 50 % 503 rate roughly half the requests fail, none after clearing', async () => {
    sb.setFaults('/apps/v3/applications/ 503@50%');
    let failed = 0;
    let first503: Awaited<ReturnType<typeof api.get>> | null = null;
    for (let i = 0; i < 240; i++) {
      const r = await api.get('/apps/v3/applications/');
      if (r.status === 503) { failed++; first503 ??= r; } else expect(r.status).toBe(200);
    }
    expect(failed / 240).toBeGreaterThan(0.3);
    expect(failed / 240).toBeLessThan(0.7);
    expect(first503!.body).toEqual({ detail: expect.any(String) });
    expect((await api.get('/apps/v3/regions/')).status).toBe(200); // other paths untouched
    sb.setFaults(null);
    for (let i = 0; i < 60; i++) expect((await api.get('/apps/v3/applications/')).status).toBe(200);
  });

  it('429 with Retry-After, method filter, glob per segment, times=N', async () => {
    const env = sb.ids(SCENARIO.healthyApp, 'live').env!;
    sb.setFaults('/apps/v3/environments/*/logs/ 429 retry-after=3; POST /apps/v3/backups/ 500 times=1');
    const r = await api.get(`/apps/v3/environments/${env}/logs/`);
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('3');
    expect((await api.get(`/apps/v3/environments/${env}/`)).status).toBe(200);
    expect((await api.get('/apps/v3/backups/')).status).toBe(200);
    const sis = sb.state.serviceInstances.filter((s) => s.environment === env);
    expect((await api.post('/apps/v3/backups/', { environment: env, services: [sis[0].uuid] })).status).toBe(500);
    expect((await api.post('/apps/v3/backups/', { environment: env, services: [sis[0].uuid] })).status).toBe(201);
    sb.setFaults(null);
  });

  it('latency, malformed JSON and connection resets', async () => {
    sb.setFaults('/iam/v3/me/ latency=150; /apps/v3/regions/ malformed; /iam/v3/organisations/ reset');
    const t0 = Date.now();
    expect((await api.get('/iam/v3/me/')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    const m = await fetch(`${sb.divioUrl}/apps/v3/regions/`, { headers: { authorization: `Token ${sb.token}` } });
    expect(m.status).toBe(200);
    const text = await m.text();
    expect(() => JSON.parse(text)).toThrow();
    await expect(fetch(`${sb.divioUrl}/iam/v3/organisations/`, { headers: { authorization: `Token ${sb.token}` } })).rejects.toThrow();
    sb.setFaults(null);
  });

  it('hang: no answer while the rule is in force; the held request is answered once the faults change', async () => {
    expect(parseFaultSpec('/x hang@25%')).toEqual([{ path: '/x', hangRate: 0.25 }]);
    sb.setFaults('/iam/v3/me/ hang');
    let answered = false;
    const pending = api.get('/iam/v3/me/').then((r) => ((answered = true), r));
    // another path is not held
    expect((await api.get('/apps/v3/regions/')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    sb.setFaults(null);
    expect((await pending).status).toBe(200);
    // a client that gives up closes its connection: nothing is left held
    sb.setFaults('/iam/v3/me/ hang');
    await expect(fetch(`${sb.divioUrl}/iam/v3/me/`, { headers: { authorization: `Token ${sb.token}` }, signal: AbortSignal.timeout(200) })).rejects.toThrow();
    sb.setFaults(null);
  });

  it('faults given at start apply; Cloudflare paths can be faulted too', async () => {
    const f = await start({ faults: '/client/v4/** 502' });
    try {
      const r = await fetch(`${f.cloudflareUrl}/client/v4/zones`, { headers: { authorization: `Bearer ${f.cloudflareToken}` } });
      expect(r.status).toBe(502);
      expect(((await r.json()) as { success: boolean }).success).toBe(false);
    } finally {
      await f.close();
    }
    await expect(start({ faults: '/x nonsense' })).rejects.toThrow(/unknown effect/);
  });
});

describe('control surface /_sandbox/', () => {
  it('needs the Divio token', async () => {
    expect((await fetch(`${sb.divioUrl}/_sandbox/stats`)).status).toBe(401);
  });

  it('stats count requests by route (log requests apart) and reset', async () => {
    const env = sb.ids(SCENARIO.healthyApp, 'live').env!;
    await api.post('/_sandbox/stats/reset');
    await api.get('/apps/v3/applications/');
    await api.get(`/apps/v3/environments/${env}/logs/`);
    await api.get(`/apps/v3/environments/${env}/logs/`);
    const s = (await api.get('/_sandbox/stats')).body;
    expect(s.total).toBe(3);
    expect(s.logRequests).toBe(2);
    expect(s.byRoute['GET /apps/v3/environments/{uuid}/logs/']).toBe(2);
    expect(s.byRoute['GET /apps/v3/applications/']).toBe(1);
    expect(sb.stats()).toEqual(s);
    sb.resetStats();
    expect(sb.stats().total).toBe(0);
  });

  it('PUT faults (string, {spec}, null) with a 400 for a bad spec', async () => {
    const bad = await api.put('/_sandbox/faults', '/x 503@2');
    expect(bad.status).toBe(400);
    expect(bad.body.faults[0]).toMatch(/invalid rate/);
    const ok = await api.put('/_sandbox/faults', { spec: '/apps/v3/regions/ 500' });
    expect(ok.body.rules).toHaveLength(1);
    expect((await api.get('/apps/v3/regions/')).status).toBe(500);
    expect((await api.get('/_sandbox/stats')).status).toBe(200); // control paths are never faulted
    await api.put('/_sandbox/faults', null);
    expect((await api.get('/apps/v3/regions/')).status).toBe(200);
  });

  it('log-rate, emit-log, fail-next, scenario', async () => {
    const env = sb.ids(SCENARIO.healthyApp, 'test').env!;
    expect((await api.post('/_sandbox/log-rate', { rate: -1 })).status).toBe(400);
    expect((await api.post('/_sandbox/log-rate', { rate: 0, environment: env })).status).toBe(200);
    const tail = await api.get(`/apps/v3/environments/${env}/logs/`);
    expect((await api.post('/_sandbox/emit-log', { environment: env, lines: [{ message: 'hello from control' }] })).body).toEqual({ emitted: 1 });
    expect((await api.get(tail.body.next)).body.results.map((l: { message: string }) => l.message)).toEqual(['hello from control']);
    expect((await api.post('/_sandbox/fail-next', { kind: 'nothing' })).status).toBe(400);
    const sc = (await api.get('/_sandbox/scenario')).body;
    expect(sc.scenario.healthyApp).toBe(SCENARIO.healthyApp);
    expect(sc.applications[SCENARIO.healthyApp].environments.test).toBe(env);
    expect(sc.zones[0].name).toBe(SCENARIO.customerZoneName);
    expect(sc.divioUrl).toBe(sb.divioUrl);
  });
});
