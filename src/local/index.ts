// The Local environment: the developer's docker-compose project on their Docker engine (or Podman's
// Docker-compatible API). One class for the gateway; the pieces are exported for tests and twins.
import type Docker from 'dockerode';
import { dockerFor, probeEngine, resolveEngine, LocalEngineError, type EngineTarget, type ProbeResult } from './engine.js';
import {
  containerAction,
  containerLogs,
  listContainers,
  shellCommand,
  statsStream,
  watchContainers,
  type ContainerLogLine,
  type LocalContainer,
  type LogOptions,
  type ShellCommand,
  type StatsHandlers,
  type StreamHandle,
  type WatchOptions,
} from './containers.js';
import { groupProjects, linkProjects, type ComposeProject } from './compose.js';
import type { StatsSample } from './stats.js';

export * from './engine.js';
export * from './containers.js';
export * from './compose.js';
export * from './stats.js';
export * from './streams.js';
export * from './domain.js';

export interface LocalEngineOptions {
  /** Use this engine instead of resolving DOCKER_HOST / default sockets. */
  target?: EngineTarget;
  env?: NodeJS.ProcessEnv;
  /** Where `.divio/config.json` is looked up for the current project (default process.cwd()). */
  cwd?: string;
}

export interface LocalSnapshot {
  containers: LocalContainer[];
  projects: ComposeProject[];
  /** Containers that belong to no compose project. */
  standalone: LocalContainer[];
}

export class LocalEngine {
  private readonly opts: LocalEngineOptions;
  private resolved: { ok: true; target: EngineTarget; docker: Docker } | { ok: false; reason: string } | null = null;
  private readonly open = new Set<StreamHandle>();
  private closed = false;

  constructor(opts: LocalEngineOptions = {}) {
    this.opts = opts;
  }

  /** Which engine, and whether it answers. Never throws. */
  async probe(): Promise<ProbeResult> {
    const r = this.resolve();
    if (!r.ok) return { ok: false, reason: r.reason };
    return probeEngine({ target: r.target });
  }

  get target(): EngineTarget | null {
    const r = this.resolve();
    return r.ok ? r.target : null;
  }

  async containers(): Promise<LocalContainer[]> {
    return listContainers(this.docker());
  }

  /** Compose projects with their containers and the linked Divio application, if any. */
  async projects(): Promise<ComposeProject[]> {
    return (await this.snapshot()).projects;
  }

  async snapshot(containers?: LocalContainer[]): Promise<LocalSnapshot> {
    const list = containers ?? (await this.containers());
    const projects = await linkProjects(groupProjects(list), { cwd: this.opts.cwd, env: this.opts.env });
    return { containers: list, projects, standalone: list.filter((c) => !c.project) };
  }

  /** Events-driven view of all containers and projects; returns stop(). */
  watch(onChange: (snap: LocalSnapshot) => void, opts: WatchOptions = {}): StreamHandle & { refresh(): Promise<void> } {
    const docker = this.docker();
    let seq = 0;
    const w = watchContainers(
      docker,
      (list) => {
        const mine = ++seq;
        void this.snapshot(list).then(
          (snap) => {
            if (mine === seq && !this.closed) onChange(snap);
          },
          (err) => opts.onError?.(err instanceof LocalEngineError ? err : new LocalEngineError(String(err))),
        );
      },
      opts,
    );
    return this.track(w);
  }

  logs(id: string, opts: LogOptions, onLine: (l: ContainerLogLine) => void, onEnd: (err?: LocalEngineError) => void): StreamHandle {
    let h: StreamHandle | null = null;
    h = this.track(
      containerLogs(this.docker(), id, opts, onLine, (err) => {
        if (h) this.open.delete(h);
        onEnd(err);
      }),
    );
    return h;
  }

  stats(id: string, onSample: (s: StatsSample) => void, handlers: StatsHandlers = {}): StreamHandle {
    let h: StreamHandle | null = null;
    h = this.track(
      statsStream(this.docker(), id, onSample, {
        ...handlers,
        onEnd: (err) => {
          if (h) this.open.delete(h);
          handlers.onEnd?.(err);
        },
      }),
    );
    return h;
  }

  restart(id: string, timeoutS?: number): Promise<void> {
    return containerAction(this.docker(), id, 'restart', { timeoutS });
  }

  stop(id: string, timeoutS?: number): Promise<void> {
    return containerAction(this.docker(), id, 'stop', { timeoutS });
  }

  start(id: string): Promise<void> {
    return containerAction(this.docker(), id, 'start');
  }

  /** argv (+ env) for the terminal hand-off into a container's shell. */
  shell(id: string): ShellCommand {
    const r = this.resolve();
    if (!r.ok) return { ok: false, reason: r.reason };
    return shellCommand(r.target, id, { env: this.opts.env });
  }

  /** Stops every stream and watcher opened through this instance. */
  close(): void {
    this.closed = true;
    for (const h of [...this.open]) h.stop();
    this.open.clear();
  }

  private track<T extends StreamHandle>(h: T): T {
    if (this.closed) {
      h.stop();
      return h;
    }
    const stop = h.stop.bind(h);
    h.stop = () => {
      this.open.delete(h);
      stop();
    };
    this.open.add(h);
    return h;
  }

  private resolve(): { ok: true; target: EngineTarget; docker: Docker } | { ok: false; reason: string } {
    if (this.resolved) return this.resolved;
    const r = this.opts.target ? { ok: true as const, target: this.opts.target } : resolveEngine({ env: this.opts.env });
    if (!r.ok) {
      // Not cached: the engine may appear later (Docker Desktop starting).
      return r;
    }
    try {
      this.resolved = { ok: true, target: r.target, docker: dockerFor(r.target) };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
    return this.resolved;
  }

  private docker(): Docker {
    if (this.closed) throw new LocalEngineError('local engine client is closed');
    const r = this.resolve();
    if (!r.ok) throw new LocalEngineError(r.reason);
    return r.docker;
  }
}
