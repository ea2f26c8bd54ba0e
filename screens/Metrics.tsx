// Metrics of one environment: CPU and memory (from the upstream's metrics endpoint, when it offers
// one), request rate, 5xx rate and latency percentiles derived by the gateway from the access lines
// of the runtime logs it already follows. Charts with axes and units (braille, or ASCII), time ranges
// 15 min / 1 h / 6 h / 24 h (keys 1-4, r cycles), thresholds coloured (CPU per instance warn 70 %,
// critical 90 %; memory warn above nominal, critical at 200 %), sample age and a "stale" mark.
import React, { useEffect, useRef } from 'react';
import { Box, Text } from 'ink';
import { TIME_RANGES, cpuLevel, cpuPerInstance, isStale, memoryLevel, type Severity, type TimeRange } from '../src/domain/metrics.js';
import { compactSpan } from '../src/domain/format.js';
import type { MetricSample } from '../src/domain/index.js';
import type { MetricsData } from '../src/protocol/messages.js';
import type { Theme } from '../src/config/theme.js';
import { riskColor } from '../src/config/theme.js';
import { envRisk } from '../src/domain/helpers.js';
import { renderChart, type ChartSeries, type ChartThresholds, type ChartTone } from '../components/Chart.js';
import { renderSparkline } from '../components/Sparkline.js';
import { crashIfForced } from '../components/ErrorBoundary.js';
import { clean } from '../components/glyphs.js';
import { useActions, useAppState, useMemoNow, useTopic, useUi, sx } from '../components/context.js';
import { displayWidth, padToWidth, truncateToWidth } from '../src/terminal/width.js';
import { targetOfParams, type ScreenProps } from './registry.js';

export const RANGES: TimeRange[] = ['15m', '1h', '6h', '24h'];
const RANGE_LABEL: Record<TimeRange, string> = { '15m': '15 min', '1h': '1 h', '6h': '6 h', '24h': '24 h' };
/** No snapshot for this long (the gateway sends one every ~2 s) = the figures are stale. */
export const UPDATE_STALE_MS = 10_000;

export interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
}
export type Line = Seg[];

export interface MetricsViewOptions {
  width: number;
  height: number;
  unicode: boolean;
  theme: Theme;
  now: number;
  range: TimeRange;
  /** When the last snapshot arrived (ms), null = none yet. */
  lastUpdate: number | null;
  /** The gateway link is not live (reconnecting / offline). */
  offline: boolean;
  title: { app: string; slug: string };
}

function sevColor(theme: Theme, s: Severity): string | undefined {
  return s === 'critical' ? theme.danger : s === 'warn' ? theme.warning : theme.ok;
}

function toneColor(theme: Theme, tone: ChartTone, plain: boolean): string | undefined {
  switch (tone) {
    case 'axis':
      return theme.muted;
    case 'ok':
      return plain ? theme.accent : theme.ok;
    case 'warn':
      return theme.warning;
    case 'critical':
      return theme.danger;
    default:
      return undefined;
  }
}

/** Median spacing of sample times (ms), default one minute. */
export function sampleInterval(samples: readonly MetricSample[]): number {
  const ts = samples.map((s) => Date.parse(s.timestamp)).filter(Number.isFinite).sort((a, b) => a - b);
  const d: number[] = [];
  for (let i = 1; i < ts.length; i++) if (ts[i]! > ts[i - 1]!) d.push(ts[i]! - ts[i - 1]!);
  if (!d.length) return 60_000;
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)]!;
}

/** Samples → a chart series over [from, to] (gaps stay null). */
export function sampleSeries(samples: readonly MetricSample[], from: number, to: number, pick: (s: MetricSample) => number): ChartSeries {
  const step = sampleInterval(samples);
  const n = Math.max(1, Math.ceil((to - from) / step));
  const values: Array<number | null> = new Array(n).fill(null);
  // the last slot ends at `to` (now): the newest sample is drawn at the right edge
  for (const s of samples) {
    const t = Date.parse(s.timestamp);
    if (!Number.isFinite(t) || t < from || t > to) continue;
    const i = n - 1 - Math.round((to - t) / step);
    if (i < 0) continue;
    const v = pick(s);
    if (Number.isFinite(v)) values[i] = values[i] === null ? v : Math.max(values[i]!, v);
  }
  return { values, start: to - (n - 1) * step, stepMs: step };
}

/** Access stats → request rate, 5xx rate and p95 series (per second; the last slot is partial). */
export function accessSeries(a: NonNullable<MetricsData['access']>): { rate: ChartSeries; errors: ChartSeries; p95: ChartSeries } {
  const s = a.series;
  const step = s.length > 1 ? s[1]!.t - s[0]!.t : Math.max(1000, a.windowEnd - a.windowStart);
  const start = s.length ? s[0]!.t : a.windowStart;
  const secs = (t: number) => Math.max(1, Math.min(step, a.windowEnd - t)) / 1000;
  return {
    // null (unknown: before the followed logs begin) stays null: drawn as a gap, never as zero
    rate: { start, stepMs: step, values: s.map((p) => (p.requests === null ? null : p.requests / secs(p.t))) },
    errors: { start, stepMs: step, values: s.map((p) => (p.errors === null ? null : p.errors / secs(p.t))) },
    p95: { start, stepMs: step, values: s.map((p) => p.p95) },
  };
}

function rateText(v: number): string {
  if (v === 0) return '0';
  if (v >= 10) return v.toFixed(1);
  if (v >= 0.1) return v.toFixed(2);
  return v.toFixed(4);
}
const ms = (v: number | null): string => (v === null ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
const mb = (v: number): string => (v >= 10_240 ? `${(v / 1024).toFixed(1)} GB` : `${Math.round(v)} MB`);

interface ChartSpec {
  title: string;
  series: ChartSeries;
  unit: string;
  thresholds?: ChartThresholds;
  min?: number;
  max?: number;
}

function chartBlock(spec: ChartSpec, width: number, height: number, o: MetricsViewOptions): Line[] {
  const plain = !spec.thresholds;
  const out: Line[] = [[{ text: truncateToWidth(spec.title, width), bold: true }]];
  if (height - 1 < 3) {
    // too little room for a chart: a sparkline row
    const sl = renderSparkline(spec.series.values, Math.max(1, width), o.unicode, { min: 0 });
    out.push([{ text: sl, color: o.theme.accent }]);
    return out;
  }
  const r = renderChart(spec.series, { width, height: height - 1, unit: spec.unit, unicode: o.unicode, thresholds: spec.thresholds, min: spec.min, max: spec.max });
  for (const row of r.segments) out.push(row.map((s) => ({ text: s.text, color: toneColor(o.theme, s.tone, plain) })));
  return out;
}

function padLine(line: Line, width: number): Line {
  const w = line.reduce((a, s) => a + displayWidth(s.text), 0);
  return w >= width ? line : [...line, { text: ' '.repeat(width - w) }];
}

/** The whole dashboard as lines of coloured segments (pure; the screen draws them). */
export function metricsLines(d: MetricsData | null, o: MetricsViewOptions): Line[] {
  const { theme, now, width } = o;
  const L: Line[] = [];
  const span = TIME_RANGES[o.range];
  const from = now - span;
  // ---- header: target, range selector, freshness
  const head: Line = [
    { text: o.title.app, bold: true },
    { text: '@' },
    { text: o.title.slug, bold: true, color: riskColor(theme, envRisk(o.title.slug)) },
    { text: '  range ', color: theme.muted },
  ];
  RANGES.forEach((r, i) => {
    const on = r === o.range;
    head.push({ text: on ? `[${i + 1} ${RANGE_LABEL[r]}]` : ` ${i + 1} ${RANGE_LABEL[r]} `, bold: on, color: on ? theme.accent : theme.muted });
  });
  const updateAge = o.lastUpdate === null ? null : now - o.lastUpdate;
  const staleUpdates = o.offline || (updateAge !== null && updateAge > UPDATE_STALE_MS);
  if (staleUpdates) head.push({ text: `  STALE: ${o.offline ? 'gateway link down' : 'no update'}${updateAge !== null ? ` for ${compactSpan(updateAge)}` : ''}`, bold: true, color: theme.warning });
  else if (updateAge !== null) head.push({ text: `  updated ${compactSpan(updateAge)} ago`, color: theme.muted });
  L.push(head);
  if (!d) return L;

  // ---- CPU / memory figures
  const samples = d.samples;
  const inRange = samples ? samples.filter((s) => Date.parse(s.timestamp) >= from) : [];
  const last = samples && samples.length ? samples[samples.length - 1]! : null;
  if (samples === null) {
    L.push([{ text: 'CPU/memory: not offered by this zone', color: theme.muted }, { text: '  (request figures below come from the access logs)', color: theme.muted }]);
  } else if (!last) {
    L.push([{ text: 'CPU/memory: no samples in this range yet', color: theme.muted }]);
  } else {
    const inst = last.instances ?? 1;
    const cpu = cpuPerInstance(last.cpu_percent, inst);
    const nominal = last.memory_nominal_mb ?? null;
    const lastTs = Date.parse(last.timestamp);
    const interval = sampleInterval(samples);
    const stale = isStale(Number.isFinite(lastTs) ? lastTs : null, now, interval);
    const line: Line = [
      { text: 'CPU ', color: theme.muted },
      { text: `${cpu.toFixed(1)} %`, bold: true, color: sevColor(theme, cpuLevel(cpu)) },
      { text: ` per instance (${inst})`, color: theme.muted },
      { text: '   memory ', color: theme.muted },
      { text: mb(last.memory_mb), bold: true, color: sevColor(theme, memoryLevel(last.memory_mb, nominal)) },
    ];
    if (nominal) line.push({ text: ` of ${mb(nominal)} nominal (${Math.round((last.memory_mb / nominal) * 100)} %)`, color: theme.muted });
    line.push({ text: `   sample ${Number.isFinite(lastTs) ? compactSpan(now - lastTs) : '?'} old`, color: theme.muted });
    if (stale) line.push({ text: '  stale', bold: true, color: theme.warning });
    L.push(line);
  }
  // ---- request figures
  const a = d.access;
  if (!a) L.push([{ text: 'requests: no access lines seen yet (derived from the runtime logs)', color: theme.muted }]);
  else {
    const frac = a.errorFraction;
    L.push([
      { text: 'requests ', color: theme.muted },
      { text: `${rateText(a.requestRate)}/s`, bold: true },
      { text: ` (${a.requests} in ${compactSpan(Math.max(0, a.windowEnd - a.windowStart))}${a.windowStart > from + 60_000 ? ' of logs seen' : ''})`, color: theme.muted },
      { text: '   5xx ', color: theme.muted },
      { text: `${rateText(a.errorRate)}/s (${(frac * 100).toFixed(1)} %)`, bold: true, color: frac >= 0.05 ? theme.danger : frac > 0 ? theme.warning : theme.ok },
      { text: '   latency ', color: theme.muted },
      { text: `p50 ${ms(a.p50)}  p95 ${ms(a.p95)}  p99 ${ms(a.p99)}`, bold: true },
    ]);
  }

  // ---- charts
  const specs: ChartSpec[][] = [];
  if (samples !== null && last) {
    const nominal = last.memory_nominal_mb ?? null;
    const cpu = sampleSeries(inRange, from, now, (s) => cpuPerInstance(s.cpu_percent, s.instances ?? 1));
    // memory in GB once it is counted in thousands of MB (axis labels stay short)
    const peak = Math.max(nominal ?? 0, ...inRange.map((s) => s.memory_mb));
    const div = peak >= 1000 ? 1024 : 1;
    const mem = sampleSeries(inRange, from, now, (s) => s.memory_mb / div);
    const memMax = Math.max(...mem.values.filter((v): v is number => v !== null), 0);
    const nom = nominal ? nominal / div : null;
    specs.push([
      { title: 'CPU % per instance', series: cpu, unit: '%', thresholds: { warn: 70, critical: 90 }, min: 0, max: Math.max(100, ...cpu.values.filter((v): v is number => v !== null)) },
      {
        title: `memory ${div > 1 ? 'GB' : 'MB'}${nominal ? ` (nominal ${mb(nominal)})` : ''}`,
        series: mem,
        unit: div > 1 ? 'G' : 'M',
        thresholds: nom ? { warn: nom, critical: 2 * nom } : undefined,
        min: 0,
        max: nom ? Math.max(nom * 1.25, memMax) : undefined,
      },
    ]);
  }
  if (a) {
    const s = accessSeries(a);
    specs.push([
      { title: 'requests/s', series: s.rate, unit: '/s', min: 0 },
      { title: '5xx/s', series: s.errors, unit: '/s', min: 0 },
    ]);
    const slow = s.p95.values.some((v) => v !== null && v >= 1000);
    const p95 = slow ? { ...s.p95, values: s.p95.values.map((v) => (v === null ? null : v / 1000)) } : s.p95;
    specs.push([{ title: `latency p95 ${slow ? 's' : 'ms'}`, series: p95, unit: slow ? 's' : 'ms', min: 0 }]);
  }
  if (!specs.length) return L;
  const avail = Math.max(0, o.height - L.length);
  const rowH = Math.floor(avail / specs.length);
  if (rowH < 2) {
    // very small terminal: one sparkline per metric
    for (const row of specs)
      for (const c of row) {
        if (L.length >= o.height) break;
        const label = padToWidth(c.title, 20);
        L.push([{ text: label, color: theme.muted }, { text: renderSparkline(c.series.values, Math.max(1, width - 21), o.unicode, { min: 0 }), color: theme.accent }]);
      }
    return L;
  }
  const twoCols = width >= 70;
  for (const row of specs) {
    if (twoCols && row.length === 2) {
      const w = Math.floor((width - 2) / 2);
      const left = chartBlock(row[0]!, w, rowH, o);
      const right = chartBlock(row[1]!, width - 2 - w, rowH, o);
      for (let i = 0; i < Math.max(left.length, right.length); i++) L.push([...padLine(left[i] ?? [], w), { text: '  ' }, ...(right[i] ?? [])]);
    } else {
      const h = twoCols ? rowH : Math.max(2, Math.floor(rowH / row.length));
      for (const c of row) L.push(...chartBlock(c, width, h, o));
    }
  }
  return L.slice(0, o.height);
}

export function Metrics({ route, width, height }: ScreenProps): React.ReactElement {
  crashIfForced('metrics');
  const { store, theme, unicode } = useUi();
  const now = useMemoNow(1000);
  const target = targetOfParams(route.params);
  const vk = store.viewKey(route);
  const view = useAppState((s) => s.ui[vk]);
  const range = (RANGES.includes(view?.range as TimeRange) ? view!.range : '1h') as TimeRange;
  const minutes = TIME_RANGES[range] / 60_000;
  const slot = useTopic('metrics', target ? { env: target.env, minutes } : null);
  const conn = useAppState((s) => s.conn.status);
  // When did the current data arrive? (the gateway refreshes it every ~2 s while watched)
  const arrived = useRef<{ seq: number; at: number } | null>(null);
  if (slot?.data && (!arrived.current || arrived.current.seq !== slot.seq)) arrived.current = { seq: slot.seq, at: Date.now() };
  useEffect(() => {
    arrived.current = null;
  }, [minutes]);

  const setRange = (r: TimeRange): void => {
    store.updateView({ range: r }, vk);
  };
  useActions({
    'metrics.range': () => setRange(RANGES[(RANGES.indexOf(range) + 1) % RANGES.length]!),
    'metrics.15m': () => setRange('15m'),
    'metrics.1h': () => setRange('1h'),
    'metrics.6h': () => setRange('6h'),
    'metrics.24h': () => setRange('24h'),
  });

  if (!target) return <Text {...sx(theme, { color: theme.danger })}>no environment selected</Text>;
  const lines = metricsLines(slot?.data ?? null, {
    width,
    height,
    unicode,
    theme,
    now: Math.max(now, Date.now()),
    range,
    lastUpdate: arrived.current?.at ?? null,
    offline: conn !== 'live',
    title: { app: target.app, slug: target.slug },
  });
  const health = slot?.health && !slot.health.ok ? slot.health.error : null;
  return (
    <Box flexDirection="column" width={width} height={height}>
      {!slot?.data ? (
        <Text {...sx(theme, { color: slot?.error ? theme.danger : theme.muted })}>
          {truncateToWidth(slot?.error ? `metrics unavailable: ${clean(slot.error, unicode)}` : `loading metrics of ${target.app}@${target.slug}...`, width)}
        </Text>
      ) : null}
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate">
          {line.length === 0 ? ' ' : null}
          {line.map((s, j) => (
            <Text key={j} {...sx(theme, { color: s.color, bold: s.bold })}>
              {s.text}
            </Text>
          ))}
        </Text>
      ))}
      {health && slot?.data && lines.length < height ? <Text {...sx(theme, { color: theme.warning })}>{truncateToWidth(clean(`upstream: ${health}`, unicode), width)}</Text> : null}
    </Box>
  );
}
