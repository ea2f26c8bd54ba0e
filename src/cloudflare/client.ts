// Cloudflare API v4 client for customer-owned zones: zone lookup and cache purge (one kind per
// request, split into ≤100 items, paced by a client-side token bucket for the plan). Requests go
// through the shared HTTP layer (src/http: deadline, retries, Retry-After). The API token is sent as
// Bearer and never appears in an error.
import { cleanUpstream, sanitize } from '../domain/text.js';
import type { Dispatcher } from 'undici';
import * as z from '../domain/zod.js';
import { HttpFailure, HttpLayer } from '../http/request.js';
import { scrubbedCause, scrubSecrets } from '../http/scrub.js';
import { DEFAULT_USER_AGENT } from '../http/useragent.js';
import { TokenBucket, type BucketState, type CloudflarePlan } from './bucket.js';

export { PURGE_LIMITS, TokenBucket, type BucketState, type CloudflarePlan } from './bucket.js';

export type CloudflareErrorKind = 'auth' | 'not-found' | 'validation' | 'rate-limit' | 'server' | 'network' | 'timeout' | 'malformed';

export class CloudflareApiError extends Error {
  readonly kind: CloudflareErrorKind;
  readonly status: number | null;
  readonly endpoint: string;
  /** Cloudflare's error list (code, message). */
  readonly errors: { code: number; message: string }[];
  readonly code: number | null;
  constructor(message: string, init: { kind: CloudflareErrorKind; status?: number | null; endpoint: string; errors?: { code: number; message: string }[]; cause?: unknown }) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'CloudflareApiError';
    this.kind = init.kind;
    this.status = init.status ?? null;
    this.endpoint = init.endpoint;
    this.errors = init.errors ?? [];
    this.code = this.errors[0]?.code ?? null;
  }
}

export type PurgeFile = string | { url: string; headers?: Record<string, string> };
export type PurgeRequest =
  | { everything: true }
  | { files: PurgeFile[] }
  | { prefixes: string[] }
  | { hosts: string[] }
  | { tags: string[] };

export interface CloudflareClientOptions {
  baseUrl?: string;
  token: string;
  plan?: CloudflarePlan;
  dispatcher?: Dispatcher;
  userAgent?: string;
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number; deadlineMs?: number };
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  random?: () => number;
}

export interface CloudflareZone {
  id: string;
  name: string;
  status?: string;
  plan?: { name?: string } | null;
  [k: string]: unknown;
}

const CfError = z.looseObject({ code: z.number(), message: z.string() });
const Envelope = z.looseObject({
  success: z.boolean(),
  errors: z.array(CfError).default([]),
  messages: z.array(z.unknown()).optional(),
  result: z.unknown().optional(),
});
const Zone = z.looseObject({ id: z.string().min(1), name: z.string(), status: z.string().optional(), plan: z.looseObject({ name: z.string().optional() }).nullable().optional() });
const ZonesResult = z.array(Zone);
const PurgeResult = z.looseObject({ id: z.string() }).nullable().optional();

const KINDS = ['everything', 'files', 'prefixes', 'hosts', 'tags'] as const;
type Kind = (typeof KINDS)[number];

/** Items per purge request for a kind on a plan (Cloudflare: 100; Enterprise: 500 URLs). */
export function purgeChunkSize(kind: Kind, plan: CloudflarePlan): number {
  return kind === 'files' && plan === 'enterprise' ? 500 : 100;
}

/** Problems with a purge request, before anything is sent; empty when it is valid. */
export function validatePurge(req: unknown): string[] {
  if (req === null || typeof req !== 'object' || Array.isArray(req)) return ['a purge request must be an object with exactly one of: everything, files, prefixes, hosts, tags'];
  const r = req as Record<string, unknown>;
  const present = KINDS.filter((k) => r[k] !== undefined);
  const unknown = Object.keys(r).filter((k) => !(KINDS as readonly string[]).includes(k));
  const errs: string[] = [];
  if (unknown.length) errs.push(`unknown purge field(s): ${unknown.join(', ')}`);
  if (present.length !== 1) {
    errs.push(present.length === 0 ? 'nothing to purge: give exactly one of everything, files, prefixes, hosts, tags' : `a purge request takes exactly one kind, got ${present.join(' + ')}`);
    return errs;
  }
  const kind = present[0];
  if (kind === 'everything') {
    if (r.everything !== true) errs.push('everything must be true');
    return errs;
  }
  const list = r[kind];
  if (!Array.isArray(list)) return [...errs, `${kind} must be a list`];
  if (list.length === 0) return [...errs, `${kind} is empty: nothing to purge`];
  list.forEach((item, i) => {
    const at = `${kind}[${i}]`;
    if (kind === 'files') {
      const url = typeof item === 'string' ? item : item && typeof item === 'object' ? (item as { url?: unknown }).url : undefined;
      if (typeof url !== 'string') return errs.push(`${at}: expected a URL`);
      let u: URL | null = null;
      try {
        u = new URL(url);
      } catch {}
      if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || !/^https?:\/\//i.test(url)) errs.push(`${at}: "${url}" is not an absolute http(s) URL`);
      return;
    }
    if (typeof item !== 'string' || item.trim() === '') return errs.push(`${at}: expected a non-empty string`);
    if (kind === 'prefixes') {
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(item)) errs.push(`${at}: "${item}" must not include a scheme (write host/path/)`);
      else if (item.includes('?')) errs.push(`${at}: "${item}" must not include a query string`);
      else if (/\s/.test(item)) errs.push(`${at}: "${item}" must not contain spaces`);
      else if (!/^[a-z0-9.-]+\.[a-z0-9-]+(:\d+)?(\/|$)/i.test(item)) errs.push(`${at}: "${item}" must start with a host name (host/path/)`);
    } else if (kind === 'hosts') {
      if (!/^[a-z0-9*]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i.test(item)) errs.push(`${at}: "${item}" is not a bare host name (no scheme, port or path)`);
    } else if (kind === 'tags') {
      if (item.includes(',')) errs.push(`${at}: "${item}" must not contain a comma`);
      else if (item.length > 1024) errs.push(`${at}: tag longer than 1024 characters`);
    }
  });
  return errs;
}

export class CloudflareClient {
  readonly baseUrl: string;
  readonly plan: CloudflarePlan;
  readonly #apiBase: string;
  readonly #origin: string;
  readonly #token: string;
  readonly #http: HttpLayer;
  readonly #ua: string;
  readonly #bucket: TokenBucket;

  constructor(opts: CloudflareClientOptions) {
    if (!opts.token || !opts.token.trim()) throw new Error('no Cloudflare API token: set CLOUDFLARE_API_TOKEN (a token with Zone → Cache Purge)');
    this.baseUrl = (opts.baseUrl ?? 'https://api.cloudflare.com').replace(/\/+$/, '');
    let u: URL;
    try {
      u = new URL(this.baseUrl);
    } catch {
      throw new Error(`invalid Cloudflare API URL "${this.baseUrl}"`);
    }
    this.#origin = u.origin;
    this.#apiBase = /\/client\/v4$/.test(this.baseUrl) ? this.baseUrl : `${this.baseUrl}/client/v4`;
    this.#token = opts.token.trim();
    this.plan = opts.plan ?? 'free';
    this.#ua = opts.userAgent ?? DEFAULT_USER_AGENT;
    this.#http = new HttpLayer({
      timeouts: { connectMs: 5_000, headersMs: 15_000, bodyMs: 30_000, deadlineMs: 120_000, ...strip(opts.timeouts) },
      retry: { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 15_000, ...strip(opts.retry) },
      dispatcher: opts.dispatcher,
      random: opts.random,
    });
    this.#bucket = new TokenBucket(this.plan);
  }

  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, plan: this.plan };
  }

  /** Problems with a purge request (see the module-level validatePurge); empty when valid. */
  validatePurge(req: unknown): string[] {
    return validatePurge(req);
  }

  bucketState(): BucketState {
    return this.#bucket.state();
  }

  stats(): { requests: number; retries: number } {
    return this.#http.stats();
  }

  close(): Promise<void> {
    return this.#http.close();
  }

  /** The zone named `name` (e.g. "example.com"); 'not-found' CloudflareApiError when the token cannot see it. */
  async zoneByName(name: string, signal?: AbortSignal): Promise<CloudflareZone> {
    const endpoint = 'GET /client/v4/zones';
    const url = new URL(`${this.#apiBase}/zones`);
    url.searchParams.set('name', name);
    const result = await this.#send('GET', url, undefined, endpoint, signal);
    const zones = ZonesResult.safeParse(result);
    if (!zones.success) throw this.#malformed(endpoint, zones.error);
    const hit = zones.data.find((z) => z.name.toLowerCase() === name.toLowerCase()) ?? zones.data[0];
    if (!hit) {
      throw this.#error(`no Cloudflare zone named "${name}" is visible to this API token: check the name and that the token has Zone → Read and Cache Purge on it`, {
        kind: 'not-found',
        endpoint,
      });
    }
    return hit as CloudflareZone;
  }

  /**
   * Purge a zone's cache. Validates first (nothing is sent on an invalid request), splits lists into
   * requests of ≤100 items (Enterprise: 500 URLs), paces them with the plan's token bucket. A purge
   * is declared idempotent (repeating it is harmless), so 5xx and lost connections are retried too.
   */
  async purge(zoneId: string, req: PurgeRequest, opts: { onProgress?(sent: number, total: number): void; signal?: AbortSignal } = {}): Promise<{ requests: number; ids: string[] }> {
    const endpoint = `POST /client/v4/zones/${zoneId}/purge_cache`;
    const errs = validatePurge(req);
    if (errs.length) throw this.#error(`invalid purge request: ${errs.slice(0, 5).join('; ')}${errs.length > 5 ? ` (and ${errs.length - 5} more)` : ''}`, { kind: 'validation', endpoint });
    if (!/^[A-Za-z0-9_-]+$/.test(zoneId)) throw this.#error(`invalid Cloudflare zone id "${zoneId}"`, { kind: 'validation', endpoint });
    const url = new URL(`${this.#apiBase}/zones/${zoneId}/purge_cache`);
    const bodies: { body: Record<string, unknown>; count: number }[] = [];
    if ('everything' in req) {
      bodies.push({ body: { purge_everything: true }, count: 1 });
    } else {
      const kind = KINDS.find((k) => k !== 'everything' && k in req) as Exclude<Kind, 'everything'>;
      const items = dedupe((req as Record<string, PurgeFile[]>)[kind]);
      const size = purgeChunkSize(kind, this.plan);
      for (let i = 0; i < items.length; i += size) {
        const chunk = items.slice(i, i + size);
        bodies.push({ body: { [kind]: chunk }, count: chunk.length });
      }
    }
    const total = bodies.reduce((n, b) => n + b.count, 0);
    const ids: string[] = [];
    let sent = 0;
    for (const b of bodies) {
      await this.#bucket.take(opts.signal);
      const result = await this.#send('POST', url, b.body, endpoint, opts.signal, true).finally(() => this.#bucket.answered());
      const r = PurgeResult.safeParse(result);
      if (!r.success) throw this.#malformed(endpoint, r.error);
      if (r.data?.id) ids.push(r.data.id);
      sent += b.count;
      opts.onProgress?.(sent, total);
    }
    return { requests: bodies.length, ids };
  }

  /** One call through the HTTP layer; resolves the envelope's result. `idempotent` defaults by method. */
  async #send(method: 'GET' | 'POST', url: URL, body: unknown, endpoint: string, signal?: AbortSignal, idempotent?: boolean): Promise<unknown> {
    if (url.origin !== this.#origin) throw this.#error(`refusing to send the Cloudflare token to ${url.origin}`, { kind: 'malformed', endpoint });
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, 'user-agent': this.#ua, accept: 'application/json' };
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload) headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    let retryAfter: number | null;
    try {
      ({ status, text, retryAfterMs: retryAfter } = await this.#http.send({
        method,
        url,
        headers,
        body: payload,
        signal,
        idempotent,
        expectJson: true,
        onStatus: (s) => {
          if (s === 429) this.#bucket.drain();
        },
      }));
    } catch (err) {
      if (err instanceof HttpFailure) {
        if (err.deadline) throw this.#error(`${endpoint} on ${this.#origin} ${err.message}`, { kind: 'timeout', endpoint });
        throw this.#error(`${endpoint} on ${this.#origin} failed: ${err.message}`, { kind: err.kind, endpoint, cause: scrubbedCause(err.cause, [this.#token]) });
      }
      if (signal?.aborted) throw err;
      throw this.#error(`${endpoint} failed unexpectedly`, { kind: 'network', endpoint, cause: scrubbedCause(err, [this.#token]) });
    }
    let json: unknown;
    try {
      // The way in: every upstream string is made safe before anything else sees it.
      json = cleanUpstream(JSON.parse(text));
    } catch {
      json = undefined;
    }
    const env = Envelope.safeParse(json);
    if (status >= 200 && status < 300) {
      if (!env.success) throw this.#malformed(endpoint, env.error, status);
      if (env.data.success) return env.data.result;
    }
    const errors = env.success ? env.data.errors.map((e) => ({ code: e.code, message: e.message })) : [];
    throw this.#httpError(status, errors, endpoint, retryAfter);
  }

  #httpError(status: number, errors: { code: number; message: string }[], endpoint: string, retryAfterMs: number | null): CloudflareApiError {
    const detail = errors.map((e) => `${e.message} (code ${e.code})`).join('; ');
    const suffix = detail ? `: ${detail}` : '';
    if (status === 401 || status === 403 || errors.some((e) => e.code === 10000 || e.code === 9109)) {
      return this.#error(`Cloudflare rejected the API token (${status})${suffix} — set CLOUDFLARE_API_TOKEN to a token with Zone → Cache Purge on this zone`, { kind: 'auth', status, endpoint, errors });
    }
    if (status === 429) {
      const s = retryAfterMs == null ? null : Math.ceil(retryAfterMs / 1000);
      return this.#error(`Cloudflare is rate limiting purges (429)${s != null ? `: retry after ${s} s` : ''}${suffix}`, { kind: 'rate-limit', status, endpoint, errors });
    }
    if (status === 404) return this.#error(`not found: ${endpoint} (404)${suffix}`, { kind: 'not-found', status, endpoint, errors });
    if (status >= 500) return this.#error(`Cloudflare failed on ${endpoint} (${status})${suffix}; try again later`, { kind: 'server', status, endpoint, errors });
    return this.#error(`Cloudflare refused ${endpoint} (${status})${suffix || ': success false without errors'}`, { kind: 'validation', status, endpoint, errors });
  }

  #malformed(endpoint: string, err: z.ZodError, status?: number): CloudflareApiError {
    const i = err.issues[0];
    const where = i?.path.length ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.') : '(body)';
    return this.#error(`${endpoint} returned an unexpected response: field ${where}: ${i?.message ?? 'invalid'}`, { kind: 'malformed', status, endpoint });
  }

  #error(message: string, init: ConstructorParameters<typeof CloudflareApiError>[1]): CloudflareApiError {
    const errors = init.errors?.map((e) => ({ code: e.code, message: scrubSecrets(e.message, [this.#token]) }));
    const err = new CloudflareApiError(scrubSecrets(sanitize(message), [this.#token]), { ...init, errors });
    if (err.stack) err.stack = scrubSecrets(err.stack, [this.#token]);
    return err;
  }
}

function dedupe(items: PurgeFile[]): PurgeFile[] {
  const seen = new Set<string>();
  const out: PurgeFile[] = [];
  for (const it of items) {
    const k = typeof it === 'string' ? it : JSON.stringify(it);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(it);
  }
  return out;
}

function strip<T extends object>(o: T | undefined): Partial<T> {
  return o ? (Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>) : {};
}
