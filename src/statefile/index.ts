// State files on disk (sandbox state, host key, gateway jobs, known hosts, history): written
// atomically, and moved aside — never trusted, never deleted — when they cannot be used. Imports
// nothing of ours, so the sandbox, the gateway and the CLI all share it.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
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
 * `$XDG_STATE_HOME/divio-tui`, or `~/.local/state/divio-tui` when XDG_STATE_HOME is unset or not an
 * absolute path (the XDG rule): the one root of the program's state — the sandbox's data, the
 * gateway's jobs, audit and log cursors, the completion cache, known hosts, palette history, saved logs.
 */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(env.HOME || homedir(), '.local', 'state'), 'divio-tui');
}

/** A path for a person: the home directory as `~`. */
export function shown(path: string): string {
  const home = homedir();
  return home && home !== '/' && path.startsWith(home + '/') ? `~${path.slice(home.length)}` : path;
}

/**
 * Move an unusable state file aside (`<file>.corrupt-<UTC time>`) so the program can start fresh
 * without losing it; returns the one line that says what happened, for the person to read:
 * `unusable <what>: moved to <where> (<why>); starting fresh`. `what` names the file for a person
 * ("sandbox state"), `reason` says what is wrong with it.
 */
export function moveAside(file: string, what: string, reason: string, now = new Date()): string {
  // one printable line, whatever the file held (a parser's message quotes the bad bytes)
  const flat = reason.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]+/g, ' ').replace(/\s+/g, ' ').trim();
  const why = flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
  // rename replaces an existing target: find a free name first (a counter when the second is taken)
  let aside = `${file}.corrupt-${stamp(now)}`;
  for (let i = 2; existsSync(aside) && i < 1000; i++) aside = `${file}.corrupt-${stamp(now)}-${i}`;
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return `unusable ${what}: ${shown(file)} is gone already (${why}); starting fresh`;
    return `unusable ${what}: could not move ${shown(file)} aside (${(e as Error).message}; ${why}); starting fresh without it`;
  }
  return `unusable ${what}: moved to ${shown(aside)} (${why}); starting fresh`;
}

// ---------------------------------------------------------------- one process per state directory

export const LOCK_FILE = '.lock';

/** Another live process uses a state directory (see lockDir). */
export class DirBusyError extends Error {
  constructor(readonly dir: string, readonly pid: number, what: string) {
    super(`another divio-tui${Number.isNaN(pid) ? '' : ` (pid ${pid})`} is using the ${what} in ${shown(dir)}; stop it or use another --data-dir`);
  }
}

/** What a sandbox says when another process holds its state directory and it runs privately instead. */
export function privateSandboxNotice(heldBy: number, dir: string): string {
  return `another divio-tui${Number.isNaN(heldBy) ? '' : ` (pid ${heldBy})`} is using the sandbox state in ${shown(dir)}; started a private sandbox instead (nothing of it is kept)`;
}

/** A state directory taken by this process (see lockDir). */
export interface DirLock {
  readonly dir: string;
  release(): void;
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // there, but another user's
  }
}

const held = new Map<string, number>(); // lock file → this process's holds (released on exit)
let exitHook = false;

/**
 * Take `dir` for this process, or learn who has it: `{ lock }`, or `{ heldBy: pid }` when another
 * live process (or this one, through another holder) uses it. The lock file (`<dir>/.lock`) holds the
 * pid; one left by a process that is gone is taken over. Released by release() or at exit.
 */
export function lockDir(dir: string): { lock: DirLock; heldBy?: undefined } | { heldBy: number; lock?: undefined } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      // not synced: after a crash of the machine its process is gone, and a lock naming nobody, or
      // garbled, is taken over (below); the console takes it before its first frame
      const fd = openSync(file, 'wx', 0o600);
      try { writeSync(fd, `${process.pid}\n`); } finally { closeSync(fd); }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = NaN;
      try { pid = Number.parseInt(readFileSync(file, 'utf8'), 10); } catch {}
      if (alive(pid)) return { heldBy: pid };
      // left by a process that is gone (or half-written): move it out of the way, then try again;
      // of two processes that race here, only one can create the new file
      try { renameSync(file, `${file}.stale-${process.pid}`); rmSync(`${file}.stale-${process.pid}`, { force: true }); } catch {}
      continue;
    }
    // a racing taker may have moved our fresh file aside as stale: the file must still name us
    let owner = NaN;
    try { owner = Number.parseInt(readFileSync(file, 'utf8'), 10); } catch {}
    if (owner !== process.pid) {
      if (alive(owner)) return { heldBy: owner };
      continue;
    }
    held.set(file, (held.get(file) ?? 0) + 1);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => { for (const f of held.keys()) releaseFile(f); });
    }
    let released = false;
    return {
      lock: {
        dir,
        release() {
          if (released) return;
          released = true;
          held.delete(file);
          releaseFile(file);
        },
      },
    };
  }
  return { heldBy: NaN };
}

function releaseFile(file: string): void {
  try {
    if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) rmSync(file, { force: true });
  } catch {}
}
