// The topics the gateway serves. Snapshot topics (fleet, env, deployments, backups, metrics, jobs)
// publish a whole state when it changes; a (re)subscriber just gets the latest one. Event topics
// (logs, deployment log) keep a bounded replay buffer with sequence numbers.
import { collect } from '../divio/client.js';
import { runtimeLogWindow } from '../divio/ops.js';
import type { AccessMetrics } from '../domain/metrics.js';
import type { Backup, Deployment, Domain, LogLine, LogMarker, ServiceInstanceBackup } from '../domain/index.js';
import { DivioApiError } from '../divio/errors.js';
import type { AccessStats, BackupWithDetail, EnvData, TopicName, TopicParamsOf } from '../protocol/index.js';
import { Topic, Sub, pollLoop, rawSend, dataFrame, errorText, isOverBudget, markOver, frameBody, sendDataFrame } from './hub.js';
import { maskVariable } from '../domain/text.js';
import type { EnvLogFollower, FollowerBatch, FollowerListener } from './follower.js';
import type { JobStore } from './jobs.js';
import type { Upstream } from './types.js';

export interface TopicCtx {
  up: Upstream;
  scale: number;
  jobs: JobStore;
  replayLines: number;
  acquireFollower(env: string, since?: Date): EnvLogFollower;
  releaseFollower(f: EnvLogFollower): void;
  /** The follower of an environment if its logs are being followed right now. */
  followerOf(env: string): EnvLogFollower | null;
  /** Figures a topic keeps for a grace period after its last watcher left (the fleet's). */
  retained?: Retainer;
}

/** What stopped topics keep for a while, by topic key (taken back by the next instance). */
export class Retainer {
  private items = new Map<string, { value: unknown; timer: NodeJS.Timeout }>();
  put<T>(key: string, value: T, ms: number): void {
    this.drop(key);
    const timer = setTimeout(() => this.items.delete(key), ms);
    timer.unref();
    this.items.set(key, { value, timer });
  }
  take<T>(key: string): T | undefined {
    const it = this.items.get(key);
    if (!it) return undefined;
    this.drop(key);
    return it.value as T;
  }
  private drop(key: string): void {
    const it = this.items.get(key);
    if (it) clearTimeout(it.timer);
    this.items.delete(key);
  }
  clear(): void {
    for (const k of [...this.items.keys()]) this.drop(k);
  }
}


// ------------------------------------------------------------------ snapshot topics

export abstract class PollingTopic<K extends TopicName> extends Topic<K> {
  constructor(
    name: K,
    key: string,
    params: TopicParamsOf<K>,
    protected ctx: TopicCtx,
  ) {
    super(name, key, params);
  }
  /** One poll; returns the delay (unscaled ms) before the next. */
  protected abstract step(): Promise<number>;
  private wake: (() => void) | null = null;
  start(): void {
    this.started = true;
    void pollLoop({
      signal: this.signal,
      scale: this.ctx.scale,
      onHealth: (h) => this.setHealth(h),
      step: async () => Math.max(10, (await this.step()) * this.ctx.scale),
      onWaker: (w) => (this.wake = w),
    });
  }
  /** Read again now, not at the next interval (a job of this console just changed what it shows). */
  poke(): void {
    this.wake?.();
  }
  /** The environment this topic reads, if it reads one. */
  envOf(): string | null {
    const env = (this.params as { env?: unknown }).env;
    return typeof env === 'string' ? env : null;
  }
  override publishSnapshot(data: unknown): void {
    const json = JSON.stringify(data);
    if (this.latest && this.latest.json === json) return;
    super.publishSnapshot(data);
  }
}

const FAST = 1500;

/** Lines one history window may hold (all environments together); more → `truncated`, the newest kept. */
export const HISTORY_MAX_LINES = 20_000;
/** Pages read per environment for one window (the request budget of one keypress). */
const HISTORY_MAX_PAGES = 20;

/**
 * A past window of runtime logs (`logHistory`): read once when the first client asks, then kept
 * (the past does not change) for as long as someone watches it. Every client asking for the same
 * window (the console rounds to whole minutes) shares one read.
 */
export class LogHistoryTopic extends PollingTopic<'logHistory'> {
  protected async step(): Promise<number> {
    const c = this.ctx.up.divio;
    const { envs, from, to } = this.params;
    const out: LogLine[] = [];
    let truncated = false;
    for (const env of envs) {
      const label = this.ctx.followerOf(env)?.label ?? (await labelOf(this.ctx.up, env, this.signal));
      for await (const page of runtimeLogWindow(c, env, { from: new Date(from), to: new Date(to), signal: this.signal, maxPages: HISTORY_MAX_PAGES })) {
        for (const e of page.results) {
          const ts = Date.parse(e.timestamp);
          if (!Number.isFinite(ts) || ts >= Date.parse(to)) continue;
          out.push({ seq: 0, ts, tsIso: e.timestamp, source: label, service: e.service ?? 'web', message: String(e.message).replace(/\r$/, '') });
        }
      }
    }
    out.sort((a, b) => a.ts - b.ts);
    if (out.length > HISTORY_MAX_LINES) {
      truncated = true;
      out.splice(0, out.length - HISTORY_MAX_LINES);
    }
    out.forEach((l, i) => (l.seq = i));
    this.publishSnapshot({ from, to, lines: out, truncated });
    return 3_600_000; // the past does not change: read again only if still watched in an hour
  }
}

async function labelOf(up: Upstream, env: string, signal: AbortSignal): Promise<string> {
  try {
    const e = await up.divio.environment(env, signal);
    const app = await up.divio.application(e.application, signal).then((a) => a.slug, () => e.application.slice(0, 8));
    return `${app}@${e.slug}`;
  } catch {
    return env.slice(0, 8);
  }
}

export { FleetTopic, envState } from './fleet.js';

export class EnvTopic extends PollingTopic<'env'> {
  protected async step(): Promise<number> {
    const c = this.ctx.up.divio;
    const envUuid: string = this.params.env;
    const environment = await c.environment(envUuid, this.signal);
    const [application, environments, serviceInstances, domains, variables, deployments, contentVersion] = await Promise.all([
      c.application(environment.application, this.signal),
      collect(c.environments({ application: environment.application })),
      collect(c.serviceInstances(envUuid)).catch(() => []),
      collect(c.domains({ environment: envUuid })).catch(() => []),
      collect(c.environmentVariables({ environment: envUuid })).catch(() => []),
      firstN(c.deployments({ environment: envUuid }), 10),
      c.contentVersion(envUuid, this.signal).catch(() => null),
    ]);
    const data: EnvData = {
      application,
      environment,
      environments,
      serviceInstances,
      domains: domains.filter((d) => !d.environment || d.environment === envUuid),
      // sensitive (or secret-named) values never leave the gateway; secrets inside other values are masked
      variables: variables.map((v) => ({ ...v, value: maskVariable(v.name, v.value, v.is_sensitive) })),
      deployments: deployments.filter((d) => d.environment === envUuid),
      contentVersion,
    };
    this.publishSnapshot(data);
    return deployments.some((d) => d.ended_at === null) ? FAST : 10_000;
  }
}

/**
 * Every domain of the account, for the fleet-wide `:domains` view: one listing of
 * `GET /apps/v3/domains/` (no filter), read again every 5 minutes while someone watches (domains
 * change by hand, in the Control Panel). A zone that refuses the unfiltered list (400: a filter is
 * required; the filters are not documented) is read application by application, as Divio's CLI
 * reads environments, one request at a time, and the view says so.
 */
export class DomainsTopic extends PollingTopic<'domains'> {
  protected async step(): Promise<number> {
    const c = this.ctx.up.divio;
    const notes: string[] = [];
    let domains: Domain[];
    try {
      domains = await collect(c.domains({}, this.signal));
    } catch (e) {
      if (!(e instanceof DivioApiError) || e.kind !== 'validation') throw e;
      domains = [];
      for (const a of await collect(c.applications())) {
        if (this.signal.aborted) return 0;
        domains.push(...(await collect(c.domains({ application: a.uuid }, this.signal))));
      }
      notes.push('this zone lists domains only per application: read one application at a time');
    }
    this.publishSnapshot({ domains, ...(notes.length ? { notes } : {}) });
    return 300_000;
  }
}

/**
 * An environment's service instances (`GET /apps/v3/service-instances/?environment=`, as the backup
 * form and Divio's CLI `service-instances list` read them), every 15 s while watched (their state
 * moves while one is provisioned). The names of their regions and catalogue services are read once
 * per watch; a zone that does not answer those leaves the uuids on screen.
 */
export class ServicesTopic extends PollingTopic<'services'> {
  private regions: Record<string, string> | null = null;
  private catalogue = new Map<string, Record<string, { name: string; type?: string | null; description?: string | null }>>();
  protected async step(): Promise<number> {
    const c = this.ctx.up.divio;
    const envUuid: string = this.params.env;
    const serviceInstances = (await collect(c.serviceInstances(envUuid))).filter((s) => !s.environment || s.environment === envUuid);
    if (!this.regions) this.regions = Object.fromEntries((await collect(c.regions(this.signal)).catch(() => [])).map((r) => [r.uuid, r.name]));
    for (const region of new Set(serviceInstances.map((s) => s.region ?? ''))) {
      if (this.catalogue.has(region)) continue;
      const list = await collect(c.services(region ? { region } : {}, this.signal)).catch(() => []);
      this.catalogue.set(region, Object.fromEntries(list.map((x) => [x.uuid, { name: x.name, type: x.type, description: x.description }])));
    }
    const services = Object.assign({}, ...this.catalogue.values()) as Record<string, { name: string }>;
    this.publishSnapshot({ serviceInstances, regions: this.regions, services });
    return 15_000;
  }
}

export class DeploymentsTopic extends PollingTopic<'deployments'> {
  protected async step(): Promise<number> {
    const envUuid: string = this.params.env;
    const list = (await firstN(this.ctx.up.divio.deployments({ environment: envUuid }), 30)).filter((d) => d.environment === envUuid);
    this.publishSnapshot({ deployments: list });
    return list.some((d) => d.ended_at === null) ? FAST : 10_000;
  }
}

export class BackupsTopic extends PollingTopic<'backups'> {
  private details = new Map<string, ServiceInstanceBackup>();
  protected async step(): Promise<number> {
    const c = this.ctx.up.divio;
    const envUuid: string = this.params.env;
    const [backups, serviceInstances] = await Promise.all([
      firstN(c.backups({ environment: envUuid }), 50),
      collect(c.serviceInstances(envUuid)).catch(() => []),
    ]);
    const mine = backups.filter((b) => b.environment === envUuid);
    const out: BackupWithDetail[] = [];
    for (const b of mine) {
      const details: ServiceInstanceBackup[] = [];
      for (const u of b.service_instance_backups) {
        let d = this.details.get(u);
        if (!d) {
          d = await c.serviceInstanceBackup(u, this.signal).catch(() => undefined);
          if (d && d.ended_at) this.details.set(u, d); // finished ones never change
        }
        if (d) details.push(d);
      }
      out.push({ ...b, details });
    }
    out.sort((x, y) => String(y.created_at ?? '').localeCompare(String(x.created_at ?? '')));
    this.publishSnapshot({ backups: out, serviceInstances });
    return mine.some((b) => !backupDone(b)) ? FAST : 15_000;
  }
}

function backupDone(b: Backup): boolean {
  const s = b.state.toUpperCase();
  return s === 'COMPLETED' || s === 'FAILED' || s === 'ERROR' || !!b.ended_at;
}

/** Upstream CPU/memory samples plus access-line stats from the environment's (shared) log follower. */
export class MetricsTopic extends PollingTopic<'metrics'> {
  private follower: EnvLogFollower | null = null;
  private samples: unknown[] | null = null;
  private lastFetch = 0;
  private firstAt: number | null = null;
  override start(): void {
    this.follower = this.ctx.acquireFollower(this.params.env);
    super.start();
  }
  override stop(): void {
    super.stop();
    if (this.follower) this.ctx.releaseFollower(this.follower);
    this.follower = null;
  }
  protected async step(): Promise<number> {
    const minutes: number = this.params.minutes ?? 60;
    const now = Date.now();
    if (now - this.lastFetch >= 10_000 * this.ctx.scale || this.lastFetch === 0) {
      this.samples = await this.ctx.up.divio.metrics(this.params.env, minutes, this.signal);
      this.lastFetch = Date.now();
    }
    // The first snapshot waits (at most 5 s) for the follower's first page: request figures from
    // an empty window would read as "no traffic" rather than "not known yet".
    if (this.follower && !this.follower.ready && this.latest === null) {
      this.firstAt ??= now;
      if (now - this.firstAt < 5000) return 100 / this.ctx.scale;
    }
    const f = this.follower;
    const access = f && (f.ready || f.access.total > 0) ? accessStats(f.access, now - minutes * 60_000, now) : null;
    this.publishSnapshot({ samples: this.samples, access });
    return 2000;
  }
}

export function accessStats(m: AccessMetrics, from: number, to: number, points = 30): AccessStats {
  // figures over the part of the range the followed logs cover (the charts keep the whole range)
  const st = m.stats(m.firstTs !== null ? Math.min(to, Math.max(from, m.firstTs)) : from, to);
  const req = m.series(from, to, points, 'requests');
  const e5 = m.series(from, to, points, '5xx');
  const p95 = m.series(from, to, points, 'p95');
  // slots that end before the first line the followed logs hold are unknown (null), not "no requests"
  const known = Math.min(m.firstLineTs ?? Infinity, m.firstTs ?? Infinity);
  const unknown = (i: number): boolean => req.start + (i + 1) * req.stepMs <= known;
  return {
    windowStart: st.from,
    windowEnd: st.to,
    requests: st.requests,
    requestRate: st.rate,
    errorRate: st.errorRate,
    errorFraction: st.errorFraction,
    p50: st.latency?.p50 ?? null,
    p95: st.latency?.p95 ?? null,
    p99: st.latency?.p99 ?? null,
    series: req.values.map((v, i) =>
      unknown(i) ? { t: req.start + i * req.stepMs, requests: null, errors: null, p95: null } : { t: req.start + i * req.stepMs, requests: v ?? 0, errors: e5.values[i] ?? 0, p95: p95.values[i] ?? null },
    ),
  };
}

/** One deployment: progress and its log (appended text sent as events). Stops polling once ended. */
export class DeploymentTopic extends PollingTopic<'deployment'> {
  private log = '';
  private last: Deployment | null = null;
  protected async step(): Promise<number> {
    const c = this.ctx.up.divio;
    const uuid: string = this.params.deployment;
    const [d, log] = await Promise.all([c.deployment(uuid, this.signal), c.deploymentLog(uuid, this.signal).catch(() => this.log)]);
    const changed = JSON.stringify(d) !== JSON.stringify(this.last);
    if (this.latest === null || !log.startsWith(this.log)) {
      this.log = log;
      this.last = d;
      this.publishSnapshot({ deployment: d, log, append: false });
    } else if (changed || log.length > this.log.length) {
      const delta = log.slice(this.log.length);
      this.log = log;
      this.last = d;
      this.seq++;
      this.setLatest({ deployment: d, log, append: false });
      this.publishEvent({ deployment: d, log: delta, append: true });
    }
    if (d.ended_at) {
      // ended: nothing more will change; poll rarely in case the log is completed late
      return 30_000;
    }
    return FAST;
  }
}

export class JobsTopic extends Topic<'jobs'> {
  private off: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  constructor(
    key: string,
    private jobs: JobStore,
  ) {
    super('jobs', key, {});
  }
  start(): void {
    this.started = true;
    this.publishSnapshot({ jobs: this.jobs.list() });
    this.off = this.jobs.onChange(() => {
      if (this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.publishSnapshot({ jobs: this.jobs.list() });
      }, 50);
    });
  }
  override stop(): void {
    super.stop();
    this.off?.();
    if (this.timer) clearTimeout(this.timer);
  }
}

// The `local` topic (Docker/Podman engine) lives in ./local.ts.
export { LocalTopic } from './local.js';

async function firstN<T>(it: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) {
    out.push(x);
    if (out.length >= n) break;
  }
  return out;
}

// ------------------------------------------------------------------ logs

const SNAPSHOT_LINES = 500;
const REPLAY_CHUNK = 500;
/**
 * A live batch (up to a page of ~1,000 lines a second) goes out in frames, each frame to every
 * subscriber before the next, one round carrying at most about this many bytes over all
 * subscribers: with a hundred clients a line reaches the last of them a hundred small writes after
 * the first, not a hundred whole batches. With a few subscribers a batch stays one frame (a console
 * given a batch in pieces may draw the first piece and show the tail one screen update later).
 */
const LIVE_ROUND_BYTES = 2 * 1024 * 1024;
const LIVE_FRAME_MIN_BYTES = 16 * 1024;
/** JSON around a line's message (seq, ts, tsIso, source, service), for frame sizing. */
const LINE_OVERHEAD = 120;

function liveFrameBytes(subscribers: number): number {
  return Math.max(LIVE_FRAME_MIN_BYTES, Math.floor(LIVE_ROUND_BYTES / Math.max(1, subscribers)));
}

interface LiveFrame {
  lines: LogLine[];
  markers: LogMarker[];
  /** Sequence of the frame's last line (the whole batch's for a frame without lines). */
  seq: number;
  /** Encoded once, shared by every subscriber. */
  body: Buffer;
}

/**
 * Split a batch into live frames. Each marker rides in the frame holding the first line later than
 * it (the last frame if none), so a client places it among the lines exactly where one frame with
 * the whole batch would have put it.
 */
function liveFrames(lines: LogLine[], markers: LogMarker[], lastSeq: number, maxBytes: number): LiveFrame[] {
  const parts: LogLine[][] = [];
  let cur: LogLine[] = [];
  let bytes = 0;
  for (const l of lines) {
    const size = l.message.length + LINE_OVERHEAD;
    if (cur.length && bytes + size > maxBytes) {
      parts.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(l);
    bytes += size;
  }
  if (cur.length || !parts.length) parts.push(cur);
  const held: LogMarker[][] = parts.map(() => []);
  for (const m of markers) {
    let k = parts.findIndex((p) => p.some((l) => l.ts > m.ts));
    if (k < 0) k = parts.length - 1;
    held[k].push(m);
  }
  return parts.map((p, k) => {
    const seq = p.length ? p[p.length - 1].seq : lastSeq;
    return { lines: p, markers: held[k], seq, body: frameBody(JSON.stringify({ lines: p, markers: held[k] })) };
  });
}

/**
 * Runtime logs of one or more environments merged in time order, with per-topic sequence numbers
 * on every line, a bounded replay buffer, and in-band markers (retention gaps, deployments, slow
 * link). Each environment is fetched by its shared follower.
 */
export class LogsTopic extends Topic<'logs'> implements FollowerListener {
  private buf: LogLine[] = [];
  /** Markers of the first pages (e.g. a retention gap found on resuming), for the subscribers held until ready. */
  private catchUpMarkers: LogMarker[] = [];
  private followers: EnvLogFollower[] = [];
  private pending: { line: FollowerBatch['lines'][number]; order: number }[] = [];
  private pendingMarkers: LogMarker[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readyTimer: NodeJS.Timeout | null = null;
  private order = 0;
  isReady = false;
  private services: Set<string> | null;

  constructor(
    key: string,
    params: TopicParamsOf<'logs'>,
    private ctx: TopicCtx,
    private since?: Date,
  ) {
    super('logs', key, params);
    this.services = params.services?.length ? new Set(params.services) : null;
  }

  start(): void {
    this.started = true;
    for (const env of this.params.envs) {
      const f = this.ctx.acquireFollower(env, this.since);
      // joining a stream already running: start from its history, as a fresh stream would
      const since = this.since?.getTime();
      const history = since === undefined ? f.recent : f.recent.filter((l) => l.ts >= since);
      if (history.length) this.onBatch({ env, lines: history, markers: [] });
      f.listeners.add(this);
      this.followers.push(f);
    }
    this.onHealth();
    if (this.followers.every((f) => f.ready)) this.onReady();
    // do not hold subscribers forever if an upstream never answers
    this.readyTimer = setTimeout(() => this.becomeReady(), 5000);
  }

  override stop(): void {
    super.stop();
    for (const f of this.followers) {
      f.listeners.delete(this);
      this.ctx.releaseFollower(f);
    }
    this.followers = [];
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.readyTimer) clearTimeout(this.readyTimer);
  }

  /** Earliest time from which every follower's coverage is complete, or null when unknown. */
  coveredFrom(): string | null {
    let max: string | null = null;
    for (const f of this.followers) {
      if (f.coveredFrom === null) return null;
      if (max === null || f.coveredFrom > max) max = f.coveredFrom;
    }
    return max;
  }

  // ---- follower callbacks
  onBatch(b: FollowerBatch): void {
    for (const l of b.lines) {
      if (this.services && !this.services.has(l.service)) continue;
      this.pending.push({ line: l, order: this.order++ });
    }
    this.pendingMarkers.push(...b.markers);
    if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), 60);
  }
  onReady(): void {
    if (this.followers.every((f) => f.ready)) {
      // let the first pages be merged before answering held subscribers
      if (this.flushTimer) {
        clearTimeout(this.flushTimer);
        this.flushTimer = null;
      }
      this.flush();
      this.becomeReady();
    }
  }
  onHealth(): void {
    const bad = this.followers.find((f) => !f.health.ok);
    if (bad) this.setHealth({ ok: false, error: `${bad.label}: ${bad.health.error}`, retryInMs: bad.health.retryInMs });
    else this.setHealth({ ok: true, error: null, retryInMs: null });
  }

  private becomeReady(): void {
    if (this.readyTimer) clearTimeout(this.readyTimer);
    this.readyTimer = null;
    if (this.isReady) return;
    this.isReady = true;
    for (const sub of this.subs) {
      if (!sub.ready) {
        sub.ready = true;
        this.catchUp(sub);
      }
    }
    this.catchUpMarkers = [];
  }

  private flush(): void {
    this.flushTimer = null;
    if (!this.pending.length && !this.pendingMarkers.length) return;
    const batch = this.pending.sort((a, b) => a.line.ts - b.line.ts || (a.line.tsIso < b.line.tsIso ? -1 : a.line.tsIso > b.line.tsIso ? 1 : a.order - b.order));
    this.pending = [];
    const markers = this.pendingMarkers;
    this.pendingMarkers = [];
    const lines: LogLine[] = batch.map(({ line }) => ({ seq: ++this.seq, ts: line.ts, tsIso: line.tsIso, source: line.source, service: line.service, message: line.message }));
    for (const l of lines) this.buf.push(l);
    const cap = Math.max(100, this.ctx.replayLines);
    if (this.buf.length > cap + Math.min(5000, cap >> 2)) this.buf.splice(0, this.buf.length - cap);
    if (!this.isReady) {
      // held subscribers get it in their catch-up — the lines from the buffer, the markers from here
      this.catchUpMarkers.push(...markers);
      if (this.catchUpMarkers.length > 50) this.catchUpMarkers.splice(0, this.catchUpMarkers.length - 50);
      return;
    }
    const all: Sub[] = [];
    for (const sub of this.subs) {
      if (!sub.ready) continue;
      if (sub.resumeAfter) {
        const kept = filterAfter(lines, sub.resumeAfter);
        if (kept.length) sub.resumeAfter = undefined;
        if (kept.length < lines.length) {
          if (kept.length || markers.length) {
            for (const f of liveFrames(kept, markers, this.seq, liveFrameBytes(1))) this.deliverLogs(sub, f.lines, f.markers, f.seq, f.body);
          }
          continue;
        }
      }
      all.push(sub);
    }
    if (!all.length) return;
    // frame-major: every client gets frame k before any client gets frame k + 1
    for (const f of liveFrames(lines, markers, this.seq, liveFrameBytes(all.length))) for (const sub of all) this.deliverLogs(sub, f.lines, f.markers, f.seq, f.body);
  }

  override onSubscribe(sub: Sub): void {
    if (!this.health.ok) this.sendStatus(sub);
    if (!this.isReady) {
      sub.ready = false;
      return;
    }
    this.catchUp(sub);
  }

  /** First answer to a (re)subscriber: replay from its sequence, or from its last timestamp, or a snapshot. */
  private catchUp(sub: Sub): void {
    const from = sub.resumeFrom;
    const first = this.buf.length ? this.buf[0].seq : this.seq + 1;
    if (from !== undefined && from >= this.epochStart - 1 && from <= this.seq) {
      sub.resumeAfter = undefined;
      if (from + 1 < first) {
        const missed = first - 1 - from;
        this.sendGap(sub, from + 1, first - 1, missed, 'replay-exhausted', `${missed} line${missed === 1 ? '' : 's'} no longer in the gateway's replay buffer`);
      }
      const start = lowerBound(this.buf, from + 1);
      this.replay(sub, this.buf.slice(start));
      return;
    }
    if (sub.resumeAfter) {
      const ra = sub.resumeAfter;
      const kept = filterAfter(this.buf, ra);
      const covered = this.coveredFrom();
      const firstIso = this.buf.length ? this.buf[0].tsIso! : null;
      const complete = (covered !== null && covered <= ra.tsIso) || (firstIso !== null && firstIso <= ra.tsIso && kept.length < this.buf.length);
      if (!complete) {
        const upto = kept.length ? kept[0].seq - 1 : this.seq;
        const startText = kept.length ? ` and ${kept[0].tsIso}` : '';
        this.sendGap(
          sub,
          (from ?? 0) + 1,
          Math.max((from ?? 0) + 1, upto),
          0,
          'gateway-restart',
          `the gateway restarted: lines between ${ra.tsIso}${startText || ' and now'} may be missing (unknown count)`,
        );
      }
      if (kept.length) sub.resumeAfter = undefined;
      this.replay(sub, kept);
      return;
    }
    const tail = this.buf.slice(-SNAPSHOT_LINES);
    rawSend(sub.conn, dataFrame('snapshot', sub.id, 'logs', this.seq, JSON.stringify({ lines: tail, markers: [] })));
  }

  private replay(sub: Sub, lines: LogLine[]): void {
    const markers = this.catchUpMarkers;
    if (!lines.length && markers.length) rawSend(sub.conn, dataFrame('event', sub.id, 'logs', this.seq, JSON.stringify({ lines: [], markers })));
    for (let i = 0; i < lines.length; i += REPLAY_CHUNK) {
      const chunk = lines.slice(i, i + REPLAY_CHUNK);
      rawSend(sub.conn, dataFrame('event', sub.id, 'logs', chunk[chunk.length - 1].seq, JSON.stringify({ lines: chunk, markers: i === 0 ? markers : [] })));
    }
  }

  private sendGap(sub: Sub, from: number, to: number, missed: number, reason: 'replay-exhausted' | 'gateway-restart' | 'slow-link' | 'upstream-retention', text: string): void {
    rawSend(sub.conn, JSON.stringify({ type: 'gap', sub: sub.id, topic: 'logs', from, to, missed, reason, text }));
  }

  /** Send a frame, or — while the client is above its send budget — count the lines it skips and hold the markers. */
  private deliverLogs(sub: Sub, lines: LogLine[], markers: LogMarker[], seq: number, body: Buffer): void {
    if (isOverBudget(sub.conn)) {
      markOver(sub.conn);
      if (lines.length && sub.skipped === 0) sub.skippedFrom = Date.now();
      sub.skipped += lines.length;
      sub.heldMarkers.push(...markers);
      return;
    }
    // the skip marker covers what was skipped before this frame's lines
    if (sub.skipped > 0 || sub.heldMarkers.length) {
      this.sendHeld(sub, lines.length ? lines[0].seq - 1 : seq);
      super.onDrained(sub);
    }
    sendDataFrame(sub.conn, 'event', sub.id, 'logs', seq, body);
  }

  /** The client's buffer drained: tell it, in-band, how many lines it did not get (and what it missed meanwhile). */
  override onDrained(sub: Sub): void {
    this.sendHeld(sub, this.seq);
    super.onDrained(sub);
  }

  private sendHeld(sub: Sub, seq: number): void {
    if ((sub.skipped > 0 || sub.heldMarkers.length) && !isOverBudget(sub.conn)) {
      const n = sub.skipped;
      sub.skipped = 0;
      const markers = sub.heldMarkers as LogMarker[];
      sub.heldMarkers = [];
      if (n > 0) markers.push({ kind: 'slow-link', ts: Date.now(), count: n, text: `${n} line${n === 1 ? '' : 's'} skipped: slow link` });
      rawSend(sub.conn, dataFrame('event', sub.id, 'logs', seq, JSON.stringify({ lines: [], markers })));
    }
  }
}

function filterAfter(lines: LogLine[], ra: { tsIso: string; count: number }): LogLine[] {
  let skip = ra.count;
  const out: LogLine[] = [];
  for (const l of lines) {
    const iso = l.tsIso ?? '';
    if (iso < ra.tsIso) continue;
    if (iso === ra.tsIso && skip > 0) {
      skip--;
      continue;
    }
    out.push(l);
  }
  return out;
}

function lowerBound(buf: LogLine[], seq: number): number {
  let lo = 0;
  let hi = buf.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (buf[mid].seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export { errorText };
