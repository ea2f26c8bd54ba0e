// The fleet topic: every application × environment, its state, backup age, live error rate.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FleetRow } from '../../src/domain/index.js';
import { SCENARIO } from '../../src/sandbox/index.js';
import { startRig, waitFor, type Rig } from './helpers.js';

let rig: Rig;
beforeAll(async () => {
  // slow enough that a deployment lasts several fleet polls
  rig = await startRig({ sandbox: { speed: 20, logRate: 5 } });
}, 30_000);
afterAll(async () => {
  await rig?.close();
}, 30_000);

test('fleet: every app × environment with its state; error rate once the env logs are followed', async () => {
  const c = rig.client();
  await c.waitLive();
  let rows: FleetRow[] = [];
  c.subscribe('fleet', {}, { onSnapshot: (d) => (rows = d.rows) });
  await waitFor(() => rows.length, 8000, 'fleet');
  const row = (app: string, env: string) => rows.find((r) => r.app === app && r.env === env)!;
  expect(rows.length).toBe(rig.sandbox.state.environments.length);
  expect(row(SCENARIO.failedApp, SCENARIO.failedEnv).state).toBe('failed');
  expect(row(SCENARIO.neverDeployedApp, 'live').state).toBe('never-deployed');
  expect(row(SCENARIO.sleepingApp, 'live').state).toBe('sleeping');
  expect(row('acme-reports', 'live').state).toBe('live');
  expect(row('acme-reports', 'live').lastBackupAt).toBeTruthy();
  expect(row('acme-reports', 'live').errorRate).toBeNull();
  // a deployment starts upstream: the row shows it, then its end
  const portalTest = rig.sandbox.ids('acme-portal', 'test').env!;
  const { uuid } = await rig.upstream.divio.createDeployment(portalTest);
  await waitFor(() => row('acme-portal', 'test').state === 'deploying' && row('acme-portal', 'test').lastDeployment?.uuid === uuid, 8000, 'deploying row');
  await waitFor(() => row('acme-portal', 'test').state === 'live' && row('acme-portal', 'test').lastDeployment?.endedAt, 20_000, 'deployment ended');
  // follow that env's logs: the fleet row gets an error rate from its access lines
  const env = rig.sandbox.ids('acme-reports', 'live').env!;
  c.subscribe('logs', { envs: [env] }, {});
  await waitFor(() => rows.find((r) => r.envUuid === env)?.errorRate !== null, 8000, 'error rate');
}, 30_000);
