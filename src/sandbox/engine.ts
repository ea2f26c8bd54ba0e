// The sandbox's clock and behaviour: deployments walk their stages, backups/restores/downloads move
// through their states, scheduled backups appear, runtime logs flow. Durations are virtual
// (real elapsed × speed); the timestamps the API shows are real wall-clock times.
import { Rng, shortHash, randomHex } from './rng.js';
import { deploymentScript, planStages, runtimeLines } from './loggen.js';
import { DrfError, nonField, badRequest } from './http.js';
import type {
  BackupRec, DeploymentRec, DownloadRec, DownloadSiRec, EnvLogs, EnvRec, LogLineRec, RestoreRec, SandboxState,
  ServiceInstanceRec, SiBackupRec, SiRestoreRec, DbContent, MediaContent, ScriptLine,
} from './model.js';

export const QUEUE_MS = 1000;
export const DAY_MS = 86_400_000;
export const DEFAULT_LOG_RETENTION = 10_000;
/** Runtime log lines kept per environment in a big scenario (`--apps N`): what Divio's Control Panel keeps. */
export const BIG_SCENARIO_LOG_RETENTION = 1000;
/** Above this many environments, logs of environments nobody reads are generated on their next read. */
export const LAZY_LOGS_ABOVE = 60;
/** An environment read within this long counts as watched: its lines flow as they happen. */
const LOGS_WATCHED_MS = 60_000;

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
/** ISO with microseconds (µs since epoch). */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  return new Date(ms).toISOString().slice(0, 23) + String(us % 1000).padStart(3, '0') + 'Z';
}
export function parseIsoMicros(s: string): number {
  const m = /^(.*\.\d{3})(\d{3})Z$/.exec(s);
  if (m) return Date.parse(m[1] + 'Z') * 1000 + Number(m[2]);
  return Date.parse(s) * 1000;
}

/**
 * Timestamps (µs) of `n` log lines: spread over [fromMs, toMs) with a random offset each, or all at
 * `toMs` without a spread; always increasing, each after `lastUs`.
 */
function spreadUs(rng: Rng, n: number, toMs: number, fromMs: number | undefined, lastUs: number): number[] {
  const step = fromMs !== undefined && n > 1 ? (toMs - fromMs) / n : 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const target = step > 0 ? (fromMs! + step * i + rng.next() * step) * 1000 : toMs * 1000;
    lastUs = Math.max(Math.floor(target), lastUs + 1);
    out.push(lastUs);
  }
  return out;
}

// ---- runtime-log history, made when first read ----
// The scenario gives every live or sleeping environment a history of runtime lines. Making them all
// at start-up was most of the sandbox's start (≈70 ms and its garbage, before `ready`), so an
// environment's history is made when its logs are first read: `state.logs[uuid]` is an accessor
// until then, and reading it (the API, the persister serialising the state, a test) makes the
// history and turns it into a plain property. Lines appended meanwhile (the live flow) go to the
// same record, after the history's sequence numbers and timestamps, which are fixed in advance: the
// history holds exactly `count` lines, all before `endMs`. Each environment's history is drawn from
// its own stream of the seed, so the same seed gives the same lines whatever the order of reading.

interface DeferredHistory { env: string; app: string; count: number; endMs: number; spanMs: number; seed: number; retention: number; logs: EnvLogs }
const histories = new WeakMap<Record<string, EnvLogs>, Map<string, DeferredHistory>>();

function historyLines(d: DeferredHistory): LogLineRec[] {
  const rng = new Rng(d.seed).fork(`history:${d.env}`);
  const gen: { service: string; message: string }[] = [];
  while (gen.length < d.count) gen.push(...runtimeLines(rng, new Date(d.endMs - d.spanMs + (d.spanMs * gen.length) / d.count), d.app));
  const us = spreadUs(rng, gen.length, d.endMs, d.endMs - d.spanMs, 0);
  // exactly `count` (the sequence numbers after them are taken): the oldest, maybe the head of a
  // traceback, fell out of the window
  const skip = gen.length - d.count;
  return gen.slice(skip).map((l, i) => ({ seq: i + 1, timestamp: isoMicros(us[skip + i]), service: l.service, message: l.message }));
}

function materialise(logs: Record<string, EnvLogs>, d: DeferredHistory): EnvLogs {
  histories.get(logs)?.delete(d.env);
  const L = d.logs;
  if (L.lines.length < d.retention) {
    L.lines = historyLines(d).concat(L.lines);
    if (L.lines.length > d.retention) L.lines.splice(0, L.lines.length - d.retention);
  }
  Object.defineProperty(logs, d.env, { value: L, writable: true, enumerable: true, configurable: true });
  return L;
}

/** Make every history still to be made (before the state is written out, or in the background). `limit`: at most so many. Returns how many are left. */
export function materialiseHistory(logs: Record<string, EnvLogs>, limit = Infinity): number {
  const m = histories.get(logs);
  if (!m) return 0;
  for (const d of m.values()) {
    if (limit-- <= 0) break;
    materialise(logs, d);
  }
  return m.size;
}

export function dbChecksum(seedText: string, rows: number): string {
  return shortHash(`db:${seedText}:${rows}`, 16);
}
export function mediaChecksum(seedText: string, files: number, bytes: number): string {
  return shortHash(`media:${seedText}:${files}:${bytes}`, 16);
}

export function deploymentTotalMs(d: Pick<DeploymentRec, 'stages'>): number {
  return d.stages.reduce((a, s) => a + s.durationMs, 0);
}

export function makeDeployment(state: SandboxState, rng: Rng, env: EnvRec, buildMode: 'AUTO' | 'ADOPT' | 'FORCE', nowMs: number, forceFail?: boolean, varNames?: string[]): DeploymentRec {
  const app = state.applications.find((a) => a.uuid === env.application)!;
  const commit = app.branches[env.branch] ?? (app.branches[env.branch] = rng.hex(40));
  const reuseImage = buildMode === 'AUTO' && state.environments.some((e) => e.application === app.uuid && e.uuid !== env.uuid && e.deployedCommit === commit);
  const stages = planStages(rng, buildMode, reuseImage);
  const fail = forceFail ?? env.failDeploys;
  const { render, failAtMs } = deploymentScript(rng, { app: app.slug, env: env.slug, branch: env.branch, commit, buildMode, reuseImage, stages, fail, instances: env.instances });
  const d: DeploymentRec = {
    uuid: rng.uuid(), environment: env.uuid, application: app.uuid,
    created_at: iso(nowMs), started_at: null, ended_at: null,
    status: 'queued', percent: 0, success: null, stage: null, build_mode: buildMode, commit, branch: env.branch,
    environment_variables: varNames ?? state.envVars.filter((v) => v.environment === env.uuid).map((v) => v.name),
    stages, failAtMs, script: [], progressMs: 0,
  };
  // its log is made when first read (or written out), or replaced when assigned
  const set = (script: ScriptLine[]) => Object.defineProperty(d, 'script', { value: script, writable: true, enumerable: true, configurable: true });
  Object.defineProperty(d, 'script', { get: () => set(render()).script, set, enumerable: true, configurable: true });
  return d;
}

export function deploymentLogText(d: DeploymentRec): string {
  const t = d.progressMs - QUEUE_MS;
  if (t < 0) return 'Deployment queued…';
  const lines = [`Deployment ${d.uuid} (build mode ${d.build_mode}, commit ${d.commit.slice(0, 7)})`];
  for (const l of d.script) if (l.at <= t || d.ended_at) lines.push(l.text);
  return lines.join('\n');
}

export function makeBackup(state: SandboxState, rng: Rng, env: EnvRec, sis: ServiceInstanceRec[], trigger: BackupRec['trigger'], notes: string, nowMs: number, willFail = false, deleteAt: string | null = null): BackupRec {
  let durationMs = 0;
  const b: BackupRec = {
    uuid: rng.uuid(), environment: env.uuid, state: 'QUEUED', success: null, service_instance_backups: [],
    notes, trigger, created_at: iso(nowMs), started_at: null, ended_at: null,
    scheduled_for_deletion_at: deleteAt ?? iso(nowMs + (trigger === 'MANUAL' ? 30 : 7) * DAY_MS),
    progressMs: 0, durationMs: 0, willFail,
  };
  for (const si of sis) {
    const sib: SiBackupRec = {
      uuid: rng.uuid(), backup: b.uuid, service_instance: si.uuid, service_type: si.type,
      queued_at: iso(nowMs), started_at: null, ended_at: null, taken_at: null, size: null, errors: [], snapshot: null,
    };
    durationMs += si.type === 'DATABASE' ? 4000 + Math.min(40_000, (env.content.database?.rows ?? 0) / 20) : 5000 + Math.min(60_000, (env.content.media?.bytes ?? 0) / 50_000);
    b.service_instance_backups.push(sib.uuid);
    state.siBackups.push(sib);
  }
  b.durationMs = Math.round(durationMs);
  state.backups.push(b);
  return b;
}

function dbSize(c: DbContent): number { return 8192 + c.rows * 187; }
function mediaSize(c: MediaContent): number { return c.bytes + c.files * 512; }

/** Advance a backup; returns true when something changed. */
export function stepBackup(state: SandboxState, b: BackupRec, nowMs: number): boolean {
  if (b.state === 'COMPLETED') return false;
  // an upload backup runs once its files are in (its finish URLs were called)
  if (b.upload && !b.upload.finishedAt) {
    b.progressMs = 0;
    return false;
  }
  const sibs = state.siBackups.filter((s) => s.backup === b.uuid);
  const env = state.environments.find((e) => e.uuid === b.environment);
  let changed = false;
  if (b.progressMs >= QUEUE_MS && b.state === 'QUEUED') {
    b.state = 'RUNNING';
    b.started_at = iso(nowMs);
    for (const s of sibs) {
      s.started_at = iso(nowMs);
      s.taken_at = iso(nowMs);
      if (b.upload) continue; // the content is the uploaded file's
      if (env) s.snapshot = s.service_type === 'DATABASE' ? { database: env.content.database ?? undefined } : { media: env.content.media ?? undefined };
    }
    changed = true;
  }
  if (b.progressMs >= QUEUE_MS + b.durationMs && b.state === 'RUNNING') {
    b.state = 'COMPLETED';
    b.ended_at = iso(nowMs);
    b.success = b.willFail ? 'FAILURE' : 'SUCCESS';
    sibs.forEach((s, i) => {
      s.ended_at = iso(nowMs);
      if (b.upload && !s.snapshot) {
        b.success = 'FAILURE';
        s.errors = [s.uploadError ?? `the uploaded file is not a ${s.service_type === 'DATABASE' ? 'database' : 'media'} backup`];
        s.size = null;
      } else if (b.willFail && i === 0) {
        s.errors = [s.service_type === 'DATABASE' ? 'pg_dump: error: connection to server at "10.2.0.14", port 5432 failed: timeout expired' : 's3 sync failed: SlowDown: Please reduce your request rate.'];
        s.snapshot = null;
        s.size = null;
      } else if (s.snapshot) {
        s.size = s.snapshot.database ? dbSize(s.snapshot.database) : s.snapshot.media ? mediaSize(s.snapshot.media) : 0;
      }
    });
    changed = true;
  }
  return changed;
}

export interface EngineOptions { speed: number; logRate: number; logRetention: number; seed: number; rngLabel?: string }

export class Engine {
  speed: number;
  logRate: number;
  logRetention: number;
  readonly rng: Rng;
  private logRng: Rng;
  private lastReal = Date.now();
  private logAcc = new Map<string, number>();
  /** Big scenarios (`--apps N`) generate an environment's runtime logs when they are read (see touchLogs). */
  readonly lazyLogs: boolean;
  private logsReadAt = new Map<string, number>();
  /** Real ms of log flow not generated yet, per environment (lazy logs). */
  private logsDeferredMs = new Map<string, number>();
  private lastLogUs = new Map<string, number>();
  private envRates = new Map<string, number>();
  private failNextKinds = new Map<string, number>();
  /** How `POST /apps/v3/backups/upload/` asks for the file (Divio uses several; tests switch it). */
  uploadHandler: 'exo-presigned-v1' | 's3-sts-v1' | 'az-sas-v1' = 'exo-presigned-v1';
  /** `max_file_size` of a presigned upload. */
  maxUploadBytes = 64 * 1024 * 1024;
  /** A state transition happened (persist soon). */
  onChange: () => void = () => {};
  /** Only progress or log lines changed (persist lazily). */
  onIdleChange: () => void = () => {};

  constructor(public state: SandboxState, o: EngineOptions) {
    this.speed = o.speed;
    this.logRate = o.logRate;
    this.logRetention = o.logRetention;
    // distinct streams: the scenario builder's engine, and each run (vclock differs after a restart)
    this.rng = new Rng(o.seed).fork(o.rngLabel ?? `runtime:${state.vclock}:${state.deployments.length}:${state.backups.length}`);
    this.logRng = new Rng(o.seed).fork('logs');
    this.lazyLogs = state.environments.length > LAZY_LOGS_ABOVE;
  }

  env(uuid: string): EnvRec | undefined { return this.state.environments.find((e) => e.uuid === uuid); }
  appOf(env: EnvRec) { return this.state.applications.find((a) => a.uuid === env.application)!; }

  setLogRate(rate: number, envUuid?: string): void {
    if (envUuid) this.envRates.set(envUuid, rate);
    else { this.logRate = rate; this.envRates.clear(); }
  }
  /** Make the next N operations of a kind fail (sandbox control). */
  failNext(kind: 'deployment' | 'backup' | 'restore', envUuid?: string, count = 1): void {
    this.failNextKinds.set(`${kind}:${envUuid ?? '*'}`, count);
  }
  private takeFail(kind: string, envUuid: string): boolean {
    for (const key of [`${kind}:${envUuid}`, `${kind}:*`]) {
      const n = this.failNextKinds.get(key);
      if (n && n > 0) {
        if (n === 1) this.failNextKinds.delete(key); else this.failNextKinds.set(key, n - 1);
        return true;
      }
    }
    return false;
  }

  /** Advance the clock to now: called by a timer and before every request. */
  advance(nowMs = Date.now()): void {
    const dt = Math.max(0, nowMs - this.lastReal);
    this.lastReal = nowMs;
    if (dt === 0) return;
    const dv = dt * this.speed;
    const s = this.state;
    s.vclock += dv;
    let changed = false;
    // `changed` marks state transitions (persisted soon); mere progress is persisted lazily
    for (const d of s.deployments) {
      if (d.ended_at) continue;
      d.progressMs += dv;
      const before = `${d.status}:${d.stage}`;
      this.stepDeployment(d, nowMs);
      if (`${d.status}:${d.stage}` !== before) changed = true;
    }
    for (const b of s.backups) {
      if (b.state === 'COMPLETED') continue;
      b.progressMs += dv;
      if (stepBackup(s, b, nowMs)) changed = true;
    }
    for (const r of s.restores) {
      if (r.finished) continue;
      r.progressMs += dv;
      const before = `${r.started_at}:${r.finished}`;
      this.stepRestore(r, nowMs);
      if (`${r.started_at}:${r.finished}` !== before) changed = true;
    }
    for (const d of s.downloadSis) {
      if (d.ended_at) continue;
      d.progressMs += dv;
      if (!d.started_at && d.progressMs >= QUEUE_MS) { d.started_at = iso(nowMs); changed = true; }
      if (d.progressMs >= QUEUE_MS + d.durationMs) {
        d.ended_at = iso(nowMs);
        const sib = s.siBackups.find((x) => x.uuid === d.service_instance_backup);
        if (!sib?.snapshot) d.errors = ['The service instance backup holds no data to download.'];
        changed = true;
      }
    }
    for (const e of s.environments) {
      if (e.nextScheduledBackupV !== null && s.vclock >= e.nextScheduledBackupV) {
        e.nextScheduledBackupV += DAY_MS;
        if (e.nextScheduledBackupV < s.vclock) e.nextScheduledBackupV = s.vclock + DAY_MS;
        const sis = s.serviceInstances.filter((x) => x.environment === e.uuid);
        makeBackup(s, this.rng, e, sis, 'SCHEDULED', 'Daily backup', nowMs, this.takeFail('backup', e.uuid));
        changed = true;
      }
      if (e.nextAutoDeployV !== null && s.vclock >= e.nextAutoDeployV && !this.runningDeployment(e.uuid)) {
        const app = this.appOf(e);
        app.branches[e.branch] = this.rng.hex(40); // CI pushed a new commit
        this.startDeployment(e, 'AUTO', nowMs);
        e.nextAutoDeployV = null;
        changed = true;
      }
    }
    const logged = this.generateLogs(dt, nowMs);
    if (changed) this.onChange();
    else if (logged) this.onIdleChange();
  }

  runningDeployment(envUuid: string): DeploymentRec | undefined {
    return this.state.deployments.find((d) => d.environment === envUuid && !d.ended_at);
  }

  startDeployment(env: EnvRec, buildMode: 'AUTO' | 'ADOPT' | 'FORCE', nowMs = Date.now(), author: string | null = null): DeploymentRec {
    if (this.runningDeployment(env.uuid)) throw nonField('A deployment is already in progress for this environment.');
    const d = makeDeployment(this.state, this.rng, env, buildMode, nowMs, env.failDeploys || this.takeFail('deployment', env.uuid));
    if (author) d.author = author;
    this.state.deployments.push(d);
    this.onChange();
    return d;
  }

  private stepDeployment(d: DeploymentRec, nowMs: number): void {
    const t = d.progressMs - QUEUE_MS;
    if (t < 0) return;
    if (!d.started_at) { d.started_at = iso(nowMs); d.status = 'running'; }
    const total = deploymentTotalMs(d);
    let acc = 0;
    for (const st of d.stages) {
      if (t < acc + st.durationMs) { d.stage = st.name; break; }
      acc += st.durationMs;
    }
    d.percent = Math.min(99, Math.floor((100 * t) / total));
    const env = this.env(d.environment);
    if (d.failAtMs !== null && t >= d.failAtMs) {
      // the failing stage is the one the failure happened in (not the one the clock moved on to)
      let a = 0;
      for (const st of d.stages) { if (d.failAtMs <= a + st.durationMs) { d.stage = st.name; break; } a += st.durationMs; }
      d.ended_at = iso(nowMs); d.status = 'failure'; d.success = false;
      if (env) env.last_finished_deployment = d.uuid;
      return;
    }
    if (t >= total) {
      d.ended_at = iso(nowMs); d.status = 'success'; d.success = true; d.percent = 100; d.stage = 'scaling';
      if (env) {
        env.last_finished_deployment = d.uuid;
        env.deployedCommit = d.commit;
        env.status = 'live';
        const app = this.appOf(env);
        if (env.autoDeploy) env.nextAutoDeployV = this.state.vclock + 180_000;
        this.appendLogs(env.uuid, [
          { service: 'web', message: `*** Starting uWSGI 2.0.28 (64bit) on [${new Date(nowMs).toUTCString()}] ***` },
          { service: 'web', message: `spawned uWSGI worker 1 (pid: 12, cores: 1)` },
          { service: 'web', message: `spawned uWSGI worker 2 (pid: 13, cores: 1)` },
          { service: 'worker', message: `celery@${app.slug}-worker-1 ready.` },
        ], nowMs);
      }
    }
  }

  createBackup(env: EnvRec, sis: ServiceInstanceRec[], notes: string, deleteAt: string | null, nowMs = Date.now()): BackupRec {
    const b = makeBackup(this.state, this.rng, env, sis, 'MANUAL', notes, nowMs, this.takeFail('backup', env.uuid), deleteAt);
    this.onChange();
    return b;
  }

  /**
   * The documented restore: each service-instance backup goes back into the service instance it was
   * taken of. Nothing in the request names a destination (an unknown field is ignored, as Django REST
   * framework does): to restore into another environment, upload the file as a backup of it first.
   */
  createRestore(backup: BackupRec, items: { service_instance_backup: string }[], notes: string, nowMs = Date.now()): RestoreRec {
    const s = this.state;
    if (backup.state !== 'COMPLETED') throw badRequest('backup', 'The backup has not completed yet.');
    if (backup.success !== 'SUCCESS') throw badRequest('backup', 'The backup did not succeed and cannot be restored.');
    if (items.length === 0) throw badRequest('service_instance_restores', 'This list may not be empty.');
    const sirs: SiRestoreRec[] = [];
    let destEnv: string | null = null;
    for (const it of items) {
      const sib = s.siBackups.find((x) => x.uuid === it.service_instance_backup);
      if (!sib || sib.backup !== backup.uuid) throw badRequest('service_instance_restores', `Service instance backup "${it.service_instance_backup}" does not belong to this backup.`);
      if (!sib.snapshot || sib.errors.length) throw badRequest('service_instance_restores', `Service instance backup "${sib.uuid}" failed and cannot be restored.`);
      const target = s.serviceInstances.find((x) => x.uuid === sib.service_instance);
      if (!target) throw badRequest('service_instance_restores', `The service instance of backup "${sib.uuid}" no longer exists.`);
      if (target.type !== sib.service_type) throw badRequest('service_instance_restores', `Cannot restore a ${sib.service_type} backup into a ${target.type} service instance.`);
      if (destEnv && destEnv !== target.environment) throw badRequest('service_instance_restores', 'All restores must target the same environment.');
      destEnv = target.environment;
      sirs.push({ uuid: this.rng.uuid(), service_instance_backup: sib.uuid, service_instance: target.uuid });
    }
    if (s.restores.some((r) => !r.finished && r.environment === destEnv)) throw nonField('A restore is already in progress for this environment.');
    const r: RestoreRec = {
      uuid: this.rng.uuid(), backup: backup.uuid, environment: destEnv!, notes, service_instance_restores: sirs,
      created_at: iso(nowMs), started_at: null, ended_at: null, finished: false, success: null, errors: [],
      progressMs: 0, durationMs: 6000 + sirs.length * 5000, willFail: this.takeFail('restore', destEnv!),
    };
    s.restores.push(r);
    this.onChange();
    return r;
  }

  private stepRestore(r: RestoreRec, nowMs: number): void {
    if (!r.started_at && r.progressMs >= QUEUE_MS) r.started_at = iso(nowMs);
    if (r.progressMs < QUEUE_MS + r.durationMs) return;
    r.finished = true;
    r.ended_at = iso(nowMs);
    if (r.willFail) {
      r.success = 'FAILURE';
      r.errors = ['pg_restore: error: could not execute query: ERROR:  must be owner of extension plpgsql'];
      return;
    }
    r.success = 'SUCCESS';
    const s = this.state;
    for (const sir of r.service_instance_restores) {
      const sib = s.siBackups.find((x) => x.uuid === sir.service_instance_backup);
      const si = s.serviceInstances.find((x) => x.uuid === sir.service_instance);
      const env = si && this.env(si.environment);
      if (!sib?.snapshot || !env) continue;
      if (sib.snapshot.database) env.content.database = { ...sib.snapshot.database };
      if (sib.snapshot.media) env.content.media = { ...sib.snapshot.media };
    }
  }

  createDownload(backup: BackupRec, sibUuids: string[], trigger: string, nowMs = Date.now()): DownloadRec {
    const s = this.state;
    if (backup.state !== 'COMPLETED') throw badRequest('backup', 'The backup has not completed yet.');
    for (const u of sibUuids) {
      const sib = s.siBackups.find((x) => x.uuid === u);
      if (!sib || sib.backup !== backup.uuid) throw badRequest('service_instance_backups', `Invalid pk "${u}" - object does not exist.`);
      if (!sib.snapshot) throw badRequest('service_instance_backups', `Service instance backup "${u}" failed and cannot be downloaded.`);
    }
    const d: DownloadRec = { uuid: this.rng.uuid(), backup: backup.uuid, service_instance_backups: sibUuids, trigger, created_at: iso(nowMs) };
    s.downloads.push(d);
    for (const u of sibUuids) {
      const sib = s.siBackups.find((x) => x.uuid === u)!;
      const ds: DownloadSiRec = {
        uuid: this.rng.uuid(), backup_download: d.uuid, service_instance_backup: u, created_at: iso(nowMs),
        started_at: null, ended_at: null, errors: [], secret: randomHex(24), progressMs: 0,
        durationMs: 2000 + Math.min(20_000, (sib.size ?? 0) / 200_000),
      };
      s.downloadSis.push(ds);
    }
    this.onChange();
    return d;
  }

  copyEnvironment(src: EnvRec, newSlug: string, nowMs = Date.now()): EnvRec {
    const s = this.state;
    if (s.environments.some((e) => e.application === src.application && e.slug === newSlug)) throw badRequest('new_slug', 'An environment with this slug already exists for this application.');
    const e: EnvRec = {
      ...structuredClone(src), uuid: this.rng.uuid(), slug: newSlug, created_at: iso(nowMs),
      last_finished_deployment: null, status: 'not_deployed', instances: 1, failDeploys: false, autoDeploy: false,
      nextScheduledBackupV: null, nextAutoDeployV: null, deployedCommit: null,
    };
    s.environments.push(e);
    for (const v of s.envVars.filter((x) => x.environment === src.uuid)) {
      s.envVars.push({ ...v, uuid: this.rng.uuid(), environment: e.uuid, value: v.name === 'STAGE' ? newSlug : v.value });
    }
    for (const si of s.serviceInstances.filter((x) => x.environment === src.uuid)) {
      s.serviceInstances.push({ ...si, uuid: this.rng.uuid(), environment: e.uuid });
    }
    this.onChange();
    return e;
  }

  // ---- runtime logs ----
  /** An environment's runtime logs, with its history (made now if it was not yet: see deferHistory). */
  logsOf(envUuid: string) {
    return (this.state.logs[envUuid] ??= { nextSeq: 1, lines: [] });
  }

  appendLogs(envUuid: string, lines: { service?: string; message: string }[], nowMs = Date.now(), spreadFromMs?: number): void {
    // a history not made yet stays so: the new lines follow it (its lines end before endMs)
    const d = histories.get(this.state.logs)?.get(envUuid);
    const L = d ? d.logs : this.logsOf(envUuid);
    const last = this.lastLogUs.get(envUuid) ?? (L.lines.length ? parseIsoMicros(L.lines[L.lines.length - 1].timestamp) : d ? d.endMs * 1000 : 0);
    const us = spreadUs(this.logRng, lines.length, nowMs, spreadFromMs, last);
    lines.forEach((l, i) => L.lines.push({ seq: L.nextSeq++, timestamp: isoMicros(us[i]), service: l.service ?? 'web', message: l.message }));
    if (us.length) this.lastLogUs.set(envUuid, us[us.length - 1]);
    if (L.lines.length > this.logRetention) L.lines.splice(0, L.lines.length - this.logRetention);
  }

  /**
   * The scenario's history of an environment without logs yet: `count` lines spread over the `spanMs`
   * before `endMs`, made when its logs are first read (see "runtime-log history" above).
   */
  deferHistory(env: EnvRec, count: number, endMs: number, spanMs: number, seed: number): void {
    const logs = this.state.logs;
    if (count <= 0) return;
    if (Object.prototype.hasOwnProperty.call(logs, env.uuid)) throw new Error(`deferHistory: ${env.uuid} has logs already`);
    let m = histories.get(logs);
    if (!m) histories.set(logs, (m = new Map()));
    const d: DeferredHistory = { env: env.uuid, app: this.appOf(env).slug, count, endMs, spanMs, seed, retention: this.logRetention, logs: { nextSeq: count + 1, lines: [] } };
    m.set(env.uuid, d);
    Object.defineProperty(logs, env.uuid, {
      enumerable: true,
      configurable: true,
      get: () => materialise(logs, d),
      set: (v: EnvLogs) => {
        m.delete(env.uuid);
        Object.defineProperty(logs, env.uuid, { value: v, writable: true, enumerable: true, configurable: true });
      },
    });
  }

  private generateLogs(dtMs: number, nowMs: number): boolean {
    let any = false;
    for (const e of this.state.environments) {
      if (e.status !== 'live') continue;
      const rate = this.envRates.get(e.uuid) ?? this.logRate;
      if (rate <= 0) continue;
      if (this.lazyLogs && !(nowMs - (this.logsReadAt.get(e.uuid) ?? -Infinity) <= LOGS_WATCHED_MS)) {
        // nobody reads it: the lines of this time are made when someone does (same rate, same spread)
        this.logsDeferredMs.set(e.uuid, (this.logsDeferredMs.get(e.uuid) ?? 0) + dtMs);
        continue;
      }
      let acc = (this.logAcc.get(e.uuid) ?? 0) + (Math.min(dtMs, 5000) / 1000) * rate;
      const lines: { service: string; message: string }[] = [];
      const app = this.appOf(e);
      while (acc >= 1) {
        const more = runtimeLines(this.logRng, new Date(nowMs), app.slug);
        lines.push(...more);
        acc -= more.length;
      }
      this.logAcc.set(e.uuid, acc);
      if (lines.length) { this.appendLogs(e.uuid, lines, nowMs, nowMs - Math.min(dtMs, 5000)); any = true; }
    }
    return any;
  }

  /**
   * A client reads this environment's runtime logs (big scenarios): make the lines of the time it was
   * not watched — at its rate, spread over that time, at most `logRetention` of them — so a read sees
   * what eager generation would have kept; from now on its lines flow as they happen.
   */
  touchLogs(envUuid: string, nowMs = Date.now()): void {
    if (!this.lazyLogs) return;
    this.logsReadAt.set(envUuid, nowMs);
    const deferred = this.logsDeferredMs.get(envUuid) ?? 0;
    if (deferred <= 0) return;
    this.logsDeferredMs.delete(envUuid);
    const e = this.env(envUuid);
    if (!e || e.status !== 'live') return;
    const rate = this.envRates.get(envUuid) ?? this.logRate;
    const due = Math.floor((deferred / 1000) * rate);
    const count = Math.min(this.logRetention, due);
    // lines past retention were never kept: their sequence numbers are skipped, as eager flow would
    this.logsOf(envUuid).nextSeq += due - count;
    if (count > 0) this.prefillLogs(e, count, nowMs, Math.min(deferred, (count / rate) * 1000));
  }

  /** `count` lines spread over the last `spanMs` (the time a big scenario's environment was not read: touchLogs). */
  prefillLogs(env: EnvRec, count: number, nowMs: number, spanMs: number): void {
    const app = this.appOf(env);
    const lines: { service: string; message: string }[] = [];
    while (lines.length < count) lines.push(...runtimeLines(this.logRng, new Date(nowMs - spanMs + (spanMs * lines.length) / count), app.slug));
    this.appendLogs(env.uuid, lines, nowMs, nowMs - spanMs);
  }

  /** Runtime-log lines with seq > after (forward cursor). */
  linesAfter(envUuid: string, after: number, limit: number, toUs?: number): { lines: LogLineRec[] } {
    const L = this.logsOf(envUuid);
    const first = L.lines.length ? L.lines[0].seq : L.nextSeq;
    const start = Math.max(0, after + 1 - first);
    const out: LogLineRec[] = [];
    for (let i = start; i < L.lines.length && out.length < limit; i++) {
      const l = L.lines[i];
      if (toUs !== undefined && parseIsoMicros(l.timestamp) >= toUs) break;
      out.push(l);
    }
    return { lines: out };
  }
}

export type { LogLineRec };
export { DrfError };
