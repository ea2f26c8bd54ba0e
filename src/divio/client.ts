// The Divio API v3 client (as divio/divio-cli calls it; shapes in test/contract/fixtures/): requests go
// through the shared HTTP layer (src/http: keep-alive pool, tight timeouts, an overall deadline per
// call, retries by its one rule); zod validation of every response, paging as async iterators
// following `next`, typed errors that never carry the token.
import type { Dispatcher } from 'undici';
import * as z from '../domain/zod.js';
import {
  Application,
  BackupDownloadServiceInstance,
  Backup,
  BackupRestore,
  BackupUpload,
  ContentVersion,
  Deployment,
  DeploymentLog,
  Domain,
  Environment,
  EnvironmentVariable,
  Me,
  MetricSample,
  Organisation,
  Region,
  Service,
  RuntimeLogPage,
  ServiceInstance,
  ServiceInstanceBackup,
  page,
} from '../domain/divio.js';
import { cleanUpstream, sanitize } from '../domain/text.js';
import { HttpFailure, HttpLayer, isIdempotent, type HttpAnswer, type HttpMethod } from '../http/request.js';
import { scrubbedCause, scrubSecrets } from '../http/scrub.js';
import { DEFAULT_USER_AGENT } from '../http/useragent.js';
import { DivioApiError, drfFields, formatFields, type DivioErrorKind } from './errors.js';

export interface DivioClientOptions {
  /** From resolveZone(): "https://api.divio.com" or a verbatim http(s) URL. */
  baseUrl: string;
  token: string | null;
  /** Default `divio-tui/<version>`. */
  userAgent?: string;
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number; deadlineMs?: number };
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Tests inject a MockAgent; otherwise the client owns a keep-alive Agent. */
  dispatcher?: Dispatcher;
  /** `page_size` sent on list requests (default 100). */
  pageSize?: number;
  /** Jitter source (tests). */
  random?: () => number;
}

export type Method = HttpMethod;

export const DEFAULT_TIMEOUTS = { connectMs: 5_000, headersMs: 15_000, bodyMs: 30_000, deadlineMs: 60_000 };
export const DEFAULT_RETRY = { maxAttempts: 4, baseDelayMs: 300, maxDelayMs: 10_000 };

const LOG_MESSAGE = ['message'] as const;
const LOG_TEXT = ['logs'] as const;
const Created = z.looseObject({ uuid: z.string().min(1) });
const MetricsBody = z.union([z.array(MetricSample), z.looseObject({ results: z.array(MetricSample) })]);

export interface CallOptions<S extends z.ZodType | null> {
  method: Method;
  url: URL;
  body?: unknown;
  schema: S;
  /** Resolve null instead of throwing on 404. */
  nullOn404?: boolean;
  signal?: AbortSignal;
  /** Keys whose strings are log text (multi-line, SGR kept): see cleanUpstream. */
  logKeys?: readonly string[];
}

export class DivioClient {
  readonly baseUrl: string;
  readonly origin: string;
  #token: string | null;
  readonly #ua: string;
  readonly #http: HttpLayer;
  readonly #pageSize: number;

  constructor(opts: DivioClientOptions) {
    let base: URL;
    try {
      base = new URL(opts.baseUrl);
    } catch {
      throw new Error(`invalid Divio API base URL "${opts.baseUrl}"`);
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new Error(`invalid Divio API base URL "${opts.baseUrl}": must be http(s)`);
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.origin = base.origin;
    this.#token = opts.token && opts.token.trim() ? opts.token.trim() : null;
    this.#ua = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.#pageSize = opts.pageSize ?? 100;
    this.#http = new HttpLayer({
      timeouts: { ...DEFAULT_TIMEOUTS, ...stripUndefined(opts.timeouts) },
      retry: { ...DEFAULT_RETRY, ...stripUndefined(opts.retry) },
      dispatcher: opts.dispatcher,
      random: opts.random,
    });
  }

  /** Whether a token is configured (the token itself is never exposed). */
  get hasToken(): boolean {
    return this.#token !== null;
  }

  /** Never reveal the token through inspection or JSON. */
  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, hasToken: this.hasToken };
  }

  /**
   * Every request (each attempt) first waits for `gate` — the gateway's shared request ceiling
   * (src/gateway/limiter.ts). Null: no ceiling.
   */
  setGate(gate: ((signal: AbortSignal) => Promise<void>) | null): void {
    this.#http.setGate(gate);
  }

  stats(): { requests: number; retries: number } {
    return this.#http.stats();
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  // ---------------------------------------------------------------- endpoints

  me(signal?: AbortSignal): Promise<Me> {
    return this.get('/iam/v3/me/', {}, Me, signal);
  }

  organisations(): AsyncIterable<Organisation> {
    return this.paginate('/iam/v3/organisations/', {}, Organisation);
  }

  regions(signal?: AbortSignal): AsyncIterable<Region> {
    return this.paginate('/apps/v3/regions/', {}, Region, signal);
  }

  /** The service catalogue of a region (what service instances run: names for their `service` uuid). */
  services(q: { region?: string } = {}, signal?: AbortSignal): AsyncIterable<Service> {
    return this.paginate('/apps/v3/services/', { region: q.region }, Service, signal);
  }

  applications(q: { organisation?: string; slug?: string } = {}): AsyncIterable<Application> {
    return this.paginate('/apps/v3/applications/', { organisation: q.organisation, slug: q.slug }, Application);
  }

  application(uuid: string, signal?: AbortSignal): Promise<Application> {
    return this.get(`/apps/v3/applications/${seg(uuid)}/`, {}, Application, signal);
  }

  environments(q: { application?: string; slug?: string } = {}): AsyncIterable<Environment> {
    return this.paginate('/apps/v3/environments/', { application: q.application, slug: q.slug }, Environment);
  }

  environment(uuid: string, signal?: AbortSignal): Promise<Environment> {
    return this.get(`/apps/v3/environments/${seg(uuid)}/`, {}, Environment, signal);
  }

  setBranch(envUuid: string, branch: string): Promise<Environment> {
    return this.call({ method: 'PATCH', url: this.url(`/apps/v3/environments/${seg(envUuid)}/`), body: { branch }, schema: Environment });
  }

  copyEnvironment(envUuid: string, newSlug: string): Promise<{ uuid: string }> {
    return this.call({ method: 'POST', url: this.url(`/apps/v3/environments/${seg(envUuid)}/copy/`), body: { new_slug: newSlug }, schema: Created });
  }

  /** Newest first. */
  deployments(q: { environment?: string; application?: string }): AsyncIterable<Deployment> {
    return this.paginate('/apps/v3/deployments/', { environment: q.environment, application: q.application }, Deployment);
  }

  /** The environment's running deployment if one is on the first page, else its newest; null when never deployed. */
  async latestDeployment(envUuid: string, signal?: AbortSignal): Promise<Deployment | null> {
    const p = await this.call({
      method: 'GET',
      url: this.url('/apps/v3/deployments/', { environment: envUuid, page_size: 10 }),
      schema: page(Deployment),
      signal,
    });
    const mine = p.results.filter((d) => d.environment === envUuid);
    const list = mine.length ? mine : p.results;
    return list.find((d) => d.ended_at === null) ?? list[0] ?? null;
  }

  deployment(uuid: string, signal?: AbortSignal): Promise<Deployment> {
    return this.get(`/apps/v3/deployments/${seg(uuid)}/`, {}, Deployment, signal);
  }

  async deploymentLog(uuid: string, signal?: AbortSignal): Promise<string> {
    const r = await this.call({ method: 'GET', url: this.url(`/apps/v3/deployments/${seg(uuid)}/logs`), schema: DeploymentLog, signal, logKeys: LOG_TEXT });
    return r.logs;
  }

  /** POST: never retried on 5xx/timeouts (use ops.deploy, which re-checks and attaches). */
  createDeployment(envUuid: string, buildMode?: 'AUTO' | 'ADOPT' | 'FORCE'): Promise<{ uuid: string }> {
    const body: Record<string, unknown> = { environment: envUuid };
    if (buildMode) body.build_mode = buildMode;
    return this.call({ method: 'POST', url: this.url('/apps/v3/deployments/'), body, schema: Created });
  }

  /** One page of runtime logs: from the start (`fromTs`/`toTs`, `YYYY-MM-DDThh:mm` UTC) or a `next`/`previous` URL. */
  runtimeLogs(envUuid: string, q: { fromTs?: string; toTs?: string; url?: string } = {}, signal?: AbortSignal): Promise<RuntimeLogPage> {
    const endpoint = `GET /apps/v3/environments/${envUuid}/logs/`;
    const url = q.url ? this.link(q.url, endpoint) : this.url(`/apps/v3/environments/${seg(envUuid)}/logs/`, { from_ts: q.fromTs, to_ts: q.toTs });
    return this.call({ method: 'GET', url, schema: RuntimeLogPage, signal, logKeys: LOG_MESSAGE });
  }

  environmentVariables(q: { environment?: string; application?: string; name?: string }): AsyncIterable<EnvironmentVariable> {
    if (!q.environment && !q.application) {
      throw new DivioApiError('listing environment variables needs an environment or an application', {
        kind: 'validation',
        endpoint: 'GET /apps/v3/environment-variables/',
      });
    }
    return this.paginate('/apps/v3/environment-variables/', { environment: q.environment, application: q.application, name: q.name }, EnvironmentVariable);
  }

  // Writing variables: Divio's CLI only reads them (GET above). The Control Panel sets, changes and
  // deletes them through the same resource; the shapes below are the REST resource's (DRF
  // ModelViewSet) and are unverified (README: "What Divio's API allows"): POST the list with {environment, name, value, is_sensitive},
  // PATCH /{uuid}/ with {value, is_sensitive}, DELETE /{uuid}/.
  // None of them is retried on a 5xx or a time-out (the client retries idempotent GETs only).

  createEnvironmentVariable(envUuid: string, name: string, value: string, isSensitive: boolean): Promise<EnvironmentVariable> {
    return this.call({
      method: 'POST',
      url: this.url('/apps/v3/environment-variables/'),
      body: { environment: envUuid, name, value, is_sensitive: isSensitive },
      schema: EnvironmentVariable,
    });
  }

  updateEnvironmentVariable(uuid: string, patch: { value?: string; is_sensitive?: boolean }): Promise<EnvironmentVariable> {
    return this.call({ method: 'PATCH', url: this.url(`/apps/v3/environment-variables/${seg(uuid)}/`), body: patch, schema: EnvironmentVariable });
  }

  async deleteEnvironmentVariable(uuid: string): Promise<void> {
    await this.call({ method: 'DELETE', url: this.url(`/apps/v3/environment-variables/${seg(uuid)}/`), schema: null });
  }

  serviceInstances(envUuid: string): AsyncIterable<ServiceInstance> {
    return this.paginate('/apps/v3/service-instances/', { environment: envUuid }, ServiceInstance);
  }

  backups(q: { environment?: string } = {}): AsyncIterable<Backup> {
    return this.paginate('/apps/v3/backups/', { environment: q.environment }, Backup);
  }

  backup(uuid: string, signal?: AbortSignal): Promise<Backup> {
    return this.get(`/apps/v3/backups/${seg(uuid)}/`, {}, Backup, signal);
  }

  createBackup(envUuid: string, serviceInstances: string[], notes?: string): Promise<{ uuid: string }> {
    const body: Record<string, unknown> = { environment: envUuid, services: serviceInstances, trigger: 'MANUAL' };
    if (notes) body.notes = notes;
    return this.call({ method: 'POST', url: this.url('/apps/v3/backups/'), body, schema: Created });
  }

  serviceInstanceBackup(uuid: string, signal?: AbortSignal): Promise<ServiceInstanceBackup> {
    return this.get(`/apps/v3/service-instance-backups/${seg(uuid)}/`, {}, ServiceInstanceBackup, signal);
  }

  /**
   * Restore service-instance backups of a backup: the documented body, which names no destination
   * (each goes back into the service instance it was taken of). To put a backup into another
   * environment, upload it as a backup of that environment first (`createUploadBackup`).
   */
  createRestore(backupUuid: string, siBackups: string[], notes?: string): Promise<{ uuid: string }> {
    const body: Record<string, unknown> = { backup: backupUuid, service_instance_restores: siBackups.map((u) => ({ service_instance_backup: u })) };
    if (notes) body.notes = notes;
    return this.call({ method: 'POST', url: this.url('/apps/v3/backup-restores/'), body, schema: Created });
  }

  /** A backup of `serviceInstances` of an environment made of uploaded files (`POST /apps/v3/backups/upload/`). */
  createUploadBackup(envUuid: string, serviceInstances: string[], notes?: string): Promise<BackupUpload> {
    const body: Record<string, unknown> = { environment: envUuid, services: serviceInstances };
    if (notes) body.notes = notes;
    return this.call({ method: 'POST', url: this.url('/apps/v3/backups/upload/'), body, schema: BackupUpload });
  }

  restore(uuid: string, signal?: AbortSignal): Promise<BackupRestore> {
    return this.get(`/apps/v3/backup-restores/${seg(uuid)}/`, {}, BackupRestore, signal);
  }

  createDownload(backupUuid: string, siBackups: string[]): Promise<{ uuid: string }> {
    return this.call({
      method: 'POST',
      url: this.url('/apps/v3/backup-downloads/'),
      body: { backup: backupUuid, service_instance_backups: siBackups, trigger: 'PULL' },
      schema: Created,
    });
  }

  async downloadServiceInstances(downloadUuid: string): Promise<BackupDownloadServiceInstance[]> {
    return collect(this.paginate('/apps/v3/backup-download-service-instances/', { backup: downloadUuid }, BackupDownloadServiceInstance));
  }

  downloadServiceInstance(uuid: string, signal?: AbortSignal): Promise<BackupDownloadServiceInstance> {
    return this.get(`/apps/v3/backup-download-service-instances/${seg(uuid)}`, {}, BackupDownloadServiceInstance, signal);
  }

  domains(q: { application?: string; environment?: string } = {}, signal?: AbortSignal): AsyncIterable<Domain> {
    return this.paginate('/apps/v3/domains/', { application: q.application, environment: q.environment }, Domain, signal);
  }

  /** 200 = done; a 400 ("not processed") becomes a 'validation' DivioApiError with Divio's message. */
  async clearCdnCache(domainUuid: string): Promise<void> {
    await this.call({ method: 'POST', url: this.url(`/apps/v3/domains/${seg(domainUuid)}/action/clear-cdn-cache/`), body: {}, schema: null });
  }

  /**
   * Sandbox-only extensions this zone answered 404 for: probed once, never asked again (Divio's API
   * has no metrics or content-version route; polling a 404 every 10 s per environment helps nobody).
   */
  #notOffered = new Set<'metrics' | 'content-version'>();
  /** The first request of each extension, while it is in flight: concurrent callers wait for its verdict. */
  #probing = new Map<'metrics' | 'content-version', Promise<unknown>>();
  async #extension<T>(ext: 'metrics' | 'content-version', ask: () => Promise<T | null>): Promise<T | null> {
    const first = this.#probing.get(ext);
    if (first) await first.catch(() => {});
    if (this.#notOffered.has(ext)) return null;
    const p = ask();
    if (!first) {
      this.#probing.set(ext, p);
      p.then(() => {}, () => this.#probing.delete(ext)); // a failed probe (not a 404) decides nothing
    }
    const r = await p;
    if (r == null) this.#notOffered.add(ext);
    return r;
  }
  /** Whether a sandbox-only extension is known to be missing from this zone (after its first 404). */
  notOffered(ext: 'metrics' | 'content-version'): boolean {
    return this.#notOffered.has(ext);
  }

  /** Sandbox extension `/apps/v3/environments/{uuid}/metrics/`; null when the zone lacks it (404, then never asked again). */
  async metrics(envUuid: string, minutes?: number, signal?: AbortSignal): Promise<MetricSample[] | null> {
    const r = await this.#extension('metrics', () => this.call({
      method: 'GET',
      url: this.url(`/apps/v3/environments/${seg(envUuid)}/metrics/`, { minutes }),
      schema: MetricsBody,
      nullOn404: true,
      signal,
    }));
    if (r == null) return null;
    return Array.isArray(r) ? r : r.results;
  }

  /** Sandbox extension `/apps/v3/environments/{uuid}/content-version/`; null when the zone lacks it (404, then never asked again). */
  contentVersion(envUuid: string, signal?: AbortSignal): Promise<ContentVersion | null> {
    return this.#extension('content-version', () => this.call({
      method: 'GET',
      url: this.url(`/apps/v3/environments/${seg(envUuid)}/content-version/`),
      schema: ContentVersion,
      nullOn404: true,
      signal,
    }));
  }

  // ---------------------------------------------------------------- plumbing

  /** Build an absolute URL under the base (keeps a base path prefix); undefined query values are dropped. */
  url(path: string, query: Record<string, string | number | undefined | null> = {}): URL {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
    return u;
  }

  /**
   * Validate a link the server gave us (`next`, `previous`, a redirect). Relative links resolve against
   * the base; an http link to our https host is upgraded; any other origin is refused, because the
   * token must only ever go to the configured API.
   */
  link(href: string, endpoint: string): URL {
    let u: URL;
    try {
      u = new URL(href, this.baseUrl + '/');
    } catch {
      throw this.error(`${endpoint} returned an invalid link "${href}"`, { kind: 'malformed', endpoint });
    }
    if (u.origin === this.origin) return u;
    const base = new URL(this.origin);
    if (base.protocol === 'https:' && u.protocol === 'http:' && u.hostname === base.hostname && (u.port === '' || u.port === '80')) {
      u.protocol = 'https:';
      u.port = base.port;
      if (u.origin === this.origin) return u;
    }
    throw this.error(`refusing to follow a link from ${endpoint} to ${u.origin}: the Divio token is only sent to ${this.origin}`, {
      kind: 'malformed',
      endpoint,
    });
  }

  get<S extends z.ZodType>(path: string, query: Record<string, string | number | undefined>, schema: S, signal?: AbortSignal): Promise<z.infer<S>> {
    return this.call({ method: 'GET', url: this.url(path, query), schema, signal });
  }

  /** Items of a DRF list, following `next` (same origin only) until null. */
  paginate<T extends z.ZodType>(path: string, query: Record<string, string | number | undefined>, item: T, signal?: AbortSignal): AsyncIterable<z.infer<T>> {
    const schema = page(item);
    const first = this.url(path, { page_size: this.#pageSize, ...query });
    const endpoint = `GET ${path}`;
    const pages = async function* (this: DivioClient): AsyncGenerator<z.infer<T>> {
      let url: URL | null = first;
      const seen = new Set<string>();
      while (url) {
        if (seen.has(url.href)) throw this.loopError(endpoint);
        seen.add(url.href);
        const p: z.infer<typeof schema> = await this.call({ method: 'GET', url, schema, signal });
        for (const r of p.results) yield r as z.infer<T>;
        url = p.next ? this.link(p.next, endpoint) : null;
      }
    };
    return { [Symbol.asyncIterator]: () => pages.call(this) };
  }

  /**
   * One page of a DRF list (one request): its items, the total `count` when the server sends it, and
   * the `next` page (same origin only) or null. `from` is a path (first page, with `query`) or the
   * `next` of a previous page. For callers that budget their requests page by page.
   */
  async listPage<T extends z.ZodType>(
    from: string | URL,
    query: Record<string, string | number | undefined>,
    item: T,
    signal?: AbortSignal,
  ): Promise<{ results: z.infer<T>[]; count: number | null; next: URL | null }> {
    const url = typeof from === 'string' ? this.url(from, { page_size: this.#pageSize, ...query }) : from;
    const p = await this.call({ method: 'GET', url, schema: page(item), signal });
    const endpoint = `GET ${url.pathname}`;
    return { results: p.results as z.infer<T>[], count: typeof p.count === 'number' ? p.count : null, next: p.next ? this.link(p.next, endpoint) : null };
  }

  private loopError(endpoint: string): DivioApiError {
    return this.error(`${endpoint}: the server's "next" link loops back to a page already read`, { kind: 'malformed', endpoint });
  }

  /** One HTTP call through the shared HTTP layer (deadline, retries: src/http/request.ts), then validation. */
  async call<S extends z.ZodType>(spec: CallOptions<S> & { nullOn404: true }): Promise<z.infer<S> | null>;
  async call<S extends z.ZodType>(spec: CallOptions<S>): Promise<z.infer<S>>;
  async call(spec: CallOptions<null>): Promise<undefined>;
  async call(spec: CallOptions<z.ZodType | null>): Promise<unknown> {
    const method = spec.method;
    const endpointOf = (u: URL): string => `${method} ${u.pathname}`;
    const endpoint = endpointOf(spec.url);
    if (spec.url.origin !== this.origin) {
      throw this.error(`refusing to send the Divio token to ${spec.url.origin} (configured API: ${this.origin})`, { kind: 'malformed', endpoint });
    }
    if (!this.#token) {
      throw this.error(`no Divio token for ${this.origin}: run \`divio login\` or set DIVIO_TOKEN`, { kind: 'auth', endpoint });
    }
    const headers: Record<string, string> = {
      authorization: `Token ${this.#token}`,
      'user-agent': this.#ua,
      accept: 'application/json',
    };
    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['content-type'] = 'application/json';
    }
    const idempotent = isIdempotent(method);
    let answer: HttpAnswer;
    try {
      answer = await this.#http.send({
        method,
        url: spec.url,
        headers,
        body,
        signal: spec.signal,
        idempotent,
        expectJson: spec.schema !== null,
        redirect: (location, from) => this.link(location, endpointOf(from)),
      });
    } catch (err) {
      if (err instanceof DivioApiError) throw err;
      if (err instanceof HttpFailure) {
        const at = endpointOf(err.url);
        if (err.deadline) throw this.error(`${at} on ${this.origin} ${err.message}`, { kind: 'timeout', endpoint: at });
        const maybe = !idempotent && !err.notSent ? ' — the request may or may not have been applied' : '';
        throw this.error(`${at} on ${this.origin} failed: ${err.message}${maybe}`, { kind: err.kind, endpoint: at, cause: scrubbedCause(err.cause, this.#secrets()) });
      }
      if (spec.signal?.aborted) throw err;
      throw this.error(`${endpoint} on ${this.origin} failed unexpectedly`, { kind: 'network', endpoint, cause: scrubbedCause(err, this.#secrets()) });
    }
    const at = endpointOf(answer.url);
    const { status } = answer;
    if (status >= 200 && status < 300) return this.parse(spec.schema, answer.text, status, answer.headers, at, spec.logKeys);
    if (status === 404 && spec.nullOn404) return null;
    throw this.httpError(status, answer.text, at, method, answer.retryAfterMs);
  }

  private parse(schema: z.ZodType | null, text: string, status: number, headers: Record<string, string | string[] | undefined>, endpoint: string, logKeys?: readonly string[]): unknown {
    if (schema === null) return undefined;
    let json: unknown;
    try {
      json = text.trim() === '' ? undefined : JSON.parse(text);
    } catch {
      const ct = String(headers['content-type'] ?? 'unknown type');
      const why = /json/i.test(ct) ? 'invalid (truncated?) JSON' : `a body that is not JSON (${ct}, status ${status}): is the zone right?`;
      throw this.error(`${endpoint} on ${this.origin} returned ${why}`, {
        kind: 'malformed',
        status,
        endpoint,
      });
    }
    // The way in: every upstream string is made safe (and free text masked) before the domain sees it.
    const r = schema.safeParse(cleanUpstream(json, { logKeys }));
    if (r.success) return r.data;
    const issues = r.error.issues;
    const first = issues[0];
    const where = first ? formatPath(first.path) : '(body)';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    throw this.error(`${endpoint} on ${this.origin} returned an unexpected response: field ${where}: ${first?.message ?? 'invalid'}${more}`, {
      kind: 'malformed',
      status,
      endpoint,
      fields: Object.fromEntries(issues.slice(0, 20).map((i) => [formatPath(i.path), [i.message]])),
    });
  }

  private httpError(status: number, text: string, endpoint: string, method: Method, retryAfterMs: number | null): DivioApiError {
    let body: unknown = undefined;
    try {
      body = text.trim() ? cleanUpstream(JSON.parse(text)) : undefined;
    } catch {}
    const fields = body !== undefined && typeof body === 'object' ? drfFields(body) : {};
    const detail = formatFields(fields);
    const retryAfterS = retryAfterMs == null ? null : Math.ceil(retryAfterMs / 1000);
    let kind: DivioErrorKind;
    let msg: string;
    if (status === 401 || (status === 403 && /token|credential|authenticat/i.test(detail))) {
      kind = 'auth';
      msg = `token rejected by ${this.origin} (${status}): run \`divio login\` or set DIVIO_TOKEN`;
    } else if (status === 403) {
      kind = 'auth';
      msg = `permission denied by ${this.origin} for ${endpoint} (403)${detail ? `: ${detail}` : ''} — check that this token's account has access`;
    } else if (status === 404) {
      kind = 'not-found';
      msg = `not found: ${endpoint} on ${this.origin} (404)${detail ? `: ${detail}` : ''}`;
    } else if (status === 429) {
      kind = 'rate-limit';
      msg = `${this.origin} is rate limiting ${endpoint} (429)${retryAfterS != null ? `: retry after ${retryAfterS} s` : ': try again shortly'}`;
    } else if (status >= 500) {
      kind = 'server';
      const maybe = isIdempotent(method) ? '' : ' — the request may or may not have been applied';
      msg = `${this.origin} failed on ${endpoint} (${status})${detail && detail.length < 300 ? `: ${detail}` : ''}${maybe}; try again later`;
    } else {
      kind = 'validation';
      msg = `${this.origin} rejected ${endpoint} (${status})${detail ? `: ${detail}` : ''}`;
    }
    return this.error(msg, { kind, status, endpoint, fields, retryAfterS });
  }

  #secrets(): string[] {
    const t = this.#token;
    return t ? [t, encodeURIComponent(t)] : [];
  }

  /** Every error goes through here: message and fields are scrubbed of the token. */
  private error(message: string, init: ConstructorParameters<typeof DivioApiError>[1]): DivioApiError {
    const secrets = this.#secrets();
    const fields = init.fields
      ? Object.fromEntries(Object.entries(init.fields).map(([k, v]) => [scrubSecrets(k, secrets), v.map((m) => scrubSecrets(m, secrets))]))
      : undefined;
    const err = new DivioApiError(scrubSecrets(sanitize(message), secrets), { ...init, fields });
    if (err.stack) err.stack = scrubSecrets(err.stack, secrets);
    return err;
  }
}

/** Drain an async iterable into an array. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function seg(s: string): string {
  return encodeURIComponent(s);
}

function stripUndefined<T extends object>(o: T | undefined): Partial<T> {
  if (!o) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s || '(body)';
}

