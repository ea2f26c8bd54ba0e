// The metrics topic against the real sandbox through a real gateway and WebSocket client: the first
// snapshot already carries request figures from the followed access lines (never an empty window
// that reads as "no traffic"), figures cover only what the logs cover, and an upstream without a
// metrics endpoint gives samples: null (a statement, not an error).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricsData, TopicHealth } from '../../src/protocol/index.js';
import { startRig, waitFor, type Rig } from '../gateway/helpers.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ sandbox: { seed: 1, logRate: 0 } });
});
afterAll(async () => {
  await rig?.close();
});

function envOf(app: string, env: string): string {
  return rig.sandbox.ids(app, env).env!;
}

describe('metrics topic', () => {
  it('the first snapshot has CPU/memory samples and request figures derived from the access lines', async () => {
    const c = rig.client();
    await c.waitLive();
    const got: MetricsData[] = [];
    c.subscribe('metrics', { env: envOf('acme-portal', 'live'), minutes: 60 }, { onSnapshot: (d) => got.push(d) });
    await waitFor(() => got.length, 8000, 'first metrics snapshot');
    const first = got[0]!;
    expect(first.samples!.length).toBeGreaterThan(0);
    expect(first.samples![0]).toMatchObject({ cpu_percent: expect.any(Number), memory_mb: expect.any(Number) });
    expect(first.access).not.toBeNull();
    expect(first.access!.requests).toBeGreaterThan(0);
    expect(first.access!.p50).toBeGreaterThan(0);
    expect(first.access!.p99).toBeGreaterThanOrEqual(first.access!.p95!);
    // the rate is over the part of the hour the followed logs cover, not the whole hour
    const covered = (first.access!.windowEnd - first.access!.windowStart) / 1000;
    expect(covered).toBeLessThanOrEqual(3600);
    expect(first.access!.requestRate).toBeCloseTo(first.access!.requests / covered, 6);
  }, 20_000);

  it('an upstream without a metrics endpoint: samples null, the topic stays healthy', async () => {
    rig.sandbox.setFaults('GET /apps/v3/environments/*/metrics/ 404');
    try {
      const c = rig.client();
      await c.waitLive();
      let d: MetricsData | null = null;
      const health: TopicHealth[] = [];
      c.subscribe('metrics', { env: envOf('acme-portal', 'test'), minutes: 15 }, { onSnapshot: (x) => (d = x), onStatus: (h) => health.push(h) });
      await waitFor(() => d, 8000, 'metrics snapshot');
      expect(d!.samples).toBeNull();
      expect(health.every((h) => h.ok)).toBe(true);
    } finally {
      rig.sandbox.setFaults(null);
    }
  }, 20_000);
});
