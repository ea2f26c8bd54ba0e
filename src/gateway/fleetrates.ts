// The fleet's "recent error rate" for environments whose logs nobody is tailing. The fleet's
// scheduler (fleet.ts) asks for one environment's sample at a time, within its one-request-a-second
// budget; a sample continues from where the previous one ended (the forward `next` cursor) and reads
// at most a few pages, so its cost does not depend on how busy the environment is.
// When an environment's backlog is larger than that, the sample skips ahead and its rate is computed
// over the part it did read (never reported as zero for the part it did not). A live follower (someone
// tails the logs) is exact and wins over the sample.
import { AccessMetrics } from '../domain/metrics.js';
import type { Upstream } from './types.js';

export interface SamplerOptions {
  /** Pages read per sample (default 3). */
  maxPages?: number;
  /** How far back the first sample of an environment reaches (default 5 min). */
  lookbackMs?: number;
}

interface EnvSample {
  metrics: AccessMetrics;
  /** Forward cursor where the previous sample ended; null = start again (skip ahead). */
  next: string | null;
  /** What was read covers [coveredFrom, coveredTo] without a hole. */
  coveredFrom: number;
  coveredTo: number;
  sampledAt: number;
}

export interface EnvErrorFigures {
  /** 5xx responses per minute over the last 5 minutes (of what was read). */
  errorRate: number;
  /** 5xx per bucket over the last 30 minutes, oldest first (15 buckets); null: not read (unknown). */
  history: (number | null)[];
}

const WINDOW_MS = 5 * 60_000;
const PAGE_SIZE = 1000;

export class FleetErrorSampler {
  private readonly envs = new Map<string, EnvSample>();
  private readonly maxPages: number;
  private readonly lookbackMs: number;

  /** Requests the last `sample()` made (pages read). */
  lastRequests = 0;

  constructor(
    private readonly up: Upstream,
    private signal: AbortSignal,
    opts: SamplerOptions = {},
  ) {
    this.maxPages = opts.maxPages ?? 3;
    this.lookbackMs = opts.lookbackMs ?? WINDOW_MS;
  }

  /** Keep sampling under a new owner (the fleet came back within its grace period). */
  rebind(signal: AbortSignal): void {
    this.signal = signal;
  }

  /** One sample of one environment; returns the number of lines read. */
  async sample(env: string, now = Date.now()): Promise<number> {
    let s = this.envs.get(env);
    const c = this.up.divio;
    let url = s?.next ?? null;
    if (!s || !url) {
      // a first sample, or skipping ahead after a backlog larger than maxPages: a fresh window
      // (the first one reaches back `lookbackMs`, a skip-ahead one minute)
      const from = now - (s ? 60_000 : this.lookbackMs);
      s = { metrics: newMetrics(), next: null, coveredFrom: from, coveredTo: from, sampledAt: 0 };
      this.envs.set(env, s);
      // from_ts has minute precision: the lines of that minute before `from` are skipped below
      url = c.url(`/apps/v3/environments/${encodeURIComponent(env)}/logs/`, { page_size: PAGE_SIZE, from_ts: new Date(from).toISOString().slice(0, 16) }).toString();
    }
    let read = 0;
    let caughtUp = false;
    this.lastRequests = 0;
    for (let i = 0; i < this.maxPages && url; i++) {
      this.lastRequests++;
      const page = await c.runtimeLogs(env, { url }, this.signal);
      for (const l of page.results) {
        const ts = Date.parse(l.timestamp);
        if (!Number.isFinite(ts) || ts < s.coveredFrom) continue;
        s.metrics.ingestLine(ts, l.message);
        if (ts > s.coveredTo) s.coveredTo = ts;
        read++;
      }
      url = page.next ?? null;
      // a page that is not full: nothing more is waiting
      if (page.results.length < PAGE_SIZE) caughtUp = true;
      if (caughtUp || !url) break;
    }
    // caught up: everything up to now is read; else the next sample starts a fresh window
    if (caughtUp) s.coveredTo = Math.max(s.coveredTo, now);
    s.next = caughtUp ? url : null;
    s.sampledAt = now;
    return read;
  }

  /** The environment's figures (as of its last sample), or null when it has not been sampled yet. */
  figures(env: string): EnvErrorFigures | null {
    const s = this.envs.get(env);
    if (!s || !s.sampledAt) return null;
    return errorFigures(s.metrics, s.coveredTo, s.coveredFrom);
  }
}

function newMetrics(): AccessMetrics {
  return new AccessMetrics({ fineRetentionMs: 40 * 60_000, coarseRetentionMs: 60 * 60_000, reservoir: 16 });
}

/**
 * 5xx per minute over the 5 minutes up to `now` (or over the part of them that was read, from
 * `coveredFrom`), and a 30-minute history in 15 buckets.
 */
export function errorFigures(m: AccessMetrics, now: number, coveredFrom: number | null): EnvErrorFigures {
  const from = Math.min(now - 1000, Math.max(now - WINDOW_MS, coveredFrom ?? now - WINDOW_MS));
  const st = m.stats(from, now);
  const minutes = (now - from) / 60_000;
  const s = m.series(now - 30 * 60_000, now, 15, '5xx');
  // a bucket that ends before what was read is unknown (null), not zero: a fresh sample never draws
  // as a quiet past followed by a spike
  const start = now - 30 * 60_000;
  const span = (30 * 60_000) / Math.max(1, s.values.length);
  const known = (k: number) => coveredFrom === null || start + (k + 1) * span > coveredFrom;
  return { errorRate: Math.round((st.errors5xx / minutes) * 100) / 100, history: s.values.map((v, k) => (known(k) ? (v ?? 0) : null)) };
}
