// The fleet topic: every application × environment, its state, backup age, live error rate.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FleetRow } from '../../src/domain/index.js';
import { SCENARIO } from '../../src/sandbox/index.js';
import { startRig, waitFor, type Rig } from './helpers.js';

let rig: Rig;
beforeAll(async () => {
  // slow enough that a deployment lasts several fleet polls
  rig = await startRig({ sandbox: { speed: 20, logRate: 5 } });
}, 45_000);
afterAll(async () => {
  await rig?.close();
}, 45_000);

test('fleet: every app × environment with its state; error rate once the env logs are followed', async () => {
  const c = rig.client();
  await c.waitLive();
  let rows: FleetRow[] = [];
  const snapshots: FleetRow[][] = [];
  const sub = c.subscribe('fleet', {}, { onSnapshot: (d) => snapshots.push((rows = d.rows)) });
  await waitFor(() => rows.length, 8000, 'fleet');
  // the first snapshot has every row at once (from the application and environment lists)
  expect(snapshots[0]!.length).toBe(rig.sandbox.state.environments.length);
  // all of them on screen (as the fleet screen says): refreshed first
  sub.view(rows.map((r) => r.envUuid));
  await waitFor(() => !rows.some((r) => r.pending || r.backupKnown === false), 15_000, 'fleet details');
  const row = (app: string, env: string) => rows.find((r) => r.app === app && r.env === env)!;
  expect(rows.length).toBe(rig.sandbox.state.environments.length);
  expect(row(SCENARIO.failedApp, SCENARIO.failedEnv).state).toBe('failed');
  expect(row(SCENARIO.neverDeployedApp, 'live').state).toBe('never-deployed');
  expect(row(SCENARIO.sleepingApp, 'live').state).toBe('sleeping');
  expect(row('acme-reports', 'live').state).toBe('live');
  expect(row('acme-reports', 'live').lastBackupAt).toBeTruthy();
  // a deployment starts upstream: the row shows it, then its end
  const portalTest = rig.sandbox.ids('acme-portal', 'test').env!;
  const { uuid } = await rig.upstream.divio.createDeployment(portalTest);
  // (a row on screen has its deployment checked every 15 s: a short deployment may already have ended
  // when it is first seen, so the row shows the new deployment, deploying or done, within one check)
  await waitFor(() => row('acme-portal', 'test').lastDeployment?.uuid === uuid || row('acme-portal', 'test').state === 'deploying', 25_000, 'deploying row');
  await waitFor(() => row('acme-portal', 'test').state === 'live' && row('acme-portal', 'test').lastDeployment?.endedAt, 20_000, 'deployment ended');
  // nobody tails acme-portal@live: its error rate comes from the slow sampling of its logs
  await waitFor(() => rows.find((r) => r.app === 'acme-portal' && r.env === 'live')?.errorRate != null, 15_000, 'sampled error rate');
  expect(row(SCENARIO.sleepingApp, 'live').errorRate).toBeNull();
  // follow that env's logs: the fleet row gets an error rate from its access lines
  const env = rig.sandbox.ids('acme-reports', 'live').env!;
  c.subscribe('logs', { envs: [env] }, {});
  const r0 = rows.find((r) => r.envUuid === env)?.errorRate ?? 0;
  // 30 more 5xx responses in the 5-minute window: at least 6 more per minute
  rig.sandbox.emitLog(env, Array.from({ length: 30 }, () => ({ service: 'web', message: '10.0.0.9 - - [01/Dec/2026:06:48:06 +0000] "GET /api/ HTTP/1.1" 503 12 "-" "probe" 0.010' })));
  await waitFor(() => (rows.find((r) => r.envUuid === env)?.errorRate ?? 0) >= r0 + 6, 8000, 'error rate');
}, 45_000);
