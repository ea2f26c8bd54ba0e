// Download: Divio prepares the backup's files, the gateway fetches them (without the Divio token)
// into its own download directory, under names it chooses, never over an existing file. A client
// cannot name a path: `dest` is refused (`..`, absolute paths, anything), with the directory named.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backup } from '../../domain/index.js';
import { prepareDownload, fetchDownload } from '../../divio/ops.js';
import { DivioApiError } from '../../divio/errors.js';
import { errorText } from '../hub.js';
import { envOf, JobRejected, type JobKindDef, type Prepared } from './kind.js';

interface DownloadPrepared extends Prepared {
  backup: Backup;
  /** File name stem: app-env-backup. */
  stem: string;
}

export const downloadKind: JobKindDef<'download', DownloadPrepared> = {
  async prepare(ctx, p) {
    if (p.dest !== undefined) {
      const why = /(^|[\\/])\.\.([\\/]|$)/.test(p.dest) ? 'a path with ".." ' : p.dest.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p.dest) ? 'an absolute path ' : 'a path ';
      throw new JobRejected(`downloads are written only under the gateway's download directory (${ctx.downloadDir}), with a name the gateway chooses: ${why}is not accepted ("${p.dest.slice(0, 80)}")`);
    }
    let backup: Backup;
    try {
      backup = await ctx.up.divio.backup(p.backup);
    } catch (e) {
      throw new JobRejected(`backup ${p.backup}: ${errorText(e)}`);
    }
    const unknown = p.siBackups.filter((u) => !backup.service_instance_backups.includes(u));
    if (unknown.length) throw new JobRejected(`service instance backup(s) ${unknown.join(', ').slice(0, 200)} do not belong to backup ${p.backup}`);
    let target = `backup ${p.backup.slice(0, 8)}`;
    let stem = `backup-${p.backup.slice(0, 8)}`;
    try {
      const { env, app } = await envOf(ctx, backup.environment);
      target = `${app}@${env.slug} backup ${p.backup.slice(0, 8)}`;
      stem = `${app}-${env.slug}-${p.backup.slice(0, 8)}`.replace(/[^A-Za-z0-9._-]/g, '_');
    } catch {}
    return { target, steps: ['prepare', 'download'], backup, stem };
  },

  async run(h, p, pre, ctx) {
    const prep = await h.step('prepare', async () => {
      const r = await prepareDownload(ctx.up.divio, p.backup, p.siBackups, { signal: h.signal, intervalMs: ctx.interval.fast });
      h.patch({ upstreamId: r.uuid }, true);
      return r;
    });
    const files = await h.step(
      'download',
      async () => {
        mkdirSync(ctx.downloadDir, { recursive: true, mode: 0o700 });
        const out: { path: string; bytes: number }[] = [];
        for (let i = 0; i < prep.urls.length; i++) {
          const url = prep.urls[i]!;
          const base = `${pre.stem}-${i + 1}-${safeName(url)}`;
          out.push(await fetchUnique(url, ctx.downloadDir, base, h.signal));
          h.patch({ percent: Math.round(((i + 1) / prep.urls.length) * 100) });
        }
        return out;
      },
      (f) => f.map((x) => `${x.path} (${x.bytes} bytes)`).join(', '),
    );
    h.record({ download: prep.uuid, files });
  },
};

/** Fetch into `dir` under `base`, or `base` with -2, -3 … before its extension when taken: never an overwrite. */
async function fetchUnique(url: string, dir: string, base: string, signal: AbortSignal): Promise<{ path: string; bytes: number }> {
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  for (let n = 1; ; n++) {
    const path = join(dir, n === 1 ? base : `${stem}-${n}${ext}`);
    if (existsSync(path) && n < 100) continue;
    try {
      return await fetchDownload(url, path, { signal, exclusive: true });
    } catch (e) {
      if (n < 100 && e instanceof DivioApiError && /exists already/.test(e.message)) continue;
      throw e;
    }
  }
}

function safeName(url: string): string {
  try {
    const last = new URL(url).pathname.split('/').filter(Boolean).pop() ?? 'download';
    return last.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '').slice(0, 80) || 'download';
  } catch {
    return 'download';
  }
}
