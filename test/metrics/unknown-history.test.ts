// Unknown history is not zero: request figures from before the followed logs begin are null on the
// wire and drawn as a gap over a dotted axis, never as a flat zero line; the scale comes from the
// known points only.
import { describe, expect, test } from 'vitest';
import { AccessMetrics } from '../../src/domain/metrics.js';
import { accessStats } from '../../src/gateway/topics.js';
import { renderChart } from '../../components/Chart.js';
import { renderSparkline } from '../../components/Sparkline.js';
import { metricsLines, type MetricsViewOptions } from '../../screens/Metrics.js';
import { makeTheme } from '../../src/config/theme.js';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const access = (status: number, ms: number): string => `10.0.0.1 - - [24/Nov/2026:11:50:00 +0000] "GET /x HTTP/1.1" ${status} 12 "-" "curl/8" rt=${(ms / 1000).toFixed(3)}`;

describe('unknown request history', () => {
  test('the gateway sends null for the slots before the first line the logs hold, numbers (0 included) after', () => {
    const m = new AccessMetrics();
    const first = NOW - 20 * 60_000; // the followed logs begin 20 min ago
    m.ingestLine(first, 'a line that is not an access line');
    for (let t = first + 5 * 60_000; t < NOW; t += 10_000) m.ingestLine(t, access(200, 20));
    const a = accessStats(m, NOW - 60 * 60_000, NOW, 30);
    const before = a.series.filter((p) => p.t + 120_000 <= first);
    const after = a.series.filter((p) => p.t >= first);
    expect(before.length).toBeGreaterThan(10);
    for (const p of before) expect(p).toMatchObject({ requests: null, errors: null, p95: null });
    // known: the minutes after the first line without requests are 0, not unknown
    expect(after[0]!.requests).toBe(0);
    expect(after.at(-1)!.requests).toBeGreaterThan(0);
    // nothing seen at all: everything unknown
    expect(accessStats(new AccessMetrics(), NOW - 60_000, NOW, 4).series.every((p) => p.requests === null)).toBe(true);
  });

  test('a chart draws unknown as a gap over a dotted axis, scaled from the known points', () => {
    const values = [null, null, null, null, null, null, 4, 6, 5, 8];
    const r = renderChart({ start: NOW - 600_000, stepMs: 60_000, values }, { width: 30, height: 8, unit: '/s', unicode: true });
    const plot = r.rows.slice(0, -2).map((row) => row.slice(-25));
    const axis = r.rows.at(-2)!.slice(-25);
    // the left 60 %: no point drawn in any row (a zero line would fill the bottom row)
    for (const row of plot) expect(row.slice(0, 13).trim()).toBe('');
    expect(axis.slice(0, 13)).toMatch(/^┈+$/);
    expect(axis.slice(-8)).toMatch(/^─+$/);
    expect(r.yMin).toBe(0);
    expect(r.yMax).toBe(10);
    const ascii = renderChart({ start: NOW - 600_000, stepMs: 60_000, values }, { width: 30, height: 8, unit: '/s', unicode: false });
    expect(ascii.rows.at(-2)!.slice(-25, -12)).toMatch(/^\.+$/);
    // a sparkline: unknown blank, zero the lowest block, the scale from the known values
    expect(renderSparkline([null, null, 0, 4, 8], 5, true, { min: 0 })).toBe('  ▁▅█');
  });

  test('the metrics screen: the request chart of a view opened just after the logs began is not a zero line', () => {
    const start = NOW - 3_600_000;
    const series = Array.from({ length: 30 }, (_, i) => ({ t: start + i * 120_000, requests: i < 20 ? null : 120, errors: i < 20 ? null : 12, p95: i < 20 ? null : 400 }));
    const view: MetricsViewOptions = { width: 100, height: 40, unicode: true, theme: makeTheme('16'), now: NOW, range: '1h', lastUpdate: NOW - 1000, offline: false, title: { app: 'shop', slug: 'live' } };
    const lines = metricsLines({ samples: null, access: { windowStart: start + 40 * 60_000, windowEnd: NOW, requests: 1200, requestRate: 1, errorRate: 0.1, errorFraction: 0.1, p50: 120, p95: 480, p99: 950, series } }, view).map((l) => l.map((s) => s.text).join(''));
    const zeroRow = lines.find((l) => /^\s*0\/s┤/.test(l))!;
    expect(zeroRow).toBeDefined();
    // the bottom row of requests/s (left chart): nothing drawn, no zero line under the unknown part
    expect(zeroRow.slice(0, 50)).not.toMatch(/[\u2801-\u28ff]/);
    const axisRow = lines.find((l) => /└┈/.test(l));
    expect(axisRow, 'a dotted axis under the unknown part').toBeDefined();
  });
});
