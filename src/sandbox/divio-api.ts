// The Divio API v3 routes of the sandbox (the paths and shapes of test/contract/fixtures/; see index.ts).
import type * as z from '../domain/zod.js';
import { createHash } from 'node:crypto';
import type { Ctx } from './http.js';
import { DrfError, badRequest, bodySchemas, notFound, nonField, paginate, sendJson, zodToDrf } from './http.js';
import type { Engine } from './engine.js';
import { deploymentLogText, iso, parseIsoMicros, QUEUE_MS } from './engine.js';
import type {
  AppRec, BackupRec, DeploymentRec, DomainRec, DownloadRec, DownloadSiRec, EnvRec, RestoreRec, SandboxState, SiBackupRec,
} from './model.js';
import { writeTar } from './tar.js';
import { createUploadBackup, finishUpload, receiveUpload } from './uploads.js';
import { hashInt } from './rng.js';

export interface RouteDeps {
  engine: Engine;
  /**
   * Serve the sandbox-only extensions (metrics, content version, sleeping state, site URL, `cdn` on
   * domains, `host_key`). Off, the sandbox answers only what Divio's API is known to answer.
   */
  extensions?: boolean;
  ssh: () => { host: string; port: number; hostKey?: string } | null;
  /**
   * An SSH endpoint that starts in the background and does not listen yet: start it now; resolves
   * once it listens (or could not start). An environment's detail waits for it, so its ssh_endpoint
   * is there whenever SSH runs (a client asking for it early, as `divio-tui ssh` does, is not told null).
   */
  sshSoon?: () => Promise<void>;
  onCdnClear?: (domain: DomainRec) => void;
}

type Handler = (ctx: Ctx) => void | Promise<void>;
/** `raw`: the handler reads the request body itself (uploads), it is not parsed as JSON first. */
export interface Route { method: string; name: string; re: RegExp; keys: string[]; handler: Handler; auth: boolean; raw?: boolean }

// ---------- serializers ----------
const orgJson = (o: SandboxState['organisations'][number]) => ({ uuid: o.uuid, name: o.name, created_at: o.created_at });
const appJson = (a: AppRec) => ({ uuid: a.uuid, slug: a.slug, name: a.name, organisation: a.organisation, repository: a.repository, region: a.region, created_at: a.created_at });
function siteUrl(base: string, s: SandboxState, e: EnvRec): string {
  const app = s.applications.find((a) => a.uuid === e.application)!;
  return `${base}/_sites/${app.slug}/${e.slug}/`;
}
/** An object `{uuid, …}` or null, as Divio serves it (divio_cli/cloud.py get_deploy_log reads `["uuid"]`). */
function lastFinishedJson(s: SandboxState, e: EnvRec) {
  if (!e.last_finished_deployment) return null;
  const d = s.deployments.find((x) => x.uuid === e.last_finished_deployment);
  if (!d) return { uuid: e.last_finished_deployment };
  return { uuid: d.uuid, started_at: d.started_at, ended_at: d.ended_at, status: d.status, success: d.success };
}
function envJson(ctx: Ctx, s: SandboxState, e: EnvRec, ext: boolean) {
  const real = {
    uuid: e.uuid, slug: e.slug, name: e.slug[0].toUpperCase() + e.slug.slice(1), branch: e.branch, application: e.application,
    last_finished_deployment: lastFinishedJson(s, e), created_at: e.created_at,
  };
  return ext ? { ...real, url: siteUrl(ctx.base, s, e), status: e.status, instances: e.instances } : real;
}
/** Who started a deployment: unverified (no documented field), served only with the extensions. */
const SCENARIO_PEOPLE = ['anna.meier@example.com', 'luca.rossi@example.com', 'sam.okafor@example.com', 'ci (git push)'];
function depJson(d: DeploymentRec, ext = false) {
  return {
    ...(ext ? { author: d.author ?? SCENARIO_PEOPLE[hashInt(d.uuid) % SCENARIO_PEOPLE.length] } : {}),
    uuid: d.uuid, environment: d.environment, application: d.application, created_at: d.created_at, started_at: d.started_at,
    ended_at: d.ended_at, status: d.status, percent: d.percent, success: d.success, stage: d.stage, build_mode: d.build_mode,
    commit: d.commit, branch: d.branch, environment_variables: d.environment_variables,
    stages: d.stages.map((s) => ({ name: s.name, title: s.title })),
  };
}
/**
 * `errors` as Divio's CLI reads it (divio_cli/localdev/backups.py tests it for truth and prints it; its
 * tests give a string, or null when there is none): the messages as one text, or null.
 */
const errorsJson = (errors: string[]): string | null => (errors.length ? errors.join('\n') : null);
const backupJson = (b: BackupRec) => ({
  uuid: b.uuid, environment: b.environment, state: b.state, success: b.success, service_instance_backups: b.service_instance_backups,
  notes: b.notes, trigger: b.trigger, created_at: b.created_at, started_at: b.started_at, ended_at: b.ended_at,
  scheduled_for_deletion_at: b.scheduled_for_deletion_at,
});
const sibJson = (b: SiBackupRec, ext: boolean) => ({
  uuid: b.uuid, backup: b.backup, service_instance: b.service_instance, service_type: b.service_type, queued_at: b.queued_at,
  started_at: b.started_at, ended_at: b.ended_at, taken_at: b.taken_at, size: b.size, errors: errorsJson(b.errors),
  ...(ext ? { content_version: b.snapshot ? (b.snapshot.database ?? b.snapshot.media ?? null) : null } : {}),
});
const restoreJson = (r: RestoreRec) => ({
  uuid: r.uuid, backup: r.backup, environment: r.environment, notes: r.notes, service_instance_restores: r.service_instance_restores,
  created_at: r.created_at, started_at: r.started_at, ended_at: r.ended_at, finished: r.finished, success: r.success, errors: errorsJson(r.errors),
});
const downloadJson = (d: DownloadRec) => ({ uuid: d.uuid, backup: d.backup, service_instance_backups: d.service_instance_backups, trigger: d.trigger, created_at: d.created_at });
function downloadSiJson(ctx: Ctx, s: SandboxState, d: DownloadSiRec) {
  const ok = !!d.ended_at && d.errors.length === 0;
  const sib = s.siBackups.find((x) => x.uuid === d.service_instance_backup);
  return {
    uuid: d.uuid, backup_download: d.backup_download, service_instance_backup: d.service_instance_backup,
    created_at: d.created_at, started_at: d.started_at, ended_at: d.ended_at, errors: errorsJson(d.errors),
    download_url: ok ? `${ctx.base}/_downloads/${d.secret}/${sib?.service_type === 'STORAGE' ? 'media' : 'database'}-${d.service_instance_backup.slice(0, 8)}.tar` : null,
  };
}
const domainJson = (d: DomainRec, ext: boolean) => ({
  uuid: d.uuid, domain: d.domain, name: d.domain, environment: d.environment, application: d.application, is_primary: d.is_primary,
  created_at: d.created_at, ...(ext ? { cdn: d.cdn, cloudflare_zone: d.cloudflare_zone } : {}),
});

/** One PostgreSQL and one object storage service per region, uuids derived from the region's. */
const SERVICE_KINDS = [
  { identifier: 'postgres-15', name: 'PostgreSQL 15', type: 'DATABASE', description: 'Managed PostgreSQL 15 database.' },
  { identifier: 's3-object-storage', name: 'Object storage', type: 'STORAGE', description: 'S3-compatible object storage for media files.' },
];
function serviceUuid(region: string, identifier: string): string {
  const h = createHash('sha256').update(`${region}:${identifier}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
function serviceCatalogue(s: SandboxState) {
  return s.regions.flatMap((r) => SERVICE_KINDS.map((k) => ({ uuid: serviceUuid(r.uuid, k.identifier), ...k, region: r.uuid })));
}
/**
 * A service instance as Divio answers it: `region` and `service` are uuids (Divio's CLI creates one
 * by posting the region's and the catalogue service's uuids); the state keeps the catalogue identifier.
 */
const serviceInstanceJson = (x: SandboxState['serviceInstances'][number]) => ({
  uuid: x.uuid, environment: x.environment, prefix: x.prefix, type: x.type,
  service: serviceUuid(x.region, x.service), service_status: x.service_status, region: x.region,
});

// ---------- body validation ----------
function drfParse<T>(schema: z.ZodType<T>, body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new DrfError(400, { non_field_errors: [`Invalid data. Expected a dictionary, but got ${Array.isArray(body) ? 'list' : typeof body}.`] });
  }
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw new DrfError(400, zodToDrf(r.error.issues.map((i) => ({
    path: i.path,
    message: i.code === 'invalid_type' && /received undefined/.test(i.message) ? 'This field is required.' : i.message,
  }))));
}
function filterParam(ctx: Ctx, name: string, valid: (v: string) => boolean): string[] | null {
  const vals = ctx.url.searchParams.getAll(name).flatMap((v) => v.split(',')).filter((v) => v !== '');
  if (vals.length === 0) return null;
  for (const v of vals) if (!valid(v)) throw badRequest(name, 'Select a valid choice. That choice is not one of the available choices.');
  return vals;
}
const newestFirst = <T extends { created_at: string }>(a: T, b: T) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0);

/** `YYYY-MM-DDThh:mm` (also accepts seconds, fraction, Z or offset); returns µs since epoch. */
export function parseTs(name: string, v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(v);
  const ms = m ? Date.parse(`${m[1]}T${m[2]}${m[3] ? m[3].slice(0, 7) : ''}${m[5] ?? 'Z'}`) : NaN;
  if (Number.isNaN(ms)) throw badRequest(name, 'Enter a valid date/time (YYYY-MM-DDThh:mm).');
  return ms * 1000;
}

// ---------- metrics (sandbox-only, deterministic per env and time) ----------
function noise(key: string): number { return (hashInt(key) % 10_000) / 10_000; }
export function metricSamples(s: SandboxState, e: EnvRec, running: boolean, minutes: number, nowMs: number) {
  const step = minutes <= 15 ? 10 : minutes <= 180 ? 60 : 300;
  const out = [];
  const end = Math.floor(nowMs / 1000 / step) * step;
  for (let t = end - minutes * 60 + step; t <= end; t += step) {
    const n = noise(`${e.uuid}:${t}`);
    let cpu = 0;
    let mem = 0;
    if (e.status === 'live') {
      const base = 8 + (hashInt(e.uuid) % 25);
      const wave = Math.sin(t / 900 + (hashInt(e.uuid) % 7)) * 6;
      cpu = Math.max(0.5, (base + wave + n * 10) * e.instances);
      mem = e.instances * e.memory_nominal_mb * (0.45 + 0.2 * noise(`${e.uuid}:m:${Math.floor(t / 600)}`) + 0.05 * n);
      if (running && t > end - 120) cpu += 60 * e.instances;
    }
    out.push({ timestamp: new Date(t * 1000).toISOString(), cpu_percent: Math.round(cpu * 10) / 10, memory_mb: Math.round(mem), memory_nominal_mb: e.memory_nominal_mb * Math.max(1, e.instances), instances: Math.max(1, e.instances) });
  }
  return { step, results: out };
}

// ---------- backup download archives ----------
export function downloadArchive(s: SandboxState, d: DownloadSiRec): { name: string; data: Buffer } | null {
  const sib = s.siBackups.find((x) => x.uuid === d.service_instance_backup);
  if (!sib?.snapshot) return null;
  const b = s.backups.find((x) => x.uuid === sib.backup)!;
  const env = s.environments.find((e) => e.uuid === b.environment);
  const app = env && s.applications.find((a) => a.uuid === env.application);
  const mtime = Math.floor(Date.parse(sib.taken_at ?? b.created_at) / 1000);
  const files: { name: string; data: Buffer }[] = [];
  if (sib.snapshot.database) {
    const db = sib.snapshot.database;
    files.push({ name: 'database.dump', data: Buffer.from([
      '--', '-- PostgreSQL database dump', '--', '', '-- Dumped from database version 15.8', '-- Dumped by pg_dump version 15.8',
      `-- Divio sandbox: ${app?.slug ?? '?'} / ${env?.slug ?? '?'}, taken ${sib.taken_at}`, '',
      "SET statement_timeout = 0;", "SET client_encoding = 'UTF8';", '',
      'CREATE TABLE public.sandbox_content_version (rows bigint NOT NULL, checksum text NOT NULL);', '',
      'COPY public.sandbox_content_version (rows, checksum) FROM stdin;', `${db.rows}\t${db.checksum}`, '\\.', '',
      '--', '-- PostgreSQL database dump complete', '--', '',
    ].join('\n')) });
  }
  if (sib.snapshot.media) {
    const md = sib.snapshot.media;
    const n = Math.min(5, md.files);
    for (let i = 1; i <= n; i++) files.push({ name: `media/uploads/file-${i}.txt`, data: Buffer.from(`sample media file ${i} of ${md.files} (${md.checksum})\n`) });
  }
  const manifest = {
    format: 'divio-sandbox-backup/1', backup: b.uuid, service_instance_backup: sib.uuid, service_instance: sib.service_instance,
    service_type: sib.service_type, application: app?.slug ?? null, environment: env?.slug ?? null, environment_uuid: b.environment,
    taken_at: sib.taken_at, content_version: sib.snapshot.database ?? sib.snapshot.media,
    files: files.map((f) => ({ name: f.name, size: f.data.length, sha256: createHash('sha256').update(f.data).digest('hex') })),
  };
  const entries = [{ name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2) + '\n'), mtime }, ...files.map((f) => ({ ...f, mtime }))];
  return { name: `${sib.service_type === 'STORAGE' ? 'media' : 'database'}-${sib.uuid.slice(0, 8)}.tar`, data: writeTar(entries) };
}

// ---------- routes ----------
export function buildRoutes(deps: RouteDeps): Route[] {
  const { engine } = deps;
  const ext = deps.extensions ?? false;
  const S = () => engine.state;
  const routes: Route[] = [];
  const add = (method: string, path: string, handler: Handler, auth = true, raw = false) => {
    const keys: string[] = [];
    const re = new RegExp('^' + path.replace(/\/$/, '').replace(/\{(\w+)\}/g, (_, k: string) => { keys.push(k); return '([^/]+)'; }) + '/?$');
    routes.push({ method, name: path, re, keys, handler, auth, raw });
  };
  const envOr404 = (uuid: string) => engine.env(uuid) ?? (() => { throw notFound(); })();
  const find = <T extends { uuid: string }>(list: T[], uuid: string): T => list.find((x) => x.uuid === uuid) ?? (() => { throw notFound(); })();
  const pageOf = <T>(ctx: Ctx, items: T[]) => sendJson(ctx, 200, paginate(ctx, items));
  /** Paginates the records, then serializes only the page (a big scenario lists thousands). */
  const pageMapped = <T, U>(ctx: Ctx, items: T[], json: (t: T) => U) => {
    const p = paginate(ctx, items);
    sendJson(ctx, 200, { ...p, results: p.results.map(json) });
  };
  const isApp = (v: string) => S().applications.some((a) => a.uuid === v);
  const isEnv = (v: string) => S().environments.some((e) => e.uuid === v);

  add('GET', '/iam/v3/me/', (ctx) => sendJson(ctx, 200, S().me));
  add('GET', '/iam/v3/organisations/', (ctx) => pageOf(ctx, S().organisations.map(orgJson)));
  add('GET', '/iam/v3/organisations/{uuid}/', (ctx) => sendJson(ctx, 200, orgJson(find(S().organisations, ctx.params.uuid))));
  add('GET', '/apps/v3/regions/', (ctx) => pageOf(ctx, S().regions));
  add('GET', '/apps/v3/regions/{uuid}/', (ctx) => sendJson(ctx, 200, find(S().regions, ctx.params.uuid)));

  add('GET', '/apps/v3/applications/', (ctx) => {
    const orgs = filterParam(ctx, 'organisation', (v) => S().organisations.some((o) => o.uuid === v));
    const slug = ctx.url.searchParams.get('slug');
    pageOf(ctx, S().applications.filter((a) => (!orgs || orgs.includes(a.organisation)) && (!slug || a.slug === slug)).map(appJson));
  });
  add('GET', '/apps/v3/applications/{uuid}/', (ctx) => sendJson(ctx, 200, appJson(find(S().applications, ctx.params.uuid))));

  add('GET', '/apps/v3/environments/', (ctx) => {
    const apps = filterParam(ctx, 'application', isApp);
    const slug = ctx.url.searchParams.get('slug');
    pageMapped(ctx, S().environments.filter((e) => (!apps || apps.includes(e.application)) && (!slug || e.slug === slug)), (e) => envJson(ctx, S(), e, ext));
  });
  add('GET', '/apps/v3/environments/{uuid}/', async (ctx) => sendJson(ctx, 200, await envDetail(ctx, envOr404(ctx.params.uuid))));
  add('PATCH', '/apps/v3/environments/{uuid}/', async (ctx) => {
    const e = envOr404(ctx.params.uuid);
    const body = drfParse(bodySchemas().PatchEnv, ctx.body);
    e.branch = body.branch;
    const app = engine.appOf(e);
    app.branches[e.branch] ??= engine.rng.hex(40);
    engine.onChange();
    sendJson(ctx, 200, await envDetail(ctx, e));
  });
  add('POST', '/apps/v3/environments/{uuid}/copy/', async (ctx) => {
    const e = envOr404(ctx.params.uuid);
    const body = drfParse(bodySchemas().CopyEnv, ctx.body);
    sendJson(ctx, 201, await envDetail(ctx, engine.copyEnvironment(e, body.new_slug)));
  });
  const envDetail = async (ctx: Ctx, e: EnvRec) => {
    const deployed = !!e.last_finished_deployment && e.status !== 'not_deployed';
    if (deployed && !deps.ssh()) await deps.sshSoon?.();
    const ssh = deps.ssh();
    const app = engine.appOf(e);
    return { ...envJson(ctx, S(), e, ext), ssh_endpoint: ssh && deployed ? { host: ssh.host, port: ssh.port, user: `${app.slug}-${e.slug}`, ...(ext && ssh.hostKey ? { host_key: ssh.hostKey } : {}) } : null };
  };

  add('GET', '/apps/v3/environments/{uuid}/logs/', (ctx) => runtimeLogs(ctx, engine, envOr404(ctx.params.uuid)));
  // sandbox-only extensions: without them these paths answer 404 as on Divio
  if (ext) add('GET', '/apps/v3/environments/{uuid}/metrics/', (ctx) => {
    const e = envOr404(ctx.params.uuid);
    const mq = ctx.url.searchParams.get('minutes');
    const minutes = mq === null ? 60 : Number(mq);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) throw badRequest('minutes', 'Ensure this value is an integer between 1 and 1440.');
    const { step, results } = metricSamples(S(), e, !!engine.runningDeployment(e.uuid), minutes, Date.now());
    sendJson(ctx, 200, { environment: e.uuid, minutes, step_seconds: step, results });
  });
  if (ext) add('GET', '/apps/v3/environments/{uuid}/content-version/', (ctx) => {
    const e = envOr404(ctx.params.uuid);
    sendJson(ctx, 200, { environment: e.uuid, database: e.content.database, media: e.content.media });
  });

  add('GET', '/apps/v3/deployments/', (ctx) => {
    const apps = filterParam(ctx, 'application', isApp);
    const envs = filterParam(ctx, 'environment', isEnv);
    pageOf(ctx, S().deployments.filter((d) => (!apps || apps.includes(d.application)) && (!envs || envs.includes(d.environment))).sort(newestFirst).map((d) => depJson(d, ext)));
  });
  add('POST', '/apps/v3/deployments/', (ctx) => {
    const body = drfParse(bodySchemas().PostDeployment, ctx.body);
    const e = engine.env(body.environment);
    if (!e) throw badRequest('environment', `Invalid pk "${body.environment}" - object does not exist.`);
    sendJson(ctx, 201, depJson(engine.startDeployment(e, body.build_mode ?? 'AUTO', Date.now(), S().me.email ?? null), ext));
  });
  add('GET', '/apps/v3/deployments/{uuid}/', (ctx) => sendJson(ctx, 200, depJson(find(S().deployments, ctx.params.uuid), ext)));
  add('GET', '/apps/v3/deployments/{uuid}/logs', (ctx) => {
    const d = find(S().deployments, ctx.params.uuid);
    sendJson(ctx, 200, { uuid: d.uuid, logs: deploymentLogText(d) });
  });

  // divio_cli/cloud.py get_deployment_with_environment_variables: `{environment, environment_variables:
  // {NAME: value}}` (the CLI pops `environment` and reads `environment_variables.get(name)`).
  add('GET', '/apps/v3/deployments/{uuid}/environment-variables', (ctx) => {
    const d = find(S().deployments, ctx.params.uuid);
    const names = new Set(d.environment_variables);
    const vars = S().envVars.filter((v) => v.environment === d.environment && names.has(v.name));
    sendJson(ctx, 200, { uuid: d.uuid, environment: d.environment, environment_variables: Object.fromEntries(vars.map((v) => [v.name, v.value])) });
  });
  // divio_cli/cloud.py get_services (`?region=`, `?website=`), cli.py list_services reads uuid, name, type,
  // description; wizards.py matches `identifier`. The catalogue is what the scenario's instances run.
  add('GET', '/apps/v3/services/', (ctx) => {
    const regions = filterParam(ctx, 'region', (v) => S().regions.some((r) => r.uuid === v));
    const apps = filterParam(ctx, 'website', isApp);
    const appRegions = apps ? new Set(S().applications.filter((a) => apps.includes(a.uuid)).map((a) => a.region)) : null;
    pageOf(ctx, serviceCatalogue(S()).filter((x) => (!regions || regions.includes(x.region)) && (!appRegions || appRegions.has(x.region))));
  });

  add('GET', '/apps/v3/environment-variables/', (ctx) => {
    const envs = filterParam(ctx, 'environment', isEnv);
    const apps = filterParam(ctx, 'application', isApp);
    if (!envs && !apps) throw nonField('Either "environment" or "application" must be given.');
    const name = ctx.url.searchParams.get('name');
    const appEnvs = apps ? new Set(S().environments.filter((e) => apps.includes(e.application)).map((e) => e.uuid)) : null;
    pageOf(ctx, S().envVars.filter((v) => (!envs || envs.includes(v.environment)) && (!appEnvs || appEnvs.has(v.environment)) && (!name || v.name === name))
      .map((v) => ({ uuid: v.uuid, name: v.name, value: v.value, is_sensitive: v.is_sensitive, environment: v.environment })));
  });

  // Writing variables (the Control Panel's way; Divio's CLI only reads): the REST resource of the list
  // above, unverified. DRF answers: 201 with the variable,
  // 400 `{field: [...]}` or the unique-together message, 200 on PATCH, 204 on DELETE, 404 unknown.
  const varJson = (v: SandboxState['envVars'][number]) => ({ uuid: v.uuid, name: v.name, value: v.value, is_sensitive: v.is_sensitive, environment: v.environment });
  add('POST', '/apps/v3/environment-variables/', (ctx) => {
    const body = drfParse(bodySchemas().PostVar, ctx.body);
    if (!isEnv(body.environment)) throw badRequest('environment', `Invalid pk "${body.environment}" - object does not exist.`);
    if (S().envVars.some((v) => v.environment === body.environment && v.name === body.name)) throw nonField('The fields environment, name must make a unique set.');
    const v = { uuid: engine.rng.uuid(), name: body.name, value: body.value, is_sensitive: body.is_sensitive ?? false, environment: body.environment };
    S().envVars.push(v);
    engine.onChange();
    sendJson(ctx, 201, varJson(v));
  });
  add('GET', '/apps/v3/environment-variables/{uuid}/', (ctx) => sendJson(ctx, 200, varJson(find(S().envVars, ctx.params.uuid))));
  add('PATCH', '/apps/v3/environment-variables/{uuid}/', (ctx) => {
    const v = find(S().envVars, ctx.params.uuid);
    const body = drfParse(bodySchemas().PatchVar, ctx.body);
    if (body.value !== undefined) v.value = body.value;
    if (body.is_sensitive !== undefined) v.is_sensitive = body.is_sensitive;
    engine.onChange();
    sendJson(ctx, 200, varJson(v));
  });
  add('DELETE', '/apps/v3/environment-variables/{uuid}/', (ctx) => {
    const v = find(S().envVars, ctx.params.uuid);
    S().envVars.splice(S().envVars.indexOf(v), 1);
    engine.onChange();
    ctx.res.writeHead(204);
    ctx.res.end();
  });

  add('GET', '/apps/v3/service-instances/', (ctx) => {
    const envs = filterParam(ctx, 'environment', isEnv);
    pageOf(ctx, S().serviceInstances.filter((x) => !envs || envs.includes(x.environment)).map(serviceInstanceJson));
  });
  add('GET', '/apps/v3/service-instances/{uuid}/', (ctx) => sendJson(ctx, 200, serviceInstanceJson(find(S().serviceInstances, ctx.params.uuid))));

  add('GET', '/apps/v3/backups/', (ctx) => {
    const envs = filterParam(ctx, 'environment', isEnv);
    const apps = filterParam(ctx, 'application', isApp);
    const trigger = ctx.url.searchParams.get('trigger');
    const appEnvs = apps ? new Set(S().environments.filter((e) => apps.includes(e.application)).map((e) => e.uuid)) : null;
    pageOf(ctx, S().backups.filter((b) => (!envs || envs.includes(b.environment)) && (!appEnvs || appEnvs.has(b.environment)) && (!trigger || b.trigger === trigger)).sort(newestFirst).map(backupJson));
  });
  /** The environment's service instances named in a request's `services` (400 for any other). */
  const servicesOf = (env: string, uuids: string[]) =>
    uuids.map((u) => {
      const si = S().serviceInstances.find((x) => x.uuid === u && x.environment === env);
      if (!si) throw badRequest('services', `Invalid pk "${u}" - object does not exist in this environment.`);
      return si;
    });
  add('POST', '/apps/v3/backups/', (ctx) => {
    const body = drfParse(bodySchemas().PostBackup, ctx.body);
    const e = engine.env(body.environment);
    if (!e) throw badRequest('environment', `Invalid pk "${body.environment}" - object does not exist.`);
    const sis = servicesOf(e.uuid, body.services);
    sendJson(ctx, 201, backupJson(engine.createBackup(e, sis, body.notes ?? '', body.scheduled_for_deletion_at ?? null)));
  });
  // A backup made of uploaded files (Divio's CLI `push`): the answer says, per service instance, how
  // to upload (handler, upload_parameters) and where to say it is done (finish_url, no token).
  add('POST', '/apps/v3/backups/upload/', (ctx) => {
    const body = drfParse(bodySchemas().PostUpload, ctx.body);
    const e = engine.env(body.environment);
    if (!e) throw badRequest('environment', `Invalid pk "${body.environment}" - object does not exist.`);
    const sis = servicesOf(e.uuid, body.services);
    sendJson(ctx, 201, createUploadBackup(ctx, engine, e, sis, body.notes ?? '', body.scheduled_for_deletion_at ?? null).body);
  });
  add('PUT', '/_uploads/{secret}/{sib}', (ctx) => receiveUpload(ctx, engine), false, true);
  add('POST', '/_uploads/{secret}/{sib}/finish/', (ctx) => finishUpload(ctx, engine), false, true);
  add('GET', '/apps/v3/backups/{uuid}/', (ctx) => sendJson(ctx, 200, backupJson(find(S().backups, ctx.params.uuid))));
  add('GET', '/apps/v3/service-instance-backups/', (ctx) => {
    const bs = filterParam(ctx, 'backup', (v) => S().backups.some((b) => b.uuid === v));
    pageOf(ctx, S().siBackups.filter((x) => !bs || bs.includes(x.backup)).map((b) => sibJson(b, ext)));
  });
  add('GET', '/apps/v3/service-instance-backups/{uuid}/', (ctx) => sendJson(ctx, 200, sibJson(find(S().siBackups, ctx.params.uuid), ext)));

  add('GET', '/apps/v3/backup-restores/', (ctx) => {
    const bs = filterParam(ctx, 'backup', (v) => S().backups.some((b) => b.uuid === v));
    const envs = filterParam(ctx, 'environment', isEnv);
    pageOf(ctx, S().restores.filter((r) => (!bs || bs.includes(r.backup)) && (!envs || envs.includes(r.environment))).sort(newestFirst).map(restoreJson));
  });
  add('POST', '/apps/v3/backup-restores/', (ctx) => {
    const body = drfParse(bodySchemas().PostRestore, ctx.body);
    const b = S().backups.find((x) => x.uuid === body.backup);
    if (!b) throw badRequest('backup', `Invalid pk "${body.backup}" - object does not exist.`);
    sendJson(ctx, 201, restoreJson(engine.createRestore(b, body.service_instance_restores, body.notes ?? '')));
  });
  add('GET', '/apps/v3/backup-restores/{uuid}/', (ctx) => sendJson(ctx, 200, restoreJson(find(S().restores, ctx.params.uuid))));

  add('POST', '/apps/v3/backup-downloads/', (ctx) => {
    const body = drfParse(bodySchemas().PostDownload, ctx.body);
    const b = S().backups.find((x) => x.uuid === body.backup);
    if (!b) throw badRequest('backup', `Invalid pk "${body.backup}" - object does not exist.`);
    sendJson(ctx, 201, downloadJson(engine.createDownload(b, body.service_instance_backups, body.trigger ?? 'PULL')));
  });
  add('GET', '/apps/v3/backup-downloads/{uuid}/', (ctx) => sendJson(ctx, 200, downloadJson(find(S().downloads, ctx.params.uuid))));
  add('GET', '/apps/v3/backup-download-service-instances/', (ctx) => {
    const ds = filterParam(ctx, 'backup', (v) => S().downloads.some((d) => d.uuid === v));
    pageOf(ctx, S().downloadSis.filter((d) => !ds || ds.includes(d.backup_download)).map((d) => downloadSiJson(ctx, S(), d)));
  });
  add('GET', '/apps/v3/backup-download-service-instances/{uuid}', (ctx) => sendJson(ctx, 200, downloadSiJson(ctx, S(), find(S().downloadSis, ctx.params.uuid))));

  add('GET', '/apps/v3/domains/', (ctx) => {
    const apps = filterParam(ctx, 'application', isApp);
    const envs = filterParam(ctx, 'environment', isEnv);
    pageOf(ctx, S().domains.filter((d) => (!apps || apps.includes(d.application)) && (!envs || envs.includes(d.environment))).map((d) => domainJson(d, ext)));
  });
  add('GET', '/apps/v3/domains/{uuid}/', (ctx) => sendJson(ctx, 200, domainJson(find(S().domains, ctx.params.uuid), ext)));
  add('POST', '/apps/v3/domains/{uuid}/action/clear-cdn-cache/', (ctx) => {
    const d = find(S().domains, ctx.params.uuid);
    if (d.cdn !== 'divio-cloudflare') throw nonField(`The domain ${d.domain} is not served through Divio's Cloudflare CDN; there is no cache to clear.`);
    S().cdnClears.push({ domain: d.uuid, at: iso(Date.now()) });
    deps.onCdnClear?.(d);
    engine.onChange();
    sendJson(ctx, 200, { detail: `The CDN cache of ${d.domain} is being cleared.` });
  });

  // No-token paths: backup archives (unguessable URL) and the environments' "sites" (for HTTP probes).
  add('GET', '/_downloads/{secret}/{file}', (ctx) => {
    const d = S().downloadSis.find((x) => x.secret === ctx.params.secret);
    if (!d || !d.ended_at || d.errors.length) throw notFound();
    const a = downloadArchive(S(), d);
    if (!a) throw notFound();
    ctx.res.writeHead(200, { 'content-type': 'application/x-tar', 'content-length': a.data.length, 'content-disposition': `attachment; filename="${a.name}"` });
    ctx.res.end(a.data);
  }, false);
  add('GET', '/_sites/{app}/{env}/', (ctx) => site(ctx), false);
  add('GET', '/_sites/{app}/{env}/{rest}', (ctx) => site(ctx), false);
  const site = (ctx: Ctx) => {
    const app = S().applications.find((a) => a.slug === ctx.params.app);
    const e = app && S().environments.find((x) => x.application === app.uuid && x.slug === ctx.params.env);
    if (!app || !e) throw notFound();
    const html = (status: number, text: string, headers: Record<string, string> = {}) => {
      ctx.res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
      ctx.res.end(`<!doctype html><title>${app.name} (${e.slug})</title><p>${text}</p>\n`);
    };
    const anySuccess = S().deployments.some((d) => d.environment === e.uuid && d.success === true);
    if (e.status === 'not_deployed' || !e.last_finished_deployment) return html(404, 'This environment has not been deployed yet.');
    if (!anySuccess) return html(502, 'Bad gateway: no healthy instance.');
    if (e.status === 'sleeping') return html(200, 'Hello from a sleeping environment (woke up for this request).', { 'x-sandbox-sleeping': '1' });
    return html(200, `${app.name} is up (commit ${e.deployedCommit?.slice(0, 7) ?? '?'}).`);
  };
  return routes;
}

function runtimeLogs(ctx: Ctx, engine: Engine, e: EnvRec): void {
  const q = ctx.url.searchParams;
  let size = 100;
  const ps = q.get('page_size');
  if (ps !== null) {
    const n = Number(ps);
    if (!Number.isInteger(n) || n < 1) throw badRequest('page_size', 'A valid integer is required.');
    size = Math.min(n, 1000);
  }
  const intParam = (name: string) => {
    const v = q.get(name);
    if (v === null) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw badRequest(name, 'A valid integer is required.');
    return n;
  };
  const after = intParam('after');
  const before = intParam('before');
  const fromUs = parseTs('from_ts', q.get('from_ts'));
  const toUs = parseTs('to_ts', q.get('to_ts'));
  engine.touchLogs(e.uuid);
  const L = engine.logsOf(e.uuid);
  const lines = L.lines;
  const firstSeq = lines.length ? lines[0].seq : L.nextSeq;
  const link = (set: Record<string, string>) => {
    const u = new URL(ctx.url.pathname, ctx.base);
    if (q.get('page_size')) u.searchParams.set('page_size', String(size));
    if (toUs !== undefined) u.searchParams.set('to_ts', q.get('to_ts')!);
    for (const [k, v] of Object.entries(set)) u.searchParams.set(k, v);
    return u.toString();
  };
  const nowUs = Date.now() * 1000;
  const rangeClosed = toUs !== undefined && toUs <= nowUs;
  const tsOf = (i: number) => parseIsoMicros(lines[i].timestamp);
  const lowerBound = (us: number) => {
    let lo = 0;
    let hi = lines.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (tsOf(mid) < us) lo = mid + 1; else hi = mid; }
    return lo;
  };
  let out: typeof lines;
  let next: string | null;
  if (after !== undefined) {
    const r = engine.linesAfter(e.uuid, after, size, toUs);
    out = r.lines;
    const cursor = out.length ? out[out.length - 1].seq : Math.min(after, L.nextSeq - 1);
    next = rangeClosed && out.length < size ? null : link({ after: String(cursor) });
  } else {
    let startIdx: number;
    let endIdx: number; // exclusive
    if (before !== undefined) {
      endIdx = Math.max(0, Math.min(lines.length, before - firstSeq));
      startIdx = Math.max(0, endIdx - size);
    } else if (fromUs !== undefined) {
      startIdx = lowerBound(fromUs);
      endIdx = Math.min(toUs !== undefined ? lowerBound(toUs) : lines.length, startIdx + size);
      if (endIdx < startIdx) endIdx = startIdx;
    } else {
      endIdx = toUs !== undefined ? lowerBound(toUs) : lines.length;
      startIdx = Math.max(0, endIdx - size);
    }
    out = lines.slice(startIdx, endIdx);
    const cursor = out.length ? out[out.length - 1].seq : (before !== undefined ? Math.max(0, before - 1) : fromUs !== undefined ? (startIdx < lines.length ? lines[startIdx].seq - 1 : L.nextSeq - 1) : L.nextSeq - 1);
    const exhausted = toUs !== undefined && (endIdx >= lines.length || tsOf(endIdx) >= toUs);
    next = rangeClosed && exhausted ? null : link({ after: String(cursor) });
  }
  const previous = out.length && out[0].seq > firstSeq ? link({ before: String(out[0].seq) }) : null;
  // `results`, `next`, `previous` only, as Divio's pages: nothing says lines expired. A client tells
  // a retention loss from the cursor (`after=` moved past lines it never got) or the timestamps.
  sendJson(ctx, 200, {
    results: out.map((l) => ({ timestamp: l.timestamp, service: l.service, message: l.message })),
    next, previous,
  });
}

export { QUEUE_MS };
