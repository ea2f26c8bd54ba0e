// Jobs: every mutation the gateway performs upstream. Each job has an idempotency key (the same key
// twice = the same job, one upstream call), states, timed steps and progress; it keeps running when
// the client that started it goes away, and its record is persisted (atomically) in the data
// directory. On start, in-flight work is rediscovered — from the job file (restores cannot be
// listed upstream) and from upstream (running deployments, unfinished backups) — and followed.
// What each kind does, and the guards it applies, live in src/gateway/jobs/<kind>.ts (KINDS);
// this store keeps persistence, idempotency, launch, audit and rediscovery.
import { cleanField, maskDeep } from '../domain/text.js';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as z from '../domain/zod.js';
import { CommandParams } from '../protocol/index.js';
import { Job, backupOutcome, type JobKind, type Environment } from '../domain/index.js';
import type { Upstream } from './types.js';
import type { AuditLog } from './audit.js';
import { errorText } from './hub.js';
import { collect } from '../divio/client.js';
import { moveAside, writeFileAtomicSync } from '../statefile/index.js';
import { KINDS, JobHandle, JobRejected, type JobKindDef, type KindContext, type KindParams, type LocalActions } from './jobs/index.js';

export { JobHandle, JobRejected, probeUrl, type ProbeResult } from './jobs/index.js';

export interface JobActor {
  name: string;
  role: string;
}

export interface JobStoreOptions {
  upstream: Upstream;
  dataDir: string;
  audit: AuditLog;
  /** Multiplies polling intervals (tests use < 1). */
  scale?: number;
  /** Keep at most this many finished jobs in the file. */
  keep?: number;
}

const JobFile = z.object({ version: z.literal(1), jobs: z.array(z.unknown()) });

type Listener = (job: Job) => void;

interface Running {
  abort: AbortController;
  done: Promise<void>;
}

export class JobStore {
  readonly jobs = new Map<string, Job>();
  private byKey = new Map<string, string>();
  private pendingKeys = new Map<string, Promise<Job>>();
  private running = new Map<string, Running>();
  private listeners = new Set<Listener>();
  private saveTimer: NodeJS.Timeout | null = null;
  private closed = false;
  readonly file: string;
  private scale: number;
  private up: Upstream;
  /** The Local environment (Docker) of this gateway, set by the gateway (src/gateway/local.ts). */
  local: LocalActions | null = null;

  constructor(private opts: JobStoreOptions) {
    this.scale = opts.scale ?? 1;
    this.up = opts.upstream;
    mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
    this.file = join(opts.dataDir, 'jobs.json');
    this.load();
  }

  onChange(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  list(): Job[] {
    return [...this.jobs.values()].sort((a, b) => b.createdAt - a.createdAt).slice(0, 200);
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  // ---------------------------------------------------------------- persistence

  /** One line per unusable job file found at start (moved aside; the jobs it still held are kept). */
  readonly notices: string[] = [];

  /** Jobs are read one by one: a bad record costs that record, never the others. */
  private load(): void {
    if (!existsSync(this.file)) return;
    let raws: unknown[];
    try {
      const parsed = JobFile.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      if (!parsed.success) throw new Error('not a job file of version 1');
      raws = parsed.data.jobs;
    } catch (e) {
      this.notices.push(moveAside(this.file, 'gateway job file', (e as Error).message));
      return;
    }
    let bad = 0;
    for (const raw of raws) {
      const j = Job.safeParse(raw);
      if (!j.success) {
        bad++;
        continue;
      }
      // a file written by an older gateway may hold raw text: it is cleaned like everything else
      this.jobs.set(j.data.id, safeJob(j.data));
      this.byKey.set(j.data.idempotencyKey, j.data.id);
    }
    if (bad) {
      // the whole file is kept aside; the jobs that could be read are written back at once
      this.notices.push(moveAside(this.file, 'gateway job file', `${bad} of ${raws.length} job record${raws.length === 1 ? '' : 's'} unreadable; the other ${raws.length - bad} are kept`));
      this.saveNow();
    }
  }

  private scheduleSave(now = false): void {
    if (now) {
      if (this.saveTimer) clearTimeout(this.saveTimer);
      this.saveTimer = null;
      this.saveNow();
      return;
    }
    if (this.saveTimer) return;
    // Progress only (upstream ids and end states are saved at once; after a restart the progress
    // comes from upstream again): at most one write every 5 s.
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      this.saveNow();
    }, 5000);
    this.saveTimer.unref?.();
  }

  saveNow(): void {
    const keep = this.opts.keep ?? 500;
    const all = [...this.jobs.values()].sort((a, b) => a.createdAt - b.createdAt);
    const active = all.filter((j) => j.state === 'queued' || j.state === 'running');
    const done = all.filter((j) => j.state !== 'queued' && j.state !== 'running').slice(-keep);
    try {
      writeFileAtomicSync(this.file, JSON.stringify({ version: 1, jobs: [...done, ...active] }), 0o600);
    } catch {
      // disk full or similar: jobs keep running, the next save retries
    }
  }

  private update(job: Job, patch: Partial<Job>, persistNow = false): Job {
    const next: Job = safeJob({ ...job, ...patch, updatedAt: Date.now() });
    this.jobs.set(next.id, next);
    this.scheduleSave(persistNow);
    for (const l of this.listeners) {
      try {
        l(next);
      } catch {}
    }
    return next;
  }

  // ---------------------------------------------------------------- submission

  /**
   * Start a job (or return the existing one for this idempotency key). Rejects with a
   * `JobRejected` for bad parameters, before any upstream change.
   */
  submit(kind: JobKind, rawParams: unknown, idempotencyKey: string, actor: JobActor): Promise<Job> {
    if (this.closed) return Promise.reject(new JobRejected('the gateway is shutting down'));
    const existing = this.byKey.get(idempotencyKey);
    if (existing) {
      const j = this.jobs.get(existing)!;
      if (j.kind !== kind) return Promise.reject(new JobRejected(`idempotency key already used for a ${j.kind} job`));
      return Promise.resolve(j);
    }
    const pending = this.pendingKeys.get(idempotencyKey);
    if (pending) return pending;
    const p = this.create(kind, rawParams, idempotencyKey, actor).finally(() => this.pendingKeys.delete(idempotencyKey));
    this.pendingKeys.set(idempotencyKey, p);
    return p;
  }

  private async create<K extends JobKind>(kind: K, rawParams: unknown, key: string, actor: JobActor): Promise<Job> {
    const parsed = (CommandParams[kind] as z.ZodType).safeParse(rawParams ?? {});
    if (!parsed.success) {
      throw new JobRejected(`bad ${kind} parameters: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}`);
    }
    // CommandParams[kind] is this kind's schema: what it returned is the kind's parameters
    const params = parsed.data as KindParams<K>;
    const def: JobKindDef<K> = KINDS[kind];
    const pre = await def.prepare(this.context, params);
    const now = Date.now();
    const job: Job = {
      id: `job_${randomUUID().slice(0, 8)}`,
      kind,
      idempotencyKey: key,
      state: 'queued',
      target: pre.target,
      app: pre.app,
      env: pre.env,
      params: redactParams(params),
      percent: null,
      stage: null,
      steps: pre.steps.map((name: string) => ({ name, state: 'pending', startedAt: null, endedAt: null })),
      createdAt: now,
      updatedAt: now,
      endedAt: null,
      error: null,
      result: null,
      upstreamId: null,
      actor: actor.name,
      role: actor.role,
    };
    this.byKey.set(key, job.id);
    this.update(job, {}, true);
    this.launch<K>(job.id, (h) => def.run(h, params, pre, this.context));
    return this.jobs.get(job.id)!;
  }

  // ---------------------------------------------------------------- running

  private launch<K extends JobKind>(id: string, body: (h: JobHandle<K>) => Promise<void>): void {
    const abort = new AbortController();
    const h = new JobHandle<K>(this, id, abort.signal);
    const done = (async () => {
      await Promise.resolve();
      if (this.jobs.get(id)?.state === 'queued') h.patch({ state: 'running' });
      try {
        await body(h);
        if (abort.signal.aborted) return;
        const j = this.jobs.get(id)!;
        if (j.state === 'running' || j.state === 'queued') h.finish('succeeded');
      } catch (e) {
        if (abort.signal.aborted) return; // gateway closing: the record stays "running" for rediscovery
        h.finish('failed', errorText(e));
      }
    })();
    this.running.set(id, { abort, done });
    void done.finally(() => this.running.delete(id));
  }

  /** @internal used by JobHandle */
  _patch(id: string, patch: Partial<Job>, persistNow = false): Job {
    const j = this.jobs.get(id);
    if (!j) throw new Error(`unknown job ${id}`);
    return this.update(j, patch, persistNow);
  }

  /** @internal */
  _finished(job: Job): void {
    this.opts.audit.write({
      actor: job.actor ?? 'unknown',
      role: job.role ?? (job.actor === 'upstream' ? 'upstream' : 'unknown'),
      action: job.kind,
      target: job.target,
      params: job.params,
      outcome: job.state === 'succeeded' ? 'succeeded' : `failed: ${job.error ?? 'unknown error'}`,
      job: job.id,
    });
  }

  /** fast: backups, restores, downloads (Divio's CLI: 2 s); deploy: Divio's CLI cadence (3 s; the
   * cockpit's own deployment topic is faster); slow: idle re-checks. */
  get interval(): { fast: number; deploy: number; slow: number } {
    return { fast: Math.max(20, 1500 * this.scale), deploy: Math.max(20, 3000 * this.scale), slow: Math.max(50, 5000 * this.scale) };
  }

  /** What the kinds may use. */
  get context(): KindContext {
    return { up: this.up, interval: this.interval, scale: this.scale, dataDir: this.opts.dataDir, downloadDir: join(this.opts.dataDir, 'downloads'), local: this.local };
  }

  // ---------------------------------------------------------------- rediscovery

  /**
   * Re-follow what was in flight: unfinished jobs from the job file, then running deployments and
   * unfinished backups found upstream that no job follows yet.
   */
  async rediscover(opts: { upstreamScan?: boolean } = {}): Promise<void> {
    for (const j of [...this.jobs.values()]) {
      if (j.state !== 'queued' && j.state !== 'running') continue;
      if (this.running.has(j.id)) continue;
      this.refollow(j);
    }
    if (opts.upstreamScan === false) return;
    const c = this.up.divio;
    const followed = new Set([...this.jobs.values()].filter((j) => j.state === 'running').map((j) => j.upstreamId));
    try {
      const envs = await collect(c.environments({}));
      const apps = new Map<string, string>();
      for (const a of await collect(c.applications({}))) apps.set(a.uuid, a.slug);
      const queue = [...envs];
      const worker = async () => {
        for (let e = queue.shift(); e; e = queue.shift()) {
          if (this.closed) return;
          const d = await c.latestDeployment(e.uuid).catch(() => null);
          if (d && d.ended_at === null && !followed.has(d.uuid)) {
            followed.add(d.uuid);
            this.adopt('deploy', d.uuid, e, apps.get(e.application) ?? e.application);
          }
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      let n = 0;
      for await (const b of c.backups({})) {
        if (++n > 200 || this.closed) break;
        if (!backupOutcome(b).done && !followed.has(b.uuid)) {
          followed.add(b.uuid);
          const e = envs.find((x) => x.uuid === b.environment);
          this.adopt('backup', b.uuid, e ?? null, e ? (apps.get(e.application) ?? '') : '');
        }
      }
    } catch {
      // upstream unreachable at start: what the job file knew is still followed
    }
  }

  private adopt(kind: 'deploy' | 'backup', upstreamId: string, env: Environment | null, app: string): void {
    const now = Date.now();
    const job: Job = {
      id: `job_${randomUUID().slice(0, 8)}`,
      kind,
      idempotencyKey: `rediscovered:${kind}:${upstreamId}`,
      state: 'running',
      target: env ? `${app}@${env.slug}` : upstreamId,
      app: app || undefined,
      env: env?.slug,
      params: env ? { env: env.uuid } : {},
      percent: null,
      stage: null,
      steps: [{ name: kind, state: 'running', startedAt: now, endedAt: null, detail: 'found running upstream' }],
      createdAt: now,
      updatedAt: now,
      endedAt: null,
      error: null,
      result: kind === 'deploy' ? { deployment: upstreamId, attached: true } : { backup: upstreamId },
      upstreamId,
      actor: 'upstream',
    };
    this.byKey.set(job.idempotencyKey, job.id);
    this.update(job, {}, true);
    this.refollow(job);
  }

  private refollow(j: Job): void {
    this.refollowKind(j.kind, j);
  }

  private refollowKind<K extends JobKind>(kind: K, j: Job): void {
    const id = j.id;
    const resume = KINDS[kind].resume;
    if (!j.upstreamId || !resume) {
      const why = !j.upstreamId ? 'interrupted by a gateway restart before the upstream call; check upstream before retrying' : 'interrupted by a gateway restart; check the result upstream';
      this.launch(id, async () => {
        throw new Error(why);
      });
      return;
    }
    this.launch<K>(id, async (h) => {
      h.patch({ state: 'running' });
      await resume(h, h.job, this.context);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const r of this.running.values()) r.abort.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    this.saveNow();
  }
}

/**
 * A job as it may be kept, broadcast (every role reads the jobs topic), saved to jobs.json and
 * audited: parameters, result, stage, step names and error as safe text with secrets masked. The
 * runner keeps the real parameters; only this record is shared.
 */
function safeJob(j: Job): Job {
  return {
    ...j,
    target: cleanField(j.target),
    params: maskDeep(j.params) as Record<string, unknown>,
    result: j.result ? (maskDeep(j.result) as Record<string, unknown>) : j.result,
    stage: j.stage == null ? j.stage : (maskDeep(j.stage) as string),
    error: j.error == null ? j.error : (maskDeep(j.error) as string),
    steps: j.steps.map((st) => ({ ...st, name: cleanField(st.name) })),
  };
}

/** Parameters as recorded in a job (and the audit log): no secrets, bounded lists. */
function redactParams(p: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    // `value`: an environment variable's (env-var jobs), never kept, shown or audited
    if (/token|password|secret/i.test(k) || k === 'value') continue;
    out[k] = Array.isArray(v) && v.length > 20 ? [...v.slice(0, 20), `… ${v.length - 20} more`] : v;
  }
  return out;
}
