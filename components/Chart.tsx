// A small line chart: y-axis labels with units, x-axis time labels, braille dots (2×4 per cell) in
// unicode mode, `*` points in ASCII mode, columns coloured by thresholds.
import React from 'react';
import { Box, Text } from 'ink';
import { glyphs } from '../src/terminal/capabilities.js';

export interface ChartSeries {
  /** Oldest first; null = no data. */
  values: ReadonlyArray<number | null>;
  /** Time of values[0] (epoch ms). */
  start: number;
  stepMs: number;
}

export interface ChartThresholds {
  warn?: number;
  critical?: number;
}

export interface ChartOptions {
  width: number;
  /** Total rows including the x axis and the time-label row (min 3). */
  height: number;
  /** Appended to y labels: `%`, `ms`, `/s`, `MB`. */
  unit: string;
  unicode: boolean;
  thresholds?: ChartThresholds;
  min?: number;
  max?: number;
  timeZone?: 'local' | 'utc';
}

export type ChartTone = 'axis' | 'label' | 'ok' | 'warn' | 'critical' | 'none';

export interface ChartSegment {
  text: string;
  tone: ChartTone;
}

export interface ChartRender {
  /** Plain rows (for snapshots and non-colour output). */
  rows: string[];
  /** The same rows as tone-tagged segments (for colour). */
  segments: ChartSegment[][];
  yMin: number;
  yMax: number;
}

/** Compact value for axis labels: `0`, `2.5`, `95`, `1.2k`, `3M` + unit. */
export function formatValue(v: number, unit = ''): string {
  const a = Math.abs(v);
  // milliseconds from a second on read as seconds (`1.5s`, not `1.5kms`)
  if (unit === 'ms' && a >= 1000) return formatValue(v / 1000, 's');
  let s: string;
  if (a >= 1e6) s = trim((v / 1e6).toFixed(1)) + 'M';
  else if (a >= 1e4) s = Math.round(v / 1e3) + 'k';
  else if (a >= 1e3) s = trim((v / 1e3).toFixed(1)) + 'k';
  else if (a >= 100) s = String(Math.round(v));
  else if (a >= 10) s = trim(v.toFixed(1));
  else s = trim(v.toFixed(2));
  return s + unit;
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Round up to 1, 2, 2.5, 5 × 10^k. */
export function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v - 1e-12) return m * p;
  return 10 * p;
}

function hhmm(ts: number, tz: 'local' | 'utc'): string {
  const d = new Date(ts);
  const h = tz === 'utc' ? d.getUTCHours() : d.getHours();
  const m = tz === 'utc' ? d.getUTCMinutes() : d.getMinutes();
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

function toneOf(v: number | null, t: ChartThresholds | undefined): ChartTone {
  if (v === null) return 'none';
  if (t?.critical !== undefined && v >= t.critical) return 'critical';
  if (t?.warn !== undefined && v >= t.warn) return 'warn';
  return 'ok';
}

/**
 * Resample to `n` slots. More values than slots: the max of the values in each slot (spikes stay
 * visible). Fewer: linear interpolation between neighbours (null next to a gap).
 */
function resample(values: ReadonlyArray<number | null>, n: number): Array<number | null> {
  const len = values.length;
  const ok = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);
  const out: Array<number | null> = [];
  if (!len) return new Array(n).fill(null);
  if (len < n) {
    for (let i = 0; i < n; i++) {
      const x = n === 1 ? 0 : (i * (len - 1)) / (n - 1);
      const a = Math.floor(x);
      const b = Math.min(len - 1, a + 1);
      const va = values[a];
      const vb = values[b];
      const f = x - a;
      if (!ok(va)) out.push(f > 0.5 && ok(vb) ? vb : null);
      else if (f === 0 || a === b) out.push(va);
      else if (!ok(vb)) out.push(f < 0.5 ? va : null);
      else out.push(va + (vb - va) * f);
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    const a = Math.floor((i * len) / n);
    const b = Math.max(a + 1, Math.floor(((i + 1) * len) / n));
    let m: number | null = null;
    for (let j = a; j < b && j < len; j++) {
      const v = values[j];
      if (ok(v) && (m === null || v > m)) m = v;
    }
    out.push(m);
  }
  return out;
}

const BRAILLE_BASE = 0x2800;
// Dot bits by [column][row from top].
const DOTS = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

/** Render a chart to rows of text (exactly `height` rows of exactly `width` columns). */
export function renderChart(series: ChartSeries, opts: ChartOptions): ChartRender {
  const g = glyphs(opts.unicode);
  const height = Math.max(3, opts.height);
  const plotH = height - 2;
  const tz = opts.timeZone ?? 'local';
  const finite = series.values.filter((v): v is number => v !== null && Number.isFinite(v));
  const dataMax = finite.length ? Math.max(...finite) : 0;
  const dataMin = finite.length ? Math.min(...finite) : 0;
  const yMin = opts.min ?? Math.min(0, dataMin);
  const yMax = opts.max ?? (dataMax > yMin ? yMin + niceCeil(dataMax - yMin) : yMin + 1);
  const labelRows = new Map<number, string>();
  labelRows.set(0, formatValue(yMax, opts.unit));
  labelRows.set(plotH - 1, formatValue(yMin, opts.unit));
  if (plotH >= 5) labelRows.set(Math.floor((plotH - 1) / 2), formatValue(yMin + (yMax - yMin) * (1 - Math.floor((plotH - 1) / 2) / (plotH - 1)), opts.unit));
  const labelW = Math.max(...[...labelRows.values()].map((l) => l.length));
  const plotW = Math.max(1, opts.width - labelW - 1);

  // Grid of cells: braille bit masks (unicode) or chars (ASCII), and the max value per column for tone.
  const cells: number[][] = Array.from({ length: plotH }, () => new Array(plotW).fill(0));
  const colMax: Array<number | null> = new Array(plotW).fill(null);
  const sub = opts.unicode ? 2 : 1;
  const vres = opts.unicode ? plotH * 4 : plotH;
  const slots = resample(series.values, plotW * sub);
  const level = (v: number): number => {
    const f = (Math.min(Math.max(v, yMin), yMax) - yMin) / (yMax - yMin || 1);
    return Math.round(f * (vres - 1)); // 0 = bottom
  };
  let prev: number | null = null;
  for (let x = 0; x < slots.length; x++) {
    const v = slots[x];
    const col = Math.floor(x / sub);
    if (v === null) {
      prev = null;
      continue;
    }
    if (colMax[col] === null || v > colMax[col]!) colMax[col] = v;
    const y = level(v);
    const lo = prev === null ? y : Math.min(prev, y);
    const hi = prev === null ? y : Math.max(prev, y);
    for (let yy = lo; yy <= hi; yy++) {
      // Vertical run from the previous point (exclusive, drawn by its own slot) to this one.
      if (prev !== null && yy === prev && yy !== y) continue;
      const fromTop = vres - 1 - yy;
      if (opts.unicode) {
        const row = Math.floor(fromTop / 4);
        cells[row][col] |= DOTS[x % 2][fromTop % 4];
      } else {
        cells[fromTop][col] = yy === y ? 2 : Math.max(cells[fromTop][col], 1);
      }
    }
    prev = y;
  }

  const rows: string[] = [];
  const segments: ChartSegment[][] = [];
  for (let r = 0; r < plotH; r++) {
    const label = labelRows.get(r);
    const segs: ChartSegment[] = [];
    segs.push({ text: (label ?? '').padStart(labelW), tone: 'label' });
    segs.push({ text: label !== undefined ? g.axisTick : g.box.v, tone: 'axis' });
    let cur: ChartSegment | null = null;
    for (let c = 0; c < plotW; c++) {
      const cell = cells[r][c];
      const ch = opts.unicode ? (cell ? String.fromCharCode(BRAILLE_BASE + cell) : ' ') : cell === 2 ? '*' : cell === 1 ? '|' : ' ';
      const tone: ChartTone = cell ? toneOf(colMax[c], opts.thresholds) : 'none';
      if (cur && cur.tone === tone) cur.text += ch;
      else {
        cur = { text: ch, tone };
        segs.push(cur);
      }
    }
    segments.push(segs);
    rows.push(segs.map((s) => s.text).join(''));
  }
  // X axis: dotted under the columns with no known value (unknown is not zero, and not drawn as zero).
  const unknownCh = opts.unicode ? '\u2508' : '.';
  const axisText = g.axisCorner + colMax.map((v) => (v === null ? unknownCh : g.box.h)).join('');
  const axis = [{ text: ' '.repeat(labelW), tone: 'label' as ChartTone }, { text: axisText, tone: 'axis' as ChartTone }];
  segments.push(axis);
  rows.push(axis.map((s) => s.text).join(''));
  // Time labels: start at the left, end at the right, middle when there is room.
  const n = series.values.length;
  const end = series.start + series.stepMs * n;
  const left = hhmm(series.start, tz);
  const right = hhmm(end, tz);
  const line = new Array(plotW + 1).fill(' ');
  const put = (at: number, s: string): void => {
    for (let i = 0; i < s.length && at + i < line.length; i++) if (at + i >= 0) line[at + i] = s[i];
  };
  if (plotW + 1 >= left.length + right.length + 1) {
    put(0, left);
    put(plotW + 1 - right.length, right);
    const midAt = Math.floor((plotW + 1) / 2 - 2.5);
    if (plotW + 1 >= 3 * 5 + 4) put(midAt, hhmm((series.start + end) / 2, tz));
  }
  const tl = [{ text: ' '.repeat(labelW) + line.join(''), tone: 'label' as ChartTone }];
  segments.push(tl);
  rows.push(tl[0].text);
  return { rows, segments, yMin, yMax };
}

const TONE_COLOR: Record<ChartTone, string | undefined> = {
  axis: 'gray',
  label: undefined,
  ok: 'green',
  warn: 'yellow',
  critical: 'red',
  none: undefined,
};

export interface ChartProps extends ChartOptions {
  series: ChartSeries;
  /** Colour off (NO_COLOR). */
  color?: boolean;
  title?: string;
}

export function Chart({ series, color = true, title, ...opts }: ChartProps): React.JSX.Element {
  const r = renderChart(series, opts);
  return (
    <Box flexDirection="column">
      {title !== undefined ? <Text bold>{title}</Text> : null}
      {r.segments.map((segs, i) => (
        <Text key={i} wrap="truncate">
          {segs.map((s, j) => (
            <Text key={j} color={color ? TONE_COLOR[s.tone] : undefined}>
              {s.text}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}
