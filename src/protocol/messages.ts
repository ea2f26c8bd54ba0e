// The WebSocket protocol between the gateway and its clients (the TUI, scripts, the bench).
// JSON text frames, validated with zod on both ends. Versioned: a hello with another major
// protocol version is refused with a clear error. Each schema is built on its first use
// (src/domain/deferred.ts): the console's first fleet needs a few of them.
import * as z from '../domain/zod.js';
import { built, deferred, type Warmup } from '../domain/deferred.js';
import {
  Application,
  Backup,
  ContentVersion,
  Deployment,
  Domain,
  Environment,
  EnvironmentVariable,
  FleetRow,
  Job,
  JobKind,
  LogLine,
  LogMarker,
  MetricSample,
  ServiceInstance,
  ServiceInstanceBackup,
} from '../domain/index.js';

export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------- topics and their parameters
export const TopicName = deferred(() => z.enum(['fleet', 'env', 'deployments', 'deployment', 'logs', 'logHistory', 'backups', 'metrics', 'jobs', 'local', 'domains', 'services']));
export type TopicName = z.infer<typeof TopicName>;

/** A whole minute in UTC, as the log-history topic takes it: 2026-12-06T08:20Z. */
export const LOG_MINUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/;

export const TopicParams = {
  fleet: deferred(() => z.object({}).strict()),
  env: deferred(() => z.object({ env: z.string().min(1) }).strict()),
  deployments: deferred(() => z.object({ env: z.string().min(1) }).strict()),
  deployment: deferred(() => z.object({ deployment: z.string().min(1) }).strict()),
  /** Runtime logs of one or more environments, merged in time order. */
  logs: deferred(() => z.object({ envs: z.array(z.string().min(1)).min(1).max(16), services: z.array(z.string()).optional() }).strict()),
  /**
   * A past window of runtime logs (read once; shared by every client asking for the same window):
   * `from`/`to` are whole minutes (`YYYY-MM-DDThh:mmZ`, Divio's log API resolution), at most 24 h apart.
   */
  logHistory: deferred(() => z
    .object({ envs: z.array(z.string().min(1)).min(1).max(16), from: z.string().regex(LOG_MINUTE), to: z.string().regex(LOG_MINUTE) })
    .strict()
    .refine((p) => p.from < p.to && Date.parse(p.to) - Date.parse(p.from) <= 24 * 3_600_000, { message: 'from must be before to, at most 24 h apart' })),
  backups: deferred(() => z.object({ env: z.string().min(1) }).strict()),
  metrics: deferred(() => z.object({ env: z.string().min(1), minutes: z.number().int().positive().max(1440).optional() }).strict()),
  jobs: deferred(() => z.object({}).strict()),
  /** `stats`: also CPU/memory (one engine stats stream per running container while watched). */
  local: deferred(() => z.object({ project: z.string().min(1).max(200).optional(), stats: z.boolean().optional() }).strict()),
  /** Every domain of the account (`GET /apps/v3/domains/`), for the fleet-wide `:domains` view. */
  domains: deferred(() => z.object({}).strict()),
  /** An environment's service instances, with the names of their regions and catalogue services. */
  services: deferred(() => z.object({ env: z.string().min(1) }).strict()),
} as const satisfies Record<TopicName, z.ZodTypeAny>;

export { topicKey, stableStringify } from './keys.js';

// ---------------------------------------------------------------- topic payloads
/** Per-topic upstream health, so a pane can degrade on its own ("upstream 503, retrying in 4 s"). */
export const TopicHealth = deferred(() => z.object({
  ok: z.boolean(),
  error: z.string().nullable().default(null),
  retryInMs: z.number().nullable().default(null),
  updatedAt: z.number(),
}));
export type TopicHealth = z.infer<typeof TopicHealth>;

/** `notes`: what the fleet could not do, in words for the screen (e.g. backup ages not known yet). */
export const FleetData = deferred(() => z.object({
  rows: z.array(built(FleetRow)),
  notes: z.array(z.string()).optional(),
  /** true while the first listing is still coming in (rows appear as their applications answer). */
  loading: z.boolean().optional(),
}));
export type FleetData = z.infer<typeof FleetData>;

export const EnvData = deferred(() => z.object({
  application: built(Application),
  environment: built(Environment),
  environments: z.array(built(Environment)).default([]), // siblings (for restore destinations, promote)
  serviceInstances: z.array(built(ServiceInstance)).default([]),
  domains: z.array(built(Domain)).default([]),
  /** Values of sensitive variables are masked by the gateway ("****", as every secret the gateway masks), never sent. */
  variables: z.array(built(EnvironmentVariable)).default([]),
  deployments: z.array(built(Deployment)).default([]),
  contentVersion: ContentVersion.nullable().default(null),
}));
export type EnvData = z.infer<typeof EnvData>;

export const DeploymentsData = deferred(() => z.object({ deployments: z.array(built(Deployment)) }));
export type DeploymentsData = z.infer<typeof DeploymentsData>;
export const DeploymentData = deferred(() => z.object({
  deployment: built(Deployment),
  /** The whole log (snapshot) or the appended part (event). */
  log: z.string().default(''),
  append: z.boolean().default(false),
}));
export type DeploymentData = z.infer<typeof DeploymentData>;

/** Log events: a batch of lines and/or markers. Markers are in-band and never silent. */
export const LogsData = deferred(() => z.object({
  lines: z.array(built(LogLine)).default([]),
  markers: z.array(built(LogMarker)).default([]),
}));
export type LogsData = z.infer<typeof LogsData>;

/** A past window of runtime logs, oldest first; `truncated`: more lines than the gateway reads for one window. */
export const LogHistoryData = deferred(() => z.object({
  from: z.string(),
  to: z.string(),
  lines: z.array(built(LogLine)).default([]),
  truncated: z.boolean().default(false),
}));
export type LogHistoryData = z.infer<typeof LogHistoryData>;

export const BackupWithDetail = deferred(() => Backup.extend({
  details: z.array(built(ServiceInstanceBackup)).default([]),
}));
export type BackupWithDetail = z.infer<typeof BackupWithDetail>;
/** `notes`: how the list was read when the zone would not list the whole account at once. */
export const DomainsData = deferred(() => z.object({ domains: z.array(built(Domain)), notes: z.array(z.string()).optional() }));
export type DomainsData = z.infer<typeof DomainsData>;

/**
 * `regions` and `services`: names by uuid, for the instances' `region` and `service` (read once per
 * watch; empty where the zone did not answer: the screen shows the uuid then).
 */
export const ServicesData = deferred(() => z.object({
  serviceInstances: z.array(built(ServiceInstance)),
  regions: z.record(z.string(), z.string()).default({}),
  services: z.record(z.string(), z.object({ name: z.string(), type: z.string().nullable().optional(), description: z.string().nullable().optional() })).default({}),
}));
export type ServicesData = z.infer<typeof ServicesData>;

export const BackupsData = deferred(() => z.object({ backups: z.array(built(BackupWithDetail)), serviceInstances: z.array(built(ServiceInstance)).default([]) }));
export type BackupsData = z.infer<typeof BackupsData>;

export const AccessStats = deferred(() => z.object({
  windowStart: z.number(),
  windowEnd: z.number(),
  requests: z.number(),
  requestRate: z.number(), // per second
  errorRate: z.number(), // 5xx per second
  errorFraction: z.number(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  /** Oldest first; null = unknown (before the followed logs begin), not zero. */
  series: z.array(z.object({ t: z.number(), requests: z.number().nullable(), errors: z.number().nullable(), p95: z.number().nullable() })).default([]),
}));
export type AccessStats = z.infer<typeof AccessStats>;
export const MetricsData = deferred(() => z.object({
  /** null = the upstream has no metrics endpoint (stated, not an error). */
  samples: z.array(built(MetricSample)).nullable(),
  access: AccessStats.nullable(),
}));
export type MetricsData = z.infer<typeof MetricsData>;

export const JobsData = deferred(() => z.object({ jobs: z.array(built(Job)) }));

/** One container of the Local environment (the developer's Docker/Podman engine). */
export const LocalContainerData = deferred(() => z.object({
  id: z.string(),
  shortId: z.string(),
  name: z.string(),
  project: z.string().nullable(),
  service: z.string().nullable(),
  image: z.string(),
  /** Engine state: created, running, paused, restarting, removing, exited, dead. */
  state: z.string(),
  /** The engine's human status ("Up 3 minutes", "Exited (0) 2 seconds ago"). */
  status: z.string(),
  health: z.enum(['healthy', 'unhealthy', 'starting', 'none']),
  /** Epoch ms of the last start (uptime = now - startedAt while running). */
  startedAt: z.number().nullable(),
  exitCode: z.number().nullable(),
  ports: z.array(z.object({ privatePort: z.number(), publicPort: z.number().nullable(), ip: z.string().nullable(), type: z.string() })),
  tty: z.boolean(),
  /** From the stats stream while the topic is watched (100 % = one core); null until a sample came. */
  cpuPercent: z.number().nullable(),
  memoryUsed: z.number().nullable(),
  memoryLimit: z.number().nullable(),
  /** Epoch ms of the latest stats sample. */
  statsAt: z.number().nullable(),
  /**
   * CPU % and memory bytes over the last minutes, oldest first, one value per `LocalData.historyStepMs`
   * up to now; null = no sample then (stats not watched, container stopped). Empty without stats.
   */
  cpuHistory: z.array(z.number().nullable()).default([]),
  memHistory: z.array(z.number().nullable()).default([]),
}));
export type LocalContainerData = z.infer<typeof LocalContainerData>;
export const LocalProjectData = deferred(() => z.object({
  project: z.string(),
  workingDir: z.string().nullable(),
  /** The cloud application this compose project belongs to (from .divio/config.json), if linked. */
  app: z.object({ id: z.number().optional(), slug: z.string().optional(), uuid: z.string().optional() }).nullable(),
  appError: z.string().nullable(),
  containers: z.array(built(LocalContainerData)),
}));
export type LocalProjectData = z.infer<typeof LocalProjectData>;
export const LocalData = deferred(() => z.object({
  engine: z.object({
    /** live: events stream open; connecting; reconnecting; unavailable: no engine (see reason). */
    status: z.enum(['connecting', 'live', 'reconnecting', 'unavailable']),
    reason: z.string().nullable(),
    product: z.enum(['docker', 'podman']).nullable(),
    version: z.string().nullable(),
    /** Engine address (unix:///…, tcp://…), credentials masked. */
    address: z.string().nullable(),
    /**
     * The command that opens a shell in a container from the gateway's machine (`{container}` stands
     * for the container id): a console on the same machine hands its terminal to it.
     */
    shell: z.object({ argv: z.array(z.string()).min(1), env: z.record(z.string(), z.string()) }).nullable().default(null),
    /** Why there is no shell command (no docker/podman CLI on the gateway's machine). */
    shellReason: z.string().nullable().default(null),
  }),
  projects: z.array(built(LocalProjectData)),
  /** Containers that belong to no compose project. */
  standalone: z.array(built(LocalContainerData)),
  updatedAt: z.number(),
  /** Width in ms of one value of the containers' cpuHistory/memHistory. */
  historyStepMs: z.number().positive().default(2000),
}));
export type LocalData = z.infer<typeof LocalData>;

export const TopicData = {
  fleet: FleetData,
  env: EnvData,
  deployments: DeploymentsData,
  deployment: DeploymentData,
  logs: LogsData,
  logHistory: LogHistoryData,
  backups: BackupsData,
  metrics: MetricsData,
  jobs: JobsData,
  local: LocalData,
  domains: DomainsData,
  services: ServicesData,
} as const satisfies Record<TopicName, z.ZodTypeAny>;

/** A topic's parameters as a client writes them (optional fields may be left out). */
export type TopicParamsIn<K extends TopicName> = z.input<(typeof TopicParams)[K]>;
/** A topic's parameters once validated (what the gateway's topics hold). */
export type TopicParamsOf<K extends TopicName> = z.infer<(typeof TopicParams)[K]>;
/** A topic's payload: what its snapshots and events carry, validated. */
export type TopicDataOf<K extends TopicName> = z.infer<(typeof TopicData)[K]>;
/** A validated (topic, parameters) pair: switching on `topic` narrows `params`. */
export type TopicRequest = { [K in TopicName]: { topic: K; params: TopicParamsOf<K> } }[TopicName];

/** Validate a topic's parameters (absent = `{}`): the typed request, or zod's error. */
export function parseTopicRequest(topic: TopicName, raw: unknown): { ok: true; request: TopicRequest } | { ok: false; error: z.ZodError } {
  // TopicParams[topic] is the schema of this very topic: what it returns is that topic's parameters.
  const p = (TopicParams[topic] as z.ZodType).safeParse(raw === undefined ? {} : raw);
  return p.success ? { ok: true, request: { topic, params: p.data } as TopicRequest } : { ok: false, error: p.error };
}

// ---------------------------------------------------------------- commands
export const CommandParams = {
  /** A live environment needs `confirm` naming it: `APP@live`. */
  deploy: deferred(() => z.object({ env: z.string(), buildMode: z.enum(['AUTO', 'ADOPT', 'FORCE']).default('AUTO'), confirm: z.string().max(300).optional() })),
  /**
   * Deploy the environment again, chosen from its deployments list (`deployment`: the earlier one).
   * Divio deploys the head of the environment's branch: the job says whether that is the chosen
   * deployment's commit. A live environment needs `confirm` naming it, as deploy does.
   */
  redeploy: deferred(() => z.object({
    env: z.string(),
    deployment: z.string().min(1).max(100),
    buildMode: z.enum(['AUTO', 'ADOPT', 'FORCE']).default('AUTO'),
    confirm: z.string().max(300).optional(),
  })),
  /**
   * Set (create or update) or unset one environment variable. The value is never recorded: not in
   * the job, its result, the audit or any log. A live environment needs `confirm` naming it.
   */
  'env-var': deferred(() => z.discriminatedUnion('action', [
    z.object({
      action: z.literal('set'),
      env: z.string(),
      name: z.string().min(1).max(255),
      value: z.string().max(65_536),
      /** Default: keep the variable's flag (a new one: not sensitive). */
      sensitive: z.boolean().optional(),
      confirm: z.string().max(300).optional(),
    }),
    z.object({ action: z.literal('unset'), env: z.string(), name: z.string().min(1).max(255), confirm: z.string().max(300).optional() }),
  ])),
  backup: deferred(() => z.object({ env: z.string(), services: z.array(z.string()).optional(), notes: z.string().max(1000).optional() })),
  restore: deferred(() => z.object({
    backup: z.string(),
    /** Destination environment uuid (any environment of the app). */
    to: z.string(),
    siBackups: z.array(z.string()).min(1),
    safetyBackup: z.boolean().default(true),
    /** Must name the destination: `APP@ENV` (its application's slug and its own). */
    confirm: z.string().max(300),
    /** A backup of another application: must name the source `APP@ENV` as well (refused without). */
    crossApplication: z.string().max(300).optional(),
    notes: z.string().optional(),
  })),
  /**
   * Written under the gateway's download directory with a name the gateway chooses (in the job's
   * result); `dest` is refused whatever it holds (accepted only to answer it clearly).
   */
  download: deferred(() => z.object({ backup: z.string(), siBackups: z.array(z.string()).min(1), dest: z.string().max(4096).optional() })),
  /** Clear Divio's CDN cache of one domain, or of every domain of an environment that is on it. */
  'cdn-clear': deferred(() => z.object({ domain: z.string().optional(), env: z.string().optional() })),
  'cloudflare-purge': deferred(() => z.object({
    env: z.string(),
    zone: z.string().optional(),
    everything: z.boolean().optional(),
    files: z.array(z.string()).optional(),
    prefixes: z.array(z.string()).optional(),
    hosts: z.array(z.string()).optional(),
    tags: z.array(z.string()).optional(),
    /** `everything` needs it: `APP@ENV`. */
    confirm: z.string().max(300).optional(),
  })),
  /** start/stop/restart a container of the Local environment (the gateway's engine). */
  'local-action': deferred(() => z.object({ container: z.string().min(1).max(128), action: z.enum(['start', 'stop', 'restart']) }).strict()),
} as const satisfies Record<JobKind, z.ZodTypeAny>;

// ---------------------------------------------------------------- client → gateway
export const Hello = deferred(() => z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  token: z.string(),
  client: z.string().max(100).optional(),
}));
export const Subscribe = deferred(() => z.object({
  type: z.literal('subscribe'),
  id: z.string().min(1).max(100),
  topic: built(TopicName),
  params: z.unknown(),
  /** Last sequence the client has; the gateway replays what followed or sends a gap. */
  resumeFrom: z.number().int().nonnegative().optional(),
  /**
   * Logs topics only: where the client's stream ended (tsIso of its last line, and how many lines
   * it holds with exactly that timestamp). Lets a restarted gateway continue without loss even
   * though its sequence numbers are new.
   */
  resumeAfter: z.object({ tsIso: z.string().min(1).max(64), count: z.number().int().nonnegative().max(100_000) }).optional(),
}));
export const Unsubscribe = deferred(() => z.object({ type: z.literal('unsubscribe'), id: z.string().min(1).max(100) }));
export const Command = deferred(() => z.object({
  type: z.literal('command'),
  id: z.string().min(1).max(100),
  kind: built(JobKind),
  params: z.unknown(),
  idempotencyKey: z.string().min(8).max(200),
}));
export const Ping = deferred(() => z.object({ type: z.literal('ping'), t: z.number() }));
/**
 * What a subscriber has on screen (fleet: environment uuids): the gateway refreshes those first.
 * A hint only: topics that do not use it ignore it; a new one replaces the previous one.
 */
export const View = deferred(() => z.object({ type: z.literal('view'), id: z.string().min(1).max(100), visible: z.array(z.string().min(1).max(100)).max(500) }));
/**
 * The value of one environment variable, unmasked, for this client only (operators; audited as
 * "reveal", without the value). Every other output of the gateway masks sensitive values.
 */
export const Reveal = deferred(() => z.object({ type: z.literal('reveal'), id: z.string().min(1).max(100), env: z.string().min(1).max(100), name: z.string().min(1).max(255) }));
export const ClientMessage = deferred(() => z.discriminatedUnion('type', [built(Hello), built(Subscribe), built(Unsubscribe), built(Command), built(Ping), built(View), built(Reveal)]));
export type ClientMessage = z.infer<typeof ClientMessage>;

// ---------------------------------------------------------------- gateway → client
export const Role = deferred(() => z.enum(['viewer', 'operator']));
export type Role = z.infer<typeof Role>;
export const Welcome = deferred(() => z.object({
  type: z.literal('welcome'),
  protocol: z.number().int(),
  serverVersion: z.string(),
  upstream: z.object({ kind: z.enum(['sandbox', 'divio']), zone: z.string(), user: z.string().nullable().default(null) }),
  role: built(Role),
  readOnly: z.boolean().default(false),
  capabilities: z.array(z.string()).default([]),
  /** One line per state file the gateway (or its sandbox) found unusable at start and moved aside. */
  notices: z.array(z.string()).default([]),
}));
export type Welcome = z.infer<typeof Welcome>;
export const Snapshot = deferred(() => z.object({ type: z.literal('snapshot'), sub: z.string(), topic: built(TopicName), seq: z.number().int(), data: z.unknown() }));
export const Event = deferred(() => z.object({ type: z.literal('event'), sub: z.string(), topic: built(TopicName), seq: z.number().int(), data: z.unknown() }));
export const Gap = deferred(() => z.object({
  type: z.literal('gap'),
  sub: z.string(),
  topic: built(TopicName),
  /** Sequences from..to (inclusive) are lost for this client. */
  from: z.number().int(),
  to: z.number().int(),
  missed: z.number().int().nonnegative(),
  reason: z.enum(['replay-exhausted', 'slow-link', 'upstream-retention', 'gateway-restart']),
  text: z.string(),
}));
export const Status = deferred(() => z.object({ type: z.literal('status'), sub: z.string(), topic: built(TopicName), health: built(TopicHealth) }));
export const JobUpdate = deferred(() => z.object({ type: z.literal('job'), job: built(Job) }));
export const CommandResult = deferred(() => z.object({
  type: z.literal('command-result'),
  id: z.string(),
  ok: z.boolean(),
  job: Job.optional(),
  error: z.string().optional(),
}));
export const ErrorMessage = deferred(() => z.object({
  type: z.literal('error'),
  /** The id (or type) of the client message that caused it, when known. */
  ref: z.string().nullable().default(null),
  code: z.enum(['bad-frame', 'unauthorized', 'forbidden', 'bad-params', 'unknown-topic', 'protocol', 'internal', 'not-found', 'overloaded']),
  message: z.string(),
}));
export const Pong = deferred(() => z.object({ type: z.literal('pong'), t: z.number() }));
export const RevealResult = deferred(() => z.object({ type: z.literal('reveal-result'), id: z.string(), ok: z.boolean(), value: z.string().nullable().optional(), error: z.string().optional() }));
export const ServerMessage = deferred(() => z.discriminatedUnion('type', [built(Welcome), built(Snapshot), built(Event), built(Gap), built(Status), built(JobUpdate), built(CommandResult), built(ErrorMessage), built(Pong), built(RevealResult)]));
export type ServerMessage = z.infer<typeof ServerMessage>;

/** WebSocket close codes used by the gateway. */
export const CloseCode = {
  unauthorized: 4001,
  protocol: 4002,
  stalled: 4008, // client did not read past the deadline
  overloaded: 4029, // a connection cap (per token or in total) is reached
  shutdown: 1001,
} as const;

// ---------------------------------------------------------------- warm-up
// The schemas are built on first use, and zod's first parse with a schema is slow (its checks and
// compiled parsers are made then). The console's first fleet waits on these parses, and its main
// thread has idle moments before them (its sandbox starting, the sandbox's answers): each end runs
// its part on samples like those messages, one step per turn of the event loop, as soon as its
// module is loaded (warmInTurns; issue 16). Nothing is kept from a sample.

const SAMPLE_ROW = {
  appUuid: 'a', app: 'shop', appName: 'Shop', orgUuid: 'o', org: 'Org', envUuid: 'e', env: 'live', branch: 'main', state: 'live', url: null,
  lastDeployment: { uuid: 'd', startedAt: '2026-01-01T00:00:00Z', endedAt: '2026-01-01T00:01:00Z', success: true, percent: 100, status: 'success' },
  lastBackupAt: null, backupKnown: false, errorRate: null, errorHistory: [0, null],
};
const SAMPLE_FLEET = { rows: [SAMPLE_ROW, { ...SAMPLE_ROW, lastDeployment: null }], notes: ['sample'], loading: true };

/** The gateway's side: the hello, subscriptions and view of a console opening its fleet. */
export const GATEWAY_WARMUP: Warmup = [
  () => ClientMessage.safeParse({ type: 'hello', protocol: PROTOCOL_VERSION, token: 'sample-token', client: 'divio-tui' }).success,
  () => ClientMessage.safeParse({ type: 'subscribe', id: 's1', topic: 'fleet', params: {} }).success,
  () => ClientMessage.safeParse({ type: 'view', id: 's1', visible: ['env-uuid'] }).success,
  () => parseTopicRequest('fleet', {}).ok && parseTopicRequest('jobs', {}).ok,
];

/** The client's side: the welcome, snapshots and status of the fleet and the jobs. */
export const CLIENT_WARMUP: Warmup = [
  () => built(Job) !== undefined,
  () => ServerMessage.safeParse({ type: 'welcome', protocol: PROTOCOL_VERSION, serverVersion: '0', upstream: { kind: 'sandbox', zone: 'sandbox' }, role: 'operator' }).success,
  () => ServerMessage.safeParse({ type: 'snapshot', sub: 's1', topic: 'fleet', seq: 1, data: SAMPLE_FLEET }).success,
  () => TopicData.fleet.safeParse(SAMPLE_FLEET).success,
  () => TopicData.jobs.safeParse({ jobs: [] }).success,
  () => ServerMessage.safeParse({ type: 'status', sub: 's1', topic: 'fleet', health: { ok: true, updatedAt: 0 } }).success,
];
