import { describe, expect, it } from 'vitest';
import { AccessMetrics, cpuLevel, cpuPerInstance, isStale, memoryLevel, percentileOf } from '../../src/domain/metrics.js';
import { compactSpan, parseDuration } from '../../src/domain/format.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0); // aligned to every bucket size used here

/** 1000 nginx access lines over 100 s (10 req/s); every 10th is a 500, every 7th (else) a 404; durations 1..100 ms, each 10×. */
function fixture(): Array<{ ts: number; line: string }> {
  const out: Array<{ ts: number; line: string }> = [];
  for (let i = 0; i < 1000; i++) {
    const status = i % 10 === 0 ? 500 : i % 7 === 0 ? 404 : 200;
    const d = (i % 100) + 1;
    out.push({
      ts: T0 + i * 100,
      line: `10.0.0.${i % 250} - - [01/Jan/2026:12:00:00 +0000] "GET /api/${i} HTTP/1.1" ${status} 512 "-" "ua" ${(d / 1000).toFixed(3)}`,
    });
  }
  return out;
}

describe('AccessMetrics', () => {
  it('derives exact rates and percentiles from access lines', () => {
    const m = new AccessMetrics();
    let parsed = 0;
    for (const { ts, line } of fixture()) if (m.ingestLine(ts, line)) parsed++;
    expect(m.ingestLine(T0, 'not an access line')).toBe(false);
    expect(parsed).toBe(1000);
    const s = m.stats(T0, T0 + 100_000);
    expect(s.seconds).toBe(100);
    expect(s.requests).toBe(1000);
    expect(s.rate).toBe(10);
    expect(s.errors5xx).toBe(100);
    expect(s.errorRate).toBe(1);
    expect(s.errorFraction).toBe(0.1);
    // 404s: i % 7 === 0 and i % 10 !== 0 for i < 1000: 143 multiples of 7, 15 of them multiples of 70.
    expect(s.errors4xx).toBe(143 - 15);
    expect(s.latency).toEqual({ p50: 50, p95: 95, p99: 99 });
    expect(s.samples).toBe(1000);
    expect(s.exact).toBe(true);
  });

  it('sub-ranges are bucket-aligned and exact', () => {
    const m = new AccessMetrics();
    for (const { ts, line } of fixture()) m.ingestLine(ts, line);
    const s = m.stats(T0 + 10_000, T0 + 20_000); // i = 100..199: durations 1..100 once each
    expect(s.requests).toBe(100);
    expect(s.rate).toBe(10);
    expect(s.errors5xx).toBe(10);
    expect(s.latency).toEqual({ p50: 50, p95: 95, p99: 99 });
    // "Now" in the middle of a bucket: the start is aligned down, the span ends at now.
    const m2 = new AccessMetrics();
    for (let i = 0; i < 150; i++) m2.ingest({ ts: T0 + i * 100, status: 200, durationMs: null }); // 10/s for 15 s
    const partial = m2.stats(T0 + 5_000, T0 + 15_000);
    expect(partial.from).toBe(T0);
    expect(partial.to).toBe(T0 + 15_000);
    expect(partial.seconds).toBe(15);
    expect(partial.requests).toBe(150);
    expect(partial.rate).toBe(10);
  });

  it('nearest-rank percentiles on a small fixture', () => {
    const m = new AccessMetrics();
    const durations = [120, 15, 30, 900, 45, 60, 75, 90, 105, 10];
    durations.forEach((d, i) => m.ingest({ ts: T0 + i * 1000, status: 200, durationMs: d }));
    const s = m.stats(T0, T0 + 10_000);
    // sorted: 10 15 30 45 60 75 90 105 120 900 → p50 = 5th = 60, p95 = p99 = 10th = 900
    expect(s.latency).toEqual({ p50: 60, p95: 900, p99: 900 });
    expect(percentileOf(durations, 50)).toBe(60);
  });

  it('lines without a duration count for rates but not latency', () => {
    const m = new AccessMetrics();
    m.ingestLine(T0, '"GET / HTTP/1.1" 200 5');
    m.ingestLine(T0 + 1, '"GET / HTTP/1.1" 503 5');
    const s = m.stats(T0, T0 + 10_000);
    expect(s.requests).toBe(2);
    expect(s.errors5xx).toBe(1);
    expect(s.latency).toBeNull();
  });

  it('series: 5xx count per slot for a sparkline', () => {
    const m = new AccessMetrics();
    for (const { ts, line } of fixture()) m.ingestLine(ts, line);
    m.ingest({ ts: T0 + 95_000, status: 502, durationMs: 1 });
    const s = m.series(T0, T0 + 100_000, 10, '5xx');
    expect(s.stepMs).toBe(10_000);
    expect(s.values).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 11]);
    const r = m.series(T0, T0 + 100_000, 5, 'rate');
    expect(r.stepMs).toBe(20_000);
    expect(r.values[0]).toBe(10);
    const p = m.series(T0, T0 + 120_000, 6, 'p99');
    expect(p.values[5]).toBeNull(); // no requests in the last slot
  });

  it('bounded memory: a bucket keeps at most `reservoir` latency samples and says so', () => {
    const m = new AccessMetrics({ reservoir: 16, seed: 42 });
    for (let i = 0; i < 100; i++) m.ingest({ ts: T0 + i, status: 200, durationMs: i });
    const s = m.stats(T0, T0 + 10_000);
    expect(s.requests).toBe(100);
    expect(s.samples).toBe(16);
    expect(s.exact).toBe(false);
  });

  it('older ranges use the coarse tier (5 min buckets, 24 h)', () => {
    const m = new AccessMetrics();
    for (let i = 0; i < 60; i++) m.ingest({ ts: T0 + i * 1000, status: i < 6 ? 500 : 200, durationMs: 10 });
    m.ingest({ ts: T0 + 2 * 3_600_000, status: 200, durationMs: 10 });
    const s = m.stats(T0, T0 + 300_000);
    expect(s.seconds).toBe(300);
    expect(s.requests).toBe(60);
    expect(s.errors5xx).toBe(6);
    expect(s.rate).toBe(0.2);
  });

  it('samples older than retention are counted, not stored', () => {
    const m = new AccessMetrics({ coarseRetentionMs: 600_000, fineRetentionMs: 60_000 });
    m.ingest({ ts: T0 + 3_600_000, status: 200, durationMs: 1 });
    m.ingest({ ts: T0, status: 200, durationMs: 1 }); // lands in a slot holding a newer bucket
    expect(m.tooOld).toBe(1);
    expect(m.stats(T0, T0 + 10_000).requests).toBe(0);
  });
});

describe('thresholds', () => {
  it('CPU per instance: warn 70, critical 90', () => {
    expect(cpuLevel(69.9)).toBe('ok');
    expect(cpuLevel(70)).toBe('warn');
    expect(cpuLevel(89.9)).toBe('warn');
    expect(cpuLevel(90)).toBe('critical');
    expect(cpuPerInstance(180, 2)).toBe(90);
    expect(cpuLevel(cpuPerInstance(180, 2))).toBe('critical');
  });
  it('memory vs nominal: warn from 100 %, critical at 200 %', () => {
    expect(memoryLevel(511, 512)).toBe('ok');
    expect(memoryLevel(512, 512)).toBe('warn');
    expect(memoryLevel(1024, 512)).toBe('critical');
    expect(memoryLevel(5000, null)).toBe('ok');
  });
  it('staleness and age', () => {
    expect(isStale(null, T0, 10_000)).toBe(true);
    expect(isStale(T0 - 30_000, T0, 10_000)).toBe(false);
    expect(isStale(T0 - 30_001, T0, 10_000)).toBe(true);
    expect(compactSpan(4_500)).toBe('4s');
    expect(compactSpan(125_000)).toBe('2m');
    expect(compactSpan(3 * 3_600_000)).toBe('3h');
  });
  it('parseDuration', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('soon')).toBeNull();
  });
});
