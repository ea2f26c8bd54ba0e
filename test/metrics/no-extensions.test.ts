// Against a zone without the sandbox-only extensions (as real Divio: no metrics, no content version,
// no sleeping state, no site URL): the console probes each extension once, says it is not offered,
// and keeps working — request figures still come from the access logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvData, FleetData, MetricsData } from '../../src/protocol/index.js';
import { SCENARIO } from '../../src/sandbox/index.js';
import { startRig, waitFor, type Rig } from '../gateway/helpers.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ sandbox: { seed: 1, logRate: 0, extensions: false } });
});
afterAll(async () => {
  await rig?.close();
});

const unmatched = () => rig.sandbox.stats().byRoute['GET (unmatched)'] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a zone without the sandbox extensions', () => {
  it('the sandbox answers 404 for metrics and content version, and leaves out url, status, cdn, content_version', async () => {
    const env = rig.sandbox.ids('acme-portal', 'live').env!;
    const get = (p: string) => fetch(`${rig.sandbox.divioUrl}${p}`, { headers: { authorization: `Token ${rig.sandbox.token}` } });
    expect((await get(`/apps/v3/environments/${env}/metrics/`)).status).toBe(404);
    expect((await get(`/apps/v3/environments/${env}/content-version/`)).status).toBe(404);
    const e = (await (await get(`/apps/v3/environments/${env}/`)).json()) as Record<string, unknown>;
    for (const k of ['url', 'status', 'instances']) expect(e).not.toHaveProperty(k);
    expect(e.last_finished_deployment).toMatchObject({ uuid: expect.any(String) });
    const domains = (await (await get(`/apps/v3/domains/?environment=${env}`)).json()) as { results: Record<string, unknown>[] };
    expect(domains.results.length).toBeGreaterThan(0);
    for (const d of domains.results) expect(d).not.toHaveProperty('cdn');
    const backups = (await (await get(`/apps/v3/backups/?environment=${env}`)).json()) as { results: { service_instance_backups: string[] }[] };
    const sib = (await (await get(`/apps/v3/service-instance-backups/${backups.results[0]!.service_instance_backups[0]}/`)).json()) as Record<string, unknown>;
    expect(sib).not.toHaveProperty('content_version');
  });

  it('metrics: CPU/memory not offered (samples null), request figures from the access logs, and the 404 is asked once, not every 10 s', async () => {
    const before = unmatched();
    const c = rig.client();
    await c.waitLive();
    const got: MetricsData[] = [];
    const envs = [rig.sandbox.ids('acme-portal', 'live').env!, rig.sandbox.ids(SCENARIO.healthyApp, 'live').env!];
    for (const env of envs) c.subscribe('metrics', { env, minutes: 60 }, { onSnapshot: (d) => got.push(d) });
    await waitFor(() => got.length >= 2, 8000, 'metrics snapshots');
    expect(got.every((d) => d.samples === null)).toBe(true);
    expect(got.some((d) => d.access !== null && d.access.requests > 0)).toBe(true);
    // pollScale 0.1: the samples would be fetched every second per environment; wait for several
    await sleep(3500);
    expect(unmatched() - before).toBe(1);
  }, 20_000);

  it('environment: content version not offered, asked once over many polls; the fleet lists every environment', async () => {
    const before = rig.sandbox.stats().byRoute['GET /apps/v3/environments/{uuid}/'] ?? 0;
    const unmatchedBefore = unmatched();
    const c = rig.client();
    await c.waitLive();
    let env: EnvData | null = null;
    let polls = 0;
    c.subscribe('env', { env: rig.sandbox.ids('nordwind-cms', 'live').env! }, { onSnapshot: (d) => ((env = d), polls++) });
    await waitFor(() => env, 8000, 'env snapshot');
    expect(env!.contentVersion).toBeNull();
    expect(env!.environment.url ?? null).toBeNull();
    await waitFor(() => (rig.sandbox.stats().byRoute['GET /apps/v3/environments/{uuid}/'] ?? 0) - before >= 3, 10_000, 'several env polls');
    // the metrics probe of the previous test already told this zone lacks extensions; content version: one probe at most
    expect(unmatched() - unmatchedBefore).toBeLessThanOrEqual(1);

    let fleet: FleetData | null = null;
    c.subscribe('fleet', {}, { onSnapshot: (d) => (fleet = d) });
    const settled = () => fleet && (fleet as FleetData).rows.length === rig.sandbox.state.environments.length && (fleet as FleetData).rows.every((r) => r.state !== 'unknown');
    await waitFor(settled, 15_000, 'fleet rows with their state');
    const rows = (fleet as unknown as FleetData).rows;
    // no sleeping state without the extension; the never-deployed app is still told from last_finished_deployment
    expect(rows.some((r) => r.state === 'sleeping')).toBe(false);
    expect(rows.find((r) => r.app === SCENARIO.neverDeployedApp && r.env === 'live')?.state).toBe('never-deployed');
  }, 30_000);
});
