/**
 * The embedded Divio + Cloudflare sandbox: a living, local emulator of the Divio API v3 (the paths and
 * shapes Divio's own CLI, divio/divio-cli, uses; recorded in test/contract/fixtures/), the Cloudflare API v4 (zones + purge_cache), and an
 * SSH endpoint. node:http only; every request body is zod-validated and bad input gets a DRF 400.
 *
 * Auth: Divio paths need `Authorization: Token <token>` (401 `{"detail": …}` otherwise); Cloudflare
 * paths need `Authorization: Bearer <cloudflareToken>`. Unknown paths: 404 `{"detail":"Not found."}`.
 * Lists use DRF page-number paging (`page`, `page_size` ≤ 100, default 20) with absolute next/previous.
 *
 * Sandbox details (the real API lacks them or they are unverified). The extensions — metrics,
 * content version (also `content_version` on service-instance backups), `url`/`status`/`instances` on
 * environments, `ssh_endpoint.host_key`, `cdn`/`cloudflare_zone` on domains — are served only with
 * `extensions: true` (`divio-tui sandbox --extensions`; the console's own sandbox has them on); without
 * them those paths answer 404 and those fields are absent, as on Divio:
 * - `GET /apps/v3/environments/{uuid}/metrics/?minutes=N` (1–1440, default 60) →
 *   `{environment, minutes, step_seconds, results: MetricSample[]}` (CPU % summed over instances, RAM MB).
 * - `GET /apps/v3/environments/{uuid}/content-version/` → `ContentVersion` `{environment, database:
 *   {rows, checksum}, media: {files, bytes, checksum}}`. A backup snapshots it (also shown as
 *   `content_version` on service-instance backups); a successful restore sets the destination's to it.
 * - Environment objects carry `url` (a page served by the sandbox at `/_sites/{app}/{env}/`, no token:
 *   200 when deployed, 404 never deployed, 502 no successful deployment), `status`
 *   (`live` | `sleeping` | `not_deployed`), `instances`, `name`; detail adds `ssh_endpoint {host, port,
 *   user, host_key}` (user = `<app slug>-<env slug>`; host_key = "ssh-ed25519 AAAA…", the key the
 *   known-hosts file pins) for deployed environments when SSH runs, else null.
 * - Deployments carry `stage` (services|checkout|build|release|scaling), `stages`, `build_mode`,
 *   `commit`, `branch`, `application`; `status` is queued → running → success | failure.
 *   POST while one is running for the environment → 400 `{"non_field_errors": [...]}` (attach instead).
 *   With the extensions, `author` too (who started it: the token's user for a POST; unverified).
 * - Environment variables (writes unverified, the DRF resource of the list): `POST
 *   /apps/v3/environment-variables/ {environment, name, value, is_sensitive?}` → 201 (a taken name →
 *   400 "The fields environment, name must make a unique set."), `GET|PATCH {value?, is_sensitive?}|
 *   DELETE /apps/v3/environment-variables/{uuid}/` → 200 | 200 | 204.
 * - Backups: `state` QUEUED → RUNNING → COMPLETED, `success` null → "SUCCESS" | "FAILURE".
 *   `GET /apps/v3/service-instance-backups/?backup=` lists them.
 * - Restores: each `service_instance_restores[]` item may name a destination `service_instance`
 *   (default: the backed-up one) — this is how a cross-environment restore is expressed. Restore of a
 *   failed or unfinished backup → 400 `{"backup": [...]}`. Restore objects carry `environment`, `errors`.
 * - Backup downloads: `download_url` is `/_downloads/<48 random hex>/<name>.tar` on the sandbox,
 *   fetched without a token; a ustar archive with `manifest.json` plus `database.dump` (DATABASE) or
 *   `media/…` files (STORAGE). `readTar` is exported to unpack it.
 * - Domains carry `domain` (and `name`, same value), `cdn` ('divio-cloudflare' | 'customer-cloudflare' |
 *   'none') and `cloudflare_zone` (zone id for customer zones). clear-cdn-cache → 200 for
 *   divio-cloudflare domains, 400 `{"non_field_errors": [...]}` otherwise.
 * - Runtime logs (`/apps/v3/environments/{uuid}/logs/`): `page_size` (default 100, max 1000);
 *   without a cursor → the newest page; `next` is a forward cursor URL (`after=<seq>`) that is never
 *   null while tailing (an empty page means no newer lines yet) and never repeats or skips a line;
 *   `previous` (`before=<seq>`) pages backwards; `from_ts` (inclusive) / `to_ts` (exclusive), format
 *   `YYYY-MM-DDThh:mm[:ss[.ffffff]][Z]`, UTC; when `to_ts` lies in the past and the range is exhausted,
 *   `next` is null. Retention: the last `logRetention` (default 10,000) lines per environment. Pages
 *   carry `results`, `next`, `previous` only (as Divio's): a cursor that fell behind retention gets the
 *   oldest line still kept, and its next `after=` shows how many it skipped.
 * - Control surface (Divio token required): `GET /_sandbox/stats`, `POST /_sandbox/stats/reset`,
 *   `GET|PUT /_sandbox/faults` (body: the spec string, a FaultRule[] or `{spec}`; null clears),
 *   `POST /_sandbox/log-rate {rate, environment?}`, `POST /_sandbox/emit-log {environment, lines}`,
 *   `POST /_sandbox/fail-next {kind: deployment|backup|restore, environment?, count?}`,
 *   `GET /_sandbox/scenario`, `GET /_sandbox/purges`, `GET /_sandbox/cdn-clears`.
 * - Fault spec syntax: see faults.ts (e.g. `"/apps/v3/environments/*\/logs/ 503@50%; ** latency=50"`).
 * - Clock: durations of deployments/backups/restores/downloads and the schedules (daily backups of live
 *   environments; the deploying app's test gets a new deployment ~3 virtual minutes after each) run
 *   `speed`× faster; log lines flow at `logRate` lines/s/env in real time; Cloudflare buckets refill in
 *   real time.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as z from '../domain/zod.js';
import { checkStrict, issueText, type Shape } from './check.js';
import { Engine, DEFAULT_LOG_RETENTION, BIG_SCENARIO_LOG_RETENTION, materialiseHistory } from './engine.js';
import { SCENARIO, SCENARIO_APPS, MAX_SCENARIO_APPS, buildScenario } from './scenario.js';
import { buildRoutes, type Route } from './divio-api.js';
import { CloudflareApi } from './cloudflare.js';
import { Faults, faultBody, parseFaultSpec, type FaultRule } from './faults.js';
import { DrfError, bodySchemas, loadBodySchemas, parseJsonBody, readBody, sendJson, type Ctx } from './http.js';
import { Persister, STATE_FILE, defaultDataDir, loadState } from './persist.js';

/** How soon log lines alone are written to the state file. */
const IDLE_PERSIST_MS = 60_000;
/**
 * Work that can wait (the SSH endpoint started in the background) waits for the first pause in the
 * requests: none in flight for this long after start-up (a client's first burst of requests,
 * answered at once rather than behind ≈100 ms of ssh2 and a host key)…
 */
const QUIET_MS = 200;
/** …or this long at the latest (a client that never pauses). */
const QUIET_LATEST_MS = 2000;
import { lockDir, moveAside, privateSandboxNotice, type DirLock } from '../statefile/index.js';
import { Rng, randomHex } from './rng.js';
import type { CdnClearRec, PurgeRec, SandboxState } from './model.js';

export { SCENARIO } from './scenario.js';
export { readTar, writeTar, type TarEntry } from './tar.js';
export { parseFaultSpec, FaultSpecError, type FaultRule } from './faults.js';
export { CF_PLAN_LIMITS } from './cloudflare.js';
export type { SandboxState } from './model.js';

export interface SandboxOptions {
  host?: string;
  port?: number;
  cloudflarePort?: number;
  token?: string;
  cloudflareToken?: string;
  cloudflarePlan?: 'free' | 'pro' | 'business' | 'enterprise';
  speed?: number;
  logRate?: number;
  /** Runtime log lines kept per environment (default 10,000). */
  logRetention?: number;
  seed?: number;
  /** Scenario size: this many applications, 3 environments each on average (default: the 9 named ones). */
  apps?: number;
  ephemeral?: boolean;
  dataDir?: string;
  faults?: string | FaultRule[];
  ssh?: boolean;
  /** Start the SSH endpoint without delaying start-up (`sandbox.ssh` is set once it listens; see sshReady). */
  sshInBackground?: boolean;
  /** Told each notice made after start-up (the SSH endpoint's, which starts in the background), as it is made. */
  onNotice?: (line: string) => void;
  sshSessionLimitMs?: number;
  /**
   * Serve the sandbox-only extensions (metrics, content version, sleeping state and instances, site URL,
   * `cdn`/`cloudflare_zone` on domains, `host_key` on ssh_endpoint). Default off: the sandbox answers
   * as Divio does. The console's own sandbox turns them on.
   */
  extensions?: boolean;
  /** `hostile`: upstream text that attacks terminals and leaks secrets (src/sandbox/hostile.ts). Implies a fresh, unsaved state. */
  scenario?: 'default' | 'hostile';
  /**
   * Serve the Divio (and Cloudflare) API on this listening socket instead of listening on host:port:
   * the bare handle the console made before the sandbox started (src/sandbox/child.ts), where its
   * first requests wait meanwhile.
   */
  listenOn?: object;
  /** The data directory is locked for this sandbox by the process that started it (the console): use it without locking. */
  dataDirHeld?: boolean;
}

export interface SandboxStats { total: number; byRoute: Record<string, number>; logRequests: number }

export interface Sandbox {
  divioUrl: string;
  cloudflareUrl: string;
  token: string;
  cloudflareToken: string;
  /** hostKey: "ssh-ed25519 AAAA…", the line the known-hosts file pins. */
  ssh: { host: string; port: number; knownHostsPath: string; hostKey: string } | null;
  /** Resolves when the SSH endpoint listens (at once unless sshInBackground). */
  sshReady: Promise<void>;
  /** Where the state is persisted (null when ephemeral). */
  dataDir: string | null;
  /**
   * One line per persisted file found unusable and moved aside at start (the SSH host key's line may
   * come once the endpoint listens, with sshInBackground). Empty when all was well.
   */
  notices: string[];
  setFaults(f: string | FaultRule[] | null): void;
  stats(): SandboxStats;
  resetStats(): void;
  setLogRate(rate: number, envUuid?: string): void;
  emitLog(envUuid: string, lines: { service?: string; message: string }[]): void;
  /** Make the next `count` operations of a kind fail (optionally only for one environment). */
  failNext(kind: 'deployment' | 'backup' | 'restore', envUuid?: string, count?: number): void;
  /** How `POST /apps/v3/backups/upload/` asks for files: `exo-presigned-v1` (default, served here), or another of Divio's handlers. */
  setUploadHandler(handler: 'exo-presigned-v1' | 's3-sts-v1' | 'az-sas-v1', maxFileSize?: number): void;
  /** Cloudflare purge requests received (accepted or refused), oldest first. */
  purges(): PurgeRec[];
  /** Divio clear-cdn-cache actions, oldest first. */
  cdnClears(): CdnClearRec[];
  /** Look up uuids by slug: `ids('acme-reports', 'live')`. Throws for unknown slugs. */
  ids(appSlug: string, envSlug?: string): { app: string; env: string | null };
  state: SandboxState;
  close(): Promise<void>;
}

/** The options, checked as zod's `z.object(…).strict()` would (the same messages) without loading zod at start. */
const OPTIONS: Shape = {
  host: { kind: 'string', optional: true, min: 1 },
  port: { kind: 'number', optional: true, int: true, min: 0, max: 65535 },
  cloudflarePort: { kind: 'number', optional: true, int: true, min: 0, max: 65535 },
  token: { kind: 'string', optional: true, min: 8, minMessage: 'token must be at least 8 characters', pattern: /^\S+$/, patternMessage: 'token must not contain spaces' },
  cloudflareToken: { kind: 'string', optional: true, min: 8, pattern: /^\S+$/ },
  cloudflarePlan: { kind: 'enum', optional: true, values: ['free', 'pro', 'business', 'enterprise'] },
  speed: { kind: 'number', optional: true, positive: true, max: 1_000_000 },
  logRate: { kind: 'number', optional: true, min: 0, max: 100_000 },
  logRetention: { kind: 'number', optional: true, int: true, min: 100, max: 1_000_000 },
  seed: { kind: 'number', optional: true, int: true },
  apps: { kind: 'number', optional: true, int: true, min: SCENARIO_APPS, minMessage: `apps must be at least ${SCENARIO_APPS} (the named scenario)`, max: MAX_SCENARIO_APPS, maxMessage: `apps must be at most ${MAX_SCENARIO_APPS}` },
  ephemeral: { kind: 'boolean', optional: true },
  dataDir: { kind: 'string', optional: true, min: 1 },
  faults: { kind: 'string-or-array', optional: true },
  ssh: { kind: 'boolean', optional: true },
  sshInBackground: { kind: 'boolean', optional: true },
  sshSessionLimitMs: { kind: 'number', optional: true, int: true, positive: true },
  extensions: { kind: 'boolean', optional: true },
  scenario: { kind: 'enum', optional: true, values: ['default', 'hostile'] },
  dataDirHeld: { kind: 'boolean', optional: true },
};

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const { onNotice, listenOn, ...plain } = options; // a callback and a socket, not options to validate
  const checked = checkStrict<Omit<SandboxOptions, 'onNotice' | 'listenOn'>>(OPTIONS, plain);
  if (!checked.value) throw new Error(`invalid sandbox options: ${issueText(checked.issues)}`);
  const o = checked.value;
  const host = o.host ?? '127.0.0.1';
  const token = o.token ?? randomHex(20);
  const cfToken = o.cloudflareToken ?? randomHex(20);
  const speed = o.speed ?? 1;
  const apps = o.apps ?? SCENARIO_APPS;
  // a big scenario keeps what Divio's Control Panel keeps (1,000 lines), so its memory stays bounded
  const retention = o.logRetention ?? (apps > SCENARIO_APPS ? BIG_SCENARIO_LOG_RETENTION : DEFAULT_LOG_RETENTION);
  const ephemeral = (o.ephemeral ?? false) || o.scenario === 'hostile';
  const notices: string[] = [];
  // One sandbox per data directory: a second one (another console started at the same moment, a
  // `divio-tui sandbox` beside the console) runs privately rather than share the files.
  let dataDir = ephemeral ? null : (o.dataDir ?? defaultDataDir());
  let dirLock: DirLock | null = null;
  if (dataDir && !o.dataDirHeld) {
    const taken = lockDir(dataDir);
    if (taken.lock) dirLock = taken.lock;
    else {
      notices.push(privateSandboxNotice(taken.heldBy, dataDir));
      dataDir = null;
    }
  }
  // state: persisted (same seed, or no seed asked for) or a fresh scenario; a state file that cannot
  // be used is moved aside (one notice line), never overwritten
  const unusable = (why: string) => notices.push(moveAside(join(dataDir!, STATE_FILE), 'sandbox state', why));
  let state: SandboxState | null = null;
  if (dataDir) {
    const loaded = loadState(dataDir);
    if (loaded.corrupt) unusable(loaded.reason!);
    // (a saved scenario of another size is not reused)
    if (loaded.state && (o.seed === undefined || loaded.state.seed === o.seed) && (o.apps === undefined || (loaded.state.apps ?? SCENARIO_APPS) === apps)) state = loaded.state;
  }
  let engine: Engine | null = null;
  if (state) {
    try {
      engine = new Engine(state, { speed, logRate: o.logRate ?? 2, logRetention: retention, seed: state.seed });
      engine.advance(); // a state whose records do not hold together fails here, not in a request
    } catch (e) {
      unusable(`its records do not hold together: ${(e as Error).message}`);
      state = null;
      engine = null;
    }
  }
  const seed = o.seed ?? state?.seed ?? (Math.floor(Math.random() * 2 ** 31) >>> 0);
  const built = !state;
  if (!state) state = buildScenario({ seed, nowMs: Date.now(), cloudflarePlan: o.cloudflarePlan, logRetention: retention, apps });
  if (o.cloudflarePlan) for (const z0 of state.zones) z0.plan = o.cloudflarePlan;

  engine ??= new Engine(state, { speed, logRate: o.logRate ?? 2, logRetention: retention, seed });
  if (o.scenario === 'hostile') {
    const { applyHostileScenario } = await import('./hostile.js');
    applyHostileScenario(state, engine, Date.now());
  }
  const persister = dataDir ? new Persister(dataDir, () => engine.state) : null;
  engine.onChange = () => persister?.schedule();
  // Log lines alone (what an idle sandbox makes) are saved at most once a minute: writing a
  // 1.5 MB state every 10 s was half of an idle sandbox's CPU; the lines are synthetic, and the
  // state's real changes (deployments, backups, restores…) are still written within a second.
  engine.onIdleChange = () => persister?.schedule(IDLE_PERSIST_MS);
  // (a state built now is written once its log histories are made, in the background: see below)
  if (!built) persister?.schedule();

  const faults = new Faults(() => faultRng.next());
  const faultRng = new Rng(seed).fork('faults');
  faults.set(o.faults as string | FaultRule[] | undefined);

  let sshInfo: { host: string; port: number; knownHostsPath: string; hostKey: string; close: () => Promise<void> } | null = null;
  /** Starts the SSH endpoint now if it is to start in the background and has not (see sshInBackground). */
  let sshSoon: (() => Promise<void>) | undefined;
  const routes = buildRoutes({ engine, extensions: o.extensions ?? false, ssh: () => (sshInfo ? { host: sshInfo.host, port: sshInfo.port, hostKey: sshInfo.hostKey } : null), sshSoon: () => sshSoon?.() ?? Promise.resolve() });
  const cf = new CloudflareApi(() => engine.state, cfToken, o.cloudflarePlan, () => persister?.schedule());

  // requests in flight and when the last one came or ended: what `whenQuiet` waits on
  let inFlight = 0;
  let lastRequestAt = Date.now();
  const whenQuiet = (run: () => void): (() => void) => {
    const deadline = Date.now() + QUIET_LATEST_MS;
    let timer: NodeJS.Timeout | null = null;
    const check = () => {
      const now = Date.now();
      const quietFor = inFlight > 0 ? 0 : now - lastRequestAt;
      if (quietFor >= QUIET_MS || now >= deadline) {
        timer = null;
        run();
      } else {
        timer = setTimeout(check, Math.max(1, Math.min(deadline - now, QUIET_MS - quietFor)));
        timer.unref();
      }
    };
    lastRequestAt = Date.now();
    timer = setTimeout(check, QUIET_MS);
    timer.unref();
    return () => { if (timer) clearTimeout(timer); timer = null; };
  };

  let stats: SandboxStats = { total: 0, byRoute: {}, logRequests: 0 };
  const count = (key: string, isLog: boolean) => {
    stats.total++;
    stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1;
    if (isLog) stats.logRequests++;
  };

  const sandbox = {} as Sandbox;
  let divioUrl = '';
  let cloudflareUrl = '';

  const control = async (ctx: Ctx, path: string): Promise<void> => {
    const auth = ctx.req.headers.authorization;
    if (auth !== `Token ${token}`) throw new DrfError(401, { detail: auth ? 'Invalid token.' : 'Authentication credentials were not provided.' }, { 'www-authenticate': 'Token' });
    const m = ctx.method;
    const body = m === 'GET' ? undefined : ctx.body;
    const parse = <T>(schema: z.ZodType<T>): T => {
      const r = schema.safeParse(body);
      if (!r.success) throw new DrfError(400, Object.fromEntries(r.error.issues.map((i) => [i.path.join('.') || 'non_field_errors', [i.message]])));
      return r.data;
    };
    if (path === '/_sandbox/stats' && m === 'GET') return sendJson(ctx, 200, sandbox.stats());
    if (path === '/_sandbox/stats/reset' && m === 'POST') { sandbox.resetStats(); return sendJson(ctx, 200, sandbox.stats()); }
    if (path === '/_sandbox/faults' && m === 'GET') return sendJson(ctx, 200, { rules: faults.list() });
    if (path === '/_sandbox/faults' && (m === 'PUT' || m === 'POST')) {
      let spec: unknown = body;
      if (spec && typeof spec === 'object' && !Array.isArray(spec) && 'spec' in spec) spec = (spec as { spec: unknown }).spec;
      if (spec === undefined || (typeof spec === 'object' && spec !== null && !Array.isArray(spec))) spec = null;
      try { faults.set(spec as string | FaultRule[] | null); } catch (e) { throw new DrfError(400, { faults: [(e as Error).message] }); }
      return sendJson(ctx, 200, { rules: faults.list() });
    }
    if (path === '/_sandbox/log-rate' && m === 'POST') {
      const b = parse(bodySchemas().LogRateBody);
      if (b.environment && !engine.env(b.environment)) throw new DrfError(400, { environment: ['Unknown environment.'] });
      sandbox.setLogRate(b.rate, b.environment);
      return sendJson(ctx, 200, { rate: b.rate, environment: b.environment ?? null });
    }
    if (path === '/_sandbox/emit-log' && m === 'POST') {
      const b = parse(bodySchemas().EmitBody);
      if (!engine.env(b.environment)) throw new DrfError(400, { environment: ['Unknown environment.'] });
      sandbox.emitLog(b.environment, b.lines);
      return sendJson(ctx, 200, { emitted: b.lines.length });
    }
    if (path === '/_sandbox/fail-next' && m === 'POST') {
      const b = parse(bodySchemas().FailNextBody);
      sandbox.failNext(b.kind, b.environment, b.count);
      return sendJson(ctx, 200, b);
    }
    if (path === '/_sandbox/scenario' && m === 'GET') {
      await sshSoon?.(); // it names the SSH endpoint
      const s = engine.state;
      return sendJson(ctx, 200, {
        scenario: SCENARIO, seed, speed: engine.speed, divioUrl, cloudflareUrl, ssh: sandbox.ssh,
        zones: s.zones.map((z0) => ({ id: z0.id, name: z0.name, plan: z0.plan })),
        applications: Object.fromEntries(s.applications.map((a) => [a.slug, {
          uuid: a.uuid, environments: Object.fromEntries(s.environments.filter((e) => e.application === a.uuid).map((e) => [e.slug, e.uuid])),
        }])),
      });
    }
    if (path === '/_sandbox/purges' && m === 'GET') return sendJson(ctx, 200, { results: sandbox.purges() });
    if (path === '/_sandbox/cdn-clears' && m === 'GET') return sendJson(ctx, 200, { results: sandbox.cdnClears() });
    throw new DrfError(404, { detail: 'Not found.' });
  };

  const handler = (cfOnly: boolean) => async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const local = req.socket.address() as AddressInfo;
    const base = `http://${req.headers.host ?? `${host}:${local.port}`}`;
    let url: URL;
    try { url = new URL(req.url ?? '/', base); } catch { url = new URL('/', `http://${host}`); }
    const method = req.method ?? 'GET';
    const ctx: Ctx = { req, res, method, url, base, params: {}, body: undefined };
    const path = url.pathname;
    inFlight++;
    lastRequestAt = Date.now();
    res.once('close', () => {
      inFlight--;
      lastRequestAt = Date.now();
    });
    try {
      engine.advance();
      const isCf = path === '/client/v4' || path.startsWith('/client/v4/');
      if (cfOnly && !isCf) throw new DrfError(404, { detail: 'Not found.' });
      if (!cfOnly && path.startsWith('/_sandbox/')) {
        if (method !== 'GET') [ctx.body] = await Promise.all([readJsonOrText(req), loadBodySchemas()]);
        return await control(ctx, path.replace(/\/$/, ''));
      }
      let route: Route | undefined;
      let methodMismatch = false;
      if (!isCf) {
        for (const r of routes) {
          const mm = r.re.exec(path);
          if (!mm) continue;
          if (r.method !== method) { methodMismatch = true; continue; }
          route = r;
          r.keys.forEach((k, i) => {
            try { ctx.params[k] = decodeURIComponent(mm[i + 1]); } catch { throw new DrfError(404, { detail: 'Not found.' }); }
          });
          break;
        }
      }
      const key = isCf ? `${method} ${path.replace(/\/zones\/[^/]+/, '/zones/{id}').replace(/\/$/, '')}` : route ? `${method} ${route.name}` : `${method} (unmatched)`;
      count(key, route?.name === '/apps/v3/environments/{uuid}/logs/');

      const fault = faults.decide(method, path);
      if (fault) {
        if (fault.hang && !(await faults.hold(req.socket))) return;
        if (fault.latencyMs > 0) await new Promise((r) => setTimeout(r, fault.latencyMs));
        if (fault.reset) { req.socket.destroy(); return; }
        if (fault.status !== null) {
          const headers: Record<string, string> = fault.status === 429 || fault.status === 503 ? { 'retry-after': String(fault.retryAfter) } : {};
          if (isCf) return sendJson(ctx, fault.status, { success: false, errors: [{ code: fault.status === 429 ? 971 : 10000 + fault.status, message: 'Injected fault' }], messages: [], result: null }, headers);
          return sendJson(ctx, fault.status, faultBody(fault.status), headers);
        }
        if (fault.malformed) ctx.malformed = true;
      }

      if (isCf) {
        if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
          const [raw] = await Promise.all([readBody(req), loadBodySchemas()]);
          try { ctx.body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined; } catch {
            return sendJson(ctx, 400, { success: false, errors: [{ code: 6007, message: 'Malformed JSON in request body' }], messages: [], result: null });
          }
        }
        cf.handle(ctx);
        return;
      }
      if (!route) {
        if (methodMismatch) throw new DrfError(405, { detail: `Method "${method}" not allowed.` });
        throw new DrfError(404, { detail: 'Not found.' });
      }
      if (route.auth) {
        const auth = req.headers.authorization;
        if (!auth) throw new DrfError(401, { detail: 'Authentication credentials were not provided.' }, { 'www-authenticate': 'Token' });
        const mt = /^Token\s+(\S+)\s*$/.exec(auth);
        if (!mt) throw new DrfError(401, { detail: 'Invalid token header. No credentials provided.' }, { 'www-authenticate': 'Token' });
        if (mt[1] !== token) throw new DrfError(401, { detail: 'Invalid token.' }, { 'www-authenticate': 'Token' });
      }
      if (!route.raw && (method === 'POST' || method === 'PATCH' || method === 'PUT')) ctx.body = parseJsonBody((await Promise.all([readBody(req), loadBodySchemas()]))[0]);
      await route.handler(ctx);
    } catch (e) {
      if (e instanceof DrfError) sendJson(ctx, e.status, e.body, e.headers);
      else if (!res.headersSent) sendJson(ctx, 500, { detail: 'A server error occurred.' });
      else res.destroy();
    }
  };

  /** Listen on `port` of `host`, or on a listening socket handed over (listenOn: made on `host` too). */
  const listen = (srv: Server, at: number | object) => new Promise<number>((resolve, reject) => {
    srv.once('error', reject);
    const done = () => { srv.off('error', reject); resolve((srv.address() as AddressInfo).port); };
    if (typeof at === 'number') srv.listen(at, host, done);
    else srv.listen(at, done);
  });
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  const server = createServer(handler(false));
  // Idle connections live a minute, as behind a real API's load balancer (with Node's 5 s default,
  // every poll of a 5 s cadence opened a new connection).
  server.keepAliveTimeout = 60_000;
  let port: number;
  try {
    port = await listen(server, listenOn ?? o.port ?? 0);
  } catch (e) {
    dirLock?.release();
    throw e;
  }
  divioUrl = `http://${hostForUrl}:${port}`;
  let cfServer: Server | null = null;
  cloudflareUrl = divioUrl;
  if (o.cloudflarePort !== undefined) {
    cfServer = createServer(handler(true));
    try {
      cloudflareUrl = `http://${hostForUrl}:${await listen(cfServer, o.cloudflarePort)}`;
    } catch (e) {
      server.close();
      dirLock?.release();
      throw e;
    }
  }

  let sshTmp: string | null = null;
  let sshReady: Promise<void> = Promise.resolve();
  /** Stops a background start that has not begun (close before it did). */
  let sshNotYet = (): void => {};
  if (o.ssh ?? true) {
    const keyDir = dataDir ?? (sshTmp = mkdtempSync(join(tmpdir(), 'divio-sandbox-ssh-')));
    const begin = () => import('./ssh.js').then(async ({ startSshServer }) => {
      sshInfo = await startSshServer({ host, dir: keyDir, engine, sessionLimitMs: o.sshSessionLimitMs ?? 30 * 60_000, notice: (l) => {
        notices.push(l);
        onNotice?.(l);
      } });
      sandbox.ssh = { host: sshInfo.host, port: sshInfo.port, knownHostsPath: sshInfo.knownHostsPath, hostKey: sshInfo.hostKey };
    });
    if (o.sshInBackground) {
      // The console's first fleet must not wait for a host key and ssh2 (≈100 ms of one core), nor
      // its first requests behind them: the endpoint starts at the first pause in the requests (at
      // the latest 2 s after start-up), or at once when an environment's detail asks for it.
      // Environments carry their ssh_endpoint as soon as the server listens.
      let settle!: () => void;
      sshReady = new Promise<void>((r) => (settle = r));
      let started: Promise<void> | null = null;
      let cancel = (): void => {};
      sshSoon = () => {
        if (!started) {
          cancel();
          started = begin().catch(() => {}).then(settle);
        }
        return started;
      };
      cancel = whenQuiet(() => void sshSoon!());
      sshNotYet = () => {
        if (started) return;
        cancel();
        started = Promise.resolve();
        settle();
      };
    } else {
      try {
        await begin();
      } catch (e) {
        server.close();
        cfServer?.close();
        dirLock?.release();
        throw e;
      }
    }
  }

  // A state to be written needs the log histories its environments were not read for yet (see
  // Engine.deferHistory): they are made at the first pause in the requests, one environment a turn of
  // the event loop, then the state is written (the persister would make the rest at once).
  let filling = persister !== null && built;
  const stopFilling = !filling ? () => {} : whenQuiet(() => {
    const step = () => {
      if (!filling) return;
      if (materialiseHistory(engine.state.logs, 1) > 0) setImmediate(step);
      else {
        filling = false;
        persister!.schedule();
      }
    };
    step();
  });

  // Every request advances the clock first, so what a client sees is always current; the timer only
  // moves the world on between requests (scheduled backups, deployments nobody polls).
  const timer = setInterval(() => engine.advance(), 1000);
  timer.unref();

  Object.assign(sandbox, {
    divioUrl, cloudflareUrl, token, cloudflareToken: cfToken, dataDir, notices,
    ssh: sandbox.ssh ?? null,
    sshReady,
    state: engine.state,
    setFaults(f: string | FaultRule[] | null) { faults.set(f); },
    stats() { return { total: stats.total, byRoute: { ...stats.byRoute }, logRequests: stats.logRequests }; },
    resetStats() { stats = { total: 0, byRoute: {}, logRequests: 0 }; },
    setLogRate(rate: number, envUuid?: string) {
      if (!Number.isFinite(rate) || rate < 0) throw new Error('log rate must be a number ≥ 0');
      engine.advance();
      engine.setLogRate(rate, envUuid);
    },
    emitLog(envUuid: string, lines: { service?: string; message: string }[]) {
      if (!engine.env(envUuid)) throw new Error(`unknown environment ${envUuid}`);
      engine.appendLogs(envUuid, lines);
      persister?.schedule(IDLE_PERSIST_MS);
    },
    failNext(kind: 'deployment' | 'backup' | 'restore', envUuid?: string, n?: number) { engine.failNext(kind, envUuid, n); },
    setUploadHandler(handler, maxFileSize) { engine.uploadHandler = handler; if (maxFileSize) engine.maxUploadBytes = maxFileSize; },
    purges() { return engine.state.purges.slice(); },
    cdnClears() { return engine.state.cdnClears.slice(); },
    ids(appSlug: string, envSlug?: string) {
      const a = engine.state.applications.find((x) => x.slug === appSlug);
      if (!a) throw new Error(`unknown application slug ${appSlug}`);
      if (envSlug === undefined) return { app: a.uuid, env: null };
      const e = engine.state.environments.find((x) => x.application === a.uuid && x.slug === envSlug);
      if (!e) throw new Error(`unknown environment ${appSlug}/${envSlug}`);
      return { app: a.uuid, env: e.uuid };
    },
    async close() {
      clearInterval(timer);
      sshNotYet();
      filling = false;
      stopFilling();
      await sshReady; // an endpoint still starting is closed too
      const closing = (srv: Server) => new Promise<void>((r) => { srv.close(() => r()); srv.closeAllConnections(); });
      await Promise.all([closing(server), cfServer ? closing(cfServer) : Promise.resolve(), sshInfo?.close()]);
      await persister?.close();
      dirLock?.release();
      if (sshTmp) rmSync(sshTmp, { recursive: true, force: true });
    },
  } satisfies Partial<Sandbox>);
  return sandbox;
}

async function readJsonOrText(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  try { return JSON.parse(text); } catch { return text; }
}

export { parseFaultSpec as validateFaultSpec };
