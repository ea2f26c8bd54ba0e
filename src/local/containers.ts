// Containers of the local engine: list (validated), watch (events-driven), logs (own demuxer),
// stats (stream), actions, and the argv for a shell hand-off.
//
// Every stream opened here has 'error', 'end' and 'close' handlers and is destroyed by the stop()
// function returned to the caller; stop() may be called at any time (even before the stream opened)
// and more than once.
import type { IncomingMessage } from 'node:http';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type Docker from 'dockerode';
import * as z from '../domain/zod.js';
import { LocalEngineError, describeEngineError, targetAddress, type EngineTarget } from './engine.js';
import { cleanLogText, cleanUpstream } from '../domain/text.js';
import { FrameDemuxer, JsonLines, LineSplitter, parseTimestamped, type StdStream } from './streams.js';
import { computeStats, type StatsSample } from './stats.js';

export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
export const COMPOSE_WORKDIR_LABEL = 'com.docker.compose.project.working_dir';

export type Health = 'healthy' | 'unhealthy' | 'starting' | 'none';

export interface PortBinding {
  privatePort: number;
  publicPort: number | null;
  ip: string | null;
  type: string;
}

export interface LocalContainer {
  id: string;
  shortId: string;
  name: string;
  image: string;
  /** Engine state: created, running, paused, restarting, removing, exited, dead. */
  state: string;
  /** The engine's human status ("Up 3 minutes", "Exited (0) 2 seconds ago"). */
  status: string;
  health: Health;
  /** Epoch ms. */
  createdAt: number | null;
  /** Epoch ms of the last start; null if never started. */
  startedAt: number | null;
  exitCode: number | null;
  ports: PortBinding[];
  labels: Record<string, string>;
  project: string | null;
  service: string | null;
  /** Compose working directory (label), where .divio/config.json is looked up. */
  workingDir: string | null;
  /** TTY containers' logs are not multiplexed. */
  tty: boolean;
}

/** Milliseconds the container has been up, or null when it is not running. */
export function uptimeMs(c: LocalContainer, now: number = Date.now()): number | null {
  if (c.state !== 'running') return null;
  const from = c.startedAt ?? c.createdAt;
  return from === null ? null : Math.max(0, now - from);
}

// ---------------------------------------------------------------- validation of engine answers

const ListEntry = z.looseObject({
  Id: z.string().min(1),
  Names: z.array(z.string()).nullish(),
  Image: z.string().nullish(),
  State: z.string().nullish(),
  Status: z.string().nullish(),
  Created: z.number().nullish(),
  Ports: z
    .array(
      z.looseObject({
        IP: z.string().nullish(),
        PrivatePort: z.number().nullish(),
        PublicPort: z.number().nullish(),
        Type: z.string().nullish(),
      }),
    )
    .nullish(),
  Labels: z.record(z.string(), z.string()).nullish(),
});
const ListResponse = z.array(ListEntry);

const InspectResponse = z.looseObject({
  Id: z.string(),
  Name: z.string().nullish(),
  Created: z.string().nullish(),
  State: z
    .looseObject({
      Status: z.string().nullish(),
      StartedAt: z.string().nullish(),
      FinishedAt: z.string().nullish(),
      ExitCode: z.number().nullish(),
      Health: z.looseObject({ Status: z.string().nullish() }).nullish(),
    })
    .nullish(),
  Config: z
    .looseObject({
      Tty: z.boolean().nullish(),
      Image: z.string().nullish(),
      Labels: z.record(z.string(), z.string()).nullish(),
    })
    .nullish(),
  NetworkSettings: z
    .looseObject({
      Ports: z
        .record(z.string(), z.array(z.looseObject({ HostIp: z.string().nullish(), HostPort: z.string().nullish() })).nullish())
        .nullish(),
    })
    .nullish(),
});
type Inspect = z.infer<typeof InspectResponse>;

/** Go's zero time ("0001-01-01T00:00:00Z") and garbage → null. */
function parseTime(s: string | null | undefined): number | null {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) && t > 0 ? t : null;
}

function healthOf(inspectStatus: string | null | undefined, listStatus: string): Health {
  const s = (inspectStatus ?? '').toLowerCase();
  if (s === 'healthy' || s === 'unhealthy' || s === 'starting') return s;
  const m = /\((healthy|unhealthy|health: starting)\)/i.exec(listStatus);
  if (m) return m[1].toLowerCase() === 'health: starting' ? 'starting' : (m[1].toLowerCase() as Health);
  return 'none';
}

function portsOf(entry: z.infer<typeof ListEntry>, ins: Inspect | null): PortBinding[] {
  const out: PortBinding[] = [];
  const seen = new Set<string>();
  const add = (p: PortBinding) => {
    const k = `${p.ip}|${p.publicPort}|${p.privatePort}|${p.type}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(p);
    }
  };
  for (const p of entry.Ports ?? []) {
    if (typeof p.PrivatePort !== 'number') continue;
    add({ privatePort: p.PrivatePort, publicPort: p.PublicPort ?? null, ip: p.IP || null, type: p.Type || 'tcp' });
  }
  if (out.length === 0 && ins?.NetworkSettings?.Ports) {
    for (const [key, binds] of Object.entries(ins.NetworkSettings.Ports)) {
      const [port, type = 'tcp'] = key.split('/');
      const privatePort = Number(port);
      if (!Number.isInteger(privatePort)) continue;
      if (!binds || binds.length === 0) add({ privatePort, publicPort: null, ip: null, type });
      for (const b of binds ?? []) {
        const pub = b.HostPort ? Number(b.HostPort) : NaN;
        add({ privatePort, publicPort: Number.isInteger(pub) ? pub : null, ip: b.HostIp || null, type });
      }
    }
  }
  return out.sort((a, b) => a.privatePort - b.privatePort || (a.publicPort ?? 0) - (b.publicPort ?? 0));
}

export function toLocalContainer(entry: z.infer<typeof ListEntry>, ins: Inspect | null): LocalContainer {
  const labels = { ...(entry.Labels ?? {}), ...(ins?.Config?.Labels ?? {}) };
  const rawName = entry.Names?.[0] ?? ins?.Name ?? entry.Id.slice(0, 12);
  const status = entry.Status ?? '';
  return {
    id: entry.Id,
    shortId: entry.Id.slice(0, 12),
    name: rawName.replace(/^\//, ''),
    image: entry.Image ?? ins?.Config?.Image ?? '',
    state: (ins?.State?.Status ?? entry.State ?? 'unknown').toLowerCase(),
    status,
    health: healthOf(ins?.State?.Health?.Status, status),
    createdAt: parseTime(ins?.Created) ?? (typeof entry.Created === 'number' ? entry.Created * 1000 : null),
    startedAt: parseTime(ins?.State?.StartedAt),
    exitCode: ins?.State?.ExitCode ?? null,
    ports: portsOf(entry, ins),
    labels,
    project: labels[COMPOSE_PROJECT_LABEL] || null,
    service: labels[COMPOSE_SERVICE_LABEL] || null,
    workingDir: labels[COMPOSE_WORKDIR_LABEL] || null,
    tty: ins?.Config?.Tty === true,
  };
}

async function inspectOne(docker: Docker, id: string): Promise<Inspect | null> {
  try {
    const raw = await docker.getContainer(id).inspect();
    const p = InspectResponse.safeParse(cleanUpstream(raw));
    return p.success ? p.data : null;
  } catch {
    // Removed between list and inspect, or the engine refused: keep the list's facts.
    return null;
  }
}

/** All containers (running or not), validated and enriched with inspect data. */
export async function listContainers(docker: Docker): Promise<LocalContainer[]> {
  let raw: unknown;
  try {
    raw = await docker.listContainers({ all: true });
  } catch (err) {
    throw new LocalEngineError(describeEngineError(err, 'listing containers'), { cause: err });
  }
  const p = ListResponse.safeParse(cleanUpstream(raw));
  if (!p.success) throw new LocalEngineError('listing containers: unexpected answer from the engine');
  const entries = p.data;
  const out: LocalContainer[] = [];
  const BATCH = 8;
  for (let i = 0; i < entries.length; i += BATCH) {
    const batch = entries.slice(i, i + BATCH);
    const ins = await Promise.all(batch.map((e) => inspectOne(docker, e.Id)));
    batch.forEach((e, j) => out.push(toLocalContainer(e, ins[j])));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// ---------------------------------------------------------------- managed streams

export interface StreamHandle {
  /** Idempotent; ends the HTTP stream and its socket. */
  stop(): void;
}

interface StreamSpec {
  path: string;
  query: Record<string, unknown>;
  what: string;
  /** The engine accepted the request (HTTP 200, headers received). */
  onOpen?: () => void;
}

function wrapError(err: unknown, what: string): LocalEngineError {
  if (err instanceof LocalEngineError) return err;
  const e = err as { statusCode?: number; json?: unknown; message?: string };
  if (typeof e?.statusCode === 'number') {
    let detail = '';
    const j = e.json as { message?: unknown; cause?: unknown } | string | null | undefined;
    if (j && typeof j === 'object' && typeof j.message === 'string') detail = j.message;
    else if (typeof j === 'string') detail = j.trim();
    else if (e.message) detail = e.message.replace(/^\(HTTP code \d+\)\s*(?:[a-z ]+ - )?/i, '').trim();
    return new LocalEngineError(`${what}: engine answered HTTP ${e.statusCode}${detail ? ` (${detail.slice(0, 200)})` : ''}`, {
      statusCode: e.statusCode,
      cause: err,
    });
  }
  return new LocalEngineError(describeEngineError(err, what), { cause: err });
}

/**
 * Opens a GET stream and feeds its chunks to onData; onEnd is called exactly once: with no error on
 * a clean end or on stop(), with a LocalEngineError when the request failed or the socket was cut.
 */
function openManagedStream(
  docker: Docker,
  spec: StreamSpec,
  onData: (chunk: Buffer) => void,
  onEnd: (err?: LocalEngineError) => void,
): StreamHandle {
  const ac = new AbortController();
  let stopped = false;
  let ended = false;
  let res: IncomingMessage | null = null;
  const finish = (err?: LocalEngineError) => {
    if (ended) return;
    ended = true;
    try {
      onEnd(stopped ? undefined : err);
    } catch {
      // a consumer's bug must not become an unhandled exception inside a socket callback
    }
  };
  const modem = (docker as unknown as { modem: { dial: (o: unknown, cb: (err: unknown, res: unknown) => void) => void } }).modem;
  try {
    modem.dial(
      {
        path: `${spec.path}?`,
        method: 'GET',
        options: spec.query,
        isStream: true,
        abortSignal: ac.signal,
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
      },
      (err, r) => {
        if (err) {
          finish(wrapError(err, spec.what));
          return;
        }
        const stream = r as IncomingMessage;
        // Handlers first, so nothing emitted after stop() is ever unhandled.
        stream.on('error', (e: Error) => finish(wrapError(e, spec.what)));
        stream.on('end', () => finish());
        stream.on('close', () => {
          finish(stream.complete ? undefined : new LocalEngineError(`${spec.what}: the engine closed the stream`));
        });
        if (stopped) {
          stream.destroy();
          return;
        }
        res = stream;
        spec.onOpen?.();
        stream.on('data', (chunk: Buffer) => {
          if (stopped) return;
          try {
            onData(chunk);
          } catch (e) {
            finish(new LocalEngineError(`${spec.what}: ${(e as Error).message}`));
            stopped = true;
            ac.abort();
            stream.destroy();
          }
        });
      },
    );
  } catch (err) {
    queueMicrotask(() => finish(wrapError(err, spec.what)));
  }
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      ac.abort();
      const r = res as IncomingMessage | null;
      if (r && !r.destroyed) r.destroy();
      finish();
    },
  };
}

// ---------------------------------------------------------------- logs

export interface ContainerLogLine {
  stream: StdStream;
  /** Epoch ms (from the engine's timestamp; receive time when absent). */
  ts: number;
  /** The engine's RFC3339Nano timestamp, when it sent one. */
  tsIso?: string;
  text: string;
}

export interface LogOptions {
  follow?: boolean;
  /** Last N lines (default: all). */
  tail?: number | 'all';
  /** Only lines after this instant (epoch ms). */
  since?: number;
  /** Ask the engine for timestamps (default true; needed to order and date lines). */
  timestamps?: boolean;
  /** Skip the inspect call when the caller knows whether the container has a TTY. */
  tty?: boolean;
}

/**
 * Streams a container's logs as lines. Non-TTY output is demultiplexed here (not with
 * docker-modem's demuxStream), TTY output is read raw. Lines are split on \n per stream with
 * partial-line carry; the last partial line is flushed at the end.
 */
export function containerLogs(
  docker: Docker,
  id: string,
  opts: LogOptions,
  onLine: (line: ContainerLogLine) => void,
  onEnd: (err?: LocalEngineError) => void,
): StreamHandle {
  const timestamps = opts.timestamps !== false;
  let inner: StreamHandle | null = null;
  let stopped = false;
  let ended = false;
  const end = (err?: LocalEngineError) => {
    if (ended) return;
    ended = true;
    onEnd(err);
  };

  const start = (tty: boolean) => {
    if (stopped) return;
    const demux = tty ? null : new FrameDemuxer();
    const splitters: Record<StdStream, LineSplitter> = { stdout: new LineSplitter(), stderr: new LineSplitter() };
    const emit = (stream: StdStream, lines: string[]) => {
      for (const l of lines) {
        const now = Date.now();
        const p = timestamps ? parseTimestamped(l) : null;
        onLine(p ? { stream, ts: p.ts, tsIso: p.tsIso, text: cleanLogText(p.text) } : { stream, ts: now, text: cleanLogText(l) });
      }
    };
    const query: Record<string, unknown> = {
      stdout: true,
      stderr: true,
      follow: opts.follow === true,
      timestamps,
      tail: opts.tail === undefined || opts.tail === 'all' ? 'all' : String(Math.max(0, Math.floor(opts.tail))),
    };
    if (opts.since !== undefined) query.since = (opts.since / 1000).toFixed(3);
    inner = openManagedStream(
      docker,
      { path: `/containers/${encodeURIComponent(id)}/logs`, query, what: `logs of ${id.slice(0, 12)}` },
      (chunk) => {
        if (!demux) {
          emit('stdout', splitters.stdout.push(chunk));
          return;
        }
        for (const f of demux.push(chunk)) emit(f.stream, splitters[f.stream].push(f.data));
      },
      (err) => {
        if (!stopped) {
          emit('stdout', splitters.stdout.flush());
          emit('stderr', splitters.stderr.flush());
          if (!err && demux && demux.buffered > 0) {
            err = new LocalEngineError(`logs of ${id.slice(0, 12)}: stream ended inside a frame (${demux.buffered} bytes lost)`);
          }
        }
        end(err);
      },
    );
  };

  if (opts.tty !== undefined) start(opts.tty);
  else {
    docker
      .getContainer(id)
      .inspect()
      .then(
        (raw) => {
          const p = InspectResponse.safeParse(cleanUpstream(raw));
          start(p.success ? p.data.Config?.Tty === true : false);
        },
        (err) => {
          if (!stopped) end(wrapError(err, `logs of ${id.slice(0, 12)}`));
        },
      );
  }
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      if (inner) inner.stop();
      end();
    },
  };
}

// ---------------------------------------------------------------- stats

export interface StatsHandlers {
  onEnd?: (err?: LocalEngineError) => void;
  /** A sample that was not valid stats JSON (the stream continues). */
  onBadSample?: (err: Error) => void;
}

/** Follows the stats stream of one container (one sample per second on Docker, ~5 s on Podman 4). */
export function statsStream(
  docker: Docker,
  id: string,
  onSample: (s: StatsSample) => void,
  handlers: StatsHandlers = {},
): StreamHandle {
  const jl = new JsonLines();
  const handle = (objs: unknown[]) => {
    for (const o of objs) {
      if (o instanceof Error) {
        handlers.onBadSample?.(o);
        continue;
      }
      let s: StatsSample;
      try {
        s = computeStats(o);
      } catch (e) {
        handlers.onBadSample?.(e as Error);
        continue;
      }
      onSample(s);
    }
  };
  return openManagedStream(
    docker,
    { path: `/containers/${encodeURIComponent(id)}/stats`, query: { stream: true }, what: `stats of ${id.slice(0, 12)}` },
    (chunk) => handle(jl.push(chunk)),
    (err) => {
      if (!err) handle(jl.flush());
      handlers.onEnd?.(err);
    },
  );
}

// ---------------------------------------------------------------- watch (events-driven)

export interface WatchOptions {
  /** Coalesce bursts of events into one refresh (default 50 ms). */
  debounceMs?: number;
  onError?: (err: LocalEngineError) => void;
  /** 'live' once the events stream is open, 'reconnecting' while it is being reopened. */
  onStatus?: (status: 'live' | 'reconnecting') => void;
  /** Backoff bounds for reopening the events stream (default 250 ms … 10 s). */
  backoffMs?: { min: number; max: number };
}

export interface Watcher extends StreamHandle {
  /** Forces a refresh now (resolves when the list was delivered). */
  refresh(): Promise<void>;
}

/**
 * Keeps a container list current from the engine's events stream (no polling): an initial list,
 * then one refresh per burst of container events. The events stream is reopened with backoff when
 * it fails, and a refresh follows each reopening (events may have been missed meanwhile).
 */
export function watchContainers(
  docker: Docker,
  onChange: (containers: LocalContainer[]) => void,
  opts: WatchOptions = {},
): Watcher {
  const debounceMs = opts.debounceMs ?? 50;
  const minB = opts.backoffMs?.min ?? 250;
  const maxB = opts.backoffMs?.max ?? 10_000;
  let stopped = false;
  let events: StreamHandle | null = null;
  let debounce: NodeJS.Timeout | null = null;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let backoff = minB;
  let running: Promise<void> | null = null;
  let dirty = false;
  let last = '';

  const doRefresh = async (): Promise<void> => {
    do {
      dirty = false;
      try {
        const list = await listContainers(docker);
        if (stopped) return;
        const key = JSON.stringify(list);
        if (key !== last) {
          last = key;
          onChange(list);
        }
      } catch (err) {
        if (!stopped) opts.onError?.(err instanceof LocalEngineError ? err : wrapError(err, 'listing containers'));
      }
    } while (dirty && !stopped);
  };
  const refresh = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      dirty = true;
      return running;
    }
    running = doRefresh().finally(() => {
      running = null;
    });
    return running;
  };
  const schedule = () => {
    if (stopped || debounce) return;
    debounce = setTimeout(() => {
      debounce = null;
      void refresh();
    }, debounceMs);
  };
  const connect = () => {
    if (stopped) return;
    events = openManagedStream(
      docker,
      {
        path: '/events',
        query: { filters: { type: ['container'] } },
        what: 'engine events',
        onOpen: () => {
          backoff = minB;
          opts.onStatus?.('live');
        },
      },
      () => schedule(),
      (err) => {
        events = null;
        if (stopped) return;
        if (err) opts.onError?.(err);
        opts.onStatus?.('reconnecting');
        reconnectTimer = setTimeout(() => {
          reconnectTimer = null;
          connect();
          void refresh();
        }, backoff);
        backoff = Math.min(maxB, backoff * 2);
      },
    );
  };

  connect();
  void refresh();

  return {
    refresh,
    stop() {
      if (stopped) return;
      stopped = true;
      if (debounce) clearTimeout(debounce);
      if (reconnectTimer) clearTimeout(reconnectTimer);
      events?.stop();
      events = null;
    },
  };
}

// ---------------------------------------------------------------- actions

export type ContainerAction = 'start' | 'stop' | 'restart';

/** start/stop/restart; "already started/stopped" (HTTP 304) counts as success. */
export async function containerAction(docker: Docker, id: string, action: ContainerAction, opts: { timeoutS?: number } = {}): Promise<void> {
  const c = docker.getContainer(id);
  const t = opts.timeoutS ?? 10;
  try {
    if (action === 'start') await c.start();
    else if (action === 'stop') await c.stop({ t });
    else await c.restart({ t });
  } catch (err) {
    const e = err as { statusCode?: number };
    if (e?.statusCode === 304) return;
    if (e?.statusCode === 404) throw new LocalEngineError(`${action} ${id.slice(0, 12)}: no such container`, { statusCode: 404, cause: err });
    throw wrapError(err, `${action} ${id.slice(0, 12)}`);
  }
}

// ---------------------------------------------------------------- shell hand-off

export type ShellCommand = { ok: true; argv: string[]; env: Record<string, string> } | { ok: false; reason: string };

function onPath(bin: string, envPath: string | undefined): boolean {
  for (const dir of (envPath ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/** The shell run inside the container: bash when the image has it, else sh. */
export const IN_CONTAINER_SHELL = ['sh', '-c', 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi'];

/**
 * The argv to hand the terminal to (same hand-off as SSH: unmount Ink, spawn with inherited stdio):
 * `docker exec -it <id> sh…` with DOCKER_HOST set to the engine we talk to, or, when there is no
 * docker CLI but podman is installed, `podman --remote --url <address> exec -it <id> sh…`.
 */
export function shellCommand(
  target: EngineTarget,
  id: string,
  opts: { env?: NodeJS.ProcessEnv; has?: (bin: string) => boolean } = {},
): ShellCommand {
  const env = opts.env ?? process.env;
  const has = opts.has ?? ((b: string) => onPath(b, env.PATH));
  const address = targetAddress(target).replace(/^https:/, 'tcp:');
  if (has('docker')) {
    return { ok: true, argv: ['docker', 'exec', '-it', id, ...IN_CONTAINER_SHELL], env: { DOCKER_HOST: address } };
  }
  if (has('podman')) {
    return { ok: true, argv: ['podman', '--remote', '--url', address, 'exec', '-it', id, ...IN_CONTAINER_SHELL], env: {} };
  }
  return { ok: false, reason: 'no docker or podman CLI on PATH to open a shell in the container' };
}
