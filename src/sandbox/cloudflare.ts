// Cloudflare API v4 emulation: zones lookup and cache purge with per-plan token buckets.
import type { Ctx } from './http.js';
import { bodySchemas, sendJson } from './http.js';
import type { CfPlan, SandboxState, ZoneRec } from './model.js';
import { randomHex } from './rng.js';
import { iso } from './engine.js';

/** Purge rate limits (real seconds, not scaled by speed): refill tokens/s and bucket size. */
export const CF_PLAN_LIMITS: Record<CfPlan, { perSecond: number; bucket: number; maxItems: number }> = {
  free: { perSecond: 5 / 60, bucket: 25, maxItems: 100 },
  pro: { perSecond: 5, bucket: 25, maxItems: 100 },
  business: { perSecond: 10, bucket: 50, maxItems: 100 },
  enterprise: { perSecond: 50, bucket: 500, maxItems: 500 },
};

const KINDS = ['purge_everything', 'files', 'tags', 'hosts', 'prefixes'] as const;

function envelope(result: unknown, extra: Record<string, unknown> = {}) {
  return { success: true, errors: [], messages: [], result, ...extra };
}
function fail(ctx: Ctx, status: number, code: number, message: string, headers: Record<string, string> = {}) {
  sendJson(ctx, status, { success: false, errors: [{ code, message }], messages: [], result: null }, headers);
}

function zoneJson(z0: ZoneRec) {
  return {
    id: z0.id, name: z0.name, status: z0.status, paused: false, type: 'full',
    plan: { id: z0.plan, name: `${z0.plan[0].toUpperCase()}${z0.plan.slice(1)} Website`, legacy_id: z0.plan },
    created_on: z0.created_on, modified_on: z0.created_on,
  };
}

export class CloudflareApi {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private state: () => SandboxState, public token: string, private planOverride?: CfPlan, private onChange: () => void = () => {}) {}

  private plan(z0: ZoneRec): CfPlan { return this.planOverride ?? z0.plan; }

  /** Take one token; returns seconds to wait when empty. */
  private take(z0: ZoneRec): number {
    const lim = CF_PLAN_LIMITS[this.plan(z0)];
    const now = Date.now();
    const b = this.buckets.get(z0.id) ?? { tokens: lim.bucket, at: now };
    b.tokens = Math.min(lim.bucket, b.tokens + ((now - b.at) / 1000) * lim.perSecond);
    b.at = now;
    this.buckets.set(z0.id, b);
    if (b.tokens >= 1) { b.tokens -= 1; return 0; }
    return Math.max(1, Math.ceil((1 - b.tokens) / lim.perSecond));
  }

  /** Returns false when the path is not a Cloudflare path. */
  handle(ctx: Ctx): boolean {
    const p = ctx.url.pathname.replace(/\/+$/, '');
    if (!p.startsWith('/client/v4')) return false;
    const auth = ctx.req.headers.authorization;
    if (!auth || !/^Bearer\s+\S+/.test(auth)) { fail(ctx, 400, 6003, 'Invalid request headers'); return true; }
    if (auth.replace(/^Bearer\s+/, '').trim() !== this.token) { fail(ctx, 403, 10000, 'Authentication error'); return true; }
    const s = this.state();
    let m: RegExpExecArray | null;
    if (p === '/client/v4/user/tokens/verify' && ctx.method === 'GET') {
      sendJson(ctx, 200, envelope({ id: 'sandbox-token', status: 'active' }, { messages: [{ code: 10000, message: 'This API Token is valid and active', type: null }] }));
      return true;
    }
    if (p === '/client/v4/zones' && ctx.method === 'GET') {
      const name = ctx.url.searchParams.get('name');
      const zones = s.zones.filter((z0) => !name || z0.name === name).map(zoneJson);
      sendJson(ctx, 200, envelope(zones, { result_info: { page: 1, per_page: 20, count: zones.length, total_count: zones.length, total_pages: 1 } }));
      return true;
    }
    if ((m = /^\/client\/v4\/zones\/([^/]+)$/.exec(p)) && ctx.method === 'GET') {
      const z0 = s.zones.find((x) => x.id === m![1]);
      if (!z0) fail(ctx, 404, 7003, `Could not route to /zones/${m[1]}, perhaps your object identifier is invalid?`);
      else sendJson(ctx, 200, envelope(zoneJson(z0)));
      return true;
    }
    if ((m = /^\/client\/v4\/zones\/([^/]+)\/purge_cache$/.exec(p))) {
      if (ctx.method !== 'POST') { fail(ctx, 405, 10405, `Method ${ctx.method} not allowed`); return true; }
      const z0 = s.zones.find((x) => x.id === m![1]);
      if (!z0) { fail(ctx, 404, 7003, `Could not route to /zones/${m[1]}, perhaps your object identifier is invalid?`); return true; }
      const wait = this.take(z0);
      const record = (status: number, accepted: boolean) => {
        s.purges.push({ id: randomHex(16), zone: z0.id, at: iso(Date.now()), body: ctx.body, accepted, status });
        if (s.purges.length > 5000) s.purges.splice(0, s.purges.length - 5000);
        this.onChange();
      };
      if (wait > 0) {
        record(429, false);
        fail(ctx, 429, 971, 'Please wait and consider throttling your request speed', { 'retry-after': String(wait) });
        return true;
      }
      const err = this.validate(ctx.body, this.plan(z0));
      if (err) { record(400, false); fail(ctx, 400, err.code, err.message); return true; }
      record(200, true);
      sendJson(ctx, 200, envelope({ id: randomHex(16) }));
      return true;
    }
    fail(ctx, 404, 7000, 'No route for that URI');
    return true;
  }

  private validate(body: unknown, plan: CfPlan): { code: number; message: string } | null {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return { code: 1012, message: 'Request must be a JSON object with one of "purge_everything", "files", "tags", "hosts" or "prefixes"' };
    const b = body as Record<string, unknown>;
    const present = KINDS.filter((k) => b[k] !== undefined);
    const unknown = Object.keys(b).filter((k) => !(KINDS as readonly string[]).includes(k));
    if (unknown.length) return { code: 1012, message: `Unknown field(s): ${unknown.join(', ')}` };
    if (present.length === 0) return { code: 1012, message: 'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"' };
    if (present.length > 1) return { code: 1013, message: `Only one purge type may be given per request (got ${present.join(', ')})` };
    const kind = present[0];
    if (kind === 'purge_everything') return b.purge_everything === true ? null : { code: 1012, message: '"purge_everything" must be true' };
    const items = b[kind];
    if (!Array.isArray(items) || items.length === 0) return { code: 1012, message: `"${kind}" must be a non-empty array` };
    const max = kind === 'files' ? CF_PLAN_LIMITS[plan].maxItems : 100;
    if (items.length > max) return { code: 1015, message: `Too many ${kind}: at most ${max} per request (got ${items.length})` };
    const { fileItem, hostItem, prefixItem, tagItem } = bodySchemas();
    const schema = kind === 'files' ? fileItem : kind === 'hosts' ? hostItem : kind === 'prefixes' ? prefixItem : tagItem;
    for (let i = 0; i < items.length; i++) {
      const r = schema.safeParse(items[i]);
      if (!r.success) return { code: 1016, message: `${kind}[${i}]: ${r.error.issues[0]?.message ?? 'invalid'}` };
    }
    return null;
  }
}
