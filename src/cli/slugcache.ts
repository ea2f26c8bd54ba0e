// The slugs shell completion offers (`divio-tui completion …`): one line per application, "APP ENV ENV …",
// in the state directory. Written whenever the console or a command has the whole fleet; read by the
// completion scripts with shell built-ins, so a Tab never waits on the network. Only plain slugs are
// kept: a name with anything else in it (spaces, quotes, escapes) is left out, never passed to a shell.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../statefile/index.js';
import { stateDir } from '../statefile/index.js';

export const SLUG_CACHE_NAME = 'completion-slugs';

const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function slugCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), SLUG_CACHE_NAME);
}

/** The file's text for these rows: applications sorted, each with its environments in order of first sight. */
export function slugCacheText(rows: ReadonlyArray<{ app: string; env: string }>): string {
  const apps = new Map<string, string[]>();
  for (const r of rows) {
    if (!PLAIN.test(r.app) || !PLAIN.test(r.env)) continue;
    const envs = apps.get(r.app) ?? [];
    if (!envs.includes(r.env)) envs.push(r.env);
    apps.set(r.app, envs);
  }
  return [...apps.keys()].sort().map((a) => `${[a, ...apps.get(a)!].join(' ')}\n`).join('');
}

/** Write the cache when it changed; never fails the caller (completion is a convenience). */
export async function writeSlugCache(rows: ReadonlyArray<{ app: string; env: string }>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const text = slugCacheText(rows);
    const path = slugCachePath(env);
    if ((await readFile(path, 'utf8').catch(() => null)) === text) return;
    await mkdir(stateDir(env), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, text, 0o600);
  } catch {
    // a read-only or full disk: completion goes on with what it had
  }
}
