// Tiny HTTP helpers for the sandbox (node:http only): JSON responses, DRF-shaped errors, paging.
import type { IncomingMessage, ServerResponse } from 'node:http';

type BodySchemas = typeof import('./schemas.js');
let schemasLoaded: BodySchemas | null = null;
let schemasLoading: Promise<BodySchemas> | null = null;
/**
 * Loads the request bodies' zod schemas (schemas.ts) once: the server awaits it with the body of each
 * request that has one, so the sandbox's start (which has none) does not load zod (issue 16).
 */
export function loadBodySchemas(): Promise<BodySchemas> {
  return (schemasLoading ??= import('./schemas.js').then((m) => (schemasLoaded = m)));
}
/** The request bodies' schemas, for a handler of a request whose body was read (see loadBodySchemas). */
export function bodySchemas(): BodySchemas {
  if (!schemasLoaded) throw new Error('the request body schemas are not loaded yet (loadBodySchemas)');
  return schemasLoaded;
}

/** An error that becomes a Django REST Framework shaped response. */
export class DrfError extends Error {
  constructor(public readonly status: number, public readonly body: unknown, public readonly headers: Record<string, string> = {}) {
    super(typeof body === 'object' && body && 'detail' in body ? String((body as { detail: unknown }).detail) : `HTTP ${status}`);
  }
}
export const notFound = () => new DrfError(404, { detail: 'Not found.' });
export const badRequest = (field: string, msg: string) => new DrfError(400, { [field]: [msg] });
export const nonField = (msg: string) => new DrfError(400, { non_field_errors: [msg] });

export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  /** Absolute base, from the Host header as DRF's build_absolute_uri does. */
  base: string;
  params: Record<string, string>;
  body: unknown;
  /** Set by the fault layer: corrupt the JSON of this response. */
  malformed?: boolean;
}

export function sendJson(ctx: Ctx, status: number, body: unknown, headers: Record<string, string> = {}): void {
  let text = JSON.stringify(body);
  if (ctx.malformed) text = text.slice(0, Math.max(1, Math.floor(text.length / 2))) + '\u0000<html>';
  if (ctx.res.headersSent) return;
  ctx.res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  ctx.res.end(text);
}

export async function readBody(req: IncomingMessage, limit = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > limit) throw new DrfError(413, { detail: 'Request body too large.' });
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new DrfError(400, { detail: `JSON parse error - ${(e as Error).message}` });
  }
}

/** DRF PageNumberPagination with absolute next/previous URLs. */
export function paginate<T>(ctx: Ctx, items: T[], defaultSize = 20, maxSize = 100): { count: number; next: string | null; previous: string | null; results: T[] } {
  const q = ctx.url.searchParams;
  let size = defaultSize;
  const ps = q.get('page_size');
  if (ps !== null) {
    const n = Number(ps);
    if (Number.isInteger(n) && n > 0) size = Math.min(n, maxSize);
  }
  const pq = q.get('page');
  let page = 1;
  if (pq !== null) {
    const n = pq === 'last' ? Math.max(1, Math.ceil(items.length / size)) : Number(pq);
    if (!Number.isInteger(n) || n < 1) throw new DrfError(404, { detail: 'Invalid page.' });
    page = n;
  }
  const pages = Math.max(1, Math.ceil(items.length / size));
  if (page > pages) throw new DrfError(404, { detail: 'Invalid page.' });
  const link = (p: number | null) => {
    if (p === null) return null;
    const u = new URL(ctx.url.pathname + ctx.url.search, ctx.base);
    if (p === 1) u.searchParams.delete('page');
    else u.searchParams.set('page', String(p));
    return u.toString();
  };
  return {
    count: items.length,
    next: link(page < pages ? page + 1 : null),
    previous: link(page > 1 ? page - 1 : null),
    results: items.slice((page - 1) * size, page * size),
  };
}

/** Convert a zod error into DRF's `{field: [msg]}` shape. */
export function zodToDrf(issues: readonly { path: readonly PropertyKey[]; message: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of issues) {
    const key = i.path.length ? String(i.path[0]) : 'non_field_errors';
    (out[key] ??= []).push(i.message);
  }
  return out;
}
