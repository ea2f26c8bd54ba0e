// Backup: an on-demand backup of an environment's service instances (all, or those named, which
// must belong to it), followed until it ends — "ended" and "succeeded" as the domain defines them.
import type { Backup } from '../../domain/index.js';
import { backupOutcome, upstreamErrorText } from '../../domain/index.js';
import { backupWord } from '../../domain/words.js';
import { collect } from '../../divio/client.js';
import { followBackup } from '../../divio/ops.js';
import { errorText } from '../hub.js';
import { envOf, JobRejected, type HandleOf, type JobKindDef, type KindContext, type Prepared } from './kind.js';

interface BackupPrepared extends Prepared {
  envUuid: string;
  services: string[];
}

export const backupKind: JobKindDef<'backup', BackupPrepared> = {
  async prepare(ctx, p) {
    const { env, app } = await envOf(ctx, p.env);
    let all: string[];
    try {
      all = (await collect(ctx.up.divio.serviceInstances(env.uuid))).filter((s) => !s.environment || s.environment === env.uuid).map((s) => s.uuid);
    } catch (e) {
      throw new JobRejected(`service instances of ${app}@${env.slug}: ${errorText(e)}`);
    }
    const services = p.services?.length ? p.services : all;
    const foreign = services.filter((u) => !all.includes(u));
    if (foreign.length) throw new JobRejected(`service instance(s) ${foreign.join(', ').slice(0, 200)} do not belong to ${app}@${env.slug}`);
    if (!services.length) throw new JobRejected(`${app}@${env.slug} has no service instances to back up`);
    return { target: `${app}@${env.slug}`, app, env: env.slug, envUuid: env.uuid, services, steps: ['backup'] };
  },

  async run(h, p, pre, ctx) {
    await h.step('backup', async () => {
      const { uuid } = await ctx.up.divio.createBackup(pre.envUuid, pre.services, p.notes);
      h.patch({ upstreamId: uuid });
      h.record({ backup: uuid });
      return followToEnd(h, ctx, uuid, 'backup');
    }, (b) => b.uuid);
  },

  async resume(h, job, ctx) {
    await h.step('backup', () => followToEnd(h, ctx, job.upstreamId!, 'backup'), (b) => b.uuid);
  },
};

/** Follow backup `uuid` (shown as `label` in the job's stage) to its end; a failure throws with Divio's reason. */
export async function followToEnd(h: HandleOf<'backup' | 'restore'>, ctx: KindContext, uuid: string, label: string): Promise<Backup> {
  const b = await followBackup(ctx.up.divio, uuid, {
    signal: h.signal,
    intervalMs: ctx.interval.fast,
    onProgress: (x) => h.patch({ stage: `${label}: ${backupWord(x).text}` }),
  });
  const o = backupOutcome(b);
  if (o.done && !o.ok) {
    let why = '';
    try {
      const first = b.service_instance_backups[0];
      const errs = first ? (await ctx.up.divio.serviceInstanceBackup(first, h.signal)).errors : null;
      if (errs?.length) why = `: ${upstreamErrorText(errs[0]).slice(0, 300)}`;
    } catch {}
    throw new Error(`${label} ${uuid.slice(0, 8)} ${backupWord(b).text}${why}`);
  }
  return b;
}

