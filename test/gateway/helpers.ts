// Shared set-up for the gateway tests: a real sandbox, a real gateway, real WebSocket clients.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { startGateway, createUpstream, type Gateway, type GatewayOptions, type Upstream } from '../../src/gateway/index.js';
import { GatewayClient } from '../../src/client/index.js';

export const OPERATOR = 'operator-token-0123456789abcdef';
export const VIEWER = 'viewer-token-0123456789abcdef';

export interface Rig {
  sandbox: Sandbox;
  upstream: Upstream;
  gateway: Gateway;
  dataDir: string;
  clients: GatewayClient[];
  client(token?: string): GatewayClient;
  restartGateway(extra?: Partial<GatewayOptions>): Promise<Gateway>;
  close(): Promise<void>;
}

export async function startRig(opts: { sandbox?: Parameters<typeof startSandbox>[0]; gateway?: Partial<GatewayOptions> } = {}): Promise<Rig> {
  const sandbox = await startSandbox({ seed: 7, ephemeral: true, ssh: false, speed: 20, logRate: 0, extensions: true, ...opts.sandbox });
  const upstream = await createUpstream({ sandbox });
  const dataDir = mkdtempSync(join(tmpdir(), 'divio-tui-gw-'));
  const gwOpts = (): GatewayOptions => ({
    tokens: [
      { token: OPERATOR, role: 'operator', name: 'ops-alice' },
      { token: VIEWER, role: 'viewer', name: 'view-bob' },
    ],
    upstream,
    dataDir,
    pollScale: 0.1,
    graceMs: 200,
    heartbeatMs: 60_000,
    rediscover: false,
    ...opts.gateway,
  });
  const rig: Rig = {
    sandbox,
    upstream,
    dataDir,
    gateway: await startGateway(gwOpts()),
    clients: [],
    client(token = OPERATOR) {
      const c = new GatewayClient({ url: rig.gateway.url, token, backoff: { baseMs: 50, maxMs: 500 }, commandTimeoutMs: 10_000 });
      rig.clients.push(c);
      c.connect();
      return c;
    },
    async restartGateway(extra = {}) {
      const port = rig.gateway.port;
      await rig.gateway.close();
      rig.gateway = await startGateway({ ...gwOpts(), port, ...extra });
      return rig.gateway;
    },
    async close() {
      await Promise.all(rig.clients.map((c) => c.close()));
      await rig.gateway.close();
      await upstream.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return rig;
}

export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
