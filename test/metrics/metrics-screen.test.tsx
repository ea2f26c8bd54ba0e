// The metrics dashboard: a fake gateway feeds MetricsData into the real store and screens (Ink via
// ink-testing-library); the pure view is checked for threshold colours, the rendered frame for what
// the user reads (null samples, stale marks, ranges, ASCII only in ASCII mode).
import { afterEach, describe, expect, it, vi } from 'vitest';
vi.hoisted(() => {
  process.env.FORCE_COLOR = '3';
});
import { mount, KEY, type Harness } from '../ui/fake.js';
import { metricsLines, accessSeries, sampleSeries, type Line, type MetricsViewOptions } from '../../screens/Metrics.js';
import { makeTheme } from '../../src/config/theme.js';
import type { MetricsData } from '../../src/protocol/messages.js';
import type { MetricSample } from '../../src/domain/index.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');
const theme = makeTheme('16');
const NOW = Date.parse('2026-11-24T12:00:00Z');

function samples(n: number, f: (i: number) => Partial<MetricSample>, now = NOW, stepMs = 60_000): MetricSample[] {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: new Date(now - (n - 1 - i) * stepMs).toISOString(),
    cpu_percent: 50,
    memory_mb: 512,
    memory_nominal_mb: 1024,
    instances: 2,
    ...f(i),
  }));
}

function access(now = NOW, over: Partial<NonNullable<MetricsData['access']>> = {}): NonNullable<MetricsData['access']> {
  const start = now - 3_600_000;
  return {
    windowStart: start,
    windowEnd: now,
    requests: 3600,
    requestRate: 1,
    errorRate: 0.1,
    errorFraction: 0.1,
    p50: 120,
    p95: 480,
    p99: 950,
    series: Array.from({ length: 30 }, (_, i) => ({ t: start + i * 120_000, requests: 120, errors: i === 29 ? 60 : 12, p95: 400 + i })),
    ...over,
  };
}

function view(over: Partial<MetricsViewOptions> = {}): MetricsViewOptions {
  return { width: 100, height: 40, unicode: true, theme, now: NOW, range: '1h', lastUpdate: NOW - 1000, offline: false, title: { app: 'shop', slug: 'live' }, ...over };
}

const segOf = (lines: Line[], re: RegExp) => lines.flat().find((s) => re.test(s.text));

describe('metrics view (pure)', () => {
  it('colours CPU per instance by the thresholds: 70 % warn, 90 % critical', () => {
    // cpu_percent is summed over instances: 2 instances at 190 % = 95 % each
    const at = (sum: number) => segOf(metricsLines({ samples: samples(5, () => ({ cpu_percent: sum })), access: null }, view()), /^\d+\.\d %$/)!;
    expect(at(190)).toMatchObject({ text: '95.0 %', color: theme.danger });
    expect(at(150)).toMatchObject({ text: '75.0 %', color: theme.warning });
    expect(at(100)).toMatchObject({ text: '50.0 %', color: theme.ok });
  });

  it('colours memory against nominal: above nominal warn, 200 % critical', () => {
    const mem = (mb: number) => segOf(metricsLines({ samples: samples(3, () => ({ memory_mb: mb })), access: null }, view()), /^\d+ MB$/)!;
    expect(mem(2100).color).toBe(theme.danger);
    expect(mem(1100).color).toBe(theme.warning);
    expect(mem(600).color).toBe(theme.ok);
    const l = metricsLines({ samples: samples(3, () => ({ memory_mb: 2100 })), access: null }, view());
    expect(segOf(l, /of 1024 MB nominal \(205 %\)/)).toBeDefined();
  });

  it('draws chart points above a threshold in the critical colour, below it in the ok colour', () => {
    const s = samples(60, (i) => ({ cpu_percent: i < 30 ? 40 : 196 })); // 20 % then 98 % per instance
    const lines = metricsLines({ samples: s, access: null }, view());
    const braille = lines.flat().filter((x) => /[\u2801-\u28ff]/.test(x.text));
    expect(braille.some((x) => x.color === theme.danger)).toBe(true);
    expect(braille.some((x) => x.color === theme.ok)).toBe(true);
  });

  it('says CPU/memory are not offered when the upstream has no metrics endpoint, and still charts requests', () => {
    const lines = metricsLines({ samples: null, access: access() }, view());
    const text = lines.map((l) => l.map((s) => s.text).join('')).join('\n');
    expect(text).toContain('CPU/memory: not offered by this zone');
    expect(text).not.toContain('CPU % per instance');
    expect(text).toContain('requests/s');
    expect(text).toContain('latency p95 ms');
    expect(text).toMatch(/p50 120 ms {2}p95 480 ms {2}p99 950 ms/);
    expect(text).toMatch(/5xx 0\.10\/s \(10\.0 %\)/);
  });

  it('marks old samples stale and shows their age; and a stale mark when updates stop', () => {
    const old = samples(5, () => ({}), NOW - 10 * 60_000);
    const t = (o: Partial<MetricsViewOptions>, d: MetricsData) =>
      metricsLines(d, view(o))
        .map((l) => l.map((s) => s.text).join(''))
        .join('\n');
    expect(t({}, { samples: old, access: null })).toMatch(/sample 10m old {2}stale/);
    expect(t({}, { samples: samples(5, () => ({})), access: null })).not.toMatch(/stale/i);
    expect(t({ lastUpdate: NOW - 25_000 }, { samples: samples(5, () => ({})), access: null })).toContain('STALE: no update for 25s');
    expect(t({ offline: true }, { samples: samples(5, () => ({})), access: null })).toContain('STALE: gateway link down');
  });

  it('series: request and 5xx rates per second from the access buckets; samples land in their slot', () => {
    const s = accessSeries(access());
    expect(s.rate.stepMs).toBe(120_000);
    expect(s.rate.values[0]).toBe(1); // 120 requests in 120 s
    expect(s.errors.values[0]).toBe(0.1);
    expect(s.p95.values[3]).toBe(403);
    const ser = sampleSeries(samples(3, (i) => ({ cpu_percent: i * 10 })), NOW - 15 * 60_000, NOW, (x) => x.cpu_percent);
    expect(ser.values.length).toBe(15);
    expect(ser.values.slice(-3)).toEqual([0, 10, 20]);
    expect(ser.values[0]).toBeNull();
  });

  it('ASCII mode: every character is ASCII', () => {
    const lines = metricsLines({ samples: samples(60, (i) => ({ cpu_percent: i * 3 })), access: access() }, view({ unicode: false }));
    const text = lines.map((l) => l.map((s) => s.text).join('')).join('\n');
    expect(text).toMatch(/\*/);
    expect(text).not.toMatch(/[^\x0a\x20-\x7e]/);
  });
});

describe('metrics screen', () => {
  const target = { env: 'env-shop-live', slug: 'live', app: 'shop', appUuid: 'app-shop', org: 'Acme' };

  async function openMetrics(o: { unicode?: boolean } = {}, data?: MetricsData): Promise<Harness> {
    const hh = await mount({ unicode: o.unicode });
    for (const minutes of [15, 60, 360, 1440]) {
      hh.gw.serve('metrics', { env: target.env, minutes }, data ?? { samples: samples(30, (i) => ({ cpu_percent: 60 + i * 4 }), Date.now()), access: access(Date.now()) });
    }
    // m on the environment screen opens it
    hh.store.push('env', target);
    await hh.waitFor((f) => f.includes('https://shop-live.example.com'));
    await hh.press('m');
    return hh;
  }

  it('m on the environment opens the dashboard with charts, axes and units', async () => {
    h = await openMetrics();
    const f = strip(await h.waitFor((x) => x.includes('CPU % per instance')));
    expect(f).toMatch(/shop@live {2}range {2}1 15 min \[2 1 h\] 3 6 h {2}4 24 h/);
    expect(f).toMatch(/CPU \d+\.\d % per instance \(2\)/);
    expect(f).toContain('memory GB (nominal 1024 MB)');
    expect(f).toMatch(/1\.25G[┤|+]/); // memory axis up to 125 % of nominal, in GB
    expect(f).toMatch(/100%[┤|+]/); // y axis label with unit
    expect(f).toMatch(/\d\d:\d\d/); // time axis
    expect(f).toContain('requests/s');
    expect(f).toContain('5xx/s');
  });

  it('keys 1-4 and r change the time range (and the subscription)', async () => {
    h = await openMetrics();
    await h.waitFor((x) => x.includes('CPU % per instance'));
    await h.press('3');
    await h.waitFor((x) => strip(x).includes('[3 6 h]'));
    expect([...h.gw.subs.values()].some((s) => s.topic === 'metrics' && (s.params as { minutes: number }).minutes === 360)).toBe(true);
    await h.press('r');
    await h.waitFor((x) => strip(x).includes('[4 24 h]'));
    expect([...h.gw.subs.values()].some((s) => s.topic === 'metrics' && (s.params as { minutes: number }).minutes === 1440)).toBe(true);
    await h.press('r');
    await h.waitFor((x) => strip(x).includes('[1 15 min]'));
  });

  it('null samples: a plain statement, not an error', async () => {
    h = await openMetrics({}, { samples: null, access: access(Date.now()) });
    const f = strip(await h.waitFor((x) => x.includes('requests/s')));
    expect(f).toContain('CPU/memory: not offered by this zone');
    expect(f).not.toMatch(/error|unavailable/i);
  });

  it('shows STALE when the gateway link drops', async () => {
    h = await openMetrics();
    await h.waitFor((x) => x.includes('CPU % per instance'));
    h.gw.setState({ status: 'reconnecting' });
    await h.waitFor((x) => strip(x).includes('STALE: gateway link down'), 3000);
  });

  it('the CPU figure is drawn in the critical colour above 90 % per instance', async () => {
    h = await openMetrics({}, { samples: samples(5, () => ({ cpu_percent: 190 }), Date.now()), access: null });
    const f = await h.waitFor((x) => x.includes('95.0 %'));
    // 256-colour theme: danger is a red; the figure carries an SGR colour right before it
    expect(f).toMatch(/\x1b\[[0-9;]*m(?:\x1b\[[0-9;]*m)*95\.0 %/);
    const red = f.match(/(\x1b\[[0-9;]*m)+95\.0 %/)![0];
    expect(red).toMatch(/31|38;2;255|38;5;203|91/);
  });

  it('ASCII mode: the whole frame is ASCII', async () => {
    h = await openMetrics({ unicode: false });
    const f = strip(await h.waitFor((x) => x.includes('CPU % per instance')));
    expect(f).not.toMatch(/[^\x0a\x20-\x7e]/);
    expect(f).toMatch(/\*/);
    await h.press(KEY.esc);
  });
});
