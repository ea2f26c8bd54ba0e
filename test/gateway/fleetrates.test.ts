// The fleet's error rate for environments nobody tails: sampled from their runtime logs over real
// HTTP against the sandbox (no log traffic but what the test writes, so the figures are exact).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { createUpstream, type Upstream } from '../../src/gateway/index.js';
import { FleetErrorSampler } from '../../src/gateway/fleetrates.js';

let sandbox: Sandbox;
let up: Upstream;
const abort = new AbortController();
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 3, ephemeral: true, ssh: false, logRate: 0 });
  up = await createUpstream({ sandbox });
}, 30_000);
afterAll(async () => {
  abort.abort();
  await up?.close();
  await sandbox?.close();
});

const access = (status: number, path = '/api/orders/') => ({
  service: 'web',
  message: `10.0.0.7 - - [01/Dec/2026:06:48:06 +0000] "GET ${path} HTTP/1.1" ${status} 512 "-" "probe" 0.042`,
});

test('a sample counts the 5xx of what it read; the next sample reads on from its cursor, nothing twice', async () => {
  const env = sandbox.ids('acme-reports', 'live').env!;
  const s = new FleetErrorSampler(up, abort.signal, { maxPages: 3 });
  expect(s.figures(env)).toBeNull();
  await s.sample(env);
  const before = s.figures(env)!;
  expect(before).not.toBeNull();

  sandbox.emitLog(env, [...Array.from({ length: 10 }, () => access(503)), ...Array.from({ length: 5 }, () => access(200)), { message: 'INFO not an access line' }]);
  expect(await s.sample(env)).toBe(16);
  const after = s.figures(env)!;
  // 10 more 5xx responses in a 5-minute window: 2 more per minute
  expect(after.errorRate - before.errorRate).toBeCloseTo(2, 5);
  expect(after.history.reduce<number>((a, b) => a + (b ?? 0), 0) - before.history.reduce<number>((a, b) => a + (b ?? 0), 0)).toBe(10);
  // nothing new: nothing read again, the figures stay
  expect(await s.sample(env)).toBe(0);
  expect(s.figures(env)!.errorRate).toBeCloseTo(after.errorRate, 5);
});

test('a backlog larger than the page budget skips ahead instead of falling further behind', async () => {
  const env = sandbox.ids('acme-portal', 'live').env!;
  const s = new FleetErrorSampler(up, abort.signal, { maxPages: 1 });
  // catch up with the sandbox's history first (one page of 1,000 lines a sample)
  for (let i = 0; i < 5 && (await s.sample(env)) >= 1000; i++);
  // 1,500 lines arrive: one page of 1,000 is read
  sandbox.emitLog(env, Array.from({ length: 1500 }, (_, i) => access(i % 3 === 0 ? 500 : 200)));
  expect(await s.sample(env)).toBe(1000);
  expect(s.figures(env)!.errorRate).toBeGreaterThan(0);
  // the next sample starts a fresh one-minute window (reading the newest minute again from its
  // start) instead of the 500 lines left of the old backlog
  expect(await s.sample(env)).toBeGreaterThan(500);
});

test('a failing upstream leaves the last figures in place and the round goes on', async () => {
  const env = sandbox.ids('acme-booking', 'live').env!;
  const s = new FleetErrorSampler(up, abort.signal, { maxPages: 2 });
  sandbox.emitLog(env, Array.from({ length: 4 }, () => access(502)));
  await s.sample(env);
  const fig = s.figures(env)!;
  expect(fig.errorRate).toBeGreaterThan(0);
  sandbox.setFaults('/apps/v3/environments/*/logs/ 500');
  try {
    await expect(s.sample(env)).rejects.toThrow();
  } finally {
    sandbox.setFaults(null);
  }
  expect(s.figures(env)!.errorRate).toBe(fig.errorRate);
});
