// The Local environment in the gateway: one LocalEngine per gateway, watched (events-driven) only
// while someone subscribes to the `local` topic. While watched, every running container has a stats
// stream (CPU %, memory); all streams stop when the last subscriber leaves. No engine → a clear
// status (`engine.status: 'unavailable'` + reason) and a retry now and then, never a crash.
//
// Container logs go through the ordinary `logs` topic: an environment id `local:<container id>`
// is followed by a LocalLogFollower (the same merge, replay buffer and viewer as Test and Live).
import type { LocalData, LocalContainerData, TopicParamsOf } from '../protocol/index.js';
import type { ContainerAction, LocalContainer, LocalEngine, LocalEngineOptions, LocalSnapshot, StatsSample, StreamHandle } from '../local/index.js';
import { EnvLogFollower, type RawLine } from './follower.js';
import { Topic, errorText } from './hub.js';
import { HistoryBook, type HistoryOptions } from './statshistory.js';
import type { Upstream } from './types.js';

/** Environment ids with this prefix in the logs topic are local containers. */
export const LOCAL_ENV_PREFIX = 'local:';

export function isLocalEnv(env: string): boolean {
  return env.startsWith(LOCAL_ENV_PREFIX);
}

export interface LocalHubOptions {
  /** Engine options (DOCKER_HOST via env, cwd for .divio/config.json). */
  engine?: LocalEngineOptions;
  /** How often to look for an engine again while none answers (default 10 s). */
  retryMs?: number;
  /** Minimum ms between two published states when only stats changed (default 1000). */
  statsPublishMs?: number;
  /** A stats stream that ended while its container still runs is reopened after this (default 2 s). */
  statsRetryMs?: number;
  /** CPU/memory history per container for the sparklines (default 2 s buckets × 150 = 5 min). */
  history?: HistoryOptions;
}

type Listener = () => void;

interface StatsEntry {
  handle: StreamHandle | null;
  sample: StatsSample | null;
  retry: NodeJS.Timeout | null;
}

const EMPTY_ENGINE: LocalData['engine'] = { status: 'connecting', reason: null, product: null, version: null, address: null, shell: null, shellReason: null };
/** Placeholder for the container id in `engine.shell.argv`. */
export const SHELL_CONTAINER = '{container}';

export class LocalHub {
  private engine: LocalEngine | null = null;
  private enginePromise: Promise<LocalEngine> | null = null;
  private readonly listeners = new Set<Listener>();
  /** Listeners that want CPU/memory (stats streams run only while at least one does). */
  private readonly statsListeners = new Set<Listener>();
  private watcher: (StreamHandle & { refresh(): Promise<void> }) | null = null;
  private readonly stats = new Map<string, StatsEntry>();
  private snap: LocalSnapshot | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private publishTimer: NodeJS.Timeout | null = null;
  private lastPublish = 0;
  private active = false;
  private closed = false;
  private generation = 0;
  /**
   * CPU/memory over the last minutes per container, filled only by the stats streams (so only while
   * someone watches stats). Kept while the Local view is closed: reopened, it shows the gap.
   */
  private readonly history: HistoryBook;
  data: LocalData;

  constructor(private readonly opts: LocalHubOptions = {}) {
    this.history = new HistoryBook(opts.history);
    this.data = { engine: { ...EMPTY_ENGINE }, projects: [], standalone: [], updatedAt: Date.now(), historyStepMs: this.history.stepMs };
  }

  /**
   * Start watching (first listener) and get told of every change; with `stats`, CPU/memory streams
   * run for the running containers while this listener is here. Returns the release function.
   */
  acquire(listener: Listener, opts: { stats?: boolean } = {}): () => void {
    this.listeners.add(listener);
    if (opts.stats) this.statsListeners.add(listener);
    if (!this.active && !this.closed) {
      this.active = true;
      void this.startWatching();
    } else if (opts.stats && this.statsListeners.size === 1) this.syncStats();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.listeners.delete(listener);
      const hadStats = this.statsListeners.delete(listener);
      if (this.listeners.size === 0) this.stopWatching();
      else if (hadStats && this.statsListeners.size === 0) {
        this.stopAllStats();
        this.rebuild();
        this.publish(true);
      }
    };
  }

  /** Number of open engine streams (events + stats) — for tests and stats(). */
  openStreams(): number {
    let n = this.watcher ? 1 : 0;
    for (const e of this.stats.values()) if (e.handle) n++;
    return n;
  }

  /** The container (from the last listing) with this id or name. */
  container(idOrName: string): LocalContainer | null {
    const list = this.snap?.containers ?? [];
    return list.find((c) => c.id === idOrName || c.name === idOrName || (idOrName.length >= 12 && c.id.startsWith(idOrName))) ?? null;
  }

  /** Human name of a container for job targets and log labels ("shop/web (shop-web-1)"). */
  async describe(idOrName: string): Promise<{ target: string; id: string; container: LocalContainer | null }> {
    let c = this.container(idOrName);
    if (!c) {
      try {
        const list = await (await this.getEngine()).containers();
        c = list.find((x) => x.id === idOrName || x.name === idOrName || (idOrName.length >= 12 && x.id.startsWith(idOrName))) ?? null;
      } catch {
        c = null;
      }
    }
    if (!c) return { target: `local container ${idOrName.slice(0, 12)}`, id: idOrName, container: null };
    return { target: `${c.project ? `${c.project}/${c.service ?? c.name}` : c.name}@local`, id: c.id, container: c };
  }

  /** start/stop/restart a container; the events stream updates the topic. */
  async action(idOrName: string, action: ContainerAction): Promise<void> {
    const engine = await this.getEngine();
    const probe = await engine.probe();
    if (!probe.ok) throw new Error(probe.reason);
    const { id } = await this.describe(idOrName);
    if (action === 'start') await engine.start(id);
    else if (action === 'stop') await engine.stop(id);
    else await engine.restart(id);
    void this.watcher?.refresh();
  }

  /** The engine, created once per gateway (loaded lazily: dockerode is not needed otherwise). */
  getEngine(): Promise<LocalEngine> {
    if (this.closed) return Promise.reject(new Error('the gateway is shutting down'));
    return (this.enginePromise ??= import('../local/index.js').then((m) => {
      this.engine = new m.LocalEngine(this.opts.engine ?? {});
      return this.engine;
    }));
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.stopWatching();
    this.engine?.close();
  }

  // ------------------------------------------------------------------ watching

  private async startWatching(): Promise<void> {
    const gen = ++this.generation;
    let engine: LocalEngine;
    try {
      engine = await this.getEngine();
    } catch (e) {
      this.setEngine({ ...EMPTY_ENGINE, status: 'unavailable', reason: `Local environment: ${errorText(e)}` });
      return;
    }
    if (gen !== this.generation || !this.active) return;
    const probe = await engine.probe();
    if (gen !== this.generation || !this.active) return;
    if (!probe.ok) {
      this.snap = null;
      this.stopAllStats();
      this.data = { ...this.data, projects: [], standalone: [] };
      this.setEngine({ ...EMPTY_ENGINE, status: 'unavailable', reason: probe.reason });
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (this.active && gen === this.generation) void this.startWatching();
      }, this.opts.retryMs ?? 10_000);
      return;
    }
    const sh = engine.shell(SHELL_CONTAINER);
    const engineInfo: LocalData['engine'] = {
      status: 'connecting',
      reason: null,
      product: probe.product,
      version: probe.version,
      address: probe.socket,
      shell: sh.ok ? { argv: sh.argv, env: sh.env } : null,
      shellReason: sh.ok ? null : sh.reason,
    };
    this.setEngine(engineInfo);
    try {
      this.watcher = engine.watch((snap) => this.onSnapshot(gen, snap), {
        onError: (err) => {
          if (gen !== this.generation) return;
          this.data = { ...this.data, engine: { ...this.data.engine, reason: err.message } };
          this.publish(true);
        },
        onStatus: (status) => {
          if (gen !== this.generation) return;
          this.setEngine({ ...this.data.engine, status, reason: status === 'live' ? null : this.data.engine.reason });
        },
      });
    } catch (e) {
      this.setEngine({ ...EMPTY_ENGINE, status: 'unavailable', reason: `Local environment: ${errorText(e)}` });
    }
  }

  private stopWatching(): void {
    this.active = false;
    this.generation++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    if (this.publishTimer) clearTimeout(this.publishTimer);
    this.publishTimer = null;
    this.watcher?.stop();
    this.watcher = null;
    this.stopAllStats();
    this.snap = null;
    this.data = { engine: { ...EMPTY_ENGINE }, projects: [], standalone: [], updatedAt: Date.now(), historyStepMs: this.history.stepMs };
  }

  private stopAllStats(): void {
    for (const e of this.stats.values()) {
      if (e.retry) clearTimeout(e.retry);
      e.handle?.stop();
    }
    this.stats.clear();
  }

  private onSnapshot(gen: number, snap: LocalSnapshot): void {
    if (gen !== this.generation) return;
    this.snap = snap;
    this.history.keepOnly(snap.containers.map((c) => c.id));
    this.syncStats();
    this.rebuild();
    this.publish(true);
  }

  /** One stats stream per running container while someone wants figures; none otherwise. */
  private syncStats(): void {
    const snap = this.snap;
    const wanted = this.statsListeners.size > 0 && snap ? snap.containers.filter((c) => c.state === 'running').map((c) => c.id) : [];
    const running = new Set(wanted);
    for (const [id, e] of this.stats) {
      if (running.has(id)) continue;
      if (e.retry) clearTimeout(e.retry);
      e.handle?.stop();
      this.stats.delete(id);
    }
    for (const id of running) if (!this.stats.has(id)) this.openStats(this.generation, id);
  }

  private openStats(gen: number, id: string): void {
    const engine = this.engine;
    if (!engine) return;
    const entry: StatsEntry = this.stats.get(id) ?? { handle: null, sample: null, retry: null };
    this.stats.set(id, entry);
    let prevAt: number | null = null;
    try {
      entry.handle = engine.stats(
        id,
        (s) => {
          if (gen !== this.generation || this.stats.get(id) !== entry) return;
          // a sample stands for the time since the previous one of this stream; a new stream's first
          // only for its own moment (the time before it is a gap)
          this.history.of(id).push(s.at, s.cpuPercent, s.memoryUsed, prevAt);
          prevAt = s.at;
          // keep the last CPU figure when a sample cannot compute one (first sample of a stream)
          entry.sample = s.cpuPercent === null && entry.sample ? { ...s, cpuPercent: entry.sample.cpuPercent } : s;
          this.rebuild();
          this.publish(false);
        },
        {
          onEnd: () => {
            if (this.stats.get(id) !== entry) return;
            entry.handle = null;
            if (gen !== this.generation) return;
            // still running? reopen later (the engine may have cut the stream)
            entry.retry = setTimeout(() => {
              entry.retry = null;
              if (gen !== this.generation || this.stats.get(id) !== entry) return;
              const c = this.snap?.containers.find((x) => x.id === id);
              if (c && c.state === 'running') this.openStats(gen, id);
              else this.stats.delete(id);
            }, this.opts.statsRetryMs ?? 2000);
          },
        },
      );
    } catch {
      entry.handle = null;
    }
  }

  private toData(c: LocalContainer, now: number): LocalContainerData {
    const s = this.stats.get(c.id)?.sample ?? null;
    const live = c.state === 'running' && s !== null;
    const h = this.statsListeners.size > 0 ? this.history.peek(c.id) : null;
    return {
      id: c.id,
      shortId: c.shortId,
      name: c.name,
      project: c.project,
      service: c.service,
      image: c.image,
      state: c.state,
      status: c.status,
      health: c.health,
      startedAt: c.startedAt,
      exitCode: c.exitCode,
      ports: c.ports.map((p) => ({ privatePort: p.privatePort, publicPort: p.publicPort, ip: p.ip, type: p.type })),
      tty: c.tty,
      cpuPercent: live ? s.cpuPercent : null,
      memoryUsed: live ? s.memoryUsed : null,
      memoryLimit: live ? s.memoryLimit : null,
      statsAt: live ? s.at : null,
      cpuHistory: h ? h.cpu.read(now) : [],
      memHistory: h ? h.mem.read(now) : [],
    };
  }

  private rebuild(): void {
    const snap = this.snap;
    if (!snap) return;
    const now = Date.now();
    this.data = {
      engine: this.data.engine,
      projects: snap.projects.map((p) => ({
        project: p.project,
        workingDir: p.workingDir,
        app: p.app ? { ...(p.app.id !== undefined ? { id: p.app.id } : {}), ...(p.app.slug ? { slug: p.app.slug } : {}), ...(p.app.uuid ? { uuid: p.app.uuid } : {}) } : null,
        appError: p.appError ?? null,
        containers: p.services.map((c) => this.toData(c, now)),
      })),
      standalone: snap.standalone.map((c) => this.toData(c, now)),
      updatedAt: now,
      historyStepMs: this.history.stepMs,
    };
  }

  private setEngine(engine: LocalData['engine']): void {
    this.data = { ...this.data, engine, updatedAt: Date.now() };
    this.publish(true);
  }

  /** Tell listeners; stats-only changes are coalesced to one per `statsPublishMs`. */
  private publish(now: boolean): void {
    const gap = this.opts.statsPublishMs ?? 1000;
    if (!now && Date.now() - this.lastPublish < gap) {
      if (!this.publishTimer) {
        this.publishTimer = setTimeout(
          () => {
            this.publishTimer = null;
            this.publish(true);
          },
          gap - (Date.now() - this.lastPublish),
        );
      }
      return;
    }
    if (this.publishTimer) clearTimeout(this.publishTimer);
    this.publishTimer = null;
    this.lastPublish = Date.now();
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch {
        // one topic's failure must not stop the others
      }
    }
  }
}

function withoutStats(d: LocalData): LocalData {
  const strip = (c: LocalContainerData): LocalContainerData =>
    c.statsAt === null && !c.cpuHistory.length && !c.memHistory.length ? c : { ...c, cpuPercent: null, memoryUsed: null, memoryLimit: null, statsAt: null, cpuHistory: [], memHistory: [] };
  return { ...d, projects: d.projects.map((p) => ({ ...p, containers: p.containers.map(strip) })), standalone: d.standalone.map(strip) };
}

/** The `local` topic: the hub's state, optionally narrowed to one compose project. */
export class LocalTopic extends Topic<'local'> {
  private release: (() => void) | null = null;
  constructor(
    name: 'local',
    key: string,
    params: TopicParamsOf<'local'>,
    private hub: LocalHub,
  ) {
    super(name, key, params);
  }

  start(): void {
    this.started = true;
    this.release = this.hub.acquire(() => this.update(), { stats: this.params.stats === true });
    this.update();
  }

  override stop(): void {
    super.stop();
    this.release?.();
    this.release = null;
  }

  private update(): void {
    const d = this.hub.data;
    const project: string | undefined = this.params.project;
    let data: LocalData = project ? { ...d, projects: d.projects.filter((p) => p.project === project), standalone: [] } : d;
    if (this.params.stats !== true) data = withoutStats(data);
    if (d.engine.status === 'unavailable') this.setHealth({ ok: false, error: d.engine.reason ?? 'no Docker engine', retryInMs: null });
    else this.setHealth({ ok: true, error: null, retryInMs: null });
    const json = JSON.stringify({ ...data, updatedAt: 0 });
    if (this.lastJson === json) return;
    this.lastJson = json;
    this.publishSnapshot(data);
  }
  private lastJson = '';
}

/**
 * Logs of one local container as an environment follower (`local:<id>`), so the logs topic merges,
 * numbers, buffers and replays them like Test and Live. stdout and stderr are demultiplexed in order;
 * stderr lines are marked in the service column ("web!") so they stay distinguishable.
 */
export class LocalLogFollower extends EnvLogFollower {
  private handle: StreamHandle | null = null;
  private stopped = false;
  private lastTs = 0;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    env: string,
    up: Upstream,
    scale: number,
    private hub: LocalHub,
  ) {
    super(env, up, scale);
    this.label = `${env.slice(LOCAL_ENV_PREFIX.length, LOCAL_ENV_PREFIX.length + 12)}@local`;
  }

  override start(since?: Date): void {
    this.coveredFrom = since ? since.toISOString() : null;
    void this.open(since ? since.getTime() : undefined, true);
  }

  override stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.handle?.stop();
    this.handle = null;
  }

  private async open(since: number | undefined, first: boolean): Promise<void> {
    const id = this.env.slice(LOCAL_ENV_PREFIX.length);
    let engine: LocalEngine;
    try {
      engine = await this.hub.getEngine();
    } catch (e) {
      return this.fail(errorText(e), first);
    }
    const probe = await engine.probe();
    if (this.stopped) return;
    if (!probe.ok) return this.fail(probe.reason, first);
    const d = await this.hub.describe(id);
    if (this.stopped) return;
    if (!d.container) return this.fail(`no such container ${id.slice(0, 12)} on the local engine`, first);
    const c = d.container;
    this.label = `${c.project ?? c.name}@local`;
    const service = c.service ?? c.name;
    let pending: RawLine[] = [];
    let flush: NodeJS.Timeout | null = null;
    const emit = (): void => {
      flush = null;
      const lines = pending;
      pending = [];
      if (!lines.length) return;
      this.emit({ env: this.env, lines, markers: [] });
    };
    const skipUpTo = first ? -Infinity : this.lastTs;
    const readyTimer = setTimeout(() => this.becomeReady(emit), 300);
    this.handle = engine.logs(
      c.id,
      { follow: true, tail: since === undefined ? 500 : 'all', since, tty: c.tty },
      (l) => {
        if (l.ts <= skipUpTo) return; // already delivered before a reconnect
        this.lastTs = Math.max(this.lastTs, l.ts);
        const line: RawLine = {
          ts: l.ts,
          tsIso: l.tsIso ?? new Date(l.ts).toISOString(),
          source: this.label,
          service: l.stream === 'stderr' ? `${service}!` : service,
          message: l.text.replace(/\r$/, ''),
        };
        pending.push(line);
        this.access.ingestLine(line.ts, line.message);
        if (!this.ready) return; // the first page is delivered at once when ready
        if (!flush) flush = setTimeout(emit, 30);
      },
      (err) => {
        clearTimeout(readyTimer);
        if (flush) clearTimeout(flush);
        emit();
        this.handle = null;
        if (this.stopped) return;
        this.becomeReady(emit);
        if (err) this.setLocalHealth({ ok: false, error: err.message, retryInMs: 2000 });
        // the container stopped or the stream was cut: follow again when it runs
        this.retry = setTimeout(() => {
          this.retry = null;
          if (!this.stopped) void this.open(this.lastTs ? this.lastTs : undefined, false);
        }, 2000);
      },
    );
    this.setLocalHealth({ ok: true, error: null, retryInMs: null });
  }

  private becomeReady(emit: () => void): void {
    if (this.ready) return;
    emit();
    this.ready = true;
    for (const l of this.listeners) l.onReady();
  }

  private fail(reason: string, first: boolean): void {
    if (this.stopped) return;
    this.setLocalHealth({ ok: false, error: reason, retryInMs: 5000 });
    if (first) this.becomeReady(() => {});
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.stopped) void this.open(this.lastTs ? this.lastTs : undefined, false);
    }, 5000);
  }

  private setLocalHealth(h: { ok: boolean; error: string | null; retryInMs: number | null }): void {
    if (h.ok === this.health.ok && h.error === this.health.error) return;
    this.health = h;
    for (const l of this.listeners) l.onHealth();
  }
}
