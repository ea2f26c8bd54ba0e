// High-level Divio operations, behaving like Divio's own CLI (or better): resolve by slug, deploy
// with attach, follow deployments, tail runtime logs with the cursor semantics, backups, restores
// and downloads (the download itself is fetched without the Divio token).
import { createWriteStream } from 'node:fs';
import { link, rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { streamRequest } from '../http/transport.js';
import type { Dispatcher } from 'undici';
import type {
  Application,
  Backup,
  BackupRestore,
  BackupUploadTarget,
  Deployment,
  Environment,
  RuntimeLogEntry,
  RuntimeLogPage,
} from '../domain/divio.js';
import { cursorGap, resumeGap, type LogGap } from '../domain/loggap.js';
import { backupOutcome, restoreOutcome } from '../domain/outcomes.js';
import { upstreamErrorText } from '../domain/helpers.js';
import { closeMatches } from '../domain/text.js';
import { collect, type DivioClient } from './client.js';
import { scrubbedCause, scrubSecrets } from '../http/scrub.js';
import { DivioApiError, DivioOperationError } from './errors.js';
import { abortReason, sleep } from '../http/retry.js';
import { DEFAULT_USER_AGENT } from '../http/useragent.js';

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Resolve an application by uuid or slug; not found → a 'not-found' DivioApiError naming close matches. */
export async function resolveApp(c: DivioClient, slugOrUuid: string): Promise<Application> {
  const key = slugOrUuid.trim();
  if (!key) throw new DivioApiError('no application given: pass a slug or uuid', { kind: 'validation', endpoint: 'GET /apps/v3/applications/' });
  if (UUID_RE.test(key)) {
    try {
      return await c.application(key);
    } catch (err) {
      if (!(err instanceof DivioApiError && err.kind === 'not-found')) throw err;
    }
  }
  const bySlug = (await collect(c.applications({ slug: key }))).filter((a) => a.slug === key || a.uuid === key);
  if (bySlug.length >= 1) return bySlug[0];
  const all = await collect(c.applications());
  const exact = all.find((a) => a.slug === key || a.uuid === key);
  if (exact) return exact;
  const close = closeMatches(key, all.map((a) => a.slug));
  throw new DivioApiError(
    `no application "${key}" on ${c.baseUrl}${close.length ? ` — did you mean ${close.map((s) => `"${s}"`).join(', ')}?` : all.length ? '' : ' (this token sees no applications)'}`,
    { kind: 'not-found', status: 404, endpoint: 'GET /apps/v3/applications/' },
  );
}

/** Resolve an environment of `app` by slug (test, live, qa …); not found → lists the app's environments. */
export async function resolveEnv(c: DivioClient, app: Application, slug: string): Promise<Environment> {
  const envs = await collect(c.environments({ application: app.uuid }));
  const mine = envs.filter((e) => e.application === app.uuid);
  const hit = mine.find((e) => e.slug === slug || e.uuid === slug);
  if (hit) return hit;
  throw new DivioApiError(
    `application "${app.slug}" has no environment "${slug}"${mine.length ? ` (it has: ${mine.map((e) => e.slug).join(', ')})` : ''}`,
    { kind: 'not-found', status: 404, endpoint: 'GET /apps/v3/environments/' },
  );
}

export interface FollowOptions {
  signal?: AbortSignal;
  intervalMs?: number;
}

/**
 * Poll a deployment, yielding it whenever it changes (first poll always yields), until `ended_at`
 * is set. Ends quietly when `signal` aborts.
 */
export async function* followDeployment(c: DivioClient, uuid: string, opts: FollowOptions = {}): AsyncGenerator<Deployment> {
  const interval = opts.intervalMs ?? 3000;
  let last = '';
  for (;;) {
    if (opts.signal?.aborted) return;
    let d: Deployment;
    try {
      d = await c.deployment(uuid, opts.signal);
    } catch (err) {
      if (opts.signal?.aborted) return;
      throw err;
    }
    const key = JSON.stringify([d.status, d.percent, d.ended_at, d.success, d.stage]);
    if (key !== last) {
      last = key;
      yield d;
    }
    if (d.ended_at) return;
    try {
      await sleep(interval, opts.signal);
    } catch {
      return;
    }
  }
}

export interface DeployOptions extends FollowOptions {
  buildMode?: 'AUTO' | 'ADOPT' | 'FORCE';
  onProgress?(d: Deployment): void;
  /** Called once the deployment to follow is known. */
  onStart?(info: { uuid: string; attached: boolean }): void;
}

/**
 * Deploy `env`: attach to a running deployment if there is one, else POST a new one. The POST is
 * never repeated: if it fails in a way that may have reached Divio (timeout, reset, 5xx) or is
 * refused, the environment is re-checked and a running deployment is attached to. Resolves when the
 * deployment has ended (check `deployment.success`); rejects with the abort reason on abort.
 */
export async function deploy(c: DivioClient, env: Environment, opts: DeployOptions = {}): Promise<{ deployment: Deployment; attached: boolean }> {
  const latest = await c.latestDeployment(env.uuid, opts.signal);
  let uuid: string;
  let attached = false;
  if (latest && latest.ended_at === null) {
    uuid = latest.uuid;
    attached = true;
  } else {
    try {
      uuid = (await c.createDeployment(env.uuid, opts.buildMode)).uuid;
    } catch (err) {
      if (!(err instanceof DivioApiError) || err.kind === 'auth' || err.kind === 'not-found' || err.kind === 'malformed') throw err;
      // The POST may have reached Divio, or someone else started one: look again before giving up.
      let running: Deployment | null = null;
      for (let i = 0; i < 3 && !running; i++) {
        if (i > 0) await sleep(opts.intervalMs ?? 1000, opts.signal);
        const again = await c.latestDeployment(env.uuid, opts.signal).catch(() => null);
        if (again && again.ended_at === null) running = again;
        else if (err.kind === 'validation' || err.kind === 'rate-limit') break; // a refusal: nothing to wait for
      }
      if (!running) throw err;
      uuid = running.uuid;
      attached = true;
    }
  }
  opts.onStart?.({ uuid, attached });
  let last: Deployment | null = null;
  for await (const d of followDeployment(c, uuid, opts)) {
    last = d;
    opts.onProgress?.(d);
  }
  if (opts.signal?.aborted) throw abortReason(opts.signal);
  if (!last) throw new DivioOperationError('deploy', uuid, `deployment ${uuid} could not be followed`);
  return { deployment: last, attached };
}

/** `YYYY-MM-DDThh:mm` in UTC, the format of the runtime log `from_ts`/`to_ts` parameters. */
export function formatLogTs(d: Date): string {
  return d.toISOString().slice(0, 16);
}

export interface FollowLogsOptions {
  signal?: AbortSignal;
  /** Start at this time (sent as `from_ts`; earlier lines of that minute are dropped). */
  since?: Date;
  /** Resume from a cursor (a `next` URL from an earlier page). */
  startUrl?: string;
  /** Wait after an empty page, growing ×1.5 up to maxIdleMs, reset when data arrives. */
  idleMs?: number;
  maxIdleMs?: number;
  /**
   * While lines flow: after a non-empty page that is not full (the stream's head was reached), wait
   * until this long after that request was sent before asking again, instead of asking at once. A
   * full page is followed at once. 0 (default): Divio's CLI cadence, at once after any non-empty page.
   */
  flowMs?: number;
  /** Transient failures (network, timeout, 5xx, 429) are reported here and retried after the idle wait; others end the stream with an error. */
  onError?(err: DivioApiError): void;
  /** Each request: `start` before it is sent, `answer` when a page came back (empty or not). */
  onRequest?(phase: 'start' | 'answer'): void;
}

const logKey = (e: RuntimeLogEntry): string => `${e.timestamp}\u0000${e.service}\u0000${e.message}`;

/**
 * Tail runtime logs with the Divio CLI's cursor semantics: GET the logs, yield the page, GET its
 * `next` at once after a non-empty page, wait (idle back-off) after an empty one. Only non-empty
 * pages are yielded, and pages that reveal a gap: `gap` says lines were lost between the previous
 * page and this one (domain/loggap.ts: from what real pages carry, never a sandbox-only field). Each
 * page's `next` is the cursor to resume from. If the server gives no `next`, it re-polls by `from_ts`
 * and drops lines already seen. Ends quietly when `signal` aborts.
 */
export type FollowedLogPage = RuntimeLogPage & { gap?: LogGap };
export async function* followRuntimeLogs(c: DivioClient, envUuid: string, opts: FollowLogsOptions = {}): AsyncGenerator<FollowedLogPage> {
  const idleMin = opts.idleMs ?? 1000;
  const idleMax = Math.max(idleMin, opts.maxIdleMs ?? 5000);
  const sinceMs = opts.since ? opts.since.getTime() : null;
  let idle = idleMin;
  let nextUrl: string | null = opts.startUrl ?? null;
  let lastTs: string | null = null;
  let fallback = false;
  const flowMs = opts.flowMs ?? 0;
  let largest = 0; // the longest page seen: the page size, where the URL does not say it
  const recent = new Map<string, number>(); // keys seen, for the no-cursor fallback
  const wait = async (): Promise<boolean> => {
    try {
      await sleep(idle, opts.signal);
    } catch {
      return false;
    }
    idle = Math.min(idleMax, idle * 1.5);
    return true;
  };
  for (;;) {
    if (opts.signal?.aborted) return;
    let page: RuntimeLogPage;
    const requested = nextUrl;
    const resumeAfter = nextUrl ? null : lastTs;
    const sentAt = Date.now();
    try {
      opts.onRequest?.('start');
      if (nextUrl) page = await c.runtimeLogs(envUuid, { url: nextUrl }, opts.signal);
      else if (lastTs) page = await c.runtimeLogs(envUuid, { fromTs: lastTs.slice(0, 16) }, opts.signal);
      else page = await c.runtimeLogs(envUuid, opts.since ? { fromTs: formatLogTs(opts.since) } : {}, opts.signal);
      opts.onRequest?.('answer');
    } catch (err) {
      if (opts.signal?.aborted) return;
      if (err instanceof DivioApiError && ['network', 'timeout', 'server', 'rate-limit'].includes(err.kind)) {
        opts.onError?.(err);
        if (!(await wait())) return;
        continue;
      }
      throw err;
    }
    const gap = requested ? cursorGap(requested, page.next, page.results.length) : resumeGap(resumeAfter, page.results[0]?.timestamp);
    let results = page.results;
    if (sinceMs !== null) results = results.filter((e) => !(Date.parse(e.timestamp) < sinceMs));
    if (fallback) results = results.filter((e) => !recent.has(logKey(e)));
    if (results.length) {
      for (const e of results) recent.set(logKey(e), Date.parse(e.timestamp));
      lastTs = results[results.length - 1].timestamp;
      pruneRecent(recent, lastTs);
    }
    fallback = !page.next;
    nextUrl = page.next ?? null;
    const n = page.results.length;
    const full = n > 0 && n >= (pageSizeOf(requested) ?? largest);
    if (n > largest) largest = n;
    if (results.length || gap) {
      idle = idleMin;
      yield gap ? { ...page, results, gap } : { ...page, results };
      if (n && page.next) {
        // more may be waiting: ask at once — or, with flowMs, only when the page was full
        const rest = full ? 0 : flowMs - (Date.now() - sentAt);
        if (rest > 0) {
          try {
            await sleep(rest, opts.signal);
          } catch {
            return;
          }
        }
        continue;
      }
    }
    if (!page.results.length || !page.next) {
      if (!(await wait())) return;
    }
  }
}

export interface LogHistoryOptions {
  signal?: AbortSignal;
  /** Range (sent as `from_ts` / `to_ts`, minute resolution, UTC). */
  from?: Date;
  to?: Date;
  /** Start from this page (a `previous` URL kept from an earlier page) instead. */
  startUrl?: string;
  /** Stop after this many pages (default 50). */
  maxPages?: number;
}

/**
 * Scroll back through runtime logs: the first page (newest of the range, or `startUrl`), then its
 * `previous`, and so on — pages come newest first, lines inside a page in the server's order. Ends
 * when `previous` is null, points to the page just read (how the real API marks the oldest page),
 * or loops, or after `maxPages`.
 */
export async function* runtimeLogHistory(c: DivioClient, envUuid: string, opts: LogHistoryOptions = {}): AsyncGenerator<RuntimeLogPage> {
  const max = opts.maxPages ?? 50;
  const endpoint = `GET /apps/v3/environments/${envUuid}/logs/`;
  const norm = (href: string): string => {
    const u = c.link(href, endpoint);
    u.searchParams.sort();
    return u.href;
  };
  const seen = new Set<string>();
  let url =
    opts.startUrl ??
    c.url(`/apps/v3/environments/${encodeURIComponent(envUuid)}/logs/`, {
      from_ts: opts.from ? formatLogTs(opts.from) : undefined,
      to_ts: opts.to ? formatLogTs(opts.to) : undefined,
    }).href;
  for (let n = 0; n < max; n++) {
    if (opts.signal?.aborted) return;
    seen.add(norm(url));
    const page = await c.runtimeLogs(envUuid, { url }, opts.signal);
    yield page;
    const prev = page.previous ?? null;
    if (!prev || seen.has(norm(prev))) return;
    url = prev;
  }
}

/**
 * The runtime log lines of a closed window, oldest first: GET the logs from `from` (its minute, as
 * `from_ts`; earlier lines of that minute dropped), then each page's `next`, and end at the first
 * empty page, a page without `next`, or a line at or past `to` (default: now). Unlike
 * followRuntimeLogs it never waits for new lines: a never-deployed environment yields nothing.
 */
export async function* runtimeLogWindow(
  c: DivioClient,
  envUuid: string,
  opts: { from: Date; to?: Date; signal?: AbortSignal; maxPages?: number },
): AsyncGenerator<RuntimeLogPage> {
  const fromMs = opts.from.getTime();
  const toMs = (opts.to ?? new Date()).getTime();
  const max = opts.maxPages ?? 1000;
  let page = await c.runtimeLogs(envUuid, { fromTs: formatLogTs(opts.from) }, opts.signal);
  for (let n = 0; n < max; n++) {
    const results = page.results.filter((e) => {
      const t = Date.parse(e.timestamp);
      return !(t < fromMs) && !(t > toMs);
    });
    if (results.length) yield { ...page, results };
    const last = page.results[page.results.length - 1];
    if (!last || !page.next || Date.parse(last.timestamp) >= toMs || opts.signal?.aborted) return;
    page = await c.runtimeLogs(envUuid, { url: page.next }, opts.signal);
  }
}

/** The `page_size` a page URL asks for, or null. */
function pageSizeOf(url: string | null): number | null {
  const m = url ? /[?&]page_size=(\d+)/.exec(url) : null;
  return m ? Number(m[1]) : null;
}

function pruneRecent(recent: Map<string, number>, lastTs: string): void {
  const horizon = Date.parse(lastTs) - 120_000;
  if (recent.size < 5000) return;
  for (const [k, t] of recent) if (t < horizon) recent.delete(k);
}

export interface ProgressOptions<T> extends FollowOptions {
  /** Called on every observed change. */
  onProgress?(x: T): void;
}

/**
 * Poll a backup (Divio's CLI: every 2 s) until it has ended — by the one definition of "ended" in
 * the domain (`backupOutcome`: a FAILED backup without `ended_at` ends too). Resolves with the last
 * Backup; the caller judges success with `backupOutcome`. Rejects with the abort reason on abort.
 */
export async function followBackup(c: DivioClient, uuid: string, opts: ProgressOptions<Backup> = {}): Promise<Backup> {
  return pollUntil(() => c.backup(uuid, opts.signal), (b) => backupOutcome(b).done, (b) => JSON.stringify([b.state, b.success, b.ended_at]), opts);
}

/** Poll a restore until `finished` (`restoreOutcome`); resolves with the last BackupRestore. */
export async function followRestore(c: DivioClient, uuid: string, opts: ProgressOptions<BackupRestore> = {}): Promise<BackupRestore> {
  return pollUntil(() => c.restore(uuid, opts.signal), (r) => restoreOutcome(r).done, (r) => JSON.stringify([r.finished, r.success]), opts);
}

async function pollUntil<T>(get: () => Promise<T>, done: (x: T) => boolean, key: (x: T) => string, opts: ProgressOptions<T>): Promise<T> {
  const interval = opts.intervalMs ?? 2000;
  let last = '';
  for (;;) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    const x = await get();
    const k = key(x);
    if (k !== last) {
      last = k;
      opts.onProgress?.(x);
    }
    if (done(x)) return x;
    await sleep(interval, opts.signal);
  }
}

/**
 * Ask Divio to prepare a download of a backup's service-instance backups and wait until each has a
 * `download_url` (in the order of `siBackups`). Throws DivioOperationError when Divio reports errors.
 */
export async function prepareDownload(
  c: DivioClient,
  backupUuid: string,
  siBackups: string[],
  opts: FollowOptions & { timeoutMs?: number } = {},
): Promise<{ url: string; uuid: string; urls: string[]; bySib: Record<string, string> }> {
  const sibs = siBackups.length ? siBackups : (await c.backup(backupUuid, opts.signal)).service_instance_backups;
  const { uuid } = await c.createDownload(backupUuid, sibs);
  const interval = opts.intervalMs ?? 2000;
  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  for (;;) {
    const items = await c.downloadServiceInstances(uuid);
    if (items.length) {
      const detailed = await Promise.all(items.map((i) => c.downloadServiceInstance(i.uuid, opts.signal)));
      const errors = detailed.flatMap((d) => d.errors.map(upstreamErrorText));
      if (errors.length) throw new DivioOperationError('download', uuid, `the download of backup ${backupUuid} failed: ${errors.join('; ')}`, errors);
      if (detailed.every((d) => d.ended_at)) {
        const bySib: Record<string, string> = {};
        detailed.forEach((d, i) => {
          const sib = typeof d.service_instance_backup === 'string' ? d.service_instance_backup : (items[i] as { service_instance_backup?: unknown }).service_instance_backup;
          if (d.download_url && typeof sib === 'string') bySib[sib] = d.download_url;
        });
        const urls = detailed.map((d) => d.download_url).filter((u): u is string => !!u);
        if (!urls.length) throw new DivioOperationError('download', uuid, `the download of backup ${backupUuid} finished without a download URL`);
        // one service-instance backup asked for: its URL whatever the item says
        if (sibs.length === 1 && !bySib[sibs[0]!]) bySib[sibs[0]!] = urls[0]!;
        return { url: urls[0]!, uuid, urls, bySib };
      }
    }
    if (Date.now() > deadline) throw new DivioOperationError('download', uuid, `the download of backup ${backupUuid} was not ready in time`);
    await sleep(interval, opts.signal);
  }
}

export interface FetchDownloadOptions {
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  userAgent?: string;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  maxRedirects?: number;
}

/**
 * Open a prepared download: a plain GET (the Divio token is NOT sent: the URL is presigned and may be
 * on another host), redirects followed. Resolves with the body as a stream and its length when the
 * server says it. The URL's query (a signature) never appears in errors.
 */
export async function openDownload(url: string, opts: FetchDownloadOptions = {}): Promise<{ body: Readable; length: number | null; endpoint: string; secret: string }> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new DivioApiError('the download URL is not a valid URL', { kind: 'malformed', endpoint: 'GET download' });
  }
  const maxRedirects = opts.maxRedirects ?? 5;
  for (let hop = 0; ; hop++) {
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      throw new DivioApiError(`refusing to download from a ${target.protocol} URL`, { kind: 'malformed', endpoint: `GET ${target.origin}` });
    }
    const endpoint = `GET ${target.origin}${target.pathname}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await streamRequest(target, {
        method: 'GET',
        headers: { 'user-agent': opts.userAgent ?? DEFAULT_USER_AGENT, accept: '*/*' },
        signal: opts.signal,
        dispatcher: opts.dispatcher,
        headersTimeout: opts.headersTimeoutMs ?? 30_000,
        bodyTimeout: opts.bodyTimeoutMs ?? 60_000,
      });
    } catch (err) {
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      throw new DivioApiError(`downloading ${target.origin}${target.pathname} failed: ${(err as Error).message.split(target.search).join('')}`, {
        kind: 'network',
        endpoint,
        cause: scrubbedCause(err, [target.search.slice(1)]),
      });
    }
    if ([301, 302, 303, 307, 308].includes(res.statusCode) && typeof res.headers.location === 'string' && hop < maxRedirects) {
      await res.body.dump();
      target = new URL(res.headers.location, target);
      continue;
    }
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => {});
      const hint = res.statusCode === 403 ? ': the link may have expired; prepare the download again' : '';
      throw new DivioApiError(`downloading ${target.origin}${target.pathname} failed (${res.statusCode})${hint}`, {
        kind: res.statusCode === 404 ? 'not-found' : res.statusCode >= 500 ? 'server' : 'auth',
        status: res.statusCode,
        endpoint,
      });
    }
    const len = Number(res.headers['content-length']);
    return { body: res.body as Readable, length: Number.isFinite(len) && len >= 0 ? len : null, endpoint, secret: target.search.slice(1) };
  }
}

/**
 * Fetch a prepared download to `destPath` (written to `destPath.part` with mode 0600, then renamed;
 * `exclusive`: an existing `destPath` is never overwritten).
 */
export async function fetchDownload(url: string, destPath: string, opts: FetchDownloadOptions & { exclusive?: boolean } = {}): Promise<{ path: string; bytes: number }> {
  const { body, endpoint, secret } = await openDownload(url, opts);
  const tmp = `${destPath}.part`;
  let bytes = 0;
  body.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  try {
    await pipeline(body, createWriteStream(tmp, { mode: 0o600 }));
    if (opts.exclusive) {
      // link() fails when the name exists: an existing file is never replaced
      await link(tmp, destPath);
      await rm(tmp, { force: true });
    } else await rename(tmp, destPath);
  } catch (err) {
    body.destroy();
    await rm(tmp, { force: true });
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new DivioApiError(`${destPath} exists already: it is not overwritten`, { kind: 'validation', endpoint });
    throw new DivioApiError(`downloading ${endpoint.slice(4)} was interrupted after ${bytes} bytes`, { kind: 'network', endpoint, cause: scrubbedCause(err, [secret]) });
  }
  return { path: destPath, bytes };
}

/** The upload handlers this client can use (Divio's CLI also knows s3-sts-v1 and az-sas-v1). */
export const SUPPORTED_UPLOAD_HANDLERS = ['exo-presigned-v1'] as const;

/**
 * Upload one file of a backup made by upload (`DivioClient.createUploadBackup`): the
 * `exo-presigned-v1` handler (an HTTP PUT of the stream to the presigned `url`, at most
 * `max_file_size` bytes, without the Divio token), then a POST to `finish_url` (without the token).
 * Other handlers are refused with a clear message before anything is sent.
 */
export async function uploadBackupFile(
  target: BackupUploadTarget,
  body: Readable,
  length: number,
  opts: FetchDownloadOptions & { onBytes?(sent: number): void } = {},
): Promise<void> {
  if (!(SUPPORTED_UPLOAD_HANDLERS as readonly string[]).includes(target.handler)) {
    body.destroy();
    throw new DivioApiError(
      `Divio asked for the "${target.handler}" upload handler; this console uploads only with ${SUPPORTED_UPLOAD_HANDLERS.join(', ')} (use Divio's CLI, \`divio app push\`, for this one)`,
      { kind: 'validation', endpoint: 'POST /apps/v3/backups/upload/' },
    );
  }
  const p = target.upload_parameters;
  const max = typeof p.max_file_size === 'number' ? p.max_file_size : null;
  if (typeof p.url !== 'string') throw new DivioApiError('the upload answer has no URL to upload to', { kind: 'malformed', endpoint: 'POST /apps/v3/backups/upload/' });
  if (max !== null && length > max) {
    body.destroy();
    throw new DivioApiError(`the file is ${length} bytes, above the upload size limit of ${max} bytes`, { kind: 'validation', endpoint: 'PUT upload' });
  }
  let url: URL;
  try {
    url = new URL(p.url);
  } catch {
    throw new DivioApiError('the upload URL is not a valid URL', { kind: 'malformed', endpoint: 'PUT upload' });
  }
  const endpoint = `PUT ${url.origin}${url.pathname}`;
  const secret = url.search.slice(1);
  let sent = 0;
  // counted on the way through (a 'data' listener on the source would start it before the PUT reads it)
  const counted = body.pipe(
    new Transform({
      transform(chunk: Buffer, _enc, cb) {
        sent += chunk.length;
        opts.onBytes?.(sent);
        cb(null, chunk);
      },
    }),
  );
  body.on('error', (e) => counted.destroy(e));
  const send = async (method: 'PUT' | 'POST', u: URL, b: Readable | null, headers: Record<string, string>): Promise<void> => {
    let res: Dispatcher.ResponseData;
    const ep = `${method} ${u.origin}${u.pathname}`;
    try {
      res = await streamRequest(u, { method, headers: { 'user-agent': opts.userAgent ?? DEFAULT_USER_AGENT, ...headers }, body: b ?? undefined, signal: opts.signal, dispatcher: opts.dispatcher, headersTimeout: opts.headersTimeoutMs ?? 60_000, bodyTimeout: opts.bodyTimeoutMs ?? 60_000 });
    } catch (err) {
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      throw new DivioApiError(`${method === 'PUT' ? 'uploading' : 'finishing the upload'} to ${u.origin}${u.pathname} failed${method === 'PUT' ? ` after ${sent} bytes` : ''}: ${(err as Error).message.split(u.search).join('')}`, { kind: 'network', endpoint: ep, cause: scrubbedCause(err, [u.search.slice(1), secret]) });
    }
    const text = await res.body.text().catch(() => '');
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new DivioApiError(`${method === 'PUT' ? 'uploading' : 'finishing the upload'} to ${u.origin}${u.pathname} failed (${res.statusCode})${text ? `: ${scrubSecrets(text.slice(0, 200), [secret, u.search.slice(1)])}` : ''}`, {
        kind: res.statusCode >= 500 ? 'server' : 'validation',
        status: res.statusCode,
        endpoint: ep,
      });
    }
  };
  // as Divio's CLI sends it (`requests.put(url, data=fh)`): no Content-Type, which a presigned URL may
  // have signed as empty
  await send('PUT', url, counted, { 'content-length': String(length) });
  let finish: URL;
  try {
    finish = new URL(target.finish_url);
  } catch {
    throw new DivioApiError('the upload answer has no valid finish URL', { kind: 'malformed', endpoint });
  }
  await send('POST', finish, null, {});
}

