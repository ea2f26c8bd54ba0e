// The fleet topic: every application × environment the token can see, at a cost that does not grow
// with the fleet.
//
// Start: the applications (paged), then each application's environments — the filter Divio's CLI
// always uses — a few at a time. Every row is on screen from what the environment list carries
// (`last_finished_deployment`), without one request per environment.
//
// Steady state: at most `budget` upstream requests a second (default 1) for the whole fleet, however
// many environments it holds. Each piece of a row (its running or newest deployment, its newest
// successful backup, its error sample, its application's environment list) has a refresh interval;
// a scheduler spends the budget on the most overdue piece, deploying rows first, then the rows a
// client has on screen (`view`), then the others in turn. A big fleet refreshes its hidden rows
// more slowly; it never costs more.
//
// Backups: asked per environment (`?environment=`), newest first, until a successful one or the end
// of its list, so no environment is ever shown "no backup" because other environments' backups
// filled a page. A zone that ignores that filter is detected (another environment's backup in the
// answer); the fleet then reads the account's whole backup list in turn and says so, and an age is
// shown as unknown ("?"), never as "none", until it is known.
//
// Leaving: the fleet's figures (rows, error samples, backup ages) are kept for a grace period after
// the last watcher leaves (`retainMs`, default 10 min), so coming back shows them at once.
import { backupOutcome, backupSucceededAt } from '../domain/outcomes.js';
import { compareText } from '../domain/helpers.js';
import type { Application, Backup, Deployment, DeploymentRef, Environment, FleetRow } from '../domain/index.js';
import { Backup as BackupSchema, Environment as EnvironmentSchema, Application as ApplicationSchema, Organisation as OrganisationSchema } from '../domain/index.js';
import type * as z from '../domain/zod.js';
import type { TopicParamsOf } from '../protocol/index.js';
import { Topic, Sub, sleep, errorText } from './hub.js';
import { FleetErrorSampler, errorFigures } from './fleetrates.js';
import type { TopicCtx } from './topics.js';

/** Refresh intervals (ms, multiplied by the gateway's poll scale). */
// These are wishes: a small fleet gets them; a big one spends its budget on the most overdue piece
// (lateness relative to the piece's interval), so every kind of piece falls behind by the same factor,
// and a deploying or visible row's pieces before the others'.
export const FLEET_INTERVALS = {
  deploying: 5_000,
  depVisible: 15_000,
  depHidden: 60_000,
  errVisible: 60_000,
  errHidden: 5 * 60_000,
  backupVisible: 5 * 60_000,
  backupHidden: 30 * 60_000,
  envsVisible: 60_000,
  envsHidden: 10 * 60_000,
  apps: 10 * 60_000,
};
/** Application environment lists asked side by side at start. */
const BOOT_CONCURRENCY = 8;
/** A backup list walked this far without a successful backup: the age stays unknown. */
const BACKUP_MAX_PAGES = 10;
/** Weights of the scheduler: a deploying row always first, a visible one before a hidden one. */
const WEIGHT = { deploying: 1000, visible: 10, hidden: 1 };
/** Extra lateness (in intervals) of a piece never read yet. */
const UNKNOWN_BONUS = 5;

type Kind = 'dep' | 'err' | 'backup';
interface EnvInfo {
  env: Environment;
  /** When `env` (its application's list) and `dep` were read. */
  envAt: number;
  depAt: number;
  /** From a per-environment check: its running or newest deployment (null: none); undefined: not asked. */
  dep: Deployment | null | undefined;
  /** undefined: not known yet. */
  backupAt: string | null | undefined;
  /** The newest backup failed (newer than the newest successful one): its time. */
  backupFailedAt?: string | null;
  due: Record<Kind, number>;
}
interface AppInfo {
  app: Application;
  envsDue: number;
}
/** What the fleet keeps while nobody watches (grace period). */
interface Retained {
  apps: Map<string, AppInfo>;
  orgName: Map<string, string>;
  envs: Map<string, EnvInfo>;
  sampler: FleetErrorSampler;
  backupFilter: boolean | null;
}

export interface FleetOptions {
  /** Steady-state upstream requests per second for the whole fleet (default 1). */
  budgetPerSec?: number;
  /** Keep the figures this long after the last watcher leaves (default 10 min, unscaled). */
  retainMs?: number;
}

/** The environment's last finished deployment as its list carries it (`{uuid, started_at, ended_at, status, success}`). */
function lastFinished(e: Environment): DeploymentRef | null {
  return e.last_finished_deployment ?? null;
}

function hashFrac(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

export class FleetTopic extends Topic<'fleet'> {
  private apps = new Map<string, AppInfo>();
  private orgName = new Map<string, string>();
  private envs = new Map<string, EnvInfo>();
  private sampler!: FleetErrorSampler;
  /** Does the zone honour `?environment=` on backups? null: not seen yet. */
  private backupFilter: boolean | null = null;
  /** Account-wide backup walk (only when the filter is ignored). */
  private walk: { next: URL | string | null; found: Map<string, string>; pages: number; count: number | null } | null = null;
  private walkDue = 0;
  private appsDue = 0;
  private booted = false;
  private dirty = false;
  private lastPublish = 0;
  private failures = 0;
  /** Environments on screen, per subscriber. */
  private views = new Map<Sub, Set<string>>();
  private readonly tick: number;
  private readonly retainMs: number;

  constructor(
    name: 'fleet',
    key: string,
    params: TopicParamsOf<'fleet'>,
    private ctx: TopicCtx,
    opts: FleetOptions = {},
  ) {
    super(name, key, params);
    this.tick = (1000 / (opts.budgetPerSec ?? 1)) * ctx.scale;
    this.retainMs = opts.retainMs ?? 10 * 60_000;
  }

  private iv(k: keyof typeof FLEET_INTERVALS): number {
    return FLEET_INTERVALS[k] * this.ctx.scale;
  }

  start(): void {
    this.started = true;
    const kept = this.ctx.retained?.take<Retained>(this.key);
    if (kept) {
      // back within the grace period: the figures of before, at once (refreshed as usual from here)
      Object.assign(this, { apps: kept.apps, orgName: kept.orgName, envs: kept.envs, sampler: kept.sampler, backupFilter: kept.backupFilter });
      this.sampler.rebind(this.signal);
      this.publish();
    } else {
      this.sampler = new FleetErrorSampler(this.ctx.up, this.signal);
    }
    void this.run();
  }

  override stop(): void {
    super.stop();
    if (this.booted && this.ctx.retained) {
      this.ctx.retained.put<Retained>(this.key, { apps: this.apps, orgName: this.orgName, envs: this.envs, sampler: this.sampler, backupFilter: this.backupFilter }, this.retainMs);
    }
  }

  /** A subscriber says which environments it shows (they are refreshed before the others). */
  setView(sub: Sub, envUuids: string[]): void {
    const before = this.visible();
    this.views.set(sub, new Set(envUuids));
    const now = Date.now();
    // rows that just came into view and are older than a visible row may be: due now
    for (const id of envUuids) {
      if (before.has(id)) continue;
      const x = this.envs.get(id);
      if (!x) continue;
      x.due.dep = Math.min(x.due.dep, Math.max(now, x.due.dep - this.iv('depHidden') + this.iv('depVisible')));
      x.due.err = Math.min(x.due.err, Math.max(now, x.due.err - this.iv('errHidden') + this.iv('errVisible')));
      x.due.backup = Math.min(x.due.backup, Math.max(now, x.due.backup - this.iv('backupHidden') + this.iv('backupVisible')));
    }
    this.wake?.();
  }

  private visible(): Set<string> {
    const out = new Set<string>();
    for (const [sub, ids] of this.views) {
      if (!this.subs.has(sub)) {
        this.views.delete(sub);
        continue;
      }
      for (const id of ids) out.add(id);
    }
    return out;
  }

  // ------------------------------------------------------------------ the loop

  private async run(): Promise<void> {
    while (!this.signal.aborted) {
      try {
        await this.boot();
        break;
      } catch (e) {
        if (this.signal.aborted) return;
        this.failures++;
        const wait = Math.min(30_000, 1000 * 2 ** Math.min(this.failures - 1, 5)) * this.ctx.scale;
        this.setHealth({ ok: false, error: errorText(e), retryInMs: wait });
        await sleep(wait, this.signal);
      }
    }
    if (this.failures) this.setHealth({ ok: true, error: null, retryInMs: null });
    this.failures = 0;
    while (!this.signal.aborted) {
      const { job, next } = this.pick(Date.now());
      let cost = 1;
      if (job) {
        try {
          cost = Math.max(1, await job());
          if (this.failures) this.setHealth({ ok: true, error: null, retryInMs: null });
          this.failures = 0;
        } catch (e) {
          if (this.signal.aborted) return;
          // the piece stays as it was (its due time moved on); the fleet says so after a few in a row
          if (++this.failures >= 3) this.setHealth({ ok: false, error: errorText(e), retryInMs: this.tick });
        }
      }
      const publishGap = Math.min(2000 * this.ctx.scale, 2000);
      if (this.dirty && Date.now() - this.lastPublish >= publishGap) this.publish();
      if (job) await sleep(cost * this.tick, this.signal);
      else {
        // nothing due: asleep until the next piece is (or a snapshot is owed), not a wake-up every
        // tick; a row coming into view wakes it (setView)
        let wait = Math.max(this.tick, next - Date.now());
        if (this.dirty) wait = Math.min(wait, Math.max(this.tick, this.lastPublish + publishGap - Date.now()));
        await this.idle(Math.min(wait, 60_000));
      }
    }
  }

  private wake: (() => void) | null = null;
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wake = null;
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
      this.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Applications, then each one's environments (side by side): every row, from the lists alone. */
  private async boot(): Promise<void> {
    const [orgs, , envs] = await Promise.all([
      this.listAll<{ uuid: string; name: string }>('/iam/v3/organisations/', {}, OrganisationSchema).catch(() => []),
      this.refreshApps(true),
      this.listAll<Environment>('/apps/v3/environments/', {}, EnvironmentSchema, true).catch(() => null),
    ]);
    for (const o of orgs) this.orgName.set(o.uuid, o.name);
    // One walk of the account's environment list (15 pages for 1,500) puts every row on screen
    // at once. The per-application lists (Divio's CLI's filter) stay the truth: each application's
    // is read again in turn (its rows on screen first), so an account list that left some out, or a
    // zone that refuses it, costs freshness, never rows.
    if (envs && this.bootFromAccountList(envs)) {
      this.booted = true;
      this.appsDue = Date.now() + this.iv('apps');
      this.publish();
      return;
    }
    const queue = [...this.apps.values()];
    let lastProgress = Date.now();
    await Promise.all(
      Array.from({ length: BOOT_CONCURRENCY }, async () => {
        for (let a = queue.shift(); a; a = queue.shift()) {
          if (this.signal.aborted) return;
          await this.refreshEnvs(a);
          // rows appear as their applications answer (a snapshot at most every 750 ms)
          if (Date.now() - lastProgress > 750) {
            lastProgress = Date.now();
            this.publish();
          }
        }
      }),
    );
    this.booted = true;
    this.appsDue = Date.now() + this.iv('apps');
    this.publish();
  }

  /** The most overdue piece of work, as a function returning the requests it made. */
  private pick(now: number): { job: (() => Promise<number>) | null; next: number } {
    const vis = this.visible();
    let best: (() => Promise<number>) | null = null;
    let bestScore = 0;
    let next = Infinity;
    const consider = (due: number, interval: number, weight: number, job: () => Promise<number>, unknown = false) => {
      if (now < due) {
        next = Math.min(next, due);
        return;
      }
      // a piece never read yet (a backup age, a row's outcome) comes before refreshing known ones
      const score = (1 + (now - due) / interval + (unknown ? UNKNOWN_BONUS : 0)) * weight;
      if (score > bestScore) {
        bestScore = score;
        best = job;
      }
    };
    for (const [id, x] of this.envs) {
      const shown = vis.has(id);
      const deploying = !!x.dep && x.dep.ended_at === null;
      // (a row on screen: whether it deploys now matters more than its other pieces)
      const w = deploying ? WEIGHT.deploying : shown ? WEIGHT.visible * 3 : WEIGHT.hidden;
      consider(x.due.dep, deploying ? this.iv('deploying') : shown ? this.iv('depVisible') : this.iv('depHidden'), w, () => this.refreshRow(x, () => this.checkDeployment(x)), x.dep === undefined && !!lastFinished(x.env) && !lastFinished(x.env)!.ended_at);
      if (this.samplable(x)) consider(x.due.err, shown ? this.iv('errVisible') : this.iv('errHidden'), shown ? WEIGHT.visible : WEIGHT.hidden, () => this.refreshRow(x, () => this.sampleErrors(x)), !this.sampler.figures(id));
      if (this.backupFilter !== false) consider(x.due.backup, shown ? this.iv('backupVisible') : this.iv('backupHidden'), shown ? WEIGHT.visible : WEIGHT.hidden, () => this.checkBackups(x), x.backupAt === undefined);
    }
    const visApps = new Set<string>();
    for (const id of vis) {
      const x = this.envs.get(id);
      if (x) visApps.add(x.env.application);
    }
    for (const a of this.apps.values()) {
      const shown = visApps.has(a.app.uuid);
      consider(a.envsDue, shown ? this.iv('envsVisible') : this.iv('envsHidden'), shown ? WEIGHT.visible : WEIGHT.hidden, async () => {
        const n = await this.refreshEnvs(a);
        this.dirty = true;
        return n;
      });
    }
    consider(this.appsDue, this.iv('apps'), WEIGHT.hidden, () => this.refreshAppsJob());
    if (this.backupFilter === false) consider(this.walkDue, this.iv('backupHidden'), WEIGHT.hidden, () => this.walkBackups());
    return { job: best, next };
  }

  private samplable(x: EnvInfo): boolean {
    const r = this.stateOf(x);
    return r.state !== 'sleeping' && r.state !== 'never-deployed' && !this.ctx.followerOf(x.env.uuid);
  }

  // ------------------------------------------------------------------ the pieces

  /** Walk a list to its end; returns the items (the requests are counted by the caller's page count). */
  private async listAll<T>(path: string, query: Record<string, string | number | undefined>, schema: z.ZodType, parallel = false): Promise<T[]> {
    const c = this.ctx.up.divio;
    const out: T[] = [];
    let from: string | URL | null = path;
    let pages = 0;
    if (parallel) {
      // start-up: the first page says how many there are; the others (`?page=N`, DRF page-number
      // paging) are asked a few at a time instead of one after another
      const p1 = await c.listPage(path, query, schema, this.signal);
      out.push(...(p1.results as T[]));
      pages = 1;
      if (p1.next && p1.count !== null && p1.results.length > 0) {
        const total = Math.ceil(p1.count / p1.results.length);
        const size = p1.results.length;
        const rest: T[][] = [];
        const todo = Array.from({ length: total - 1 }, (_, i) => i + 2);
        await Promise.all(
          Array.from({ length: Math.min(4, todo.length) }, async () => {
            for (let n = todo.shift(); n; n = todo.shift()) {
              const p = await c.listPage(path, { ...query, page_size: size, page: n }, schema, this.signal);
              rest[n] = p.results as T[];
            }
          }),
        );
        for (const r of rest) if (r) out.push(...r);
        pages = total;
        this.lastPages = pages;
        return out;
      }
      from = p1.next;
    }
    while (from) {
      const p: { results: unknown[]; next: URL | null } = await c.listPage(from, pages === 0 ? query : {}, schema, this.signal);
      out.push(...(p.results as T[]));
      from = p.next;
      pages++;
      this.lastPages = pages;
    }
    return out;
  }
  private lastPages = 0;

  private async refreshApps(parallel = false): Promise<number> {
    const list = await this.listAll<Application>('/apps/v3/applications/', {}, ApplicationSchema, parallel);
    const pages = this.lastPages;
    const seen = new Set<string>();
    for (const app of list) {
      seen.add(app.uuid);
      const a = this.apps.get(app.uuid);
      if (a) a.app = app;
      else this.apps.set(app.uuid, { app, envsDue: Date.now() });
    }
    for (const id of [...this.apps.keys()]) {
      if (seen.has(id)) continue;
      this.apps.delete(id);
      for (const [eid, x] of this.envs) if (x.env.application === id) this.envs.delete(eid);
    }
    return pages;
  }

  private async refreshAppsJob(): Promise<number> {
    this.appsDue = Date.now() + this.iv('apps');
    const n = await this.refreshApps();
    this.dirty = true;
    return n;
  }

  /** Rows from the account's environment list (read unfiltered at start; when a zone refuses it, per application). */
  private bootFromAccountList(list: Environment[]): boolean {
    if (this.signal.aborted) throw new Error('stopped');
    const byApp = new Map<string, Environment[]>();
    for (const e of list) {
      const l = byApp.get(e.application);
      if (l) l.push(e);
      else byApp.set(e.application, [e]);
    }
    const now = Date.now();
    for (const a of this.apps.values()) {
      this.mergeEnvs(a, byApp.get(a.app.uuid) ?? [], now, false);
      // each application's own list, in turn over the next interval
      a.envsDue = now + this.iv('envsHidden') * hashFrac(a.app.uuid);
    }
    return true;
  }

  /** One application's environments (`?application=`, as Divio's CLI asks). */
  private async refreshEnvs(a: AppInfo): Promise<number> {
    const now = Date.now();
    a.envsDue = now + this.iv('envsHidden') * (0.75 + 0.5 * hashFrac(a.app.uuid));
    const list = await this.listAll<Environment>('/apps/v3/environments/', { application: a.app.uuid }, EnvironmentSchema);
    const pages = this.lastPages;
    this.mergeEnvs(a, list, now, true);
    return pages;
  }

  /** Rows of one application from a list; `complete`: environments it lacks are gone. */
  private mergeEnvs(a: AppInfo, list: Environment[], now: number, complete: boolean): void {
    const seen = new Set<string>();
    for (const e of list) {
      if (e.application !== a.app.uuid) continue; // a zone that ignored the filter: not this application's
      seen.add(e.uuid);
      const x = this.envs.get(e.uuid);
      if (!x) {
        const lfd = lastFinished(e);
        const f = hashFrac(e.uuid);
        this.envs.set(e.uuid, {
          env: e,
          envAt: now,
          depAt: 0,
          dep: undefined,
          backupAt: undefined,
          due: {
            // the list's last finished deployment tells the state; a deployment running now is found
            // by the per-environment check, spread over its interval (at once when the list says little)
            dep: lfd && lfd.ended_at ? now + f * this.iv('depHidden') : now,
            err: now + f * this.iv('errVisible'),
            backup: now,
          },
        });
      } else {
        const before = lastFinished(x.env)?.uuid;
        x.env = e;
        x.envAt = now;
        // a deployment finished since: the row shows it from the list; its details soon
        if (lastFinished(e)?.uuid !== before && !(x.dep && x.dep.ended_at === null)) x.due.dep = Math.min(x.due.dep, now);
      }
    }
    if (complete) for (const [id, x] of this.envs) if (x.env.application === a.app.uuid && !seen.has(id)) this.envs.delete(id);
  }

  /** The environment's running deployment, or its newest (`?environment=`, newest first). */
  private async checkDeployment(x: EnvInfo): Promise<number> {
    const c = this.ctx.up.divio;
    const running = x.dep && x.dep.ended_at === null ? x.dep : null;
    x.due.dep = Date.now() + (running ? this.iv('deploying') : this.iv('depHidden'));
    const d = running ? await c.deployment(running.uuid, this.signal) : await c.latestDeployment(x.env.uuid, this.signal);
    x.dep = d && d.environment === x.env.uuid ? d : null;
    x.depAt = Date.now();
    if (x.dep && x.dep.ended_at === null) x.due.dep = Date.now() + this.iv('deploying');
    else if (running) {
      // it ended: the application's list carries the new last finished deployment
      const a = this.apps.get(x.env.application);
      if (a) a.envsDue = Math.min(a.envsDue, Date.now());
    }
    return 1;
  }

  private async sampleErrors(x: EnvInfo): Promise<number> {
    x.due.err = Date.now() + this.iv('errHidden');
    const pages = await this.sampler.sample(x.env.uuid).then(() => this.sampler.lastRequests);
    return pages;
  }

  /**
   * One environment's periodic refresh (its deployment, its error sample): the fleet is published
   * again only when that refresh changed the environment's row. Most refreshes read what was there,
   * and each publish builds, sorts and serialises every row to find that nothing changed. A row whose
   * error figures come from a live log follower moves with time: it is published as before.
   */
  private async refreshRow(x: EnvInfo, job: () => Promise<number>): Promise<number> {
    const before = JSON.stringify(this.rowOf(x, Date.now()));
    try {
      return await job();
    } finally {
      const f = this.ctx.followerOf(x.env.uuid);
      if ((f && f.ready) || JSON.stringify(this.rowOf(x, Date.now())) !== before) this.dirty = true;
    }
  }

  /** Newest successful backup of one environment: its own list, newest first, until one is found. */
  private async checkBackups(x: EnvInfo): Promise<number> {
    const c = this.ctx.up.divio;
    const id = x.env.uuid;
    x.due.backup = Date.now() + this.iv('backupHidden');
    let from: string | URL | null = '/apps/v3/backups/';
    let pages = 0;
    let newest: string | null = null;
    let failed: string | null = null;
    while (from && pages < BACKUP_MAX_PAGES) {
      const p: { results: Backup[]; next: URL | null } = await c.listPage(from, pages === 0 ? { environment: id, page_size: 25 } : {}, BackupSchema, this.signal);
      pages++;
      if (p.results.some((b) => b.environment !== id)) {
        // the zone ignored the filter: per-environment answers cannot be trusted; read the whole list
        this.backupFilter = false;
        this.walkDue = Date.now();
        for (const y of this.envs.values()) y.backupAt = undefined;
        this.dirty = true;
        return pages;
      }
      if (p.results.length) this.backupFilter = true;
      for (const b of p.results) {
        // a backup counts once it has ended with SUCCESS (a running one may already say SUCCESS)
        const t = backupSucceededAt(b);
        if (t && (!newest || t > newest)) newest = t;
        // the same answer says whether the newest backup failed (no request more)
        const o = backupOutcome(b);
        const at = b.created_at ?? b.ended_at ?? null;
        if (o.done && !o.ok && at && (!failed || at > failed)) failed = at;
      }
      if (newest) break;
      from = p.next;
    }
    // walked to the end without one: none; stopped early: still unknown
    x.backupAt = newest ?? (from ? undefined : null);
    x.backupFailedAt = failed && (!newest || failed > newest) ? failed : null;
    this.dirty = true;
    return pages;
  }

  /** Zones that ignore `?environment=`: the account's whole backup list, one page a turn. */
  private async walkBackups(): Promise<number> {
    const c = this.ctx.up.divio;
    this.walk ??= { next: '/apps/v3/backups/', found: new Map(), pages: 0, count: null };
    const w = this.walk;
    const p = await c.listPage(w.next!, w.pages === 0 ? { page_size: 100 } : {}, BackupSchema, this.signal);
    w.pages++;
    w.count = p.count;
    for (const b of p.results) {
      const t = backupSucceededAt(b);
      const prev = w.found.get(b.environment);
      if (t && (!prev || t > prev)) w.found.set(b.environment, t);
    }
    w.next = p.next;
    if (!w.next) {
      for (const [id, x] of this.envs) x.backupAt = w.found.get(id) ?? null;
      this.walk = null;
      this.walkDue = Date.now() + this.iv('backupHidden');
      this.dirty = true;
    } else this.walkDue = Date.now();
    return 1;
  }

  // ------------------------------------------------------------------ rows

  private stateOf(x: EnvInfo): { state: FleetRow['state']; last: FleetRow['lastDeployment']; pending: boolean } {
    const e = x.env;
    const lfd = lastFinished(e);
    const d = x.dep;
    // the per-environment answer when it is the newest we know: running, the list's last finished one,
    // or read after the list
    if (d && (d.ended_at === null || !lfd || lfd.uuid === d.uuid || x.depAt >= x.envAt)) {
      const last = { uuid: d.uuid, startedAt: d.started_at ?? null, endedAt: d.ended_at, success: d.success ?? null, percent: d.percent ?? null, status: d.status ?? null };
      return { state: envState(e, d), last, pending: false };
    }
    if (lfd && lfd.ended_at) {
      const last = { uuid: lfd.uuid, startedAt: lfd.started_at ?? null, endedAt: lfd.ended_at, success: lfd.success ?? null, percent: null, status: lfd.status ?? null };
      return { state: envState(e, { uuid: lfd.uuid, environment: e.uuid, ended_at: lfd.ended_at, success: lfd.success ?? null } as Deployment), last, pending: false };
    }
    if (!lfd) {
      // never finished a deployment (one may be running: the per-environment check says)
      return { state: envState(e, d === undefined ? null : d), last: null, pending: false };
    }
    // the list names a last deployment but not its outcome: its details are on their way
    return { state: 'unknown', last: null, pending: true };
  }

  private rowOf(x: EnvInfo, now: number): FleetRow | null {
    const a = this.apps.get(x.env.application)?.app;
    if (!a) return null;
    const e = x.env;
    const s = this.stateOf(x);
    const f = this.ctx.followerOf(e.uuid);
    const fig = f && f.ready ? errorFigures(f.access, now, f.access.firstTs) : this.sampler.figures(e.uuid);
    return {
      appUuid: a.uuid,
      app: a.slug,
      appName: a.name,
      orgUuid: a.organisation,
      org: this.orgName.get(a.organisation) ?? a.organisation,
      envUuid: e.uuid,
      env: e.slug,
      branch: e.branch ?? null,
      state: s.state,
      url: e.url ?? null,
      lastDeployment: s.last,
      lastBackupAt: x.backupAt ?? null,
      lastBackupFailedAt: x.backupFailedAt ?? null,
      ...(x.backupAt === undefined ? { backupKnown: false } : {}),
      errorRate: fig ? fig.errorRate : null,
      errorHistory: fig ? fig.history : [],
      ...(s.pending ? { pending: true } : {}),
    };
  }

  private publish(): void {
    this.dirty = false;
    this.lastPublish = Date.now();
    const now = Date.now();
    const rows = [...this.envs.values()]
      .map((x) => this.rowOf(x, now))
      .filter((r): r is FleetRow => r !== null)
      .sort((x, y) => compareText(x.app, y.app) || envOrder(x.env) - envOrder(y.env) || compareText(x.env, y.env));
    const notes: string[] = [];
    const unknown = rows.filter((r) => r.backupKnown === false).length;
    if (this.backupFilter === false) {
      const w = this.walk;
      notes.push(
        `backups: this zone cannot list them per environment; reading all of the account's backups${w ? ` (page ${w.pages}${w.count != null ? ` of ${Math.ceil(w.count / 100)}` : ''})` : ''}${unknown ? `: ${unknown} ages unknown (?)` : ''}`,
      );
    } else if (unknown && this.booted) notes.push(`backups: ${rows.length - unknown} of ${rows.length} checked`);
    const json = JSON.stringify({ rows, ...(notes.length ? { notes } : {}), ...(this.booted ? {} : { loading: true }) });
    if (this.latest && this.latest.json === json) return;
    // (Topic.publishSnapshot without a second JSON.stringify of ~1,500 rows)
    this.seq++;
    this.latest = { seq: this.seq, json };
    for (const sub of this.subs) if (sub.ready) this.deliverSnapshot(sub);
  }
}

function envOrder(slug: string): number {
  return slug === 'live' ? 1 : slug === 'test' ? 0 : 2;
}

export function envState(e: Environment, d: Deployment | null | undefined): FleetRow['state'] {
  if (d === undefined) return 'unknown';
  if (d && d.ended_at === null) return 'deploying';
  if (String(e.status ?? '').toLowerCase() === 'sleeping') return 'sleeping';
  if (!d && !lastFinished(e)) return 'never-deployed';
  if (d && d.success === false) return 'failed';
  return 'live';
}
