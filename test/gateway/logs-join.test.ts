// A logs view that joins a log stream already running (the metrics screen opened first, the merged
// `L` view next to a single one, a view reopened while the follower is still alive) gets the same
// history as a fresh view: the follower's recent lines, not only what arrives after the join.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LogLine } from '../../src/domain/index.js';
import { startRig, waitFor, type Rig } from './helpers.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ sandbox: { speed: 40, logRate: 2 } });
});
afterAll(async () => {
  await rig?.close();
});

const key = (l: LogLine): string => `${l.tsIso}|${l.message}`;

/** The first answer of a fresh logs subscription. */
async function snapshotOf(envs: string[]): Promise<{ lines: LogLine[]; unsubscribe(): void }> {
  const c = rig.client();
  await c.waitLive();
  let lines: LogLine[] | null = null;
  const s = c.subscribe('logs', { envs }, { onSnapshot: (d) => (lines = d.lines) });
  await waitFor(() => lines, 10_000, 'logs snapshot');
  return { lines: lines!, unsubscribe: () => s.unsubscribe() };
}

describe('logs: joining a running follower', () => {
  test('after the metrics screen: the logs view gets the history a fresh view gets', async () => {
    const env = rig.sandbox.ids('acme-portal', 'live').env!;
    // what a fresh view gets (its own follower; stays alive for the grace time)
    const fresh = await snapshotOf([env]);
    expect(fresh.lines.length).toBeGreaterThan(20);
    const c = rig.client();
    await c.waitLive();
    let metrics: unknown = null;
    c.subscribe('metrics', { env, minutes: 15 }, { onSnapshot: (d) => (metrics = d) });
    await waitFor(() => metrics, 10_000, 'metrics');
    // the logs view closes: its topic stops after the grace time; the follower stays (metrics uses it)
    const running = rig.gateway.stats().pollers;
    fresh.unsubscribe();
    await waitFor(() => rig.gateway.stats().pollers < running, 10_000, 'the logs topic to stop');
    // a logs view opened now starts a new logs topic that joins the running follower
    const joined = await snapshotOf([env]);
    const have = new Set(joined.lines.map(key));
    const missing = fresh.lines.filter((l) => !have.has(key(l)));
    expect(joined.lines.length, 'lines in the joined view').toBeGreaterThanOrEqual(fresh.lines.length);
    expect(missing.length, `lines of the fresh view missing in the joined one (of ${fresh.lines.length})`).toBe(0);
  }, 30_000);

  test('the merged view of two environments includes the history of the one already followed', async () => {
    const test_ = rig.sandbox.ids('acme-booking', 'test').env!;
    const live = rig.sandbox.ids('acme-booking', 'live').env!;
    const single = await snapshotOf([test_]);
    expect(single.lines.length).toBeGreaterThan(20);
    const merged = await snapshotOf([test_, live]);
    const have = new Set(merged.lines.map(key));
    const fromTest = merged.lines.filter((l) => l.source === single.lines[0]!.source);
    expect(fromTest.length, 'lines of the followed environment in the merged view').toBeGreaterThanOrEqual(Math.min(single.lines.length, 250));
    // the newest lines of the single view are all in the merged one
    const recent = single.lines.slice(-Math.min(single.lines.length, 250));
    expect(recent.filter((l) => !have.has(key(l))).length).toBe(0);
  }, 30_000);
});
