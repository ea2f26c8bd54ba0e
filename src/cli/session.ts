// Opens a session with a gateway: attach to a shared one (--gateway), or start one in-process on a
// random loopback port with a random token, upstream = Divio when a token is found, else the sandbox.
// One code path for one user and for a team (DESIGN.md §2).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatewayClient } from '../client/index.js';
import { UsageError } from './args.js';
import { stateDir } from './paths.js';

export interface SessionOptions {
  gateway?: string;
  token?: string;
  sandbox?: boolean;
  zone?: string;
  seed?: number;
  speed?: number;
  logRate?: number;
  ephemeral?: boolean;
  dataDir?: string;
  faults?: string;
  clientName: string;
  env?: NodeJS.ProcessEnv;
}

export interface Session {
  client: GatewayClient;
  /** What the header shows before the welcome arrives. */
  label: string;
  close(): Promise<void>;
}

export async function openSession(o: SessionOptions): Promise<Session> {
  const env = o.env ?? process.env;
  const { GatewayClient } = await import('../client/index.js');
  if (o.gateway) {
    const token = o.token ?? env.DIVIO_TUI_TOKEN;
    if (!token) throw new UsageError('--gateway needs a token: pass --token or set DIVIO_TUI_TOKEN');
    if (!/^wss?:\/\//.test(o.gateway)) throw new UsageError(`--gateway must be a ws:// or wss:// URL, got "${o.gateway}"`);
    const client = new GatewayClient({ url: o.gateway, token, clientName: o.clientName });
    client.connect();
    return { client, label: o.gateway, close: () => client.close() };
  }

  const [{ startGateway }, { createUpstream }] = await Promise.all([
    import('../gateway/index.js'),
    import('../gateway/upstream.js'),
  ]);
  const base = o.dataDir ?? stateDir(env);
  let upstream;
  let sandbox: { close(): Promise<void> } | null = null;
  let divioToken: string | null = null;
  let zone = o.zone ?? env.DIVIO_ZONE;
  if (!o.sandbox) {
    const { findToken } = await import('../divio/auth.js');
    divioToken = findToken({ env, zone })?.token ?? null;
  }
  if (divioToken) {
    upstream = await createUpstream({ zone, token: divioToken });
  } else {
    const { startSandbox } = await import('../sandbox/index.js');
    const sb = await startSandbox({
      ephemeral: o.ephemeral,
      seed: o.seed,
      speed: o.speed,
      logRate: o.logRate,
      faults: o.faults,
      dataDir: o.ephemeral ? undefined : join(base, 'sandbox'),
      ssh: true,
    });
    sandbox = sb;
    upstream = await createUpstream({ sandbox: sb });
    zone = 'SANDBOX';
  }
  const gwDir = o.ephemeral
    ? mkdtempSync(join(tmpdir(), 'divio-tui-gw-'))
    : join(base, divioToken ? `gateway-${zone ?? 'divio.com'}` : 'gateway-sandbox');
  mkdirSync(gwDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(24).toString('hex');
  const gateway = await startGateway({
    host: '127.0.0.1',
    port: 0,
    tokens: [{ token, role: 'operator', name: env.USER ? `local:${env.USER}` : 'local' }],
    upstream,
    dataDir: gwDir,
  });
  const client = new GatewayClient({ url: gateway.url, token, clientName: o.clientName });
  client.connect();
  return {
    client,
    label: divioToken ? (zone ?? 'divio.com') : 'SANDBOX',
    async close() {
      await client.close().catch(() => {});
      await gateway.close().catch(() => {});
      await upstream.close().catch(() => {});
      if (sandbox) await sandbox.close().catch(() => {});
    },
  };
}

/** Direct upstream access for read-only twins that need API features a topic does not carry (log history). */
export async function openUpstream(o: SessionOptions) {
  const env = o.env ?? process.env;
  let token: string | null = null;
  const zone = o.zone ?? env.DIVIO_ZONE;
  if (!o.sandbox) {
    const { findToken } = await import('../divio/auth.js');
    token = findToken({ env, zone })?.token ?? null;
  }
  const { DivioClient } = await import('../divio/client.js');
  const { resolveZone } = await import('../divio/auth.js');
  if (token) {
    const divio = new DivioClient({ baseUrl: resolveZone(zone).baseUrl, token });
    return { divio, label: resolveZone(zone).zone, close: () => divio.close() };
  }
  const { startSandbox } = await import('../sandbox/index.js');
  const sb = await startSandbox({
    ephemeral: o.ephemeral,
    seed: o.seed,
    speed: o.speed,
    logRate: o.logRate,
    dataDir: o.ephemeral ? undefined : join(o.dataDir ?? stateDir(env), 'sandbox'),
    ssh: false,
  });
  const divio = new DivioClient({ baseUrl: sb.divioUrl, token: sb.token });
  return {
    divio,
    label: 'SANDBOX',
    async close() {
      await divio.close().catch(() => {});
      await sb.close();
    },
  };
}
