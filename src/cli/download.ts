// `divio-tui backup download APP ENV [--backup ID] [--to DIR]`: the twin of the backups view's `w`.
// The same gateway job (kind `download`: Divio prepares the files, the gateway fetches them without
// the Divio token into its own download directory, never over a file). Then, with the gateway in
// this process, each file is moved into DIR (default: the current directory, as `divio app pull`
// writes there) under its own name, never over an existing file and never as a partial file under
// its final name: a copy goes to `NAME.part` first and is linked to NAME only once complete.
import { copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { GatewayClient } from '../client/index.js';
import { jobResult, type DownloadedFile, type Job } from '../domain/index.js';
import type { BackupWithDetail } from '../protocol/index.js';
import { backupStateText, backupUsable } from '../store/restore.js';
import { flagString, UsageError, type ParsedArgs } from './args.js';
import { jsonText } from './format.js';
import { firstData, fleet, followJob, out, resolveTarget } from './twins.js';

/** `remote`: the URL of a gateway that runs elsewhere (--gateway): its files stay on its host. */
export async function backupDownload(c: GatewayClient, a: ParsedArgs, json: boolean, remote: string | null): Promise<number> {
  const [app, env] = a.positionals;
  const to = flagString(a, 'to');
  if (remote && to !== undefined) {
    throw new UsageError('--to needs the gateway in this process: a shared gateway (--gateway) writes downloads on its own host, under its download directory');
  }
  let dir: string | null = null;
  if (!remote) {
    dir = resolve(to ?? '.');
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory()) throw new UsageError(`--to ${to ?? '.'}: ${st ? 'not a directory' : 'no such directory'}`);
  }
  const row = resolveTarget(await fleet(c), app, env);
  const d = await firstData(c, 'backups', { env: row.envUuid });
  const wanted = flagString(a, 'backup');
  let backup: BackupWithDetail | undefined;
  if (wanted) {
    const hits = d.backups.filter((b) => b.uuid === wanted || b.uuid.startsWith(wanted));
    if (hits.length > 1) throw new UsageError(`--backup ${wanted} names ${hits.length} backups of ${row.app}@${row.env}: give more of its id`);
    backup = hits[0];
    if (!backup) throw new UsageError(`${row.app}@${row.env} has no backup "${wanted}" (see \`divio-tui backups ${row.app} ${row.env}\`)`);
    if (!backupUsable(backup)) {
      process.stderr.write(`divio-tui: backup ${backup.uuid.slice(0, 8)} of ${row.app}@${row.env} is ${backupStateText(backup)}: nothing to download\n`);
      return 1;
    }
  } else {
    // newest first, as the backups view lists them
    backup = d.backups.find(backupUsable);
    if (!backup) {
      process.stderr.write(`divio-tui: ${row.app}@${row.env} has no successful backup to download\n`);
      return 1;
    }
  }
  const siBackups = backup.details?.length ? backup.details.map((x) => x.uuid) : backup.service_instance_backups;
  if (!json) process.stderr.write(`downloading backup ${backup.uuid} of ${row.app}@${row.env}${dir ? ` into ${dir}` : ''}\n`);
  const job = await c.command('download', { backup: backup.uuid, siBackups });
  return followJob(c, job, false, undefined, async (j: Job) => {
    const files = jobResult(j, 'download')?.files ?? [];
    if (!files.length) throw new Error(`download ${j.target}: the job succeeded but named no file`);
    const placed: DownloadedFile[] = [];
    for (const f of files) placed.push(dir ? await moveInto(f, dir) : f);
    if (json) out(jsonText({ backup: backup.uuid, app: row.app, env: row.env, files: placed }));
    else {
      if (!dir) process.stderr.write(`the file${placed.length === 1 ? ' is' : 's are'} on the gateway's host (${remote}):\n`);
      for (const f of placed) out(f.path);
    }
    return 0;
  });
}

/** Move `f` into `dir` under its name (-2, -3 … before the extension when taken); never over a file, never partial. */
export async function moveInto(f: DownloadedFile, dir: string): Promise<DownloadedFile> {
  await mkdir(dir, { recursive: true });
  const name = basename(f.path);
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 1; n < 100; n++) {
    const dest = join(dir, n === 1 ? name : `${stem}-${n}${ext}`);
    try {
      // same file system: a hard link is atomic and fails when the name exists
      await link(f.path, dest);
      await rm(f.path, { force: true });
      return { path: dest, bytes: f.bytes };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw new Error(`cannot write ${dest}: ${(e as Error).message}`);
    }
    // another file system: copy beside the final name, then link (exclusive) once complete
    const part = `${dest}.part`;
    try {
      await copyFile(f.path, part);
      try {
        await link(part, dest);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        // a file system without hard links: rename (the .part is complete by now)
        await rename(part, dest);
      }
      await rm(f.path, { force: true });
      return { path: dest, bytes: f.bytes };
    } catch (e) {
      throw new Error(`cannot write ${dest}: ${(e as Error).message} (the download stays at ${f.path})`);
    } finally {
      await rm(part, { force: true });
    }
  }
  throw new Error(`${dir} already holds ${name} and 98 numbered copies: the download stays at ${f.path}`);
}
