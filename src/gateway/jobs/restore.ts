// Restore: only Divio's documented flows.
//  - Into the environment the backup was taken of: POST /apps/v3/backup-restores/ with the documented
//    body (the backup and its service-instance backups; no destination field: there is none).
//  - Into another environment (Divio's CLI `push`): download the source's service-instance backups
//    (no Divio token), upload each into the destination's matching service instance as a new backup
//    (POST /apps/v3/backups/upload/, handler exo-presigned-v1: a streamed HTTP PUT, then the
//    finish URL, no token), wait for that backup, then restore it — into its own service instances.
// Guards (before anything changes): `confirm` must name the destination `APP@ENV`; a backup of
// another application needs `crossApplication` naming the source `APP@ENV` too.
// Each phase records its upstream ids at once, so a restarted gateway resumes where it was.
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { CommandParams } from '../../protocol/index.js';
import type { Backup, Environment, ServiceInstance, ServiceInstanceBackup } from '../../domain/index.js';
import { backupOutcome, confirmationWord, restoreOutcome, upstreamErrorText } from '../../domain/index.js';
import { backupWord, restoreWord } from '../../domain/words.js';
import { collect } from '../../divio/client.js';
import { followRestore, openDownload, prepareDownload, SUPPORTED_UPLOAD_HANDLERS, uploadBackupFile } from '../../divio/ops.js';
import { errorText } from '../hub.js';
import { followToEnd } from './backup.js';
import { envOf, JobRejected, needConfirmation, type JobHandle, type JobKindDef, type KindParams, type KindContext, type Prepared } from './kind.js';
import { formatBytes } from '../../domain/format.js';

/** What a restore command carries (validated against the protocol's schema before prepare). */
export type RestoreParams = KindParams<'restore'>;

interface Mapping {
  /** The source's service-instance backup. */
  sib: string;
  type: string;
  /** The destination's service instance it goes into. */
  dest: string;
}

interface RestorePrepared extends Prepared {
  backup: Backup;
  dest: Environment;
  /** same: the backup's own environment; upload: another environment, through an uploaded backup. */
  mode: 'same' | 'upload';
  map: Mapping[];
}

const STEPS = {
  safety: 'safety backup',
  download: 'download',
  upload: 'upload',
  uploaded: 'uploaded backup',
  restore: 'restore',
  cv: 'content version',
} as const;

export const restoreKind: JobKindDef<'restore', RestorePrepared> = {
  async prepare(ctx, p) {
    const c = ctx.up.divio;
    const { env: dest, app } = await envOf(ctx, p.to);
    needConfirmation(p.confirm, app, dest.slug, 'restoring into');
    let backup: Backup;
    try {
      backup = await c.backup(p.backup);
    } catch (e) {
      throw new JobRejected(`backup ${p.backup}: ${errorText(e)}`);
    }
    const o = backupOutcome(backup);
    if (!o.done) throw new JobRejected(`backup ${p.backup} has not finished yet`);
    if (!o.ok) throw new JobRejected(`backup ${p.backup} did not succeed (${backupWord(backup).text}) and cannot be restored`);
    const unknown = p.siBackups.filter((u) => !backup.service_instance_backups.includes(u));
    if (unknown.length) throw new JobRejected(`service instance backup(s) ${unknown.join(', ').slice(0, 200)} do not belong to backup ${p.backup}`);
    const target = `${app}@${dest.slug}`;
    const src = backup.environment === dest.uuid ? { env: dest, app } : await envOf(ctx, backup.environment);
    if (src.env.application !== dest.application) {
      const source = confirmationWord(src.app, src.env.slug);
      if (p.crossApplication !== source)
        throw new JobRejected(
          `backup ${p.backup.slice(0, 8)} is of another application (${source}): restoring it into ${target} needs crossApplication "${source}" as well as the confirmation`,
        );
    } else if (p.crossApplication !== undefined) {
      throw new JobRejected(`crossApplication is only for a backup of another application; this backup is of ${target.split('@')[0]}`);
    }
    const safety = p.safetyBackup ? [STEPS.safety] : [];
    if (backup.environment === dest.uuid) {
      return { target, app, env: dest.slug, backup, dest, mode: 'same', map: [], steps: [...safety, STEPS.restore, STEPS.cv] };
    }
    // Another environment: each chosen service-instance backup goes into the destination's service
    // instance of the same type (and prefix, when the source's is known).
    let destSis: ServiceInstance[];
    let srcSis: ServiceInstance[];
    const sibs: ServiceInstanceBackup[] = [];
    try {
      [destSis, srcSis] = await Promise.all([collect(c.serviceInstances(dest.uuid)), collect(c.serviceInstances(src.env.uuid)).catch(() => [])]);
      for (const u of p.siBackups) sibs.push(await c.serviceInstanceBackup(u));
    } catch (e) {
      throw new JobRejected(`service instances of ${target}: ${errorText(e)}`);
    }
    destSis = destSis.filter((s) => !s.environment || s.environment === dest.uuid);
    const map: Mapping[] = [];
    for (const b of sibs) {
      const type = String(b.service_type ?? '');
      const prefix = srcSis.find((s) => s.uuid === b.service_instance)?.prefix;
      const sameType = destSis.filter((s) => s.type === type);
      const match = sameType.find((s) => prefix && s.prefix === prefix) ?? (sameType.length === 1 ? sameType[0] : undefined);
      if (!match) throw new JobRejected(`${target} has no ${type || 'matching'} service instance${prefix ? ` "${prefix}"` : ''} to restore the ${type.toLowerCase() || ''} backup into`);
      if (map.some((m) => m.dest === match.uuid)) throw new JobRejected(`two of the chosen backups would go into the same service instance of ${target}`);
      map.push({ sib: b.uuid, type, dest: match.uuid });
    }
    return { target, app, env: dest.slug, backup, dest, mode: 'upload', map, steps: [...safety, STEPS.download, STEPS.upload, STEPS.uploaded, STEPS.restore, STEPS.cv] };
  },

  async run(h, p, pre, ctx) {
    // 1. the safety backup of the destination (the restore does not start when it fails)
    if (p.safetyBackup && !h.stepDone(STEPS.safety)) {
      try {
        await h.step(STEPS.safety, async () => {
          let uuid = h.result.safetyBackup;
          if (!uuid) {
            const services = (await collect(ctx.up.divio.serviceInstances(pre.dest.uuid))).filter((s) => !s.environment || s.environment === pre.dest.uuid).map((s) => s.uuid);
            if (!services.length) throw new Error('the destination has no service instances to back up');
            uuid = (await ctx.up.divio.createBackup(pre.dest.uuid, services, `safety backup before restoring ${p.backup.slice(0, 8)} (divio-tui)`)).uuid;
            h.patch({ upstreamId: uuid });
            h.record({ safetyBackup: uuid });
          }
          return followToEnd(h, ctx, uuid, STEPS.safety);
        }, (b) => b.uuid);
      } catch (e) {
        if (h.signal.aborted) throw e;
        throw new Error(`safety backup failed, restore not started: ${errorText(e)}`);
      }
    }
    // 2. (another environment) download → upload → the uploaded backup
    let restoreFrom = { backup: pre.backup.uuid, sibs: p.siBackups };
    if (pre.mode === 'upload') restoreFrom = await throughUpload(h, p, pre, ctx);
    // 3. the restore, documented body; 4. the destination's content version
    await h.step(STEPS.restore, async () => {
      let uuid = h.result.restore;
      if (!uuid) {
        uuid = (await ctx.up.divio.createRestore(restoreFrom.backup, restoreFrom.sibs, p.notes)).uuid;
        h.patch({ upstreamId: uuid });
        h.record({ restore: uuid });
      }
      h.patch({ stage: 'restore: running' });
      const r = await followRestore(ctx.up.divio, uuid, { signal: h.signal, intervalMs: ctx.interval.fast });
      const o = restoreOutcome(r);
      if (o.done && !o.ok) {
        const errs = r.errors.length ? `: ${upstreamErrorText(r.errors[0]).slice(0, 300)}` : '';
        throw new Error(`restore ${uuid.slice(0, 8)} ${restoreWord(r).text}${errs}`);
      }
      return uuid;
    }, (u) => u);
    h.stepStart(STEPS.cv);
    const cv = await ctx.up.divio.contentVersion(pre.dest.uuid, h.signal).catch(() => null);
    h.stepEnd(STEPS.cv, cv ? 'succeeded' : 'skipped', cv ? undefined : 'not offered by this zone');
    h.record({ contentVersion: cv });
  },

  async resume(h, job, ctx) {
    // Everything needed is in the job: its parameters and the upstream ids recorded so far. A
    // phase that had not recorded its id cannot be told apart from one never started: say so.
    const parsed = CommandParams.restore.safeParse(job.params);
    if (!parsed.success) throw new Error('interrupted by a gateway restart, and its recorded parameters are unreadable: check upstream before retrying');
    const p = parsed.data;
    const r = job.result ?? {};
    if (!r.safetyBackup && !r.download && !r.restore) throw new Error('interrupted by a gateway restart before the restore was created; check upstream before retrying');
    if (r.download && !r.uploadBackup) throw new Error('interrupted by a gateway restart during the download; nothing was restored: start the restore again');
    if (r.uploadBackup && !r.uploaded && !r.restore) throw new Error('interrupted by a gateway restart during the upload; nothing was restored: start the restore again');
    const pre = await restoreKind.prepare(ctx, p);
    await restoreKind.run(h, p, pre, ctx);
  },
};

/** Download the source's files and upload each as a backup of the destination's service instance; wait for that backup. */
async function throughUpload(h: JobHandle<'restore'>, p: RestoreParams, pre: RestorePrepared, ctx: KindContext): Promise<{ backup: string; sibs: string[] }> {
  const c = ctx.up.divio;
  if (!h.result.uploaded) {
    const prep = await h.step(STEPS.download, async () => {
      const r = await prepareDownload(c, pre.backup.uuid, pre.map.map((m) => m.sib), { signal: h.signal, intervalMs: ctx.interval.fast });
      h.patch({ upstreamId: r.uuid });
      h.record({ download: r.uuid });
      return r;
    }, (r) => `${r.urls.length} file(s) prepared`);
    await h.step(STEPS.upload, async () => {
      const up = await c.createUploadBackup(pre.dest.uuid, pre.map.map((m) => m.dest), `restore of ${pre.backup.uuid.slice(0, 8)} (divio-tui)`);
      h.patch({ upstreamId: up.uuid });
      h.record({ uploadBackup: up.uuid });
      // every target first: refuse a handler this console cannot use before sending anything
      const targets = pre.map.map((m) => {
        const t = up.results[m.dest];
        if (!t) throw new Error(`Divio's upload answer names no upload for service instance ${m.dest.slice(0, 8)}`);
        if (!(SUPPORTED_UPLOAD_HANDLERS as readonly string[]).includes(t.handler))
          throw new Error(`Divio asked for the "${t.handler}" upload handler; this console uploads only with ${SUPPORTED_UPLOAD_HANDLERS.join(', ')} (Divio's CLI, \`divio app push\`, knows the others); nothing was restored`);
        const url = prep.bySib[m.sib];
        if (!url) throw new Error(`the download of ${m.sib.slice(0, 8)} has no URL`);
        return { m, t, url };
      });
      let total = 0;
      for (const [i, { m, t, url }] of targets.entries()) {
        const sent = await transfer(url, t, ctx, h, (n) => h.patch({ stage: `upload ${i + 1}/${targets.length} (${m.type.toLowerCase()}): ${formatBytes(n)}` }));
        total += sent;
        h.patch({ percent: Math.round(((i + 1) / targets.length) * 100) });
      }
      h.record({ uploaded: true });
      return total;
    }, (n) => `${formatBytes(n)} uploaded`);
  }
  const uploadBackup = h.result.uploadBackup;
  if (!uploadBackup) throw new Error('the uploaded backup was not recorded: start the restore again');
  const b = await h.step(STEPS.uploaded, () => followToEnd(h, ctx, uploadBackup, STEPS.uploaded), (x) => x.uuid);
  return { backup: b.uuid, sibs: b.service_instance_backups };
}

/**
 * Stream one file from its download URL to its presigned upload URL. With a known length the bytes
 * go straight through; without one they are spooled to a private temporary file first (the PUT
 * needs its length, and the dump is never held in memory).
 */
async function transfer(url: string, target: Parameters<typeof uploadBackupFile>[0], ctx: KindContext, h: JobHandle<'restore'>, onBytes: (n: number) => void): Promise<number> {
  const dl = await openDownload(url, { signal: h.signal });
  let body: Readable = dl.body;
  let length = dl.length;
  let spool: string | null = null;
  try {
    if (length === null) {
      const dir = join(ctx.dataDir, 'tmp');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      spool = join(dir, `restore-${randomUUID().slice(0, 8)}.part`);
      await pipeline(dl.body, createWriteStream(spool, { mode: 0o600 }));
      length = (await stat(spool)).size;
      body = createReadStream(spool);
    }
    await uploadBackupFile(target, body, length, { signal: h.signal, onBytes });
    return length;
  } finally {
    dl.body.destroy();
    if (spool) await rm(spool, { force: true });
  }
}

