// What every job kind is made of (src/gateway/jobs/<kind>.ts): `prepare` validates the parameters
// against upstream and applies the kind's guards before anything changes (a refusal is a
// JobRejected, with its reason); `run` does the work through a JobHandle; `resume` follows an
// unfinished job again after a gateway restart. JobStore (../jobs.ts) keeps persistence,
// idempotency, launch, audit and rediscovery, and nothing kind-specific.
import type * as z from '../../domain/zod.js';
import type { Environment, Job, JobKind, JobOf, JobResultOf, JobStep } from '../../domain/index.js';
import type { CommandParams } from '../../protocol/index.js';
import { confirmationWord } from '../../domain/index.js';
import type { Upstream } from '../types.js';
import { errorText } from '../hub.js';

/** A command refused before any upstream change (bad confirmation, unknown environment …). */
export class JobRejected extends Error {}

export interface LocalActions {
  describe(id: string): Promise<{ target: string; id: string; container: unknown }>;
  action(id: string, action: 'start' | 'stop' | 'restart'): Promise<void>;
}

/** What a kind may use: the upstream, the polling cadence, where files go. */
export interface KindContext {
  up: Upstream;
  /** fast: backups, restores, downloads (Divio's CLI: 2 s); deploy: Divio's CLI cadence (3 s); slow: idle re-checks. */
  interval: { fast: number; deploy: number; slow: number };
  /** Multiplies waits (tests < 1). */
  scale: number;
  dataDir: string;
  /** Where downloads are written (the only place), created on first use with mode 0700. */
  downloadDir: string;
  local: LocalActions | null;
}

/** The outcome of `prepare`: the human target and the steps, plus whatever `run` needs. */
export interface Prepared {
  target: string;
  app?: string;
  env?: string;
  steps: string[];
}

/** A kind's parameters once validated: the protocol's command schema of that kind. */
export type KindParams<K extends JobKind> = z.infer<(typeof CommandParams)[K]>;

/** What a kind does with its parameters (the protocol's), what it prepares, and the result it records. */
export interface JobKindDef<K extends JobKind, R extends Prepared = Prepared> {
  prepare(ctx: KindContext, params: KindParams<K>): Promise<R>;
  run(h: JobHandle<K>, params: KindParams<K>, pre: R, ctx: KindContext): Promise<void>;
  /** Follow an unfinished job again after a restart (rediscovery); absent = the job is marked interrupted. */
  resume?(h: JobHandle<K>, job: JobOf<K>, ctx: KindContext): Promise<void>;
}

/** A patch of a job of kind K: its result is that kind's. */
export type JobPatch<K extends JobKind> = Partial<Omit<Job, 'kind' | 'result'>> & { result?: JobResultOf<K> | null };

/** What JobHandle needs of the store. */
export interface JobSink {
  get(id: string): Job | undefined;
  _patch(id: string, patch: JobPatch<JobKind>, persistNow?: boolean): Job;
  _finished(job: Job): void;
}

/** A running job as its kind sees it: progress, steps, the end. */
export class JobHandle<K extends JobKind = JobKind> {
  constructor(
    private store: JobSink,
    readonly id: string,
    readonly signal: AbortSignal,
  ) {}
  get job(): JobOf<K> {
    // the store holds this handle's job, launched as kind K
    return this.store.get(this.id) as JobOf<K>;
  }
  /** What the job recorded so far. */
  get result(): JobResultOf<K> {
    // every field of a kind's result is optional: nothing recorded yet is an empty result
    return (this.job.result ?? {}) as JobResultOf<K>;
  }
  patch(p: JobPatch<K>, persistNow = false): void {
    if (this.signal.aborted) return;
    this.store._patch(this.id, p, persistNow);
  }
  /** Merge into the result (persisted at once: upstream ids must survive a restart). */
  record(r: JobResultOf<K>): void {
    this.patch({ result: { ...this.result, ...r } }, true);
  }
  private setStep(name: string, f: (s: JobStep) => JobStep): void {
    const steps = this.job.steps.map((s) => (s.name === name ? f(s) : s));
    if (!steps.some((s) => s.name === name)) steps.push(f({ name, state: 'pending', startedAt: null, endedAt: null }));
    this.patch({ steps });
  }
  stepStart(name: string): void {
    if (this.job.steps.some((s) => s.name === name && s.state === 'running')) return;
    this.setStep(name, (s) => ({ ...s, state: 'running', startedAt: Date.now() }));
    this.patch({ stage: name });
  }
  stepEnd(name: string, state: 'succeeded' | 'failed' | 'skipped', detail?: string): void {
    this.setStep(name, (s) => ({ ...s, state, endedAt: Date.now(), ...(detail ? { detail } : {}) }));
  }
  stepSkip(name: string, detail?: string): void {
    this.setStep(name, (s) => ({ ...s, state: 'skipped', ...(detail ? { detail } : {}) }));
  }
  stepDone(name: string): boolean {
    return this.job.steps.some((s) => s.name === name && (s.state === 'succeeded' || s.state === 'skipped'));
  }
  /** Run `body` as step `name` (start, then succeeded with its detail, or failed with the error). */
  async step<T>(name: string, body: () => Promise<T>, detail?: (t: T) => string | undefined): Promise<T> {
    this.stepStart(name);
    try {
      const t = await body();
      this.stepEnd(name, 'succeeded', detail?.(t));
      return t;
    } catch (e) {
      if (!this.signal.aborted) this.stepEnd(name, 'failed', errorText(e).slice(0, 300));
      throw e;
    }
  }
  finish(state: 'succeeded' | 'failed', error?: string): void {
    const now = Date.now();
    // A step still running ends with the job; a step never started ends skipped (a failed
    // deployment's probe, the steps after a failure): no step stays pending after the end.
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

/** The environment `uuid` and its application's slug, or a refusal naming it. */
export async function envOf(ctx: KindContext, uuid: string): Promise<{ env: Environment; app: string }> {
  const c = ctx.up.divio;
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
}

/** A destructive command must carry a confirmation naming its target: `APP@ENV`. */
export function needConfirmation(given: unknown, app: string, env: string, what: string): void {
  const word = confirmationWord(app, env);
  if (given === word) return;
  throw new JobRejected(
    given === undefined || given === null || given === ''
      ? `${what} ${word} needs a confirmation naming it: confirm "${word}"`
      : `confirmation "${String(given).slice(0, 80)}" does not name ${word}: ${what} ${word} needs confirm "${word}"`,
  );
}

/** A handle of any of the kinds K (for steps that several kinds share: what they record fits each). */
export type HandleOf<K extends JobKind> = { [P in K]: JobHandle<P> }[K];

/** One definition per kind (what `prepare` hands to `run` is the kind's own). */
export type KindTable = { [K in JobKind]: JobKindDef<K> };
