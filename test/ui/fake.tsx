// A tiny in-memory stand-in for the GatewayClient surface the UI uses (a unit fake: the e2e tests
// drive the real gateway). Tests push topic data with `emit` and inspect subscriptions and commands.
import React from 'react';
import { render } from 'ink-testing-library';
import type { FleetRow, Job, JobKind } from '../../src/domain/index.js';
import type { EnvData, TopicName, Welcome } from '../../src/protocol/messages.js';
import { topicKey } from '../../src/protocol/messages.js';
import { createAppStore, type AppStore, type ConnStateLike, type GatewayLike, type SubHandlersLike } from '../../src/store/app.js';
import { buildKeymap, type Keymap } from '../../src/config/keymap.js';
import { makeTheme, type ColorDepth } from '../../src/config/theme.js';
import { defaultConfig, type Config } from '../../src/config/config.js';
import { App } from '../../screens/App.js';
import { preloadScreens } from '../../screens/registry.js';
import type { Ui } from '../../components/context.js';

export class FakeGateway implements GatewayLike {
  state: ConnStateLike = { status: 'live', attempt: 0, retryAt: null, error: null, since: Date.now() };
  welcome: Welcome = {
    type: 'welcome',
    protocol: 1,
    serverVersion: 'test',
    upstream: { kind: 'sandbox', zone: 'SANDBOX', user: null },
    role: 'operator',
    readOnly: false,
    capabilities: [],
    notices: [],
  };
  subs = new Map<string, { topic: TopicName; params: unknown; h: SubHandlersLike }>();
  /** The last `view` hint per topic key (what a screen shows). */
  views = new Map<string, string[]>();
  commands: Array<{ kind: JobKind; params: unknown }> = [];
  private stateL = new Set<(s: ConnStateLike) => void>();
  private jobL = new Set<(j: Job) => void>();
  /** Data served as the snapshot when a topic is subscribed. */
  data = new Map<string, unknown>();
  private seq = 0;

  onState(fn: (s: ConnStateLike) => void): () => void {
    this.stateL.add(fn);
    return () => this.stateL.delete(fn);
  }
  onJob(fn: (j: Job) => void): () => void {
    this.jobL.add(fn);
    return () => this.jobL.delete(fn);
  }
  subscribe(topic: TopicName, params: any, h: SubHandlersLike): { unsubscribe(): void; view(v: string[]): void } {
    const key = topicKey(topic, params);
    this.subs.set(key, { topic, params, h });
    const d = this.data.get(key);
    if (d !== undefined) queueMicrotask(() => h.onSnapshot?.(d, ++this.seq));
    return { unsubscribe: () => this.subs.delete(key), view: (v: string[]) => this.views.set(key, v) };
  }
  async command(kind: JobKind, params: any): Promise<Job> {
    this.commands.push({ kind, params });
    const now = Date.now();
    const job: Job = {
      id: `job-${this.commands.length}`,
      kind,
      idempotencyKey: `k-${this.commands.length}-xxxxxxxx`,
      state: 'running',
      target: String(params.env ?? ''),
      params,
      percent: 0,
      stage: 'queued',
      steps: [],
      createdAt: now,
      updatedAt: now,
      endedAt: null,
      error: null,
      result: null,
      upstreamId: null,
    };
    for (const l of this.jobL) l(job);
    return job;
  }
  setState(s: Partial<ConnStateLike>): void {
    this.state = { ...this.state, ...s };
    for (const l of this.stateL) l(this.state);
  }
  serve(topic: TopicName, params: Record<string, unknown>, data: unknown): void {
    const key = topicKey(topic, params);
    this.data.set(key, data);
    const s = this.subs.get(key);
    if (s) s.h.onSnapshot?.(data, ++this.seq);
  }
  pushJob(j: Job): void {
    for (const l of this.jobL) l(j);
  }
}

const ORGS = ['Acme', 'Globex'];
export function fleetRow(app: string, env: string, over: Partial<FleetRow> = {}): FleetRow {
  const org = over.org ?? (app.charCodeAt(0) % 2 ? ORGS[0]! : ORGS[1]!);
  return {
    appUuid: `app-${app}`,
    app,
    appName: app[0]!.toUpperCase() + app.slice(1),
    orgUuid: `org-${org}`,
    org,
    envUuid: `env-${app}-${env}`,
    env,
    branch: env === 'live' ? 'main' : 'develop',
    state: 'live',
    url: `https://${app}-${env}.example.com`,
    lastDeployment: { uuid: `dep-${app}-${env}`, startedAt: new Date(Date.now() - 3 * 3600e3).toISOString(), endedAt: new Date(Date.now() - 3 * 3600e3 + 60e3).toISOString(), success: true, percent: 100, status: 'success' },
    lastBackupAt: new Date(Date.now() - 5 * 3600e3).toISOString(),
    errorRate: 0.5,
    errorHistory: [0, 1, 2, 1, 0, 3],
    ...over,
  };
}

export function sampleFleet(): FleetRow[] {
  return [
    fleetRow('shop', 'live', { errorRate: 12, org: 'Acme' }),
    fleetRow('shop', 'test', { org: 'Acme' }),
    fleetRow('shop', 'qa', { org: 'Acme', state: 'deploying', lastDeployment: { uuid: 'd1', startedAt: new Date().toISOString(), endedAt: null, success: null, percent: 42, status: 'running' } }),
    fleetRow('blog', 'live', { org: 'Globex', errorRate: 0 }),
    fleetRow('blog', 'test', { org: 'Globex', state: 'sleeping' }),
    fleetRow('crm', 'live', { org: 'Globex', state: 'failed', errorRate: 3 }),
    fleetRow('wiki', 'test', { org: 'Acme', state: 'never-deployed', lastDeployment: null, lastBackupAt: null, errorRate: null, errorHistory: [] }),
  ];
}

export function envData(row: FleetRow): EnvData {
  return {
    application: { uuid: row.appUuid, slug: row.app, name: row.appName, organisation: row.orgUuid },
    // the sandbox's status extension, and last_finished_deployment, as the fleet row says
    environment: {
      uuid: row.envUuid,
      slug: row.env,
      branch: row.branch,
      application: row.appUuid,
      url: row.url,
      status: row.state === 'sleeping' ? 'sleeping' : row.state === 'never-deployed' ? 'not_deployed' : 'live',
      last_finished_deployment: row.state === 'never-deployed' ? null : { uuid: 'dep-1' },
      ssh_endpoint: row.state === 'never-deployed' ? null : { host: '127.0.0.1', port: 2222, user: `${row.app}-${row.env}` },
    },
    environments: [],
    serviceInstances: [
      { uuid: 'si-db', prefix: 'DEFAULT', type: 'DATABASE', service: 'postgres-15', service_status: 'READY' },
      // a type and a status this console does not know (real Divio may add them)
      { uuid: 'si-cache', prefix: 'DEFAULT', type: 'KEY_VALUE_STORE', service: 'redis-7', service_status: 'WARMING_UP' },
    ],
    domains: [{ uuid: 'dom-1', domain: `${row.app}.example.com`, cdn: 'divio-cloudflare', is_primary: true }],
    variables: [
      { name: 'DJANGO_SECRET_KEY', value: 'super-secret-value-123', is_sensitive: true },
      { name: 'DEBUG', value: 'false', is_sensitive: false },
      { name: 'DATABASE_URL', value: 'postgres://app:****@db:5432/app', is_sensitive: false }, // as the gateway sends it (it masks secrets in values),
    ],
    deployments: row.state === 'never-deployed' ? [] : [
      { uuid: 'dep-1', environment: row.envUuid, started_at: new Date(Date.now() - 7200e3).toISOString(), ended_at: new Date(Date.now() - 7100e3).toISOString(), success: true, percent: 100, commit: 'abcdef1234567', build_mode: 'AUTO' },
    ],
    contentVersion: { environment: row.envUuid, database: { rows: 1234, checksum: 'deadbeefcafe' }, media: { files: 12, bytes: 3_500_000, checksum: 'x' } },
  };
}

export interface Harness {
  gw: FakeGateway;
  store: AppStore;
  ui: Ui;
  frame(): string;
  press(...keys: string[]): Promise<void>;
  wait(ms?: number): Promise<void>;
  waitFor(pred: (frame: string) => boolean, ms?: number): Promise<string>;
  unmount(): void;
  stdin: { write(s: string): void };
}

export const KEY = { up: '\x1b[A', down: '\x1b[B', enter: '\r', esc: '\x1b', backspace: '\x7f', tab: '\t', ctrlC: '\x03' };

export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The console on a FakeGateway. Its screens' modules are imported first (`preload: false`: as in the
 * console, each when it is first opened or when the fleet is on screen), so that keys pressed at
 * once reach the screen they open.
 */
export async function mount(opts: { color?: ColorDepth; unicode?: boolean; keymap?: Keymap; config?: Config; fleet?: FleetRow[]; attach?: boolean; preload?: boolean } = {}): Promise<Harness> {
  if (opts.preload !== false) await preloadScreens();
  const gw = new FakeGateway();
  const rows = opts.fleet ?? sampleFleet();
  gw.serve('fleet', {}, { rows });
  for (const r of rows) gw.serve('env', { env: r.envUuid }, envData(r));
  gw.serve('jobs', {}, { jobs: [] });
  const store = createAppStore({ commitIntervalMs: 0 });
  const config = opts.config ?? defaultConfig();
  const ui: Ui = {
    store,
    theme: makeTheme(opts.color ?? '256', config.theme),
    keymap: opts.keymap ?? buildKeymap(config.keys),
    unicode: opts.unicode ?? true,
    config,
    now: Date.now,
    renderNow: () => r.rerender(<App ui={ui} />),
  };
  if (opts.attach !== false) store.attach(gw);
  const r = render(<App ui={ui} />);
  const h: Harness = {
    gw,
    store,
    ui,
    stdin: r.stdin,
    frame: () => r.lastFrame() ?? '',
    async wait(ms = 30) {
      await tick(ms);
    },
    async press(...keys) {
      for (const k of keys) {
        r.stdin.write(k);
        // a lone Escape is delivered one macrotask later in Ink 6.8
        await tick(k === KEY.esc ? 40 : 15);
      }
      await tick(20);
    },
    async waitFor(pred, ms = 2000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const f = r.lastFrame() ?? '';
        if (pred(f)) return f;
        await tick(10);
      }
      throw new Error(`timed out; last frame:\n${r.lastFrame()}`);
    },
    unmount() {
      r.unmount();
      store.dispose();
    },
  };
  await h.wait(40);
  return h;
}
