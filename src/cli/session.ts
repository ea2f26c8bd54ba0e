// Opens a session with a gateway: attach to a shared one (--gateway), or start one in-process on a
// random loopback port with a random token, upstream as resolveUpstream (./upstream.ts) decides.
// One code path for one user and for a team (DESIGN.md §2).
import { isLoopbackHost } from '../gateway/auth.js';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayClient } from '../client/index.js';
import type { SandboxOptions } from '../sandbox/index.js';
import type { SandboxProcess } from '../sandbox/child.js';
import { trace } from '../terminal/trace.js';
import { stateDir } from '../statefile/index.js';
import { resolveUpstream, upstreamLabel, type UpstreamChoice } from './upstream.js';
import { looksLikeZoneName } from './zones.js';

export interface SessionOptions {
  gateway?: string;
  token?: string;
  sandbox?: boolean;
  zone?: string;
  seed?: number;
  /** Sandbox scenario (`hostile`: src/sandbox/hostile.ts). */
  scenario?: 'default' | 'hostile';
  speed?: number;
  logRate?: number;
  ephemeral?: boolean;
  dataDir?: string;
  faults?: string;
  /** The config file's `cloudflare` section (token, plan, zones). */
  cloudflare?: unknown;
  /** The sandbox in a child process, started ahead by prestartSandbox (the console). */
  sandboxProcess?: () => Promise<SandboxProcess>;
  clientName: string;
  env?: NodeJS.ProcessEnv;
  /** false: do not ask the zone whose token it is before the first poll (the one-shot commands). */
  whoami?: boolean;
  /** `--read-only`: every action refused (by the in-process gateway, or by the client for a shared one). */
  readOnly?: boolean;
  /** This upstream instead of the one the flags resolve to (a zone switched to inside the console). */
  upstream?: UpstreamChoice;
  /** Topics an in-process gateway reads at once, before the client asks (the console: its fleet). */
  prefetch?: import('./serve.js').InProcessOptions['prefetch'];
}

export interface Session {
  client: GatewayClient;
  /** What the header shows before the welcome arrives. */
  label: string;
  /** Lines about state files found unusable and moved aside (the gateway's and its sandbox's). */
  notices(): string[];
  close(): Promise<void>;
  /**
   * Close the client only (the console switched to another zone): an in-process gateway keeps
   * running, with its jobs; a shared gateway is not touched.
   */
  detach(): Promise<void>;
  /** Connect a new client to the same gateway (the console switched back); it becomes `client`. */
  reattach(): GatewayClient;
  /** Said once to the user: the token travels unencrypted (ws:// to a host that is not this machine). */
  warning?: string;
}

/** The warning for sending a gateway token over plain ws:// to a non-loopback host, or null. */
export function plainTextTokenWarning(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'ws:' || isLoopbackHost(u.hostname)) return null;
  return `warning: the gateway token is sent unencrypted to ${u.host} (ws://): anyone on the path can read it; use wss:// (a TLS proxy in front of the gateway) or an SSH tunnel to 127.0.0.1`;
}

export async function openSession(o: SessionOptions): Promise<Session> {
  const env = o.env ?? process.env;
  const upstream = o.upstream ?? upstreamOf(o);
  // both at once: the files of one are read while the other compiles
  const serving = upstream.kind === 'gateway' ? null : import('./serve.js');
  serving?.catch(() => {}); // awaited below; a failure is reported there
  const { GatewayClient } = await import('../client/index.js');
  if (upstream.kind === 'gateway') {
    const open = (): GatewayClient => {
      const c = new GatewayClient({ url: upstream.url, token: upstream.token, clientName: o.clientName, readOnly: o.readOnly });
      c.connect();
      return c;
    };
    const session: Session = {
      client: open(),
      label: upstreamLabel(upstream),
      notices: () => [],
      close: () => session.client.close(),
      detach: () => session.client.close(),
      reattach: () => (session.client = open()),
      warning: plainTextTokenWarning(upstream.url) ?? undefined,
    };
    return session;
  }

  trace('session: importing the gateway');
  const { startInProcessGateway } = await (serving ?? import('./serve.js'));
  trace('session: gateway imported');
  const base = o.dataDir ?? stateDir(env);
  // Jobs and audit of the sandbox and of a real zone never mix.
  const gwDir = o.ephemeral
    ? mkdtempSync(join(tmpdir(), 'divio-tui-gw-'))
    : join(base, upstream.kind === 'divio' ? `gateway-${upstream.zone.replace(/[^a-z0-9.-]+/gi, '_')}` : 'gateway-sandbox');
  mkdirSync(gwDir, { recursive: true, mode: 0o700 });
  const h = await startInProcessGateway({
    upstream,
    env,
    dataDir: gwDir,
    // The first fleet snapshot comes first; the scan for in-flight work follows a moment later.
    rediscoverDelayMs: 1500,
    cloudflare: cloudflareConfig(o.cloudflare, env),
    sandboxOptions: sandboxOptionsFor(o, env),
    sandboxProcess: o.sandboxProcess,
    prefetch: o.prefetch,
    whoami: o.whoami,
    readOnly: o.readOnly,
  });
  trace('session: sandbox + gateway started');
  const open = (): GatewayClient => {
    const c = new GatewayClient({ url: h.gateway.url, token: h.token, clientName: o.clientName });
    c.connect();
    return c;
  };
  const session: Session = {
    client: open(),
    label: upstreamLabel(upstream),
    notices: () => h.gateway.notices(),
    async close() {
      await session.client.close().catch(() => {});
      await h.close().catch(() => {});
    },
    detach: () => session.client.close().catch(() => {}),
    reattach: () => (session.client = open()),
  };
  return session;
}

function sandboxOptionsFor(o: SessionOptions, env: NodeJS.ProcessEnv): SandboxOptions {
  return {
    ephemeral: o.ephemeral,
    seed: o.seed,
    speed: o.speed,
    logRate: o.logRate,
    faults: o.faults,
    ...(o.scenario ? { scenario: o.scenario } : {}),
    dataDir: o.ephemeral ? undefined : join(o.dataDir ?? stateDir(env), 'sandbox'),
    ssh: true,
    sshInBackground: true,
    // the console's own sandbox: with the sandbox-only extensions (charts, content version, …)
    extensions: true,
  };
}

/**
 * The console's head start: when the session will use the sandbox, fork it now (a child process,
 * src/sandbox/child.ts) so that it starts on the other core while the console draws its first frame
 * and loads the gateway. `dispose` stops it if the session never took it.
 */
export async function prestartSandbox(o: SessionOptions): Promise<{ get: () => Promise<SandboxProcess>; dispose: () => void } | null> {
  const env = o.env ?? process.env;
  // a configured zone's name (no dot: not a domain) is resolved with the config file, later
  if (!o.sandbox && !o.gateway && looksLikeZoneName(o.zone ?? env.DIVIO_ZONE)) return null;
  if (upstreamOf(o).kind !== 'sandbox') return null;
  const { launchSandboxProcess } = await import('../sandbox/child.js');
  trace('sandbox: starting its process');
  // its address is known at once: the gateway starts and asks before the sandbox is ready
  const p = launchSandboxProcess(sandboxOptionsFor(o, env));
  p.then((c) => c.ready).then(() => trace('sandbox: ready'), () => {}); // a failure is reported by whoever takes it
  let taken = false;
  return {
    get: () => {
      taken = true;
      return p;
    },
    dispose: () => {
      if (!taken) void p.then((c) => c.close(), () => {});
    },
  };
}

/** A customer-owned Cloudflare zone: token from CLOUDFLARE_API_TOKEN or the config file; never printed. */
function cloudflareConfig(section: unknown, env: NodeJS.ProcessEnv) {
  const cfg = (section && typeof section === 'object' ? section : {}) as { token?: unknown; plan?: unknown; zones?: unknown };
  const token = env.CLOUDFLARE_API_TOKEN || (typeof cfg.token === 'string' ? cfg.token : '');
  if (!token) return undefined;
  const plans = ['free', 'pro', 'business', 'enterprise'] as const;
  const plan = plans.find((p) => p === cfg.plan);
  const zones =
    cfg.zones && typeof cfg.zones === 'object'
      ? Object.fromEntries(Object.entries(cfg.zones as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>
      : undefined;
  return { token, plan, zones };
}

/** Direct upstream access for read-only twins that need API features a topic does not carry (log history). */
export async function openUpstream(o: SessionOptions) {
  const env = o.env ?? process.env;
  // Not through a gateway (the caller refuses --gateway): the API itself.
  const upstream = o.upstream && o.upstream.kind !== 'gateway' ? o.upstream : upstreamOf({ ...o, gateway: undefined });
  const { DivioClient } = await import('../divio/client.js');
  if (upstream.kind === 'divio') {
    const divio = new DivioClient({ baseUrl: upstream.baseUrl, token: upstream.token });
    return { divio, label: upstreamLabel(upstream), close: () => divio.close() };
  }
  const { startSandbox } = await import('../sandbox/index.js');
  const sb = await startSandbox({
    ephemeral: o.ephemeral,
    ...(o.scenario ? { scenario: o.scenario } : {}),
    seed: o.seed,
    speed: o.speed,
    logRate: o.logRate,
    dataDir: o.ephemeral ? undefined : join(o.dataDir ?? stateDir(env), 'sandbox'),
    ssh: false,
    extensions: true,
  });
  const divio = new DivioClient({ baseUrl: sb.divioUrl, token: sb.token });
  return {
    divio,
    label: upstreamLabel(upstream),
    async close() {
      await divio.close().catch(() => {});
      await sb.close();
    },
  };
}

function upstreamOf(o: SessionOptions): UpstreamChoice {
  return resolveUpstream({ gateway: o.gateway, gatewayToken: o.token, sandbox: o.sandbox, zone: o.zone, env: o.env });
}
