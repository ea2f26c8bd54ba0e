// The gateway: a WebSocket server (ws 8 on node:http) that turns Divio's polling API into live
// streams and runs every mutation as a job. The contract is src/protocol/messages.ts.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import * as z from '../domain/zod.js';
import {
  ClientMessage,
  CloseCode,
  PROTOCOL_VERSION,
  parseTopicRequest,
  topicKey,
  type TopicName,
  type TopicRequest,
  type Welcome,
  GATEWAY_WARMUP,
} from '../protocol/index.js';
import type { Job, JobKind } from '../domain/index.js';
import { FLEET_LISTS_WARMUP } from '../domain/index.js';
import { warmInTurns } from '../domain/deferred.js';
import { AuditLog } from './audit.js';
import { matchToken, type GatewayToken } from './auth.js';
import { EnvLogFollower } from './follower.js';
import { Sub, Topic, rawSend, errorText, type Conn } from './hub.js';
import { LogCursorBook } from './cursors.js';
import { JobRejected, JobStore } from './jobs.js';
import { DirBusyError, lockDir } from '../statefile/index.js';
import {
  BackupsTopic,
  DomainsTopic,
  ServicesTopic,
  DeploymentTopic,
  DeploymentsTopic,
  EnvTopic,
  FleetTopic,
  JobsTopic,
  LogsTopic,
  LogHistoryTopic,
  MetricsTopic,
  PollingTopic,
  Retainer,
  type TopicCtx,
} from './topics.js';
import type { Upstream } from './types.js';
import { RequestLimiter } from './limiter.js';
import { collect } from '../divio/client.js';
import { LocalHub, LocalLogFollower, LocalTopic as LocalEnvTopic, isLocalEnv, type LocalHubOptions } from './local.js';

export type { GatewayToken, GatewayRole } from './auth.js';
export { assertSafeBind, matchToken, isLoopbackHost } from './auth.js';
export type { Upstream, CloudflareTarget } from './types.js';
export { createUpstream } from './upstream.js';

export const SERVER_VERSION = '0.1.0';

export interface GatewayOptions {
  host?: string;
  port?: number;
  tokens: GatewayToken[];
  readOnly?: boolean;
  upstream: Upstream;
  dataDir: string;
  pollScale?: number;
  graceMs?: number;
  replayLines?: number;
  sendBudgetBytes?: number;
  stallDeadlineMs?: number;
  heartbeatMs?: number;
  /** Hello deadline (default 5000). */
  helloTimeoutMs?: number;
  /** Rediscover in-flight deployments/backups upstream on start (default true). */
  rediscover?: boolean;
  /** Wait this long before scanning upstream for in-flight work (the job file is re-followed at once),
   * so the scan does not compete with the first fleet snapshot (default 0). */
  rediscoverDelayMs?: number;
  /** The Local environment (Docker engine: DOCKER_HOST, cwd for .divio/config.json). */
  local?: LocalHubOptions;
  /** Start-up notices of the caller (e.g. its sandbox's moved-aside files); asked at each welcome, so lines added later show too. */
  notices?: () => readonly string[];
  /** Load limits (defaults: DEFAULT_LIMITS; the request rate is divided by pollScale). */
  limits?: Partial<GatewayLimits>;
  /**
   * Topics to start reading at once, before any client asks (the console's in-process gateway: the
   * fleet its first screen shows). Each stays for the grace period, as after its last subscriber left.
   */
  prefetch?: ReadonlyArray<{ topic: TopicName; params: unknown }>;
}

/**
 * What any set of clients can cost the gateway and the team's Divio account (README "Limits").
 * Refusals name the limit that was hit.
 */
export interface GatewayLimits {
  /** Open connections per token (each token entry: the operator's, the viewer's …). */
  connectionsPerToken: number;
  /** Open connections in total (authenticated or not). */
  connections: number;
  /** Subscriptions per connection. */
  subscriptionsPerConnection: number;
  /** Distinct topics (one poller each) per gateway. */
  topics: number;
  /** Distinct logs topics (each keeps a replay buffer) per gateway. */
  logTopics: number;
  /** Upstream (Divio API) requests a second, sustained, shared fairly between topics, followers and jobs. */
  requestsPerSecond: number;
  /** Requests allowed at once after a quiet spell. */
  requestBurst: number;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  connectionsPerToken: 128,
  connections: 256,
  subscriptionsPerConnection: 64,
  topics: 200,
  logTopics: 24,
  requestsPerSecond: 20,
  requestBurst: 40,
};

/** Metric windows a client may ask for (minutes): others are rounded up to the next (the console's 15m/1h/6h/24h). */
export const METRIC_WINDOWS = [15, 60, 360, 1440] as const;

/** Failed hellos from one address: after FREE_FAILURES within FAILURE_WINDOW_MS, each refusal waits longer (up to 30 s). */
const FREE_FAILURES = 3;
const FAILURE_WINDOW_MS = 10 * 60_000;
/** How long a welcome waits for the upstream's answer to whose token it is (see onHello). */
const IDENTIFY_WAIT_MS = 3000;
const MAX_FAILURE_DELAY_MS = 30_000;

export interface Gateway {
  url: string;
  port: number;
  close(): Promise<void>;
  /** clients: connected; pollers: running topics + log followers; slowClients: clients now above their send budget;
   * upstreamWaiting: requests held back by the request ceiling now. */
  stats(): { clients: number; pollers: number; upstreamRequests: number; slowClients: number; topics: number; upstreamWaiting: number };
  /** The limits in force. */
  readonly limits: GatewayLimits;
  /** One line naming the limits (printed by `serve`). */
  limitsText(): string;
  /** The job store (for in-process callers and tests). */
  readonly jobs: JobStore;
  /** Resolves once start-up rediscovery has finished. */
  readonly rediscovered: Promise<void>;
  /** One line per state file found unusable at start (moved aside): the caller's and the job store's. */
  notices(): string[];
}

interface ClientConn extends Conn {
  token: GatewayToken | null;
  alive: boolean;
  helloTimer: NodeJS.Timeout | null;
  name: string;
  /** The peer's address (failed hellos are counted per address). */
  addr: string;
  /** Per subscription id: a generation, so a subscribe still being validated is dropped when superseded. */
  pending: Map<string, number>;
}

const CAPABILITIES = ['topics:fleet,env,deployments,deployment,logs,backups,metrics,jobs,domains,services', 'commands', 'resume', 'local'];

// A console with an in-process gateway loads this module, then waits for its sandbox and for its
// answers: the schemas of its first fleet (the messages it sends, the lists read for it) are built
// and run in those moments, a step at a time, not on the way to its first rows (issue 16).
warmInTurns([...GATEWAY_WARMUP, ...FLEET_LISTS_WARMUP]);

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  if (!opts.tokens.length || opts.tokens.some((t) => !t.token)) throw new Error('the gateway needs at least one non-empty token');
  const host = opts.host ?? '127.0.0.1';
  const scale = opts.pollScale ?? 1;
  const graceMs = opts.graceMs ?? 5000;
  const budget = opts.sendBudgetBytes ?? 4 * 1024 * 1024;
  const stallDeadline = opts.stallDeadlineMs ?? 30_000;
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const helloTimeout = opts.helloTimeoutMs ?? 5000;
  const up = opts.upstream;
  const prefetch = (opts.prefetch ?? []).map((want) => {
    const p = parseTopicRequest(want.topic, want.params);
    if (!p.ok) throw new Error(`prefetch: bad ${want.topic} parameters: ${zodText(p.error)}`);
    return canonicalRequest(p.request);
  });
  const limits: GatewayLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  if (!opts.limits?.requestsPerSecond && scale < 1) {
    // faster polls (tests, the bench) get a ceiling that follows them
    limits.requestsPerSecond = DEFAULT_LIMITS.requestsPerSecond / scale;
    limits.requestBurst = DEFAULT_LIMITS.requestBurst / scale;
  }
  const limiter = new RequestLimiter({ ratePerSec: limits.requestsPerSecond, burst: limits.requestBurst });
  up.divio.setGate((signal) => limiter.acquire(signal));
  let identifying: Promise<void> | null = up.identified ?? null;
  void identifying?.then(() => (identifying = null));

  // One gateway per data directory: two writers of jobs.json would undo each other's jobs.
  const taken = lockDir(opts.dataDir);
  if (!taken.lock) throw new DirBusyError(opts.dataDir, taken.heldBy, 'gateway state (jobs.json, audit.log)');
  const dirLock = taken.lock;
  const audit = new AuditLog(join(opts.dataDir, 'audit.log'));
  const knownEnvs = new KnownEnvs(up);
  /** Failed hellos per peer address (oldest first; bounded). */
  const failures = new Map<string, { count: number; last: number }>();
  const jobs = new JobStore({ upstream: up, dataDir: opts.dataDir, audit, scale });
  const cursors = new LogCursorBook(opts.dataDir, up.divio.baseUrl);
  const localHub = new LocalHub(opts.local);
  jobs.local = localHub;

  // ---------------------------------------------------------------- followers and topics
  const followers = new Map<string, EnvLogFollower>();
  const topics = new Map<string, Topic>();
  const stopTimers = new Map<string, NodeJS.Timeout>();

  const retained = new Retainer();
  const ctx: TopicCtx = {
    retained,
    up,
    scale,
    jobs,
    replayLines: opts.replayLines ?? 20_000,
    acquireFollower(env, since) {
      let f = followers.get(env);
      if (!f) {
        f = isLocalEnv(env) ? new LocalLogFollower(env, up, scale, localHub) : new EnvLogFollower(env, up, scale, cursors);
        followers.set(env, f);
        const follower = f;
        limiter.run(`follower:${env}`, () => follower.start(since));
      }
      if (f.stopTimer) clearTimeout(f.stopTimer);
      f.stopTimer = null;
      f.refs++;
      return f;
    },
    releaseFollower(f) {
      f.refs--;
      if (f.refs > 0) return;
      if (f.stopTimer) clearTimeout(f.stopTimer);
      f.stopTimer = setTimeout(() => {
        if (f.refs > 0) return;
        f.stop();
        if (followers.get(f.env) === f) followers.delete(f.env);
      }, graceMs);
    },
    followerOf(env) {
      return followers.get(env) ?? null;
    },
  };

  function createTopic(req: TopicRequest, key: string, resumeHint?: { tsIso: string }): Topic {
    switch (req.topic) {
      case 'fleet':
        return new FleetTopic(req.topic, key, req.params, ctx);
      case 'env':
        return new EnvTopic(req.topic, key, req.params, ctx);
      case 'deployments':
        return new DeploymentsTopic(req.topic, key, req.params, ctx);
      case 'deployment':
        return new DeploymentTopic(req.topic, key, req.params, ctx);
      case 'backups':
        return new BackupsTopic(req.topic, key, req.params, ctx);
      case 'domains':
        return new DomainsTopic(req.topic, key, req.params, ctx);
      case 'services':
        return new ServicesTopic(req.topic, key, req.params, ctx);
      case 'logHistory':
        return new LogHistoryTopic(req.topic, key, req.params, ctx);
      case 'metrics':
        return new MetricsTopic(req.topic, key, req.params, ctx);
      case 'jobs':
        return new JobsTopic(key, jobs);
      case 'local':
        return new LocalEnvTopic(req.topic, key, req.params, localHub);
      case 'logs': {
        const t = resumeHint ? Date.parse(resumeHint.tsIso) : NaN;
        return new LogsTopic(key, req.params, ctx, Number.isFinite(t) ? new Date(t) : undefined);
      }
    }
  }

  function acquireTopic(req: TopicRequest, resumeHint?: { tsIso: string }): Topic {
    const key = topicKey(req.topic, req.params);
    let t = topics.get(key);
    const timer = stopTimers.get(key);
    if (timer) {
      clearTimeout(timer);
      stopTimers.delete(key);
    }
    if (!t) {
      const topic = createTopic(req, key, resumeHint);
      topics.set(key, topic);
      // every upstream request of this topic waits in its own lane of the shared ceiling
      limiter.run(`topic:${key}`, () => topic.start());
      t = topic;
    }
    return t;
  }

  function releaseTopic(t: Topic): void {
    if (t.subs.size > 0) return;
    if (stopTimers.has(t.key)) return;
    stopTimers.set(
      t.key,
      setTimeout(() => {
        stopTimers.delete(t.key);
        if (t.subs.size > 0) return;
        t.stop();
        if (topics.get(t.key) === t) topics.delete(t.key);
      }, graceMs),
    );
  }

  // ---------------------------------------------------------------- jobs → clients
  const jobWatchers = new Map<string, Set<ClientConn>>();
  jobs.onChange((job: Job) => {
    // A job that ended changed its environment (a variable set, a backup taken, a deployment
    // done): the topics that show that environment read it again now, so a screen does not contradict
    // the job's "succeeded" for up to an interval (10 s for the environment).
    if (job.state === 'succeeded' || job.state === 'failed') {
      const envs = new Set([job.params.env, job.params.to].filter((x): x is string => typeof x === 'string'));
      if (envs.size) for (const t of topics.values()) if (t instanceof PollingTopic && envs.has(t.envOf() ?? '')) t.poke();
    }
    const watchers = jobWatchers.get(job.id);
    if (!watchers) return;
    const frame = JSON.stringify({ type: 'job', job });
    for (const c of watchers) {
      if (c.closed) watchers.delete(c);
      else rawSend(c, frame);
    }
    if (job.state === 'succeeded' || job.state === 'failed') jobWatchers.delete(job.id);
  });

  // ---------------------------------------------------------------- server
  const http: Server = createServer((req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('divio-tui gateway: connect with a WebSocket client\n');
  });
  const wss = new WebSocketServer({ server: http, maxPayload: 1024 * 1024 });
  const conns = new Set<ClientConn>();
  let nextConnId = 1;

  const send = (c: ClientConn, msg: unknown) => rawSend(c, JSON.stringify(msg));
  const sendError = (c: ClientConn, ref: string | null, code: string, message: string) => send(c, { type: 'error', ref, code, message });

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const addr = req.socket.remoteAddress ?? 'unknown';
    if (conns.size >= limits.connections) {
      try {
        ws.send(JSON.stringify({ type: 'error', ref: null, code: 'overloaded', message: `the gateway has ${limits.connections} connections open (its limit): try again later` }));
        ws.close(CloseCode.overloaded, 'too many connections');
      } catch {}
      setTimeout(() => ws.terminate(), 1000).unref();
      return;
    }
    const c: ClientConn = {
      id: nextConnId++,
      ws,
      budget,
      overSince: null,
      closed: false,
      subs: new Map(),
      onOver: watchDrain,
      token: null,
      alive: true,
      helloTimer: null,
      name: 'client',
      addr,
      pending: new Map(),
    };
    conns.add(c);
    c.helloTimer = setTimeout(() => {
      if (!c.token) closeConn(c, CloseCode.unauthorized, 'hello expected within 5 s');
    }, helloTimeout);
    ws.on('pong', () => {
      c.alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      try {
        onMessage(c, data, isBinary);
      } catch (e) {
        sendError(c, null, 'internal', `internal error: ${errorText(e)}`);
      }
    });
    ws.on('close', () => cleanup(c));
    ws.on('error', () => cleanup(c));
  });
  wss.on('error', () => {});

  function closeConn(c: ClientConn, code: number, reason: string): void {
    try {
      c.ws.close(code, reason);
    } catch {}
    // a stalled client never reads the close frame: do not wait for its handshake
    setTimeout(() => {
      if (c.ws.readyState !== 3) c.ws.terminate();
    }, 1000).unref();
    cleanup(c);
  }

  function cleanup(c: ClientConn): void {
    if (c.closed) return;
    c.closed = true;
    conns.delete(c);
    if (c.helloTimer) clearTimeout(c.helloTimer);
    for (const sub of c.subs.values()) {
      sub.topic.subs.delete(sub);
      releaseTopic(sub.topic);
    }
    c.subs.clear();
  }

  function onMessage(c: ClientConn, data: RawData, isBinary: boolean): void {
    const refuse = (message: string) => {
      sendError(c, null, 'unauthorized', message);
      closeConn(c, CloseCode.unauthorized, 'hello expected');
    };
    if (isBinary) {
      if (!c.token) return refuse('the first message must be a valid hello');
      return sendError(c, null, 'bad-frame', 'binary frames are not part of the protocol: send JSON text');
    }
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      if (!c.token) return refuse('the first message must be a valid hello');
      return sendError(c, null, 'bad-frame', 'frame is not valid JSON');
    }
    const parsed = ClientMessage.safeParse(raw);
    const obj: { id?: unknown; type?: unknown } | null = raw && typeof raw === 'object' ? raw : null;
    const ref = typeof obj?.id === 'string' ? obj.id.slice(0, 100) : typeof obj?.type === 'string' ? obj.type.slice(0, 40) : null;
    if (!parsed.success) {
      if (!c.token) {
        sendError(c, ref, 'unauthorized', 'the first message must be a valid hello');
        return closeConn(c, CloseCode.unauthorized, 'hello expected');
      }
      return sendError(c, ref, 'bad-frame', `invalid message: ${zodText(parsed.error)}`);
    }
    const msg = parsed.data;
    if (msg.type === 'hello') return onHello(c, msg);
    if (!c.token) {
      sendError(c, ref, 'unauthorized', 'send hello with a token first');
      return closeConn(c, CloseCode.unauthorized, 'hello expected');
    }
    switch (msg.type) {
      case 'ping':
        return send(c, { type: 'pong', t: msg.t });
      case 'subscribe':
        return onSubscribe(c, msg);
      case 'unsubscribe': {
        const sub = c.subs.get(msg.id);
        if (!sub) return sendError(c, msg.id, 'not-found', `no subscription "${msg.id}"`);
        c.subs.delete(msg.id);
        sub.topic.subs.delete(sub);
        releaseTopic(sub.topic);
        return;
      }
      case 'command':
        return onCommand(c, msg);
      case 'reveal':
        return onReveal(c, msg);
      case 'view': {
        const sub = c.subs.get(msg.id);
        if (sub && sub.topic instanceof FleetTopic) sub.topic.setView(sub, msg.visible);
        return;
      }
    }
  }

  function onHello(c: ClientConn, msg: Extract<ClientMessage, { type: 'hello' }>): void {
    if (c.token) return sendError(c, 'hello', 'protocol', 'already authenticated');
    if (msg.protocol !== PROTOCOL_VERSION) {
      sendError(c, 'hello', 'protocol', `protocol version ${msg.protocol} is not supported (this gateway speaks ${PROTOCOL_VERSION}); update divio-tui`);
      return closeConn(c, CloseCode.protocol, 'protocol version');
    }
    const fails = failures.get(c.addr);
    const now = Date.now();
    if (fails && now - fails.last > FAILURE_WINDOW_MS) failures.delete(c.addr);
    const delay = failureDelay(failures.get(c.addr)?.count ?? 0);
    if (delay > 0 && now - (failures.get(c.addr)?.last ?? 0) < delay) {
      // still cooling down: the token is not even looked at
      audit.write({ actor: 'unknown', role: '-', action: 'hello', target: c.addr, params: { client: msg.client ?? null }, outcome: 'refused: too many failed hellos from this address' });
      const wait = Math.ceil((delay - (now - failures.get(c.addr)!.last)) / 1000);
      sendError(c, 'hello', 'unauthorized', `too many failed hellos from this address: try again in ${wait} s`);
      return closeConn(c, CloseCode.unauthorized, 'slow down');
    }
    const tok = matchToken(opts.tokens, msg.token);
    if (!tok) {
      const f = failures.get(c.addr) ?? { count: 0, last: 0 };
      f.count++;
      f.last = now;
      failures.delete(c.addr);
      failures.set(c.addr, f);
      while (failures.size > 10_000) failures.delete(failures.keys().next().value!);
      // audited without the token (and without its length)
      audit.write({ actor: 'unknown', role: '-', action: 'hello', target: c.addr, params: { client: msg.client ?? null }, outcome: `refused: invalid token (failure ${f.count} from this address)` });
      const d = failureDelay(f.count);
      const answer = () => {
        sendError(c, 'hello', 'unauthorized', 'invalid token');
        closeConn(c, CloseCode.unauthorized, 'invalid token');
      };
      if (d > 0) setTimeout(answer, d).unref();
      else answer();
      return;
    }
    failures.delete(c.addr);
    let same = 0;
    for (const o of conns) if (o.token === tok) same++;
    if (same >= limits.connectionsPerToken) {
      audit.write({ actor: tok.name, role: tok.role, action: 'hello', target: c.addr, params: { client: msg.client ?? null }, outcome: `refused: ${limits.connectionsPerToken} connections already open with this token` });
      sendError(c, 'hello', 'overloaded', `the "${tok.name}" token already has ${limits.connectionsPerToken} connections open (the gateway's limit per token): close one first`);
      return closeConn(c, CloseCode.overloaded, 'too many connections for this token');
    }
    c.token = tok;
    c.name = msg.client ?? 'client';
    if (c.helloTimer) clearTimeout(c.helloTimer);
    c.helloTimer = null;
    const welcome = (): void => {
      if (c.closed) return;
      const w: Welcome = {
        type: 'welcome',
        protocol: PROTOCOL_VERSION,
        serverVersion: SERVER_VERSION,
        upstream: { kind: up.kind, zone: up.zone, user: up.user },
        role: tok.role,
        readOnly: !!opts.readOnly,
        capabilities: CAPABILITIES,
        notices: [...(opts.notices?.() ?? []), ...jobs.notices, ...cursors.notices],
      };
      send(c, w);
    };
    // The upstream asks whose token it is while the gateway starts: the welcome names the user, so
    // it waits for that answer (a slow one for at most IDENTIFY_WAIT_MS; the header then shows none).
    if (identifying) void Promise.race([identifying, new Promise<void>((r) => setTimeout(r, IDENTIFY_WAIT_MS).unref())]).then(welcome);
    else welcome();
  }

  function onSubscribe(c: ClientConn, msg: Extract<ClientMessage, { type: 'subscribe' }>): void {
    const p = parseTopicRequest(msg.topic, msg.params);
    if (!p.ok) return sendError(c, msg.id, 'bad-params', `bad ${msg.topic} parameters: ${zodText(p.error)}`);
    const req = canonicalRequest(p.request);
    const envIds = requestEnvs(req);
    const remote = envIds.filter((e) => !isLocalEnv(e));
    const gen = (c.pending.get(msg.id) ?? 0) + 1;
    c.pending.set(msg.id, gen);
    if (remote.length === 0 || remote.every((e) => knownEnvs.has(e))) return subscribeNow(c, msg, req);
    void knownEnvs.check(remote).then((unknown) => {
      if (c.closed || c.pending.get(msg.id) !== gen) return;
      if (unknown.length) {
        return sendError(c, msg.id, 'not-found', `no environment ${unknown.slice(0, 3).join(', ')} on ${up.zone}: the gateway only watches environments that exist`);
      }
      subscribeNow(c, msg, req);
    });
  }

  function subscribeNow(c: ClientConn, msg: Extract<ClientMessage, { type: 'subscribe' }>, req: TopicRequest): void {
    const old = c.subs.get(msg.id);
    if (old) {
      old.topic.subs.delete(old);
      releaseTopic(old.topic);
      c.subs.delete(msg.id);
    }
    if (c.subs.size >= limits.subscriptionsPerConnection)
      return sendError(c, msg.id, 'overloaded', `too many subscriptions on one connection (the gateway's limit is ${limits.subscriptionsPerConnection})`);
    const key = topicKey(req.topic, req.params);
    if (!topics.has(key)) {
      if (topics.size >= limits.topics)
        return sendError(c, msg.id, 'overloaded', `the gateway already runs ${limits.topics} distinct topics (its limit): subscribe to one that is already watched, or try again later`);
      if (msg.topic === 'logs') {
        let n = 0;
        for (const t of topics.values()) if (t.name === 'logs') n++;
        if (n >= limits.logTopics)
          return sendError(c, msg.id, 'overloaded', `the gateway already follows ${limits.logTopics} distinct log views (its limit): watch a combination that is already followed, or try again later`);
      }
    }
    const topic = acquireTopic(req, msg.resumeAfter);
    const sub = new Sub(msg.id, c, topic);
    sub.resumeFrom = msg.resumeFrom;
    sub.resumeAfter = msg.topic === 'logs' ? msg.resumeAfter : undefined;
    c.subs.set(msg.id, sub);
    topic.subs.add(sub);
    topic.onSubscribe(sub);
  }

  function onCommand(c: ClientConn, msg: Extract<ClientMessage, { type: 'command' }>): void {
    const tok = c.token!;
    const target = commandTarget(msg.params);
    if (opts.readOnly) {
      audit.write({ actor: tok.name, role: tok.role, action: msg.kind, target, params: msg.params, outcome: 'forbidden: read-only gateway' });
      return sendError(c, msg.id, 'forbidden', 'this gateway is read-only: commands are disabled');
    }
    if (tok.role !== 'operator') {
      audit.write({ actor: tok.name, role: tok.role, action: msg.kind, target, params: msg.params, outcome: 'forbidden: viewer role' });
      return sendError(c, msg.id, 'forbidden', `the "${tok.name}" token has the viewer role: it cannot run ${msg.kind}`);
    }
    const known = jobs.get(jobIdForKey(msg.idempotencyKey) ?? '');
    void limiter
      .run('jobs', () => jobs.submit(msg.kind as JobKind, msg.params, msg.idempotencyKey, { name: tok.name, role: tok.role }))
      .then((job) => {
        let w = jobWatchers.get(job.id);
        if (!w) jobWatchers.set(job.id, (w = new Set()));
        if (job.state === 'queued' || job.state === 'running') w.add(c);
        const again = !!known;
        audit.write({ actor: tok.name, role: tok.role, action: msg.kind, target: job.target, params: msg.params, outcome: again ? 'accepted (same idempotency key: existing job)' : 'accepted', job: job.id });
        send(c, { type: 'command-result', id: msg.id, ok: true, job });
      })
      .catch((e: unknown) => {
        const text = errorText(e);
        audit.write({ actor: tok.name, role: tok.role, action: msg.kind, target, params: msg.params, outcome: `rejected: ${text}` });
        if (e instanceof JobRejected) send(c, { type: 'command-result', id: msg.id, ok: false, error: text });
        else send(c, { type: 'command-result', id: msg.id, ok: false, error: `could not start ${msg.kind}: ${text}` });
      });
  }

  /** One variable's value, unmasked, to this operator only; audited without the value. */
  function onReveal(c: ClientConn, msg: Extract<ClientMessage, { type: 'reveal' }>): void {
    const tok = c.token!;
    const refuse = (why: string, outcome: string) => {
      audit.write({ actor: tok.name, role: tok.role, action: 'reveal', target: msg.env, params: { env: msg.env, name: msg.name }, outcome });
      send(c, { type: 'reveal-result', id: msg.id, ok: false, error: why });
    };
    if (opts.readOnly) return refuse('this gateway is read-only: values stay masked', 'forbidden: read-only gateway');
    if (tok.role !== 'operator') return refuse(`the "${tok.name}" token has the viewer role: values stay masked`, 'forbidden: viewer role');
    void limiter
      .run('jobs', async () => {
        const env = await up.divio.environment(msg.env);
        let app = env.application;
        try {
          app = (await up.divio.application(env.application)).slug;
        } catch {}
        const list = await collect(up.divio.environmentVariables({ environment: env.uuid, name: msg.name }));
        const v = list.find((x) => x.name === msg.name && (!x.environment || x.environment === env.uuid));
        return { target: `${app}@${env.slug} ${msg.name}`, v };
      })
      .then(({ target, v }) => {
        if (!v) {
          audit.write({ actor: tok.name, role: tok.role, action: 'reveal', target, params: { name: msg.name }, outcome: 'not found' });
          return send(c, { type: 'reveal-result', id: msg.id, ok: false, error: `no variable ${msg.name}` });
        }
        audit.write({ actor: tok.name, role: tok.role, action: 'reveal', target, params: { name: msg.name, sensitive: v.is_sensitive }, outcome: 'revealed' });
        send(c, { type: 'reveal-result', id: msg.id, ok: true, value: v.value });
      })
      .catch((e: unknown) => refuse(errorText(e), `failed: ${errorText(e)}`));
  }

  function jobIdForKey(key: string): string | undefined {
    for (const j of jobs.jobs.values()) if (j.idempotencyKey === key) return j.id;
    return undefined;
  }

  // ---------------------------------------------------------------- heartbeat, drain, stall
  const heartbeat = setInterval(() => {
    for (const c of conns) {
      if (!c.alive) {
        c.ws.terminate();
        cleanup(c);
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {}
    }
  }, heartbeatMs);
  // Clients above their send budget are watched every 100 ms until they drain or stall; the watch
  // runs only while one is (an idle gateway has no timer waking it ten times a second).
  let drainTick: ReturnType<typeof setInterval> | null = null;
  const watchDrain = (): void => {
    drainTick ??= setInterval(() => {
      const now = Date.now();
      let over = 0;
      for (const c of conns) {
        if (c.overSince === null) continue;
        if (c.ws.bufferedAmount <= c.budget) {
          c.overSince = null;
          for (const sub of c.subs.values()) if (sub.skipped > 0 || sub.pendingSnapshot || sub.heldMarkers.length) sub.topic.onDrained(sub);
          if (c.overSince !== null) over++;
        } else if (now - c.overSince > stallDeadline) {
          closeConn(c, CloseCode.stalled, 'stalled: the client did not read its data in time');
        } else over++;
      }
      if (!over && drainTick) {
        clearInterval(drainTick);
        drainTick = null;
      }
    }, 100);
  };

  for (const req of prefetch) releaseTopic(acquireTopic(req));

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  }).catch((e: unknown) => {
    dirLock.release();
    throw e;
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host;

  const delay = opts.rediscoverDelayMs ?? 0;
  const rediscovered =
    opts.rediscover === false
      ? jobs.rediscover({ upstreamScan: false })
      : delay > 0
        ? jobs.rediscover({ upstreamScan: false }).then(() => new Promise<void>((r) => setTimeout(r, delay).unref())).then(() => jobs.rediscover())
        : jobs.rediscover();

  let closing: Promise<void> | null = null;
  return {
    url: `ws://${urlHost}:${port}`,
    port,
    jobs,
    rediscovered,
    notices: () => [...(opts.notices?.() ?? []), ...jobs.notices, ...cursors.notices],
    stats: () => ({
      clients: conns.size,
      pollers: topics.size + followers.size,
      upstreamRequests: up.divio.stats().requests,
      slowClients: [...conns].filter((c) => c.overSince !== null).length,
      topics: topics.size,
      upstreamWaiting: limiter.waiting(),
    }),
    limits,
    limitsText: () =>
      `${fmtRate(limits.requestsPerSecond)} upstream requests/s (burst ${Math.round(limits.requestBurst)}), ${limits.connections} connections (${limits.connectionsPerToken} per token), ` +
      `${limits.topics} topics (${limits.logTopics} log views), ${limits.subscriptionsPerConnection} subscriptions per connection`,
    close: () =>
      (closing ??= (async () => {
        clearInterval(heartbeat);
        if (drainTick) clearInterval(drainTick);
        drainTick = null;
        for (const c of [...conns]) {
          try {
            c.ws.close(CloseCode.shutdown, 'gateway shutting down');
          } catch {}
          cleanup(c);
        }
        for (const t of stopTimers.values()) clearTimeout(t);
        stopTimers.clear();
        for (const t of topics.values()) t.stop();
        topics.clear();
        retained.clear();
        for (const f of followers.values()) {
          if (f.stopTimer) clearTimeout(f.stopTimer);
          f.stop();
        }
        followers.clear();
        cursors.flush();
        localHub.close();
        await jobs.close();
        limiter.close();
        up.divio.setGate(null);
        await new Promise<void>((r) => wss.close(() => r()));
        for (const ws of wss.clients) ws.terminate();
        http.closeAllConnections?.();
        await new Promise<void>((r) => http.close(() => r()));
        dirLock.release();
      })()),
  };
}

function fmtRate(r: number): string {
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/** How long the answer to a failed hello waits, after `count` failures from one address. */
export function failureDelay(count: number): number {
  if (count <= FREE_FAILURES) return 0;
  return Math.min(MAX_FAILURE_DELAY_MS, 1000 * 2 ** (count - FREE_FAILURES - 1));
}

/**
 * The environments that exist upstream (uuids), so that a subscription to an unknown one is refused
 * instead of starting a poller that asks Divio about it forever. The list is fetched at most once
 * every `minAgeMs` (an unknown id never costs more than that).
 */
class KnownEnvs {
  private ids = new Set<string>();
  private at = 0;
  private loading: Promise<void> | null = null;
  private failed = false;
  constructor(
    private up: Upstream,
    private minAgeMs = 30_000,
  ) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  /** The ids among `ids` that do not exist (after a refresh when the list may be stale). */
  async check(ids: string[]): Promise<string[]> {
    if (ids.some((e) => !this.ids.has(e)) && Date.now() - this.at >= this.minAgeMs) await this.refresh();
    // when the list cannot be read at all, do not refuse: the topic reports the upstream's answer
    if (this.failed && this.ids.size === 0) return [];
    return ids.filter((e) => !this.ids.has(e));
  }
  private refresh(): Promise<void> {
    this.loading ??= collect(this.up.divio.environments())
      .then(
        (list) => {
          this.ids = new Set(list.map((e) => e.uuid));
          this.failed = false;
        },
        () => {
          this.failed = true;
        },
      )
      .finally(() => {
        this.at = Date.now();
        this.loading = null;
      });
    return this.loading;
  }
}

function commandTarget(params: unknown): string | null {
  if (!params || typeof params !== 'object') return null;
  const p = params as Record<string, unknown>;
  for (const k of ['env', 'to', 'domain', 'backup']) if (typeof p[k] === 'string') return (p[k] as string).slice(0, 100);
  return null;
}

/**
 * One poller per distinct request: environments (and log services) sorted and deduplicated, metric
 * windows rounded up to the console's (arbitrary windows would each be a poller of their own).
 */
function canonicalRequest(req: TopicRequest): TopicRequest {
  const uniq = (xs: string[]): string[] => [...new Set(xs)].sort();
  switch (req.topic) {
    case 'logHistory':
      return { topic: req.topic, params: { ...req.params, envs: uniq(req.params.envs) } };
    case 'logs': {
      const envs = uniq(req.params.envs);
      const services = req.params.services?.length ? uniq(req.params.services.map((x) => x.slice(0, 64))).slice(0, 16) : undefined;
      return { topic: req.topic, params: services ? { envs, services } : { envs } };
    }
    case 'metrics': {
      const m = req.params.minutes;
      if (m === undefined) return req;
      return { topic: req.topic, params: { ...req.params, minutes: METRIC_WINDOWS.find((w) => w >= m) ?? METRIC_WINDOWS[METRIC_WINDOWS.length - 1] } };
    }
    default:
      return req;
  }
}

/** The environments a request watches (the gateway only watches environments that exist). */
function requestEnvs(req: TopicRequest): string[] {
  if (req.topic === 'logs' || req.topic === 'logHistory') return req.params.envs;
  return 'env' in req.params ? [req.params.env] : [];
}

function zodText(e: z.ZodError): string {
  return e.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || 'message'}: ${i.message}`)
    .join('; ');
}
