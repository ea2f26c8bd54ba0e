// One upstream poller per topic: 20 clients cost the sandbox what one client costs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { LogLine } from '../../src/domain/index.js';
import { startRig, waitFor, sleep, type Rig } from './helpers.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.close();
});

/** Subscribe `n` clients to the logs of `env`, emit lines for `ms`, return the log requests the sandbox saw. */
async function run(n: number, env: string, ms: number, tag: string): Promise<{ requests: number; perClient: number[] }> {
  const clients = Array.from({ length: n }, () => rig.client());
  await Promise.all(clients.map((c) => c.waitLive()));
  const got: string[][] = clients.map(() => []);
  const subs = clients.map((c, i) =>
    c.subscribe('logs', { envs: [env] }, {
      onEvent: (d) => got[i].push(...d.lines.map((l: LogLine) => l.message)),
    }),
  );
  await waitFor(() => subs.every((s) => s.lastSeq > 0), 5000, 'all subscriptions answered');
  rig.sandbox.resetStats();
  const t0 = Date.now();
  let k = 0;
  while (Date.now() - t0 < ms) {
    rig.sandbox.emitLog(env, [{ message: `${tag}-${k++}` }, { message: `${tag}-${k++}` }]);
    await sleep(100);
  }
  const emitted = k;
  await waitFor(() => got.every((g) => g.filter((m) => m.startsWith(`${tag}-`)).length >= emitted), 5000, 'every client got every line');
  const requests = rig.sandbox.stats().logRequests;
  subs.forEach((s) => s.unsubscribe());
  await Promise.all(clients.map((c) => c.close()));
  await waitFor(() => rig.gateway.stats().pollers === 0, 5000, 'pollers stopped after the grace period');
  return { requests, perClient: got.map((g) => g.filter((m) => m.startsWith(`${tag}-`)).length) };
}

describe('fan-out', () => {
  test('20 clients on one logs topic make the same upstream log requests as 1 client', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const one = await run(1, env, 1500, 'one');
    const twenty = await run(20, env, 1500, 'twenty');
    expect(one.requests).toBeGreaterThan(0);
    // every one of the 20 clients saw every line, in order
    expect(new Set(twenty.perClient).size).toBe(1);
    const ratio = twenty.requests / one.requests;
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(1.6);
  });

  test('the metrics topic and a merged logs topic reuse the environment log follower', async () => {
    const a = rig.sandbox.ids('acme-reports', 'live').env!;
    const b = rig.sandbox.ids('acme-reports', 'test').env!;
    const c = rig.client();
    await c.waitLive();
    const merged: LogLine[] = [];
    let metrics = 0;
    const s1 = c.subscribe('logs', { envs: [b, a] }, { onEvent: (d) => merged.push(...d.lines) });
    const s2 = c.subscribe('logs', { envs: [a] }, {});
    const s3 = c.subscribe('metrics', { env: a }, { onSnapshot: () => metrics++ });
    await waitFor(() => s1.lastSeq > 0 && s2.lastSeq > 0 && metrics > 0, 5000, 'subscriptions answered');
    // two environments followed, whatever the number of topics: 3 topics + 2 followers
    expect(rig.gateway.stats().pollers).toBe(5);
    rig.sandbox.emitLog(a, [{ message: 'from-live' }]);
    await sleep(30);
    rig.sandbox.emitLog(b, [{ message: 'from-test' }]);
    await waitFor(() => merged.some((l) => l.message === 'from-test') && merged.some((l) => l.message === 'from-live'), 5000, 'merged lines');
    const live = merged.find((l) => l.message === 'from-live')!;
    const test = merged.find((l) => l.message === 'from-test')!;
    expect(live.source).toBe('acme-reports@live');
    expect(test.source).toBe('acme-reports@test');
    expect(live.seq).toBeLessThan(test.seq);
    s1.unsubscribe();
    s2.unsubscribe();
    s3.unsubscribe();
    await waitFor(() => rig.gateway.stats().pollers === 0, 5000, 'nothing polled once nobody watches');
  });
});
