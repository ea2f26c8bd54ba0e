// Deploy: attach to a running deployment or start one (never two POSTs), follow it at Divio's CLI
// cadence, then probe the environment's URL. A live environment needs `confirm: "APP@live"`.
import { streamRequest } from '../../http/transport.js';
import type { Deployment, Environment, Job } from '../../domain/index.js';
import { deploymentOutcome, envRisk } from '../../domain/index.js';
import { deploymentStatusWord } from '../../domain/words.js';
import { deploy, followDeployment } from '../../divio/ops.js';
import { errorText, sleep } from '../hub.js';
import { envOf, needConfirmation, type HandleOf, type JobKindDef, type KindContext, type Prepared } from './kind.js';

interface DeployPrepared extends Prepared {
  envObj: Environment;
}

export const deployKind: JobKindDef<'deploy', DeployPrepared> = {
  async prepare(ctx, p) {
    const { env, app } = await envOf(ctx, p.env);
    if (envRisk(env.slug) === 'live') needConfirmation(p.confirm, app, env.slug, 'deploying');
    return { target: `${app}@${env.slug}`, app, env: env.slug, envObj: env, steps: ['deploy', 'probe'] };
  },

  async run(h, p, pre, ctx) {
    await deployStep(h, ctx, pre.envObj, p.buildMode);
    await probe(h, ctx, pre.envObj);
  },

  resume: resumeDeploy,
};

/** Follow a deployment the gateway was following when it stopped (deploy and redeploy jobs). */
export async function resumeDeploy(h: HandleOf<'deploy' | 'redeploy'>, job: Job, ctx: KindContext): Promise<void> {
  {
    const uuid = job.upstreamId!;
    h.stepStart('deploy');
    let last: Awaited<ReturnType<typeof ctx.up.divio.deployment>> | null = null;
    let lastStage: string | null = null;
    for await (const d of followDeployment(ctx.up.divio, uuid, { signal: h.signal, intervalMs: ctx.interval.deploy })) {
      last = d;
      lastStage = progress(h, d, lastStage);
    }
    if (h.signal.aborted || !last) return;
    ended(h, last, lastStage);
    if (!job.steps.some((s) => s.name === 'probe')) return; // adopted from upstream: no probe asked for
    const envUuid = typeof job.params.env === 'string' ? job.params.env : last.environment;
    const env = await ctx.up.divio.environment(envUuid, h.signal);
    await probe(h, ctx, env);
  }
}

/** Step "deploy": start a deployment (or attach to the running one) and follow it to its end; a failed one throws. */
export async function deployStep(h: HandleOf<'deploy' | 'redeploy'>, ctx: KindContext, envObj: Environment, buildMode: 'AUTO' | 'ADOPT' | 'FORCE'): Promise<Deployment> {
  h.stepStart('deploy');
  let lastStage: string | null = null;
  const r = await deploy(ctx.up.divio, envObj, {
    buildMode,
    signal: h.signal,
    intervalMs: ctx.interval.deploy,
    onStart: ({ uuid, attached }) => {
      h.patch({ upstreamId: uuid });
      h.record({ deployment: uuid, attached });
    },
    onProgress: (d) => {
      lastStage = progress(h, d, lastStage);
    },
  });
  ended(h, r.deployment, lastStage);
  return r.deployment;
}

function progress(h: HandleOf<'deploy' | 'redeploy'>, d: { stage?: string | null; status?: string | null; percent?: number | null }, lastStage: string | null): string | null {
  // Divio's API gives no stage: the status's word stands in on the job ("deploying", "queued"), and
  // the last stage named stays the one a failure is reported at
  const stage = d.stage ?? (d.status ? deploymentStatusWord(d.status).text : null);
  if (stage !== h.job.stage || (d.percent ?? null) !== h.job.percent) h.patch({ percent: d.percent ?? null, stage });
  return d.stage ?? lastStage;
}

function ended(h: HandleOf<'deploy' | 'redeploy'>, d: { uuid: string; ended_at: string | null; success?: boolean | null; status?: string | null }, lastStage: string | null): void {
  const o = deploymentOutcome(d);
  if (o.done && !o.ok) {
    h.stepEnd('deploy', 'failed', lastStage ?? undefined);
    throw new Error(`deployment ${d.uuid.slice(0, 8)} failed${lastStage ? ` at ${lastStage}` : ''}`);
  }
  h.stepEnd('deploy', 'succeeded');
  h.patch({ percent: 100 });
  h.record({ deployment: d.uuid, success: d.success ?? null });
}

/** The verdict has two sources: the API's success and an HTTP probe of the environment's URL. */
export async function probe(h: HandleOf<'deploy' | 'redeploy'>, ctx: KindContext, envObj: Environment): Promise<void> {
  h.stepStart('probe');
  const fresh = await ctx.up.divio.environment(envObj.uuid, h.signal).catch(() => envObj);
  const url = typeof fresh.url === 'string' && /^https?:\/\//.test(fresh.url) ? fresh.url : null;
  if (!url) {
    h.stepEnd('probe', 'skipped', 'site URL not offered by this zone');
    h.patch({ stage: 'done' });
    h.record({ probe: null });
    return;
  }
  const r = await probeUrl(url, h.signal, Math.max(50, 1000 * ctx.scale));
  h.record({ probe: r });
  if (!r.ok) {
    h.stepEnd('probe', 'failed', r.status != null ? `HTTP ${r.status}` : (r.error ?? 'no answer'));
    throw new Error(`deployment ${String(h.result.deployment ?? '').slice(0, 8)} succeeded upstream, but ${url} answered ${r.status != null ? `HTTP ${r.status}` : (r.error ?? 'nothing')}`);
  }
  h.stepEnd('probe', 'succeeded', `HTTP ${r.status} from ${url}`);
}

/** What probeUrl found (every field set; the job's result schema, domain ProbeResult, also reads older records). */
export type ProbeResult = {
  url: string;
  ok: boolean;
  status: number | null;
  error: string | null;
  ms: number;
  attempts: number;
};

/** GET the environment's URL (no token, no redirects followed); a few tries while the release settles. */
export async function probeUrl(url: string, signal: AbortSignal, retryMs = 1000, attempts = 3): Promise<ProbeResult> {
  let last: ProbeResult = { url, ok: false, status: null, error: 'not tried', ms: 0, attempts: 0 };
  for (let i = 1; i <= attempts; i++) {
    const t0 = Date.now();
    try {
      const r = await streamRequest(url, { method: 'GET', signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]), headersTimeout: 10_000, bodyTimeout: 10_000 });
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

