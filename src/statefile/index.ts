// State files on disk (sandbox state, host key, gateway jobs, known hosts, history): written
// atomically, and moved aside — never trusted, never deleted — when they cannot be used. Imports
// nothing of ours, so the sandbox, the gateway and the CLI all share it.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A temp name beside `file`, unique per process and call: two writers never share one. */
function tmpName(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // not every file system lets a directory be opened or synced; the rename is atomic anyway
  }
}

/** Write `data` to `file` so a reader sees the old or the new content, never a part: tmp, fsync, rename. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = tmpName(file);
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(dirname(file));
}

/** The asynchronous twin of writeFileAtomicSync. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = tmpName(file);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  syncDir(dirname(file));
}

/** `20261206T043715Z` (UTC, to the second; a counter is added when that name is taken). */
function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * Move an unusable state file aside (`<file>.corrupt-<UTC time>`) so the program can start fresh
 * without losing it; returns the one line that says what happened, for the person to read.
 * `what` names the file for a person ("the sandbox state"), `why` says what is wrong with it.
 */
export function moveAside(file: string, what: string, why: string, now = new Date()): string {
  // rename replaces an existing target: find a free name first (a counter when the second is taken)
  let aside = `${file}.corrupt-${stamp(now)}`;
  for (let i = 2; existsSync(aside) && i < 1000; i++) aside = `${file}.corrupt-${stamp(now)}-${i}`;
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return `${what} (${file}) was unusable (${why}) and is gone already; starting fresh`;
    return `${what} (${file}) is unusable (${why}) and could not be moved aside (${(e as Error).message}); starting fresh without it`;
  }
  return `${what} was unusable (${why}): moved ${basename(file)} to ${aside}; starting fresh`;
}
