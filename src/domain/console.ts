// The console's own nouns: the normalised log line, jobs, fleet rows. Shared by gateway and TUI.
import * as z from './zod.js';
import { built, deferred } from './deferred.js';
import { BackupResult, CdnClearResult, CloudflarePurgeResult, DeployResult, DownloadResult, EnvVarResult, LocalActionResult, RedeployResult, RestoreResult } from './jobresults.js';

export const LogLevel = deferred(() => z.enum(['error', 'warning', 'info', 'debug']));
export type LogLevel = z.infer<typeof LogLevel>;

/** One runtime or deployment log line as the gateway emits it. */
export const LogLine = deferred(() => z.object({
  /** Gateway sequence number within its topic (monotonic). */
  seq: z.number().int().nonnegative(),
  /** Epoch milliseconds (µs precision from the API is kept in `tsIso`). */
  ts: z.number(),
  tsIso: z.string().optional(),
  /** Source label: environment slug (+ app when merged), e.g. "shop@live". */
  source: z.string(),
  /** Service within the environment: web, worker, cronjob, shell … */
  service: z.string(),
  message: z.string(),
}));
export type LogLine = z.infer<typeof LogLine>;

/** In-band marker: a gap, a drop, a deployment switch. Never silent. */
export const LogMarker = deferred(() => z.object({
  kind: z.enum(['gap', 'dropped', 'slow-link', 'retention', 'deployment', 'info']),
  ts: z.number(),
  /** Lines known to be missing (0 when unknown or not a loss). */
  count: z.number().int().nonnegative().default(0),
  text: z.string(),
}));
export type LogMarker = z.infer<typeof LogMarker>;

export const JobKind = deferred(() => z.enum(['deploy', 'redeploy', 'backup', 'restore', 'download', 'cdn-clear', 'cloudflare-purge', 'local-action', 'env-var']));
export type JobKind = z.infer<typeof JobKind>;
export const JobState = deferred(() => z.enum(['queued', 'running', 'succeeded', 'failed']));
export type JobState = z.infer<typeof JobState>;

export const JobStep = deferred(() => z.object({
  name: z.string(),
  state: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']),
  startedAt: z.number().nullable().default(null),
  endedAt: z.number().nullable().default(null),
  detail: z.string().optional(),
}));
export type JobStep = z.infer<typeof JobStep>;

const JobBase = deferred(() => z.object({
  id: z.string(),
  idempotencyKey: z.string(),
  state: built(JobState),
  /** Human target, e.g. "shop@live". */
  target: z.string(),
  app: z.string().optional(),
  env: z.string().optional(),
  /** The command's parameters as given, secrets left out (the gateway's redactParams). */
  params: z.record(z.string(), z.unknown()).default({}),
  percent: z.number().min(0).max(100).nullable().default(null),
  stage: z.string().nullable().default(null),
  steps: z.array(built(JobStep)).default([]),
  createdAt: z.number(),
  updatedAt: z.number(),
  endedAt: z.number().nullable().default(null),
  error: z.string().nullable().default(null),
  /** Upstream object being followed (deployment / backup / restore uuid). */
  upstreamId: z.string().nullable().default(null),
  actor: z.string().optional(),
  /** Role of the actor's token when the job was started (kept, so the audit names it after a gateway restart too). */
  role: z.string().optional(),
}));

/** Each kind's result schema (jobresults.ts): the key of the Job union. */
export const JobResults = {
  deploy: DeployResult,
  redeploy: RedeployResult,
  'env-var': EnvVarResult,
  backup: BackupResult,
  restore: RestoreResult,
  download: DownloadResult,
  'cdn-clear': CdnClearResult,
  'cloudflare-purge': CloudflarePurgeResult,
  'local-action': LocalActionResult,
} as const satisfies Record<JobKind, z.ZodType>;

/**
 * A job: a union keyed by `kind`, so `job.kind === 'download'` narrows `job.result` to a
 * DownloadResult. A result that does not match its kind's schema (a gateway of another version) is
 * dropped to null on arrival: the job itself is still shown. (Written out per kind: a helper generic
 * in the kind would lose the result's type.)
 */
export const Job = deferred(() => z.discriminatedUnion('kind', [
  JobBase.extend({ kind: z.literal('deploy'), result: DeployResult.nullable().default(null).catch(null) }),
  JobBase.extend({ kind: z.literal('redeploy'), result: RedeployResult.nullable().default(null).catch(null) }),
  JobBase.extend({ kind: z.literal('env-var'), result: EnvVarResult.nullable().default(null).catch(null) }),
  JobBase.extend({ kind: z.literal('backup'), result: BackupResult.nullable().default(null).catch(null) }),
  JobBase.extend({ kind: z.literal('restore'), result: RestoreResult.nullable().default(null).catch(null) }),
  JobBase.extend({ kind: z.literal('download'), result: DownloadResult.nullable().default(null).catch(null) }),
  JobBase.extend({ kind: z.literal('cdn-clear'), result: CdnClearResult.nullable().default(null).catch(null) }),
  JobBase.extend({ kind: z.literal('cloudflare-purge'), result: CloudflarePurgeResult.nullable().default(null).catch(null) }),
  JobBase.extend({ kind: z.literal('local-action'), result: LocalActionResult.nullable().default(null).catch(null) }),
]));
export type Job = z.infer<typeof Job>;
/** The job of one kind. */
export type JobOf<K extends JobKind> = Extract<Job, { kind: K }>;
/** What a job of kind K records as it runs. */
export type JobResultOf<K extends JobKind> = z.infer<(typeof JobResults)[K]>;


export const EnvState = deferred(() => z.enum(['live', 'deploying', 'failed', 'sleeping', 'never-deployed', 'unknown']));
export type EnvState = z.infer<typeof EnvState>;

/** One row of the fleet: an application × environment. */
export const FleetRow = deferred(() => z.object({
  appUuid: z.string(),
  app: z.string(),
  appName: z.string(),
  orgUuid: z.string(),
  org: z.string(),
  envUuid: z.string(),
  env: z.string(),
  branch: z.string().nullable(),
  state: built(EnvState),
  url: z.string().nullable().default(null),
  lastDeployment: z
    .object({
      uuid: z.string(),
      startedAt: z.string().nullable(),
      endedAt: z.string().nullable(),
      success: z.boolean().nullable(),
      percent: z.number().nullable(),
      status: z.string().nullable(),
    })
    .nullable(),
  lastBackupAt: z.string().nullable().default(null),
  /** The newest backup failed (after the newest successful one, if any): when it was made; null otherwise or not known. */
  lastBackupFailedAt: z.string().nullable().optional(),
  /** false: the newest successful backup is not known (yet): `lastBackupAt` null then means unknown, not "none". */
  backupKnown: z.boolean().optional(),
  /** 5xx per minute over the recent window, when known. */
  errorRate: z.number().nullable().default(null),
  /** Small error-rate history for a sparkline, oldest first; null = unknown (not sampled then), not zero. */
  errorHistory: z.array(z.number().nullable()).default([]),
  /** Set on the very first snapshot while the last deployments are still being fetched. */
  pending: z.boolean().optional(),
}));
export type FleetRow = z.infer<typeof FleetRow>;

