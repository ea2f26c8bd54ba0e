// Coming back to the fleet: the gateway keeps its figures (error samples, backup ages, rows) for a
// grace period after the last watcher leaves, and sends them at once on return. Unknown history is
// sent as unknown (null), never as zero.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FleetRow } from '../../src/domain/index.js';
import { startRig, waitFor, type Rig } from './helpers.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ sandbox: { speed: 20, logRate: 5 } });
}, 45_000);
afterAll(async () => {
  await rig?.close();
}, 45_000);

test('error figures survive leaving the fleet: the first snapshot on return carries them', async () => {
  const env = rig.sandbox.ids('acme-portal', 'live').env!;
  const c = rig.client();
  await c.waitLive();
  let rows: FleetRow[] = [];
  const sub = c.subscribe('fleet', {}, { onSnapshot: (d) => (rows = d.rows) });
  await waitFor(() => rows.length, 15_000, 'fleet');
  sub.view([env]);
  const sampled = await waitFor(() => {
    const r = rows.find((x) => x.envUuid === env);
    return r && r.errorRate !== null && r.errorHistory.length ? r : null;
  }, 20_000, 'sampled error figures');
  // the first sample reads 5 minutes back: the older buckets of the 30-minute trend are unknown
  expect(sampled.errorHistory.length).toBeGreaterThanOrEqual(14);
  expect(sampled.errorHistory.slice(0, 9).every((v) => v === null)).toBe(true);
  expect(typeof sampled.errorHistory.at(-1)).toBe('number');

  // away from the fleet: its topic stops (no poller left)
  sub.unsubscribe();
  await waitFor(() => rig.gateway.stats().pollers === 0, 10_000, 'fleet topic stopped');

  // back: the very first snapshot has the figures of before
  let first: FleetRow[] | null = null;
  c.subscribe('fleet', {}, { onSnapshot: (d) => (first ??= d.rows) });
  await waitFor(() => first, 10_000, 'first snapshot on return');
  const back = first!.find((x) => x.envUuid === env)!;
  expect(back.errorRate).not.toBeNull();
  expect(back.errorHistory.filter((v) => v !== null).length).toBeGreaterThan(0);
  expect(first!.length).toBe(rig.sandbox.state.environments.length);
}, 60_000);
