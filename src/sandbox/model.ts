// The sandbox's in-memory model. Everything here is plain JSON so it can be persisted as is.
// Times the API shows are real wall-clock ISO strings; progress of long-running operations is kept
// in *virtual* milliseconds (`progressMs`, advanced by real elapsed time × speed).

// The enumerations the sandbox serves, as values (the console's words, src/domain/words.ts, are
// tested to cover each of them).
export const ENV_STATUSES = ['live', 'sleeping', 'not_deployed'] as const;
export type EnvStatus = (typeof ENV_STATUSES)[number];
export const CDN_KINDS = ['divio-cloudflare', 'customer-cloudflare', 'none'] as const;
export type CdnKind = (typeof CDN_KINDS)[number];
export const DEPLOYMENT_STATUSES = ['queued', 'running', 'success', 'failure'] as const;
export const BUILD_MODES = ['AUTO', 'ADOPT', 'FORCE'] as const;
export const BACKUP_STATES = ['QUEUED', 'RUNNING', 'COMPLETED'] as const;
/** `success` of a backup and of a restore (null while running). */
export const BACKUP_SUCCESSES = ['SUCCESS', 'FAILURE'] as const;
export const BACKUP_TRIGGERS = ['MANUAL', 'SCHEDULED', 'SYSTEM'] as const;
export const SERVICE_TYPES = ['DATABASE', 'STORAGE'] as const;
export const SERVICE_STATUSES = ['READY'] as const;
export type CfPlan = 'free' | 'pro' | 'business' | 'enterprise';

export interface DbContent { rows: number; checksum: string }
export interface MediaContent { files: number; bytes: number; checksum: string }
export interface EnvContent { database: DbContent | null; media: MediaContent | null }

export interface OrgRec { uuid: string; name: string; created_at: string }
export interface RegionRec { uuid: string; name: string }
export interface AppRec {
  uuid: string; slug: string; name: string; organisation: string; repository: string | null;
  region: string; created_at: string;
  /** Head commit per branch (the sandbox's tiny git). */
  branches: Record<string, string>;
}
export interface EnvRec {
  uuid: string; slug: string; branch: string; application: string; created_at: string;
  last_finished_deployment: string | null;
  status: EnvStatus;
  instances: number;
  memory_nominal_mb: number;
  /** Every deployment of this environment fails in the release commands (scenario: failed app). */
  failDeploys: boolean;
  content: EnvContent;
  /** Virtual clock value of the next scheduled backup (null: none scheduled). */
  nextScheduledBackupV: number | null;
  /** Continuously deployed (scenario: the deploying app gets a new commit ~3 virtual minutes after each deploy). */
  autoDeploy: boolean;
  /** Virtual clock value of the next automatic deployment (scenario: the deploying app). */
  nextAutoDeployV: number | null;
  /** Commit of the last successful deployment. */
  deployedCommit: string | null;
}
export interface StageRec { name: string; title: string; durationMs: number }
export interface ScriptLine { at: number; text: string }
export interface DeploymentRec {
  uuid: string; environment: string; application: string;
  created_at: string; started_at: string | null; ended_at: string | null;
  status: (typeof DEPLOYMENT_STATUSES)[number];
  percent: number; success: boolean | null; stage: string | null;
  build_mode: (typeof BUILD_MODES)[number]; commit: string; branch: string;
  environment_variables: string[];
  /** Who started it (a POST: the token's user); absent: a scenario person (extension only). */
  author?: string | null;
  stages: StageRec[];
  /** Virtual ms at which the deployment fails (null: it succeeds). */
  failAtMs: number | null;
  script: ScriptLine[];
  progressMs: number;
}
export interface EnvVarRec { uuid: string; name: string; value: string; is_sensitive: boolean; environment: string }
export interface ServiceInstanceRec {
  uuid: string; environment: string; prefix: string; type: (typeof SERVICE_TYPES)[number];
  service: string; service_status: (typeof SERVICE_STATUSES)[number]; region: string;
}
export interface BackupRec {
  uuid: string; environment: string; state: (typeof BACKUP_STATES)[number];
  success: (typeof BACKUP_SUCCESSES)[number] | null;
  service_instance_backups: string[];
  notes: string; trigger: (typeof BACKUP_TRIGGERS)[number];
  created_at: string; started_at: string | null; ended_at: string | null;
  scheduled_for_deletion_at: string | null;
  progressMs: number; durationMs: number; willFail: boolean;
  /**
   * A backup made by uploading a file (`POST /apps/v3/backups/upload/`): it waits for every service
   * instance's file (a PUT to its presigned URL, then a POST to its finish URL) before it runs.
   */
  upload?: { secret: string; finishedAt: string | null };
}
export interface SiBackupRec {
  uuid: string; backup: string; service_instance: string; service_type: (typeof SERVICE_TYPES)[number];
  queued_at: string; started_at: string | null; ended_at: string | null; taken_at: string | null;
  size: number | null; errors: string[];
  /** The content captured (set when taken). */
  snapshot: { database?: DbContent; media?: MediaContent } | null;
  /** Upload backups: the file was received (PUT) / its finish URL was called / why it is unusable. */
  uploaded?: boolean;
  uploadFinished?: boolean;
  uploadError?: string | null;
}
export interface SiRestoreRec { uuid: string; service_instance_backup: string; service_instance: string }
export interface RestoreRec {
  uuid: string; backup: string; environment: string; notes: string;
  service_instance_restores: SiRestoreRec[];
  created_at: string; started_at: string | null; ended_at: string | null;
  finished: boolean; success: (typeof BACKUP_SUCCESSES)[number] | null; errors: string[];
  progressMs: number; durationMs: number; willFail: boolean;
}
export interface DownloadRec {
  uuid: string; backup: string; service_instance_backups: string[]; trigger: string; created_at: string;
}
export interface DownloadSiRec {
  uuid: string; backup_download: string; service_instance_backup: string;
  created_at: string; started_at: string | null; ended_at: string | null; errors: string[];
  /** Random path segment under /_downloads/ (the URL needs no token, so it must be unguessable). */
  secret: string;
  progressMs: number; durationMs: number;
}
export interface DomainRec {
  uuid: string; domain: string; environment: string; application: string; is_primary: boolean;
  cdn: CdnKind; cloudflare_zone: string | null; created_at: string;
}
export interface ZoneRec { id: string; name: string; plan: CfPlan; status: 'active'; created_on: string }
export interface PurgeRec { id: string; zone: string; at: string; body: unknown; accepted: boolean; status: number }
export interface CdnClearRec { domain: string; at: string }
export interface LogLineRec { seq: number; timestamp: string; service: string; message: string }
export interface EnvLogs { nextSeq: number; lines: LogLineRec[] }

export interface SandboxState {
  version: 1;
  seed: number;
  /** Scenario size when grown past the named applications (`--apps N`); absent: the named ones. */
  apps?: number;
  createdAt: string;
  /** Virtual clock (ms): advances by real elapsed × speed. */
  vclock: number;
  me: { uuid: string; email: string; first_name: string; last_name: string };
  regions: RegionRec[];
  organisations: OrgRec[];
  applications: AppRec[];
  environments: EnvRec[];
  deployments: DeploymentRec[];
  envVars: EnvVarRec[];
  serviceInstances: ServiceInstanceRec[];
  backups: BackupRec[];
  siBackups: SiBackupRec[];
  restores: RestoreRec[];
  downloads: DownloadRec[];
  downloadSis: DownloadSiRec[];
  domains: DomainRec[];
  zones: ZoneRec[];
  purges: PurgeRec[];
  cdnClears: CdnClearRec[];
  logs: Record<string, EnvLogs>;
}
