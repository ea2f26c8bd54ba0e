// Request metrics derived from access log lines (no extra upstream calls), plus CPU/memory thresholds.
//
// Method
// - Samples `{ts, status, durationMs}` go into time buckets in two tiers: fine (10 s buckets, kept for
//   1 h) and coarse (5 min buckets, kept for 24 h). Memory is bounded: a fixed number of buckets per
//   tier, each holding counters plus at most `reservoir` latency samples.
// - Counts (requests, 4xx, 5xx) are exact. Latency percentiles are computed by nearest rank on the
//   sorted latency samples of the buckets in range: p = sorted[ceil(p/100 · n) − 1]. They are exact as
//   long as no bucket in range received more than `reservoir` samples; past that, each bucket keeps a
//   uniform random sample (Algorithm R, seeded PRNG for determinism) and the result says `exact: false`.
// - Ranges: `from` is rounded down to its bucket's start; the bucket holding `to` is included whole
//   and rates divide by the span from the aligned start to `to` itself. With `to` = now (the usual
//   call) that is exact: no request in the current bucket lies after now.
import { parseAccessLine } from './logparse.js';

export interface AccessSample {
  ts: number;
  status: number;
  durationMs: number | null;
}

export interface LatencyPercentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface AccessStats {
  from: number;
  to: number;
  seconds: number;
  requests: number;
  /** Requests per second. */
  rate: number;
  errors5xx: number;
  /** 5xx per second. */
  errorRate: number;
  /** 5xx / requests (0 when no requests). */
  errorFraction: number;
  errors4xx: number;
  /** Null when no line in range carried a duration. */
  latency: LatencyPercentiles | null;
  /** Latency samples used. */
  samples: number;
  /** False when a bucket overflowed its reservoir (percentiles are then estimates). */
  exact: boolean;
}

export type SeriesMetric = 'requests' | 'rate' | '5xx' | '4xx' | 'errorRate' | 'p50' | 'p95' | 'p99';

export interface Series {
  start: number;
  stepMs: number;
  values: Array<number | null>;
}

export interface AccessMetricsOptions {
  fineBucketMs?: number;
  fineRetentionMs?: number;
  coarseBucketMs?: number;
  coarseRetentionMs?: number;
  /** Latency samples kept per bucket. */
  reservoir?: number;
  seed?: number;
}

class Bucket {
  index = -1; // absolute bucket number (floor(ts / size)); -1 = empty
  requests = 0;
  e5 = 0;
  e4 = 0;
  seen = 0; // duration samples seen
  durations: number[] = [];
  reset(index: number): void {
    this.index = index;
    this.requests = 0;
    this.e5 = 0;
    this.e4 = 0;
    this.seen = 0;
    this.durations = [];
  }
}

class Tier {
  readonly buckets: Bucket[];
  newest = -Infinity; // newest bucket index written
  constructor(
    readonly size: number,
    readonly count: number,
  ) {
    this.buckets = Array.from({ length: count }, () => new Bucket());
  }
  get(index: number, create: boolean): Bucket | null {
    const b = this.buckets[((index % this.count) + this.count) % this.count];
    if (b.index === index) return b;
    if (!create) return null;
    if (b.index > index || index <= this.newest - this.count) return null; // older than this tier keeps
    b.reset(index);
    if (index > this.newest) this.newest = index;
    return b;
  }
}

function percentile(sorted: number[], p: number): number {
  const n = sorted.length;
  const idx = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
  return sorted[idx];
}

export class AccessMetrics {
  private readonly fine: Tier;
  private readonly coarse: Tier;
  private readonly reservoir: number;
  private rng: number;
  /** Newest sample time ingested. */
  lastTs: number | null = null;
  /** Oldest sample time ingested (where coverage starts: rates over longer ranges would understate). */
  firstTs: number | null = null;
  /** Oldest log line seen, access line or not: before it the request figures are unknown, not zero. */
  firstLineTs: number | null = null;
  /** Samples dropped because they were older than the retention window. */
  tooOld = 0;
  total = 0;

  constructor(opts: AccessMetricsOptions = {}) {
    const fineSize = opts.fineBucketMs ?? 10_000;
    const coarseSize = opts.coarseBucketMs ?? 300_000;
    this.fine = new Tier(fineSize, Math.ceil((opts.fineRetentionMs ?? 3_600_000) / fineSize) + 1);
    this.coarse = new Tier(coarseSize, Math.ceil((opts.coarseRetentionMs ?? 86_400_000) / coarseSize) + 1);
    this.reservoir = opts.reservoir ?? 1024;
    this.rng = (opts.seed ?? 0x9e3779b9) >>> 0 || 1;
  }

  private random(n: number): number {
    // xorshift32
    let x = this.rng;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.rng = x;
    return x % n;
  }

  private addTo(tier: Tier, s: AccessSample): boolean {
    const b = tier.get(Math.floor(s.ts / tier.size), true);
    if (!b) return false;
    b.requests++;
    if (s.status >= 500) b.e5++;
    else if (s.status >= 400) b.e4++;
    if (s.durationMs !== null && Number.isFinite(s.durationMs)) {
      b.seen++;
      if (b.durations.length < this.reservoir) b.durations.push(s.durationMs);
      else {
        const j = this.random(b.seen);
        if (j < this.reservoir) b.durations[j] = s.durationMs;
      }
    }
    return true;
  }

  ingest(s: AccessSample): void {
    const okFine = this.addTo(this.fine, s);
    const okCoarse = this.addTo(this.coarse, s);
    if (!okFine && !okCoarse) this.tooOld++;
    this.total++;
    if (this.lastTs === null || s.ts > this.lastTs) this.lastTs = s.ts;
    if (this.firstTs === null || s.ts < this.firstTs) this.firstTs = s.ts;
  }

  /** Parse an access line and ingest it; returns whether it was one. */
  ingestLine(ts: number, message: string): boolean {
    if (Number.isFinite(ts) && (this.firstLineTs === null || ts < this.firstLineTs)) this.firstLineTs = ts;
    const a = parseAccessLine(message);
    if (!a) return false;
    this.ingest({ ts, status: a.status, durationMs: a.durationMs });
    return true;
  }

  /** The finest tier whose retention covers [from, to) relative to the newest data. */
  private tierFor(from: number): Tier {
    const newest = Math.floor((this.lastTs ?? from) / this.fine.size);
    const oldestFine = newest - this.fine.count + 1;
    return Math.floor(from / this.fine.size) >= oldestFine ? this.fine : this.coarse;
  }

  stats(from: number, to: number): AccessStats {
    const tier = this.tierFor(from);
    const first = Math.floor(from / tier.size);
    const last = Math.ceil(to / tier.size); // exclusive
    let requests = 0;
    let e5 = 0;
    let e4 = 0;
    let exact = true;
    const durations: number[] = [];
    for (let i = first; i < last; i++) {
      const b = tier.get(i, false);
      if (!b) continue;
      requests += b.requests;
      e5 += b.e5;
      e4 += b.e4;
      if (b.seen > b.durations.length) exact = false;
      for (const d of b.durations) durations.push(d);
    }
    const end = Math.max(first * tier.size, Math.min(last * tier.size, to));
    const seconds = (end - first * tier.size) / 1000;
    durations.sort((a, b) => a - b);
    return {
      from: first * tier.size,
      to: end,
      seconds,
      requests,
      rate: seconds > 0 ? requests / seconds : 0,
      errors5xx: e5,
      errorRate: seconds > 0 ? e5 / seconds : 0,
      errorFraction: requests > 0 ? e5 / requests : 0,
      errors4xx: e4,
      latency: durations.length ? { p50: percentile(durations, 50), p95: percentile(durations, 95), p99: percentile(durations, 99) } : null,
      samples: durations.length,
      exact,
    };
  }

  /**
   * A series over [from, to) with `points` slots (each slot spans whole buckets of the chosen tier;
   * the step is rounded up to a bucket multiple). Slots with no requests are 0 for counts and rates,
   * null for percentiles.
   */
  series(from: number, to: number, points: number, metric: SeriesMetric): Series {
    const tier = this.tierFor(from);
    const first = Math.floor(from / tier.size);
    const last = Math.ceil(to / tier.size);
    const perSlot = Math.max(1, Math.ceil((last - first) / Math.max(1, points)));
    const slots = Math.ceil((last - first) / perSlot);
    const values: Array<number | null> = [];
    for (let s = 0; s < slots; s++) {
      let requests = 0;
      let e5 = 0;
      let e4 = 0;
      const durations: number[] = [];
      for (let i = first + s * perSlot; i < Math.min(last, first + (s + 1) * perSlot); i++) {
        const b = tier.get(i, false);
        if (!b) continue;
        requests += b.requests;
        e5 += b.e5;
        e4 += b.e4;
        if (metric === 'p50' || metric === 'p95' || metric === 'p99') for (const d of b.durations) durations.push(d);
      }
      const secs = (perSlot * tier.size) / 1000;
      switch (metric) {
        case 'requests':
          values.push(requests);
          break;
        case 'rate':
          values.push(requests / secs);
          break;
        case '5xx':
          values.push(e5);
          break;
        case '4xx':
          values.push(e4);
          break;
        case 'errorRate':
          values.push(e5 / secs);
          break;
        default: {
          if (!durations.length) values.push(null);
          else {
            durations.sort((a, b) => a - b);
            values.push(percentile(durations, metric === 'p50' ? 50 : metric === 'p95' ? 95 : 99));
          }
        }
      }
    }
    return { start: first * tier.size, stepMs: perSlot * tier.size, values };
  }
}

/** Nearest-rank percentile of an unsorted list (exported for callers and tests). */
export function percentileOf(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  return percentile([...values].sort((a, b) => a - b), p);
}

// ---------------------------------------------------------------------------------------------
// Time ranges

export const TIME_RANGES = { '15m': 15 * 60_000, '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000 } as const;
export type TimeRange = keyof typeof TIME_RANGES;


// ---------------------------------------------------------------------------------------------
// Thresholds

export type Severity = 'ok' | 'warn' | 'critical';

/** CPU per instance, percent: warn at 70 %, critical at 90 % (the convention k9s and friends use). */
export const CPU_WARN = 70;
export const CPU_CRITICAL = 90;
/**
 * Memory against the plan's nominal memory: Divio lets a container use more than nominal and errors
 * out at 200 %; so warn from 100 % (above nominal) and critical from 200 %.
 */
export const MEMORY_WARN_RATIO = 1;
export const MEMORY_CRITICAL_RATIO = 2;

export function cpuLevel(percentPerInstance: number): Severity {
  if (percentPerInstance >= CPU_CRITICAL) return 'critical';
  if (percentPerInstance >= CPU_WARN) return 'warn';
  return 'ok';
}

export function memoryLevel(used: number, nominal: number | null | undefined): Severity {
  if (!nominal || nominal <= 0) return 'ok';
  const r = used / nominal;
  if (r >= MEMORY_CRITICAL_RATIO) return 'critical';
  if (r >= MEMORY_WARN_RATIO) return 'warn';
  return 'ok';
}

/** CPU percent per instance from a summed figure (100 % per instance). */
export function cpuPerInstance(cpuPercentSum: number, instances: number | null | undefined): number {
  return instances && instances > 0 ? cpuPercentSum / instances : cpuPercentSum;
}

/** A metric is stale when no sample came for 3 expected intervals. */
export function isStale(lastSampleTs: number | null, now: number, intervalMs: number): boolean {
  if (lastSampleTs === null) return true;
  return now - lastSampleTs > 3 * intervalMs;
}

