// Jobs: every mutation the gateway performs upstream. Each job has an idempotency key (the same key
// twice = the same job, one upstream call), states, timed steps and progress; it keeps running when
// the client that started it goes away, and its record is persisted (atomically) in the data
// directory. On start, in-flight work is rediscovered — from the job file (restores cannot be
// listed upstream) and from upstream (running deployments, unfinished backups) — and followed.
import { cleanField, maskDeep } from '../domain/text.js';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { z } from 'zod';
import { request } from 'undici';
import { CommandParams } from '../protocol/index.js';
import { Job, type JobKind, type JobStep, type Environment, type Backup, type ServiceInstance, type Domain, domainName, divioCdnCandidate, confirmationWord, envRisk } from '../domain/index.js';
import type { Upstream } from './types.js';
import type { AuditLog } from './audit.js';
import { errorText, sleep } from './hub.js';
import { collect } from '../divio/client.js';
import { DivioApiError } from '../divio/errors.js';
import { deploy, prepareDownload, fetchDownload } from '../divio/ops.js';
import { moveAside, writeFileAtomicSync } from '../statefile/index.js';

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

/** A command refused before any upstream change (bad confirm, unknown env …). */
export class JobRejected extends Error {}

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
  local: { describe(id: string): Promise<{ target: string; id: string; container: unknown }>; action(id: string, action: 'start' | 'stop' | 'restart'): Promise<void> } | null = null;

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

  private async create(kind: JobKind, rawParams: unknown, key: string, actor: JobActor): Promise<Job> {
    const schema = CommandParams[kind] as z.ZodTypeAny;
    const parsed = schema.safeParse(rawParams ?? {});
    if (!parsed.success) {
      throw new JobRejected(`bad ${kind} parameters: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}`);
    }
    const params = parsed.data as Record<string, any>;
    const pre = await this.prepare(kind, params);
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
      steps: pre.steps.map((name) => ({ name, state: 'pending', startedAt: null, endedAt: null })),
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
    this.launch(job.id, (h) => this.runners[kind](h, params, pre));
    return this.jobs.get(job.id)!;
  }

  /** Validate against upstream and compute the human target, before anything changes. */
  private async prepare(kind: JobKind, p: Record<string, any>): Promise<Prepared> {
    const c = this.up.divio;
    const envOf = async (uuid: string): Promise<{ env: Environment; app: string }> => {
      let env: Environment;
      try {
        env = await c.environment(uuid);
      } catch (e) {
        throw new JobRejected(`environment ${uuid}: ${errorText(e)}`);
      }
      let app = env.application;
      try {
        app = (await c.application(env.application)).slug;
      } catch {}
      return { env, app };
    };
    switch (kind) {
      case 'deploy': {
        const { env, app } = await envOf(p.env);
        if (envRisk(env.slug) === 'live') needConfirmation(p.confirm, app, env.slug, 'deploying');
        return { target: `${app}@${env.slug}`, app, env: env.slug, envObj: env, steps: ['deploy', 'probe'] };
      }
      case 'backup': {
        const { env, app } = await envOf(p.env);
        return { target: `${app}@${env.slug}`, app, env: env.slug, envObj: env, steps: ['backup'] };
      }
      case 'restore': {
        const { env, app } = await envOf(p.to);
        needConfirmation(p.confirm, app, env.slug, 'restoring into');
        let backup: Backup;
        try {
          backup = await c.backup(p.backup);
        } catch (e) {
          throw new JobRejected(`backup ${p.backup}: ${errorText(e)}`);
        }
        if (backup.success && backup.success !== 'SUCCESS') throw new JobRejected(`backup ${p.backup} did not succeed and cannot be restored`);
        const unknown = (p.siBackups as string[]).filter((u) => !backup.service_instance_backups.includes(u));
        if (unknown.length) throw new JobRejected(`service instance backup(s) ${unknown.join(', ')} do not belong to backup ${p.backup}`);
        const steps = [...(p.safetyBackup ? ['safety backup'] : []), 'restore', 'content version'];
        return { target: `${app}@${env.slug}`, app, env: env.slug, envObj: env, steps, backup };
      }
      case 'download': {
        let backup: Backup;
        try {
          backup = await c.backup(p.backup);
        } catch (e) {
          throw new JobRejected(`backup ${p.backup}: ${errorText(e)}`);
        }
        let target = `backup ${p.backup.slice(0, 8)}`;
        try {
          const { env, app } = await envOf(backup.environment);
          target = `${app}@${env.slug} backup ${p.backup.slice(0, 8)}`;
        } catch {}
        return { target, steps: ['prepare', 'download'], backup };
      }
      case 'cdn-clear': {
        // One domain, or every domain of an environment that may be on Divio's CDN.
        if (!p.env === !p.domain) throw new JobRejected('cdn-clear needs exactly one of: domain, env');
        if (p.domain) {
          let target = `domain ${p.domain}`;
          try {
            for await (const d of c.domains({})) {
              if (d.uuid === p.domain) {
                target = domainName(d);
                break;
              }
            }
          } catch {}
          return { target, steps: ['clear'] };
        }
        const { env, app } = await envOf(p.env);
        let domains: Domain[];
        try {
          domains = (await collect(c.domains({ environment: env.uuid }))).filter((d) => !d.environment || d.environment === env.uuid);
        } catch (e) {
          throw new JobRejected(`domains of ${app}@${env.slug}: ${errorText(e)}`);
        }
        const cdn: { uuid: string; name: string }[] = [];
        const skipped: { name: string; reason: string }[] = [];
        for (const d of domains) {
          const v = divioCdnCandidate(d);
          if (v.candidate) cdn.push({ uuid: d.uuid, name: domainName(d) });
          else skipped.push({ name: domainName(d), reason: v.reason });
        }
        if (!cdn.length)
          throw new JobRejected(
            `${app}@${env.slug} has no domain on Divio's CDN${skipped.length ? ` (${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})` : ''}; a Cloudflare zone of your own is purged by URL, prefix, host, tag or everything`,
          );
        return { target: `${app}@${env.slug}`, app, env: env.slug, envObj: env, steps: cdn.map((d) => `clear ${d.name}`), cdn, skipped };
      }
      case 'local-action': {
        if (!this.local) throw new JobRejected('this gateway has no Local environment (Docker)');
        const d = await this.local.describe(p.container);
        if (!d.container) throw new JobRejected(`no container "${String(p.container).slice(0, 64)}" on the local engine`);
        p.container = d.id;
        return { target: d.target, env: 'local', steps: [p.action] };
      }
      case 'cloudflare-purge': {
        const { env, app } = await envOf(p.env);
        const n = ['files', 'prefixes', 'hosts', 'tags'].filter((k) => Array.isArray(p[k]) && p[k].length);
        if (!p.everything && n.length !== 1) throw new JobRejected('purge needs exactly one of: everything, files, prefixes, hosts, tags');
        if (p.everything && n.length) throw new JobRejected('purge everything cannot be combined with files, prefixes, hosts or tags');
        if (p.everything) needConfirmation(p.confirm, app, env.slug, 'purging everything cached for');
        return { target: `${app}@${env.slug}`, app, env: env.slug, envObj: env, steps: ['purge'] };
      }
    }
  }

  // ---------------------------------------------------------------- running

  private launch(id: string, body: (h: JobHandle) => Promise<void>): void {
    const abort = new AbortController();
    const h = new JobHandle(this, id, abort.signal);
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

  private runners: Record<JobKind, (h: JobHandle, p: Record<string, any>, pre: Prepared) => Promise<void>> = {
    deploy: async (h, p, pre) => {
      // attach-if-running and the never-repeated POST live in the client's ops
      h.stepStart('deploy');
      let lastStage: string | null = null;
      const r = await deploy(this.up.divio, pre.envObj!, {
        buildMode: p.buildMode,
        signal: h.signal,
        intervalMs: this.interval.deploy,
        onStart: ({ uuid, attached }) => h.patch({ upstreamId: uuid, result: { deployment: uuid, attached } }, true),
        onProgress: (d) => {
          const stage = d.stage ?? d.status ?? null;
          if (stage !== lastStage || (d.percent ?? null) !== h.job.percent) {
            lastStage = stage;
            h.patch({ percent: d.percent ?? null, stage });
          }
        },
      });
      const d = r.deployment;
      if (d.success === false) {
        h.stepEnd('deploy', 'failed', lastStage ?? undefined);
        throw new Error(`deployment ${d.uuid.slice(0, 8)} failed${lastStage ? ` at ${lastStage}` : ''}`);
      }
      h.stepEnd('deploy', 'succeeded');
      h.patch({ percent: 100, result: { deployment: d.uuid, attached: r.attached, success: d.success ?? null } });
      // The verdict has two sources: the API's success and an HTTP probe of the environment's URL.
      h.stepStart('probe');
      const fresh = await this.up.divio.environment(pre.envObj!.uuid, h.signal).catch(() => pre.envObj!);
      const url = typeof fresh.url === 'string' && /^https?:\/\//.test(fresh.url) ? fresh.url : null;
      if (!url) {
        h.stepEnd('probe', 'skipped', 'site URL not offered by this zone');
        h.patch({ stage: 'done', result: { ...(h.job.result ?? {}), probe: null } });
        return;
      }
      const probe = await probeUrl(url, h.signal, Math.max(50, 1000 * this.scale));
      h.patch({ result: { ...(h.job.result ?? {}), probe } }, true);
      if (!probe.ok) {
        h.stepEnd('probe', 'failed', probe.status != null ? `HTTP ${probe.status}` : (probe.error ?? 'no answer'));
        throw new Error(`deployment ${d.uuid.slice(0, 8)} succeeded upstream, but ${url} answered ${probe.status != null ? `HTTP ${probe.status}` : (probe.error ?? 'nothing')}`);
      }
      h.stepEnd('probe', 'succeeded', `HTTP ${probe.status} from ${url}`);
    },
    backup: async (h, p, pre) => {
      const c = this.up.divio;
      const env = pre.envObj!;
      h.stepStart('backup');
      const services = p.services?.length ? (p.services as string[]) : (await collect(c.serviceInstances(env.uuid))).map((s) => s.uuid);
      if (!services.length) throw new Error(`${pre.target} has no service instances to back up`);
      const { uuid } = await c.createBackup(env.uuid, services, p.notes);
      h.patch({ upstreamId: uuid, result: { backup: uuid } }, true);
      await this.followBackup(h, uuid, 'backup');
    },
    restore: async (h, p, pre) => {
      const c = this.up.divio;
      const env = pre.envObj!;
      if (p.safetyBackup) {
        h.stepStart('safety backup');
        try {
          const services = (await collect(c.serviceInstances(env.uuid))).map((s) => s.uuid);
          if (!services.length) throw new Error('the destination has no service instances to back up');
          const { uuid } = await c.createBackup(env.uuid, services, `safety backup before restoring ${String(p.backup).slice(0, 8)} (divio-tui)`);
          h.patch({ upstreamId: uuid, result: { ...(h.job.result ?? {}), safetyBackup: uuid } }, true);
          await this.followBackup(h, uuid, 'safety backup');
        } catch (e) {
          h.stepSkip('restore', 'not started: the safety backup failed');
          h.stepSkip('content version');
          throw new Error(`safety backup failed, restore not started: ${errorText(e)}`);
        }
      }
      h.stepStart('restore');
      const uuid = await this.createRestore(pre.backup!, p.siBackups, env, p.notes);
      h.patch({ upstreamId: uuid, result: { ...(h.job.result ?? {}), restore: uuid } }, true);
      await this.followRestore(h, uuid, env.uuid);
    },
    download: async (h, p) => {
      h.stepStart('prepare');
      const prep = await prepareDownload(this.up.divio, p.backup, p.siBackups, { signal: h.signal, intervalMs: this.interval.fast });
      h.patch({ upstreamId: prep.uuid }, true);
      h.stepEnd('prepare', 'succeeded');
      h.stepStart('download');
      const dir = p.dest ? resolve(String(p.dest)) : join(this.opts.dataDir, 'downloads');
      const files: { path: string; bytes: number }[] = [];
      for (let i = 0; i < prep.urls.length; i++) {
        const url = prep.urls[i];
        const single = p.dest && prep.urls.length === 1 && !isDirLike(String(p.dest));
        const dest = single ? resolve(String(p.dest)) : join(dir, `${String(p.backup).slice(0, 8)}-${i + 1}-${safeName(url)}`);
        mkdirSync(dirname(dest), { recursive: true });
        files.push(await fetchDownload(url, dest, { signal: h.signal }));
        h.patch({ percent: Math.round(((i + 1) / prep.urls.length) * 100) });
      }
      h.stepEnd('download', 'succeeded', files.map((f) => `${f.path} (${f.bytes} bytes)`).join(', '));
      h.patch({ result: { download: prep.uuid, files } }, true);
    },
    'cdn-clear': async (h, p, pre) => {
      if (p.domain) {
        h.stepStart('clear');
        await this.up.divio.clearCdnCache(p.domain);
        h.stepEnd('clear', 'succeeded');
        h.patch({ result: { domain: p.domain } });
        return;
      }
      // Every candidate domain of the environment; Divio answers 400 ("not processed") for a domain
      // that is not on its CDN: that domain is skipped, not a failure.
      const cleared: string[] = [];
      const skipped = [...(pre.skipped ?? [])];
      const failed: string[] = [];
      for (const d of pre.cdn ?? []) {
        const step = `clear ${d.name}`;
        h.stepStart(step);
        try {
          await this.up.divio.clearCdnCache(d.uuid);
          h.stepEnd(step, 'succeeded');
          cleared.push(d.name);
        } catch (e) {
          if (e instanceof DivioApiError && e.status === 400) {
            h.stepEnd(step, 'skipped', "not on Divio's CDN");
            skipped.push({ name: d.name, reason: "not on Divio's CDN" });
          } else {
            h.stepEnd(step, 'failed', errorText(e));
            failed.push(`${d.name}: ${errorText(e)}`);
          }
        }
      }
      h.patch({ result: { cleared, skipped: skipped.map((s) => `${s.name} (${s.reason})`) } }, true);
      if (failed.length) throw new Error(`clearing the CDN cache failed for ${failed.join('; ')}`);
      if (!cleared.length)
        throw new Error(`${pre.target} has no domain on Divio's CDN (${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}); a Cloudflare zone of your own is purged by URL, prefix, host, tag or everything`);
    },
    'local-action': async (h, p) => {
      if (!this.local) throw new Error('this gateway has no Local environment (Docker)');
      h.stepStart(p.action);
      await this.local.action(p.container, p.action);
      h.stepEnd(p.action, 'succeeded');
    },
    'cloudflare-purge': async (h, p, pre) => {
      h.stepStart('purge');
      const env = pre.envObj!;
      const target = this.up.cloudflare ? await this.up.cloudflare(env) : null;
      if (!target) throw new Error(`no customer-owned Cloudflare zone is configured for ${pre.target} (Divio-managed domains use "cdn-clear")`);
      let zoneId = p.zone ?? target.zoneId ?? null;
      if (!zoneId && target.zoneName) zoneId = (await target.client.zoneByName(target.zoneName)).id;
      if (!zoneId) throw new Error('no Cloudflare zone id known for this environment');
      const req = p.everything
        ? { everything: true as const }
        : p.files?.length
          ? { files: p.files as string[] }
          : p.prefixes?.length
            ? { prefixes: p.prefixes as string[] }
            : p.hosts?.length
              ? { hosts: p.hosts as string[] }
              : { tags: p.tags as string[] };
      const rate = () => {
        const b = target.client.bucketState();
        return { plan: b.plan, tokens: Math.floor(b.tokens), capacity: b.capacity, perSecond: b.perSecond, waitMs: b.waitMs };
      };
      h.patch({ result: { zone: zoneId, rateLimit: rate() } });
      const r = await target.client.purge(zoneId, req as any, {
        signal: h.signal,
        onProgress: (sent: number, total: number) => {
          const rl = rate();
          h.patch({
            percent: total ? Math.round((sent / total) * 100) : null,
            stage: `purge: ${sent}/${total} sent; rate limit ${rl.tokens}/${rl.capacity} (${rl.plan}, ${rl.perSecond}/s)${rl.waitMs ? `, next in ${Math.ceil(rl.waitMs / 100) / 10} s` : ''}`,
            result: { zone: zoneId, sent, total, rateLimit: rl },
          });
        },
      });
      h.stepEnd('purge', 'succeeded', `${r.requests} request(s)`);
      h.patch({ result: { zone: zoneId, requests: r.requests, ids: r.ids, rateLimit: rate() } });
    },
  };

  /** POST a restore of `siBackups` into `dest` (each item targets the destination's instance of the same type/prefix). */
  private async createRestore(backup: Backup, siBackups: string[], dest: Environment, notes?: string): Promise<string> {
    const c = this.up.divio;
    const dstInstances = await collect(c.serviceInstances(dest.uuid));
    let srcInstances: ServiceInstance[] | null = null;
    const items: { service_instance_backup: string; service_instance?: string }[] = [];
    for (const sib of siBackups) {
      const b = await c.serviceInstanceBackup(sib);
      let target: string | undefined;
      if (backup.environment !== dest.uuid) {
        const srcType = b.service_type ?? null;
        srcInstances ??= await collect(c.serviceInstances(backup.environment)).catch(() => []);
        const prefix = srcInstances.find((s) => s.uuid === b.service_instance)?.prefix;
        const match = dstInstances.find((s) => s.type === srcType && (!prefix || s.prefix === prefix)) ?? dstInstances.find((s) => s.type === srcType) ?? null;
        if (!match) throw new Error(`the destination has no ${srcType ?? 'matching'} service instance to restore into`);
        target = match.uuid;
      }
      items.push({ service_instance_backup: sib, ...(target ? { service_instance: target } : {}) });
    }
    const body: Record<string, unknown> = { backup: backup.uuid, service_instance_restores: items };
    if (notes) body.notes = notes;
    const r = await (c as any).call({ method: 'POST', url: c.url('/apps/v3/backup-restores/'), body, schema: z.looseObject({ uuid: z.string() }) });
    return (r as { uuid: string }).uuid;
  }

  private async followDeployment(h: JobHandle, uuid: string): Promise<void> {
    const c = this.up.divio;
    let lastStage: string | null = null;
    for (;;) {
      const d = await c.deployment(uuid, h.signal);
      if (h.signal.aborted) return;
      const stage = d.stage ?? d.status ?? null;
      if (stage !== lastStage || d.percent !== h.job.percent) {
        lastStage = stage;
        h.patch({ percent: d.percent ?? null, stage });
      }
      if (d.ended_at) {
        if (d.success === false) {
          h.stepEnd('deploy', 'failed', stage ?? undefined);
          throw new Error(`deployment ${uuid.slice(0, 8)} failed${stage ? ` at ${stage}` : ''}`);
        }
        h.stepEnd('deploy', 'succeeded');
        h.patch({ percent: 100, result: { ...(h.job.result ?? {}), deployment: uuid, success: d.success ?? null } });
        return;
      }
      await sleep(this.interval.deploy, h.signal);
      if (h.signal.aborted) return;
    }
  }

  private async followBackup(h: JobHandle, uuid: string, step: string): Promise<void> {
    const c = this.up.divio;
    for (;;) {
      const b = await c.backup(uuid, h.signal);
      if (h.signal.aborted) return;
      h.patch({ stage: `${step}: ${b.state.toLowerCase()}` });
      if (b.state === 'COMPLETED' || b.ended_at) {
        if (b.success !== 'SUCCESS') {
          h.stepEnd(step, 'failed', b.success ?? b.state);
          throw new Error(`${step} ${uuid.slice(0, 8)} ended with ${b.success ?? b.state}`);
        }
        h.stepEnd(step, 'succeeded', uuid);
        return;
      }
      await sleep(this.interval.fast, h.signal);
      if (h.signal.aborted) return;
    }
  }

  private async followRestore(h: JobHandle, uuid: string, destEnv: string): Promise<void> {
    const c = this.up.divio;
    for (;;) {
      const r = await c.restore(uuid, h.signal);
      if (h.signal.aborted) return;
      if (r.finished) {
        if (r.success !== 'SUCCESS') {
          h.stepEnd('restore', 'failed', r.success ?? 'failed');
          h.stepSkip('content version');
          const errs = Array.isArray((r as any).errors) && (r as any).errors.length ? `: ${String((r as any).errors[0]).slice(0, 300)}` : '';
          throw new Error(`restore ${uuid.slice(0, 8)} ended with ${r.success ?? 'no success'}${errs}`);
        }
        h.stepEnd('restore', 'succeeded', uuid);
        break;
      }
      h.patch({ stage: 'restore: running' });
      await sleep(this.interval.fast, h.signal);
      if (h.signal.aborted) return;
    }
    h.stepStart('content version');
    const cv = await c.contentVersion(destEnv, h.signal).catch(() => null);
    h.stepEnd('content version', cv ? 'succeeded' : 'skipped', cv ? undefined : 'not offered by this zone');
    h.patch({ result: { ...(h.job.result ?? {}), restore: uuid, contentVersion: cv } }, true);
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
        if (b.state !== 'COMPLETED' && !b.ended_at && !followed.has(b.uuid)) {
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
    const id = j.id;
    if (!j.upstreamId) {
      this.update(j, { state: 'failed', endedAt: Date.now(), error: 'interrupted by a gateway restart before the upstream call; check upstream before retrying' }, true);
      this._finished(this.jobs.get(id)!);
      return;
    }
    const up = j.upstreamId;
    const restoreUuid = typeof j.result?.restore === 'string' ? (j.result.restore as string) : null;
    this.launch(id, async (h) => {
      h.patch({ state: 'running' });
      if (j.kind === 'deploy') {
        if (!h.job.steps.some((s) => s.name === 'deploy' && s.state === 'running')) h.stepStart('deploy');
        await this.followDeployment(h, up);
      } else if (j.kind === 'backup') {
        await this.followBackup(h, up, 'backup');
      } else if (j.kind === 'restore') {
        const dest = typeof j.params.to === 'string' ? j.params.to : '';
        if (restoreUuid && restoreUuid === up) {
          await this.followRestore(h, up, dest);
        } else if (j.result?.safetyBackup === up && typeof j.params.backup === 'string' && Array.isArray(j.params.siBackups)) {
          // the gateway stopped during the safety backup: finish it, then restore as asked
          try {
            await this.followBackup(h, up, 'safety backup');
          } catch (e) {
            h.stepSkip('restore', 'not started: the safety backup failed');
            h.stepSkip('content version');
            throw new Error(`safety backup failed, restore not started: ${errorText(e)}`);
          }
          if (h.signal.aborted) return;
          const c = this.up.divio;
          const [backup, env] = await Promise.all([c.backup(j.params.backup), c.environment(dest)]);
          h.stepStart('restore');
          const uuid = await this.createRestore(backup, j.params.siBackups as string[], env, typeof j.params.notes === 'string' ? j.params.notes : undefined);
          h.patch({ upstreamId: uuid, result: { ...(h.job.result ?? {}), restore: uuid } }, true);
          await this.followRestore(h, uuid, dest);
        } else {
          throw new Error('interrupted by a gateway restart before the restore was created; check upstream before retrying');
        }
      } else {
        throw new Error('interrupted by a gateway restart; check the result upstream');
      }
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

interface Prepared {
  target: string;
  app?: string;
  env?: string;
  envObj?: Environment;
  backup?: Backup;
  steps: string[];
  /** cdn-clear of an environment: the domains that may be on Divio's CDN, and those skipped (why). */
  cdn?: { uuid: string; name: string }[];
  skipped?: { name: string; reason: string }[];
}

export class JobHandle {
  constructor(
    private store: JobStore,
    readonly id: string,
    readonly signal: AbortSignal,
  ) {}
  get job(): Job {
    return this.store.get(this.id)!;
  }
  patch(p: Partial<Job>, persistNow = false): void {
    if (this.signal.aborted) return;
    this.store._patch(this.id, p, persistNow);
  }
  private setStep(name: string, f: (s: JobStep) => JobStep): void {
    const steps = this.job.steps.map((s) => (s.name === name ? f(s) : s));
    if (!steps.some((s) => s.name === name)) steps.push(f({ name, state: 'pending', startedAt: null, endedAt: null }));
    this.patch({ steps });
  }
  stepStart(name: string): void {
    this.setStep(name, (s) => ({ ...s, state: 'running', startedAt: Date.now() }));
    this.patch({ stage: name });
  }
  stepEnd(name: string, state: 'succeeded' | 'failed' | 'skipped', detail?: string): void {
    this.setStep(name, (s) => ({ ...s, state, endedAt: Date.now(), ...(detail ? { detail } : {}) }));
  }
  stepSkip(name: string, detail?: string): void {
    this.setStep(name, (s) => ({ ...s, state: 'skipped', ...(detail ? { detail } : {}) }));
  }
  finish(state: 'succeeded' | 'failed', error?: string): void {
    const now = Date.now();
    // A step still running ends with the job; a step never started ends skipped (a failed
    // deployment's probe, the steps of an adopted job): no step stays pending after the end.
    const steps = this.job.steps.map((s) =>
      s.state === 'running'
        ? { ...s, state: state === 'succeeded' ? ('succeeded' as const) : ('failed' as const), endedAt: now }
        : s.state === 'pending'
          ? { ...s, state: 'skipped' as const, detail: s.detail ?? (state === 'failed' ? 'not started: an earlier step failed' : 'not needed') }
          : s,
    );
    this.store._patch(this.id, { state, steps, endedAt: now, error: error ?? null, stage: state === 'succeeded' ? 'done' : 'failed' }, true);
    this.store._finished(this.job);
  }
}

export interface ProbeResult {
  url: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  ms: number;
  attempts: number;
}

/** GET the environment's URL (no token, no redirects followed); a few tries while the release settles. */
export async function probeUrl(url: string, signal: AbortSignal, retryMs = 1000, attempts = 3): Promise<ProbeResult> {
  let last: ProbeResult = { url, ok: false, status: null, error: 'not tried', ms: 0, attempts: 0 };
  for (let i = 1; i <= attempts; i++) {
    const t0 = Date.now();
    try {
      const r = await request(url, { method: 'GET', signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]), headersTimeout: 10_000, bodyTimeout: 10_000 });
      await r.body.dump().catch(() => undefined);
      last = { url, ok: r.statusCode >= 200 && r.statusCode < 400, status: r.statusCode, error: null, ms: Date.now() - t0, attempts: i };
    } catch (e) {
      if (signal.aborted) throw e;
      last = { url, ok: false, status: null, error: errorText(e), ms: Date.now() - t0, attempts: i };
    }
    if (last.ok || i === attempts) return last;
    await sleep(retryMs, signal);
  }
  return last;
}

/** A destructive command must carry a confirmation naming its target: `APP@ENV`. */
function needConfirmation(given: unknown, app: string, env: string, what: string): void {
  const word = confirmationWord(app, env);
  if (given === word) return;
  throw new JobRejected(
    given === undefined || given === null || given === ''
      ? `${what} ${word} needs a confirmation naming it: confirm "${word}"`
      : `confirmation "${String(given).slice(0, 80)}" does not name ${word}: ${what} ${word} needs confirm "${word}"`,
  );
}

/** Parameters as recorded in a job (and the audit log): no secrets, bounded lists. */
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

function redactParams(p: Record<string, any>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (/token|password|secret/i.test(k)) continue;
    out[k] = Array.isArray(v) && v.length > 20 ? [...v.slice(0, 20), `… ${v.length - 20} more`] : v;
  }
  return out;
}

function safeName(url: string): string {
  try {
    const last = new URL(url).pathname.split('/').filter(Boolean).pop() ?? 'download';
    return last.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80) || 'download';
  } catch {
    return 'download';
  }
}

function isDirLike(p: string): boolean {
  return p.endsWith('/') || (existsSync(p) && !/\.[A-Za-z0-9]+$/.test(p));
}
