// Compose projects from container labels, linked to their Divio application through the
// `.divio/config.json` the `divio` CLI writes in the project directory (`divio app setup` /
// `divio app configure`). Older projects carry the same JSON in a `.aldryn` file. The CLI writes
// `{"id": <application id>, "slug": "<slug>"}` and newer versions add `"application_uuid"`; the file
// is looked up from the project directory upwards, like the CLI does.
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as z from '../domain/zod.js';
import type { LocalContainer } from './containers.js';

export interface LinkedApp {
  id?: number;
  slug?: string;
  uuid?: string;
  /** The file the link came from. */
  configPath: string;
}

export interface ComposeProject {
  project: string;
  services: LocalContainer[];
  /** Compose working directory, from the containers' labels. */
  workingDir: string | null;
  app?: LinkedApp;
  /** Why a found config file could not be used (bad JSON, wrong shape). */
  appError?: string;
}

const IdField = z.union([z.number().int().positive(), z.string().regex(/^\d+$/).transform(Number)]);

/** Tolerant: unknown keys are kept, each known key is optional, but at least one must identify the app. */
export const DivioLocalConfig = z
  .looseObject({
    id: IdField.nullish(),
    slug: z.string().min(1).nullish(),
    application_uuid: z.string().min(1).nullish(),
    uuid: z.string().min(1).nullish(),
  })
  .refine((c) => c.id != null || c.slug != null || c.application_uuid != null || c.uuid != null, {
    message: 'has none of "id", "slug", "application_uuid"',
  });

export type DivioConfigResult = { ok: true; app: LinkedApp } | { ok: false; path: string; reason: string };

const CONFIG_FILES = [join('.divio', 'config.json'), '.aldryn'];

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Parses one config file's text. */
export function parseDivioConfig(text: string, path: string): DivioConfigResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, path, reason: `${path}: not valid JSON (${(err as Error).message.split('\n')[0]})` };
  }
  const p = DivioLocalConfig.safeParse(json);
  if (!p.success) {
    const i = p.error.issues[0];
    return { ok: false, path, reason: `${path}: ${i?.path.length ? `"${i.path.join('.')}" ` : ''}${i?.message ?? 'unexpected shape'}` };
  }
  const c = p.data;
  const app: LinkedApp = { configPath: path };
  if (c.id != null) app.id = c.id;
  if (c.slug != null) app.slug = c.slug;
  const uuid = c.application_uuid ?? c.uuid;
  if (uuid != null) app.uuid = uuid;
  return { ok: true, app };
}

/**
 * Finds `.divio/config.json` (or legacy `.aldryn`) in `dir` or its parents (stops at `stopAt` or
 * the filesystem root). null when there is none; never throws.
 */
export async function readDivioConfig(dir: string, opts: { walkUp?: boolean; stopAt?: string } = {}): Promise<DivioConfigResult | null> {
  let cur = resolve(dir);
  const stop = opts.stopAt ? resolve(opts.stopAt) : null;
  for (;;) {
    for (const f of CONFIG_FILES) {
      const p = join(cur, f);
      if (await isFile(p)) {
        let text: string;
        try {
          text = await readFile(p, 'utf8');
        } catch (err) {
          return { ok: false, path: p, reason: `${p}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
        }
        return parseDivioConfig(text, p);
      }
    }
    if (opts.walkUp === false || cur === stop) return null;
    const up = dirname(cur);
    if (up === cur) return null;
    cur = up;
  }
}

/** Compose's default project name for a directory (lowercase, only [a-z0-9_-]). */
export function composeProjectName(dir: string): string {
  return basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '');
}

/** Pure: containers grouped by their compose project label (unlabelled containers are left out). */
export function groupProjects(containers: LocalContainer[]): ComposeProject[] {
  const by = new Map<string, ComposeProject>();
  for (const c of containers) {
    if (!c.project) continue;
    let p = by.get(c.project);
    if (!p) {
      p = { project: c.project, services: [], workingDir: null };
      by.set(c.project, p);
    }
    p.services.push(c);
    if (!p.workingDir && c.workingDir) p.workingDir = c.workingDir;
  }
  for (const p of by.values()) {
    p.services.sort((a, b) => (a.service ?? '').localeCompare(b.service ?? '') || a.name.localeCompare(b.name));
  }
  return [...by.values()].sort((a, b) => a.project.localeCompare(b.project));
}

/**
 * Links each project to its cloud application: the config in the project's compose working
 * directory, else — for the project that belongs to `cwd` (same compose name, or
 * COMPOSE_PROJECT_NAME) — the config found from `cwd` upwards.
 */
export async function linkProjects(
  projects: ComposeProject[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ComposeProject[]> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const cwdName = env.COMPOSE_PROJECT_NAME?.trim() || composeProjectName(cwd);
  return Promise.all(
    projects.map(async (p) => {
      let r: DivioConfigResult | null = null;
      if (p.workingDir) r = await readDivioConfig(p.workingDir, { walkUp: false });
      if (!r && p.project === cwdName) r = await readDivioConfig(cwd);
      if (!r) return p;
      return r.ok ? { ...p, app: r.app } : { ...p, appError: r.reason };
    }),
  );
}
