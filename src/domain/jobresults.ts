// What each kind of job leaves in its result, as the gateway records it while the job runs (so
// every field is optional: a running job has only the part done so far). One schema per kind, the
// key of the Job union (console.ts): a reader that switched on `job.kind` gets its kind's result,
// checked when the job crossed the wire. Values that are secrets are never recorded here.
import * as z from './zod.js';
import { built, deferred } from './deferred.js';
import { ContentVersion } from './divio.js';

/** The HTTP probe of the environment's URL after a deployment (null: the zone offers no URL). */
export const ProbeResult = deferred(() => z.looseObject({
  url: z.string(),
  ok: z.boolean(),
  status: z.number().nullable(),
  error: z.string().nullable().optional(),
  ms: z.number().optional(),
  attempts: z.number().optional(),
}));
export type ProbeResult = z.infer<typeof ProbeResult>;

export const DeployResult = deferred(() => z.looseObject({
  /** The deployment followed (a running one joined: `attached`). */
  deployment: z.string().optional(),
  attached: z.boolean().optional(),
  /** Divio's `success` of the ended deployment. */
  success: z.boolean().nullable().optional(),
  probe: ProbeResult.nullable().optional(),
}));
export type DeployResult = z.infer<typeof DeployResult>;

export const RedeployResult = deferred(() => z.looseObject({
  // in the order the job records them: the CLI prints the result in this order
  /** The earlier deployment chosen, and its commit. */
  of: z.string().optional(),
  chosenCommit: z.string().nullable().optional(),
  ...DeployResult.shape,
  /** The commit the new deployment ran; whether it is the chosen one (null: the zone does not say). */
  deployedCommit: z.string().nullable().optional(),
  sameCommit: z.boolean().nullable().optional(),
}));
export type RedeployResult = z.infer<typeof RedeployResult>;

/** Never the value: only the name and what was done. */
export const EnvVarResult = deferred(() => z.looseObject({
  name: z.string().optional(),
  action: z.enum(['set', 'unset']).optional(),
  created: z.boolean().optional(),
  sensitive: z.boolean().optional(),
  takesEffect: z.string().optional(),
}));
export type EnvVarResult = z.infer<typeof EnvVarResult>;

export const BackupResult = deferred(() => z.looseObject({ backup: z.string().optional() }));
export type BackupResult = z.infer<typeof BackupResult>;

export const RestoreResult = deferred(() => z.looseObject({
  // in the order the job records them: the CLI prints the result in this order
  /** The backup of the destination taken first (when asked for). */
  safetyBackup: z.string().optional(),
  /** A backup of another environment: downloaded, then uploaded to the destination's service instances. */
  download: z.string().optional(),
  uploadBackup: z.string().optional(),
  uploaded: z.boolean().optional(),
  restore: z.string().optional(),
  /** The destination's content version after the restore (zones that offer it). */
  contentVersion: ContentVersion.nullable().optional(),
}));
export type RestoreResult = z.infer<typeof RestoreResult>;

/** A file the gateway wrote under its download directory. */
export const DownloadedFile = deferred(() => z.looseObject({ path: z.string(), bytes: z.number() }));
export type DownloadedFile = z.infer<typeof DownloadedFile>;
export const DownloadResult = deferred(() => z.looseObject({ download: z.string().optional(), files: z.array(built(DownloadedFile)).optional() }));
export type DownloadResult = z.infer<typeof DownloadResult>;

export const CdnClearResult = deferred(() => z.looseObject({
  /** One domain asked for by name. */
  domain: z.string().optional(),
  /** An environment: the domains cleared, and the ones skipped with the reason ("name (reason)"). */
  cleared: z.array(z.string()).optional(),
  skipped: z.array(z.string()).optional(),
}));
export type CdnClearResult = z.infer<typeof CdnClearResult>;

/** The Cloudflare client's rate-limit bucket as the purge left it. */
export const RateLimitState = deferred(() => z.looseObject({ plan: z.string(), tokens: z.number(), capacity: z.number(), perSecond: z.number(), waitMs: z.number() }));
export type RateLimitState = z.infer<typeof RateLimitState>;
export const CloudflarePurgeResult = deferred(() => z.looseObject({
  zone: z.string().optional(),
  /** Progress while purging: requests sent of the total. */
  sent: z.number().optional(),
  total: z.number().optional(),
  requests: z.number().optional(),
  ids: z.array(z.string()).optional(),
  rateLimit: RateLimitState.optional(),
}));
export type CloudflarePurgeResult = z.infer<typeof CloudflarePurgeResult>;

export const LocalActionResult = deferred(() => z.looseObject({}));
export type LocalActionResult = z.infer<typeof LocalActionResult>;
