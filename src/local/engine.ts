// Finding the Docker engine the way the docker CLI does, and probing it.
//
// Order: DOCKER_HOST (unix://, tcp://, http(s)://; when set it is the only candidate, as with the
// docker CLI), else /var/run/docker.sock, else ~/.docker/run/docker.sock (Docker Desktop), else
// Podman's sockets: $XDG_RUNTIME_DIR/podman/podman.sock, /run/podman/podman.sock.
// Nothing here throws: every failure is a `{ ok: false, reason }` with one line a person can act on.
import { readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import * as z from '../domain/zod.js';
import { cleanUpstream } from '../domain/text.js';

export class LocalEngineError extends Error {
  readonly statusCode: number | null;
  constructor(message: string, opts: { statusCode?: number | null; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LocalEngineError';
    this.statusCode = opts.statusCode ?? null;
  }
}

export type EngineSource = 'DOCKER_HOST' | 'default' | 'docker-desktop' | 'podman-user' | 'podman-root' | 'explicit';

export type EngineTarget =
  | { kind: 'unix'; socketPath: string; source: EngineSource }
  | {
      kind: 'tcp';
      host: string;
      port: number;
      protocol: 'http' | 'https';
      source: EngineSource;
      /** Directory with ca.pem/cert.pem/key.pem (DOCKER_CERT_PATH) for https. */
      certPath?: string;
    };

export type ResolveResult = { ok: true; target: EngineTarget } | { ok: false; reason: string };

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Injected for tests: does a unix socket exist at this path? */
  socketExists?: (path: string) => boolean;
  home?: string;
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** DOCKER_HOST as it may be shown: credentials in the address (tcp://user:secret@h) are masked. */
export function redactHost(v: string): string {
  return v.replace(/^([a-z]+:\/\/)[^/@\s]*@/i, '$1***@');
}

/** `unix:///run/x.sock`, `tcp://h:2375`, `http://h:2375`, `https://h:2376`, bare `h:2375`. */
export function parseDockerHost(value: string, env: NodeJS.ProcessEnv = {}): ResolveResult {
  const v = value.trim();
  const shown = redactHost(v);
  if (v.startsWith('unix://')) {
    const socketPath = v.slice('unix://'.length);
    if (!socketPath.startsWith('/')) return { ok: false, reason: `DOCKER_HOST=${shown}: expected unix:///absolute/path` };
    return { ok: true, target: { kind: 'unix', socketPath, source: 'DOCKER_HOST' } };
  }
  if (v.startsWith('npipe://')) return { ok: false, reason: `DOCKER_HOST=${shown}: named pipes are Windows-only` };
  if (v.startsWith('ssh://')) {
    return { ok: false, reason: `DOCKER_HOST=ssh://…: ssh engines are not supported; forward the socket (ssh -L) and use unix:// or tcp://` };
  }
  const withScheme = /^[a-z]+:\/\//i.test(v) ? v : `tcp://${v}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { ok: false, reason: `DOCKER_HOST=${shown}: not a valid address (expected unix:///path or tcp://host:port)` };
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!['tcp', 'http', 'https'].includes(scheme)) {
    return { ok: false, reason: `DOCKER_HOST=${shown}: unsupported scheme ${scheme}:// (expected unix:// or tcp://)` };
  }
  if (!url.hostname) return { ok: false, reason: `DOCKER_HOST=${shown}: missing host` };
  const tls = scheme === 'https' || env.DOCKER_TLS_VERIFY === '1' || (scheme === 'tcp' && url.port === '2376');
  const port = url.port ? Number(url.port) : tls ? 2376 : 2375;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const target: EngineTarget = { kind: 'tcp', host, port, protocol: tls ? 'https' : 'http', source: 'DOCKER_HOST' };
  if (tls && env.DOCKER_CERT_PATH) target.certPath = env.DOCKER_CERT_PATH;
  return { ok: true, target };
}

/** The candidates in the order they are tried when DOCKER_HOST is unset. */
export function defaultSockets(env: NodeJS.ProcessEnv, home: string): Array<{ path: string; source: EngineSource }> {
  const list: Array<{ path: string; source: EngineSource }> = [
    { path: '/var/run/docker.sock', source: 'default' },
    { path: join(home, '.docker', 'run', 'docker.sock'), source: 'docker-desktop' },
  ];
  if (env.XDG_RUNTIME_DIR) list.push({ path: join(env.XDG_RUNTIME_DIR, 'podman', 'podman.sock'), source: 'podman-user' });
  list.push({ path: '/run/podman/podman.sock', source: 'podman-root' });
  return list;
}

export function resolveEngine(opts: ResolveOptions = {}): ResolveResult {
  const env = opts.env ?? process.env;
  const exists = opts.socketExists ?? isSocket;
  const dh = env.DOCKER_HOST?.trim();
  if (dh) {
    const parsed = parseDockerHost(dh, env);
    if (!parsed.ok) return parsed;
    if (parsed.target.kind === 'unix' && !exists(parsed.target.socketPath)) {
      return { ok: false, reason: `no Docker engine: DOCKER_HOST=${dh} but ${parsed.target.socketPath} is not a socket` };
    }
    return parsed;
  }
  for (const c of defaultSockets(env, opts.home ?? safeHome())) {
    if (exists(c.path)) return { ok: true, target: { kind: 'unix', socketPath: c.path, source: c.source } };
  }
  return { ok: false, reason: 'no Docker engine: DOCKER_HOST unset and /var/run/docker.sock missing' };
}

function safeHome(): string {
  try {
    return homedir();
  } catch {
    return '/nonexistent';
  }
}

/** Human address of a target: `unix:///var/run/docker.sock`, `tcp://h:2375`. */
export function targetAddress(t: EngineTarget): string {
  return t.kind === 'unix' ? `unix://${t.socketPath}` : `${t.protocol === 'https' ? 'https' : 'tcp'}://${t.host}:${t.port}`;
}

/**
 * A dockerode client for exactly this target. Every connection field is given explicitly because
 * docker-modem merges its own DOCKER_HOST defaults under ours (an explicit socket must win over an
 * env tcp host). Its agent keeps no idle connections (nothing lingers after a one-shot command).
 * `timeout` is an idle-socket timeout: use it only for a client that opens no streams.
 */
export function dockerFor(target: EngineTarget, opts: { timeoutMs?: number } = {}): Docker {
  if (target.kind === 'unix') {
    return new Docker({
      socketPath: target.socketPath,
      host: undefined,
      port: undefined,
      protocol: 'http',
      ca: undefined,
      cert: undefined,
      key: undefined,
      timeout: opts.timeoutMs,
      agent: new http.Agent({ keepAlive: false }),
    } as Docker.DockerOptions & { agent?: http.Agent });
  }
  // `agent` is honoured by docker-modem but missing from @types/dockerode.
  const o: Docker.DockerOptions & { agent?: http.Agent } = {
    socketPath: undefined,
    host: target.host,
    port: target.port,
    protocol: target.protocol,
    timeout: opts.timeoutMs,
    agent: target.protocol === 'https' ? new https.Agent({ keepAlive: false }) : new http.Agent({ keepAlive: false }),
  };
  if (target.protocol === 'https' && target.certPath) {
    try {
      o.ca = readFileSync(join(target.certPath, 'ca.pem'));
      o.cert = readFileSync(join(target.certPath, 'cert.pem'));
      o.key = readFileSync(join(target.certPath, 'key.pem'));
    } catch (err) {
      throw new LocalEngineError(`DOCKER_CERT_PATH=${target.certPath}: cannot read ca.pem/cert.pem/key.pem (${(err as Error).message})`);
    }
  }
  return new Docker(o);
}

const VersionResponse = z.looseObject({
  Version: z.string().optional(),
  ApiVersion: z.string().optional(),
  Components: z.array(z.looseObject({ Name: z.string() })).nullish(),
});

export type ProbeResult =
  | { ok: true; version: string; apiVersion: string; product: 'docker' | 'podman'; socket: string; target: EngineTarget }
  | { ok: false; reason: string };

/** One line describing a low-level failure (ENOENT, EACCES, ECONNREFUSED, timeouts, HTTP codes). */
export function describeEngineError(err: unknown, where: string): string {
  const e = err as NodeJS.ErrnoException & { statusCode?: number };
  if (e?.code === 'EACCES') return `${where}: permission denied (is your user in the docker group?)`;
  if (e?.code === 'ENOENT') return `${where}: socket not found`;
  if (e?.code === 'ECONNREFUSED') return `${where}: connection refused (engine not running?)`;
  if (e?.code === 'ECONNRESET') return `${where}: connection reset by the engine`;
  if (typeof e?.statusCode === 'number') return `${where}: engine answered HTTP ${e.statusCode}`;
  const msg = e instanceof Error ? e.message : String(err);
  return `${where}: ${msg.split('\n')[0]}`;
}

interface PingAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** GET /_ping with a hard deadline; the Server header names the product and version. */
function ping(target: EngineTarget, timeoutMs: number): Promise<PingAnswer> {
  return new Promise((resolvePing, reject) => {
    const opts: https.RequestOptions = { method: 'GET', path: '/_ping', timeout: timeoutMs, agent: false };
    let mod: typeof http | typeof https = http;
    if (target.kind === 'unix') opts.socketPath = target.socketPath;
    else {
      opts.host = target.host;
      opts.port = target.port;
      if (target.protocol === 'https') {
        mod = https;
        if (target.certPath) {
          opts.ca = readFileSync(join(target.certPath, 'ca.pem'));
          opts.cert = readFileSync(join(target.certPath, 'cert.pem'));
          opts.key = readFileSync(join(target.certPath, 'key.pem'));
        }
      }
    }
    const req = mod.request(opts, (res) => {
      res.on('error', reject);
      res.resume();
      res.on('end', () => resolvePing({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Resolve and ping the engine (GET /_ping: fast on Docker and Podman, whose /version can take
 * seconds). Falls back to /version when the Server header does not name the product. Never throws.
 */
export async function probeEngine(opts: ResolveOptions & { target?: EngineTarget; timeoutMs?: number } = {}): Promise<ProbeResult> {
  let target: EngineTarget;
  if (opts.target) target = opts.target;
  else {
    const r = resolveEngine(opts);
    if (!r.ok) return r;
    target = r.target;
  }
  const where = targetAddress(target);
  let answer: PingAnswer;
  try {
    answer = await ping(target, opts.timeoutMs ?? 3000);
  } catch (err) {
    return { ok: false, reason: `no Docker engine: ${describeEngineError(err, where)}` };
  }
  if (answer.status !== 200) return { ok: false, reason: `no Docker engine: ${where}: engine answered HTTP ${answer.status} on /_ping` };
  const header = (name: string) => {
    const v = answer.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const server = /^(Docker|Libpod)\/(\S+)/i.exec(header('server') ?? '');
  let version = server?.[2];
  let apiVersion = header('api-version');
  let product: 'docker' | 'podman' = server?.[1].toLowerCase() === 'libpod' || header('libpod-api-version') ? 'podman' : 'docker';
  if (!version || !apiVersion) {
    try {
      const v = VersionResponse.safeParse(cleanUpstream(await dockerFor(target, { timeoutMs: 10_000 }).version()));
      if (v.success) {
        version ??= v.data.Version;
        apiVersion ??= v.data.ApiVersion;
        if ((v.data.Components ?? []).some((c) => /podman/i.test(c.Name))) product = 'podman';
      }
    } catch {
      // The engine answered /_ping: it is there, only its version is unknown.
    }
  }
  return { ok: true, version: version ?? 'unknown', apiVersion: apiVersion ?? 'unknown', product, socket: where, target };
}
