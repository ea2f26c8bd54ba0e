// The fleet of a big account (sandbox --apps 500: 1,500 environments) over the real sandbox (HTTP)
// and gateway (WebSocket): every row from the lists alone, a steady state bounded by the fleet's
// budget whatever the fleet's size, backups found however far down the account's list they are,
// deploying and visible rows refreshed before the others. Counts come from the sandbox's request
// counter; the timings are `npm run bench`'s.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FleetRow } from '../../src/domain/index.js';
import { startRig, waitFor, type Rig } from './helpers.js';

const APPS = 500;
/** The gateway's poll scale here: every interval, and the fleet's 1 request/s budget, × 0.05. */
const SCALE = 0.05;
let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ sandbox: { apps: APPS, speed: 20, logRate: 1 }, gateway: { pollScale: SCALE } });
}, 90_000);
afterAll(async () => {
  await rig?.close();
}, 45_000);

const requests = (): number => rig.sandbox.stats().total;
const byRoute = (route: string): number => rig.sandbox.stats().byRoute[route] ?? 0;

test('1,500 environments: every row from the lists alone, then at most one request per budget tick', async () => {
  const envs = rig.sandbox.state.environments;
  expect(envs.length).toBe(3 * APPS);
  const c = rig.client();
  await c.waitLive();
  rig.sandbox.resetStats();
  let rows: FleetRow[] = [];
  let atAllRows: number | null = null;
  let perEnvAtAllRows = 0;
  c.subscribe('fleet', {}, {
    onSnapshot: (d) => {
      rows = d.rows;
      if (atAllRows === null && rows.length === envs.length) {
        atAllRows = requests();
        perEnvAtAllRows = byRoute('GET /apps/v3/deployments/') + byRoute('GET /apps/v3/backups/') + byRoute('GET /apps/v3/environments/{uuid}/logs/');
      }
    },
  });
  await waitFor(() => atAllRows !== null, 60_000, 'every row');
  // the organisations, the applications (5 pages of 100) and the environments (15 pages): no request
  // per environment, none per application
  expect(atAllRows!).toBeLessThanOrEqual(1 + 5 + 15 + 2);
  expect(perEnvAtAllRows).toBeLessThanOrEqual(2);
  // every row has a state from what the environment list carries
  expect(rows.filter((r) => r.state === 'unknown' && !r.pending)).toEqual([]);

  // steady state: the budget (1 request/s × SCALE) bounds the requests, not the 1,500 rows
  const t0 = Date.now();
  const n0 = requests();
  await waitFor(() => requests() - n0 >= 40, 30_000, 'steady requests');
  const elapsed = Date.now() - t0;
  const made = requests() - n0;
  const tick = 1000 * SCALE;
  // one job per tick, a job makes one request (a log sample or a list walk may make a few, and then waits as many ticks)
  expect(made).toBeLessThanOrEqual(Math.ceil(elapsed / tick) + 3);
}, 120_000);

test("an environment's backups are found however many newer ones the account holds; one never backed up shows none, not unknown", async () => {
  const c = rig.client();
  await c.waitLive();
  let rows: FleetRow[] = [];
  const sub = c.subscribe('fleet', {}, { onSnapshot: (d) => (rows = d.rows) });
  await waitFor(() => rows.length === 3 * APPS, 60_000, 'every row');
  // acme-reports@test's newest backup is days old: thousands of the account's backups are newer
  const s = rig.sandbox.state;
  const target = rig.sandbox.ids('acme-reports', 'test').env!;
  const newest = s.backups
    .filter((b) => b.environment === target && b.success === 'SUCCESS')
    .map((b) => b.ended_at!)
    .sort()
    .at(-1)!;
  expect(s.backups.filter((b) => (b.created_at ?? '') > newest).length).toBeGreaterThan(1000);
  // a generated application's qa environment was never backed up
  const generated = s.applications.find((a) => a.slug.startsWith('client-'))!;
  const never = s.environments.find((e) => e.application === generated.uuid && e.slug === 'qa')!.uuid;
  sub.view([target, never]);
  await waitFor(() => rows.find((r) => r.envUuid === target)?.backupKnown !== false && rows.find((r) => r.envUuid === never)?.backupKnown !== false, 30_000, 'backup ages');
  expect(rows.find((r) => r.envUuid === target)!.lastBackupAt).toBe(newest);
  expect(rows.find((r) => r.envUuid === never)!.lastBackupAt).toBeNull();
}, 120_000);

test('a deployment started on a row on screen shows as deploying before the fleet has looked at the other rows', async () => {
  const c = rig.client();
  await c.waitLive();
  let rows: FleetRow[] = [];
  const sub = c.subscribe('fleet', {}, { onSnapshot: (d) => (rows = d.rows) });
  await waitFor(() => rows.length === 3 * APPS, 60_000, 'every row');
  // a row far down the list, on screen
  const app = rig.sandbox.state.applications.filter((a) => a.slug.startsWith('client-')).at(-3)!;
  const env = rig.sandbox.state.environments.find((e) => e.application === app.uuid && e.slug === 'test')!;
  sub.view([env.uuid]);
  const before = byRoute('GET /apps/v3/deployments/') + byRoute('GET /apps/v3/deployments/{uuid}/');
  const { uuid } = await rig.upstream.divio.createDeployment(env.uuid);
  const row = await waitFor(() => rows.find((r) => r.envUuid === env.uuid && r.state === 'deploying' && r.lastDeployment?.uuid === uuid), 30_000, 'deploying row');
  expect(row.lastDeployment!.endedAt).toBeNull();
  // far fewer deployment lookups than rows: the visible row came first
  expect(byRoute('GET /apps/v3/deployments/') + byRoute('GET /apps/v3/deployments/{uuid}/') - before).toBeLessThan(300);
  // then it is followed to its end
  await waitFor(() => rows.find((r) => r.envUuid === env.uuid)?.lastDeployment?.endedAt, 60_000, 'deployment ended');
}, 120_000);
