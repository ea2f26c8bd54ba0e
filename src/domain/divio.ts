// The Divio platform's nouns, as the public API v3 returns them (recorded in test/contract/fixtures/).
// Tolerant where the API is unverified: unknown fields pass through (looseObject), undocumented
// fields are optional/nullable. Strict where the console relies on a field (uuid, slug, ended_at …).
// Each schema is built on its first use (./deferred.ts).
import * as z from './zod.js';
import { built, deferred, type Warmup } from './deferred.js';

const uuid = z.string().min(1);
const isoTime = z.string().min(1);
const nullableTime = isoTime.nullable().optional();

function makePage<T extends z.ZodTypeAny>(item: T) {
  return z.looseObject({
    count: z.number().int().nonnegative().optional(),
    next: z.string().nullable(),
    previous: z.string().nullable().optional(),
    results: z.array(item),
  });
}
const pages = new WeakMap<z.ZodTypeAny, ReturnType<typeof makePage>>();

/**
 * DRF page-number pagination envelope. One schema per item schema: zod compiles a schema on its
 * first parse, and the pollers page through the same lists over and over.
 */
export function page<T extends z.ZodTypeAny>(item: T): ReturnType<typeof makePage<T>> {
  let p = pages.get(item);
  if (!p) pages.set(item, (p = makePage(item)));
  return p as ReturnType<typeof makePage<T>>;
}
export type Page<T> = { count?: number; next: string | null; previous?: string | null; results: T[] };

export const Me = deferred(() => z.looseObject({
  uuid,
  email: z.string(),
  first_name: z.string().optional().default(''),
  last_name: z.string().optional().default(''),
}));
export type Me = z.infer<typeof Me>;

export const Organisation = deferred(() => z.looseObject({
  uuid,
  name: z.string(),
  created_at: nullableTime,
}));
export type Organisation = z.infer<typeof Organisation>;

export const Region = deferred(() => z.looseObject({ uuid, name: z.string() }));
export type Region = z.infer<typeof Region>;

export const Application = deferred(() => z.looseObject({
  uuid,
  slug: z.string().min(1),
  name: z.string(),
  organisation: uuid,
  repository: z.string().nullable().optional(),
}));
export type Application = z.infer<typeof Application>;

export const SshEndpoint = deferred(() => z.looseObject({
  host: z.string().min(1),
  port: z.number().int().positive(),
  user: z.string().min(1),
  /** Sandbox extension (`--extensions`): the endpoint's host key, pinned for this one connection. */
  host_key: z.string().nullable().optional(),
}));
export type SshEndpoint = z.infer<typeof SshEndpoint>;

/**
 * `environment.last_finished_deployment`: an OBJECT or null. Divio's CLI reads
 * `environment["last_finished_deployment"]["uuid"]` (divio_cli/cloud.py, get_deploy_log) and treats a
 * falsy value as "not deployed yet" (ssh, show_log). Only `uuid` is relied on; the other fields are
 * the deployment's own (unverified inside this object), so they are optional and nullable.
 */
export const DeploymentRef = deferred(() => z.looseObject({
  uuid,
  started_at: nullableTime,
  ended_at: nullableTime,
  status: z.string().nullable().optional(),
  success: z.boolean().nullable().optional(),
}));
export type DeploymentRef = z.infer<typeof DeploymentRef>;

export const Environment = deferred(() => z.looseObject({
  uuid,
  slug: z.string().min(1),
  branch: z.string().nullable().optional(),
  application: uuid,
  last_finished_deployment: DeploymentRef.nullable().optional(),
  ssh_endpoint: SshEndpoint.nullable().optional(),
  // unverified / sandbox-provided extras
  url: z.string().nullable().optional(),
  status: z.string().nullable().optional(),
}));
export type Environment = z.infer<typeof Environment>;

export const DeploymentStatus = deferred(() => z.string()); // enum unverified: e.g. "running", "success", "failure"
export const Deployment = deferred(() => z.looseObject({
  uuid,
  environment: uuid,
  started_at: nullableTime,
  ended_at: isoTime.nullable(),
  status: DeploymentStatus.nullable().optional(),
  percent: z.number().min(0).max(100).nullable().optional(),
  success: z.boolean().nullable().optional(),
  environment_variables: z.array(z.string()).optional(),
  // sandbox extras (the real API may lack them)
  stage: z.string().nullable().optional(),
  build_mode: z.string().nullable().optional(),
  commit: z.string().nullable().optional(),
  branch: z.string().nullable().optional(),
  /** Who started it (unverified: not in Divio's CLI or docs; the sandbox serves it as an extension). */
  author: z.string().nullable().optional(),
}));
export type Deployment = z.infer<typeof Deployment>;

export const DeploymentLog = deferred(() => z.looseObject({ uuid, logs: z.string() }));
export type DeploymentLog = z.infer<typeof DeploymentLog>;

export const RuntimeLogEntry = deferred(() => z.looseObject({
  timestamp: isoTime,
  service: z.string().default('web'),
  message: z.string(),
}));
export type RuntimeLogEntry = z.infer<typeof RuntimeLogEntry>;

export const RuntimeLogPage = deferred(() => z.looseObject({
  results: z.array(built(RuntimeLogEntry)),
  next: z.string().nullable().optional(),
  previous: z.string().nullable().optional(),
}));
export type RuntimeLogPage = z.infer<typeof RuntimeLogPage>;

export const EnvironmentVariable = deferred(() => z.looseObject({
  uuid: uuid.optional(),
  name: z.string().min(1),
  value: z.string().nullable(),
  is_sensitive: z.boolean().default(false),
  environment: uuid.optional(),
}));
export type EnvironmentVariable = z.infer<typeof EnvironmentVariable>;

/**
 * `GET /apps/v3/service-instances/?environment=`. `region` and `service` are the uuids of a region
 * (`/apps/v3/regions/`) and of a catalogue service (`/apps/v3/services/`): Divio's CLI creates an
 * instance by posting those uuids (`service-instances add --region UUID --service UUID`).
 */
export const ServiceInstance = deferred(() => z.looseObject({
  uuid,
  prefix: z.string().default('DEFAULT'),
  type: z.string(), // DATABASE, STORAGE, …
  service_status: z.string().nullable().optional(),
  region: z.string().nullable().optional(),
  service: z.string().nullable().optional(),
  environment: uuid.optional(),
}));
export type ServiceInstance = z.infer<typeof ServiceInstance>;

/** The service catalogue, `GET /apps/v3/services/?region=` (Divio's CLI `services list`: uuid, name, type, description). */
export const Service = deferred(() => z.looseObject({
  uuid,
  name: z.string(),
  type: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  identifier: z.string().nullable().optional(),
  region: z.string().nullable().optional(),
}));
export type Service = z.infer<typeof Service>;

/**
 * `errors` of a service-instance backup, a download item or a restore, always as a list (empty: none).
 * Divio's CLI only tests it for truth and prints it (`if si.get("errors"): … {si['errors']}`), and its
 * tests give a string or null; the sandbox gives a list. Any of them is read here: null, missing or ""
 * is none, a string or an object is one error, a list is itself.
 */
export function upstreamErrors() {
  return z.unknown().optional().transform((v): unknown[] => (v === null || v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]));
}

export const Backup = deferred(() => z.looseObject({
  uuid,
  environment: uuid,
  state: z.string(), // … → COMPLETED
  success: z.string().nullable().optional(), // "SUCCESS" or other
  // null read as none (Divio's CLI: `backup.get("service_instance_backups", [])`, and its tests send null)
  service_instance_backups: z.array(uuid).nullable().optional().transform((v) => v ?? []),
  notes: z.string().nullable().optional(),
  trigger: z.string().nullable().optional(), // MANUAL, SCHEDULED …
  created_at: nullableTime,
  started_at: nullableTime,
  ended_at: nullableTime,
  scheduled_for_deletion_at: nullableTime,
}));
export type Backup = z.infer<typeof Backup>;

export const ServiceInstanceBackup = deferred(() => z.looseObject({
  uuid,
  backup: uuid,
  service_instance: uuid,
  service_type: z.string().nullable().optional(),
  queued_at: nullableTime,
  started_at: nullableTime,
  ended_at: nullableTime,
  taken_at: nullableTime,
  size: z.number().nullable().optional(),
  errors: upstreamErrors(),
}));
export type ServiceInstanceBackup = z.infer<typeof ServiceInstanceBackup>;

export const BackupRestore = deferred(() => z.looseObject({
  uuid,
  backup: uuid.optional(),
  finished: z.boolean(),
  success: z.string().nullable().optional(),
  notes: z.string().nullable().optional(),
  created_at: nullableTime,
  ended_at: nullableTime,
  errors: upstreamErrors(),
}));
export type BackupRestore = z.infer<typeof BackupRestore>;

export const BackupDownload = deferred(() => z.looseObject({ uuid, backup: uuid.optional() }));
export type BackupDownload = z.infer<typeof BackupDownload>;

export const BackupDownloadServiceInstance = deferred(() => z.looseObject({
  uuid,
  ended_at: nullableTime,
  errors: upstreamErrors(),
  download_url: z.string().nullable().optional(),
}));
export type BackupDownloadServiceInstance = z.infer<typeof BackupDownloadServiceInstance>;

export const Domain = deferred(() => z.looseObject({
  uuid,
  // the public field name is unverified: "domain" or "name"
  domain: z.string().optional(),
  name: z.string().optional(),
  environment: uuid.nullable().optional(),
  application: uuid.nullable().optional(),
  is_primary: z.boolean().optional(),
  // sandbox extras: which CDN serves it
  cdn: z.enum(['divio-cloudflare', 'customer-cloudflare', 'none']).optional(),
  cloudflare_zone: z.string().nullable().optional(),
}));
export type Domain = z.infer<typeof Domain>;

/** Sandbox-only extension: `/apps/v3/environments/{uuid}/metrics/`. */
export const MetricSample = deferred(() => z.looseObject({
  timestamp: isoTime,
  cpu_percent: z.number(), // summed over instances; 100 % per instance
  memory_mb: z.number(),
  memory_nominal_mb: z.number().optional(),
  instances: z.number().int().positive().optional(),
}));
export type MetricSample = z.infer<typeof MetricSample>;

/** Sandbox-only extension: what a restore visibly changes. */
export const ContentVersion = deferred(() => z.looseObject({
  environment: uuid,
  database: z.looseObject({ rows: z.number(), checksum: z.string() }).nullable(),
  media: z.looseObject({ files: z.number(), bytes: z.number(), checksum: z.string().optional() }).nullable(),
}));
export type ContentVersion = z.infer<typeof ContentVersion>;

/**
 * The answer of `POST /apps/v3/backups/upload/`: the new backup and, per service instance (its
 * uuid), how to upload its file: `handler` (`exo-presigned-v1`: an HTTP PUT to `url`, at most
 * `max_file_size` bytes; `s3-sts-v1`, `az-sas-v1`) and the `finish_url` to POST (without the Divio
 * token) once the file is in.
 */
export const BackupUploadTarget = deferred(() => z.looseObject({
  handler: z.string(),
  upload_parameters: z.record(z.string(), z.unknown()).default({}),
  finish_url: z.string(),
}));
export type BackupUploadTarget = z.infer<typeof BackupUploadTarget>;
export const BackupUpload = deferred(() => z.looseObject({ uuid, results: z.record(z.string(), built(BackupUploadTarget)) }));
export type BackupUpload = z.infer<typeof BackupUpload>;

/**
 * The lists a fleet reads first (who the token is; organisations, applications, environments,
 * backups), each parsed once on a sample page: zod's first parse with a schema is slow (its checks
 * and compiled parsers are made then). An in-process gateway runs it while its console waits for the
 * sandbox and its answers (src/gateway/index.ts; issue 16). Nothing is kept from a sample.
 */
const samplePage = (results: unknown[]) => ({ count: results.length, next: null, previous: null, results });
const SAMPLE_DEPLOYED = { uuid: 'd', started_at: '2026-01-01T00:00:00Z', ended_at: '2026-01-01T00:01:00Z', status: 'success', success: true };
const SAMPLE_ENV = { uuid: 'e', slug: 'live', branch: 'main', application: 'a', last_finished_deployment: SAMPLE_DEPLOYED, ssh_endpoint: null, url: null, status: 'running' };
export const FLEET_LISTS_WARMUP: Warmup = [
  () => Me.safeParse({ uuid: 'u', email: 'sample@example.com' }).success,
  () => page(Organisation).safeParse(samplePage([{ uuid: 'o', name: 'Org' }])).success,
  () => page(Application).safeParse(samplePage([{ uuid: 'a', slug: 'shop', name: 'Shop', organisation: 'o' }])).success,
  () => page(Environment).safeParse(samplePage([SAMPLE_ENV, { ...SAMPLE_ENV, uuid: 'f', slug: 'test', last_finished_deployment: null }])).success,
  () => page(Backup).safeParse(samplePage([{ uuid: 'b', environment: 'e', state: 'COMPLETED', success: 'SUCCESS', created_at: '2026-01-01T00:00:00Z', ended_at: null }])).success,
];
