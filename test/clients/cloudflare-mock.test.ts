// Cloudflare client edge cases with undici's MockAgent: validation before sending, splitting,
// pacing by the plan's token bucket, 429 retry-after, the error envelope, the token never shown.
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CloudflareApiError, CloudflareClient, validatePurge } from '../../src/cloudflare/index.js';

const CF = 'https://api.cloudflare.com';
const TOKEN = 'cf_SECRET_token_123456';
const ok = (id: string) => ({ success: true, errors: [], messages: [], result: { id } });
const json = { 'content-type': 'application/json' };

let agent: MockAgent;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
});
afterEach(async () => {
  vi.useRealTimers();
  await agent.close();
});

function recordPurges(zone = 'z1'): Array<{ body: Record<string, unknown>; auth: string | undefined }> {
  const seen: Array<{ body: Record<string, unknown>; auth: string | undefined }> = [];
  agent
    .get(CF)
    .intercept({ path: `/client/v4/zones/${zone}/purge_cache`, method: 'POST' })
    .reply((o) => {
      const h = o.headers as Record<string, string>;
      seen.push({ body: JSON.parse(String(o.body)), auth: h.authorization ?? h.Authorization });
      return { statusCode: 200, data: ok(`p${seen.length}`), responseOptions: { headers: json } };
    })
    .persist();
  return seen;
}

async function caught(p: Promise<unknown>): Promise<CloudflareApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(CloudflareApiError);
    return err as CloudflareApiError;
  }
  throw new Error('expected a rejection');
}

describe('validatePurge', () => {
  it('accepts each kind alone', () => {
    expect(validatePurge({ everything: true })).toEqual([]);
    expect(validatePurge({ files: ['https://example.com/a.css', { url: 'http://example.com/b', headers: { Origin: 'x' } }] })).toEqual([]);
    expect(validatePurge({ prefixes: ['www.example.com/static/'] })).toEqual([]);
    expect(validatePurge({ hosts: ['www.example.com'] })).toEqual([]);
    expect(validatePurge({ tags: ['product-1'] })).toEqual([]);
  });
  it('refuses two kinds, none, empty lists, relative files, schemes/queries in prefixes, bad hosts', () => {
    expect(validatePurge({ files: ['https://a.com/x'], tags: ['t'] })[0]).toMatch(/exactly one kind, got files \+ tags/);
    expect(validatePurge({})[0]).toMatch(/nothing to purge/);
    expect(validatePurge({ files: [] })[0]).toMatch(/empty/);
    expect(validatePurge({ files: ['/static/a.css'] })[0]).toMatch(/files\[0\].*not an absolute http\(s\) URL/);
    expect(validatePurge({ prefixes: ['https://example.com/a/'] })[0]).toMatch(/scheme/);
    expect(validatePurge({ prefixes: ['example.com/a?b=1'] })[0]).toMatch(/query/);
    expect(validatePurge({ hosts: ['https://example.com'] })[0]).toMatch(/bare host/);
    expect(validatePurge({ everything: false })[0]).toMatch(/must be true/);
    expect(validatePurge(null)[0]).toMatch(/must be an object/);
  });
});

describe('purge', () => {
  it('an invalid request sends nothing', async () => {
    const seen = recordPurges();
    const c = new CloudflareClient({ token: TOKEN, plan: 'pro', dispatcher: agent });
    const err = await caught(c.purge('z1', { files: ['https://a.com/x'], hosts: ['a.com'] } as never));
    expect(err.kind).toBe('validation');
    expect(seen).toHaveLength(0);
  });

  it('250 URLs go out as 3 requests of 100, 100, 50 with the Bearer token; progress is reported', async () => {
    const seen = recordPurges();
    const c = new CloudflareClient({ token: TOKEN, plan: 'free', dispatcher: agent });
    const files = Array.from({ length: 250 }, (_, i) => `https://www.example.com/p/${i}`);
    const progress: number[] = [];
    const r = await c.purge('z1', { files }, { onProgress: (s) => progress.push(s) });
    expect(r).toEqual({ requests: 3, ids: ['p1', 'p2', 'p3'] });
    expect(seen.map((s) => (s.body.files as string[]).length)).toEqual([100, 100, 50]);
    expect(seen.flatMap((s) => s.body.files as string[])).toEqual(files);
    expect(seen.every((s) => s.auth === `Bearer ${TOKEN}`)).toBe(true);
    expect(progress).toEqual([100, 200, 250]);
  });

  it('Enterprise sends up to 500 URLs per request', async () => {
    const seen = recordPurges();
    const c = new CloudflareClient({ token: TOKEN, plan: 'enterprise', dispatcher: agent });
    await c.purge('z1', { files: Array.from({ length: 600 }, (_, i) => `https://e.com/${i}`) });
    expect(seen.map((s) => (s.body.files as string[]).length)).toEqual([500, 100]);
  });

  it('purge everything is one request with purge_everything', async () => {
    const seen = recordPurges();
    const c = new CloudflareClient({ token: TOKEN, dispatcher: agent });
    await c.purge('z1', { everything: true });
    expect(seen.map((s) => s.body)).toEqual([{ purge_everything: true }]);
  });

  it('paces by the free plan bucket: 25 at once, then one per 12 s ', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const seen = recordPurges();
    const c = new CloudflareClient({ token: TOKEN, plan: 'free', dispatcher: agent });
    const tags = Array.from({ length: 2700 }, (_, i) => `tag-${i}`); // 27 requests
    const p = c.purge('z1', { tags });
    await vi.advanceTimersByTimeAsync(100);
    expect(seen).toHaveLength(25);
    await vi.advanceTimersByTimeAsync(11_800); // t = 11.9 s
    expect(seen).toHaveLength(25);
    await vi.advanceTimersByTimeAsync(300); // t = 12.2 s: one token (12 s) plus a 50 ms margin
    expect(seen).toHaveLength(26);
    await vi.advanceTimersByTimeAsync(11_600); // t = 23.8 s
    expect(seen).toHaveLength(26);
    await vi.advanceTimersByTimeAsync(600); // t = 24.4 s
    await expect(p).resolves.toMatchObject({ requests: 27 });
    expect(c.bucketState()).toMatchObject({ plan: 'free', capacity: 25 });
  });

  it('a 429 is retried after retry-after', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let calls = 0;
    agent
      .get(CF)
      .intercept({ path: '/client/v4/zones/z1/purge_cache', method: 'POST' })
      .reply(() => {
        calls++;
        return calls === 1
          ? { statusCode: 429, data: { success: false, errors: [{ code: 971, message: 'Please wait and consider throttling your request speed' }] }, responseOptions: { headers: { ...json, 'retry-after': '4' } } }
          : { statusCode: 200, data: ok('after'), responseOptions: { headers: json } };
      })
      .times(2);
    const c = new CloudflareClient({ token: TOKEN, plan: 'business', dispatcher: agent });
    const p = c.purge('z1', { hosts: ['www.example.com'] });
    await vi.advanceTimersByTimeAsync(3900);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(200);
    await expect(p).resolves.toEqual({ requests: 1, ids: ['after'] });
  });

  it('maps the error envelope and never shows the token', async () => {
    const pool = agent.get(CF);
    pool.intercept({ path: '/client/v4/zones/z1/purge_cache', method: 'POST' }).reply(403, { success: false, errors: [{ code: 10000, message: `Authentication error for ${TOKEN}` }], messages: [], result: null }, { headers: json });
    pool.intercept({ path: '/client/v4/zones/z2/purge_cache', method: 'POST' }).reply(400, { success: false, errors: [{ code: 1012, message: 'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"' }], messages: [], result: null }, { headers: json });
    pool.intercept({ path: '/client/v4/zones/z3/purge_cache', method: 'POST' }).replyWithError(Object.assign(new Error(`bad Bearer ${TOKEN}`), { code: 'EPROTO' })).times(4);
    const c = new CloudflareClient({ token: TOKEN, dispatcher: agent, retry: { baseDelayMs: 1 } });
    const auth = await caught(c.purge('z1', { everything: true }));
    expect(auth.kind).toBe('auth');
    expect(auth.code).toBe(10000);
    expect(auth.message).toMatch(/CLOUDFLARE_API_TOKEN/);
    const bad = await caught(c.purge('z2', { everything: true }));
    expect(bad.kind).toBe('validation');
    expect(bad.errors[0].code).toBe(1012);
    expect(bad.message).toContain('code 1012');
    const net = await caught(c.purge('z3', { everything: true }));
    expect(net.kind).toBe('network');
    for (const e of [auth, bad, net]) {
      const cause = (e as Error & { cause?: Error }).cause;
      for (const t of [String(e), e.message, e.stack ?? '', JSON.stringify(e), String(cause ?? ''), cause?.stack ?? '']) expect(t).not.toContain(TOKEN);
    }
  });
});

describe('zoneByName', () => {
  it('finds the zone id; an unknown name is a clear not-found', async () => {
    const pool = agent.get(CF);
    pool.intercept({ path: '/client/v4/zones?name=example.com' }).reply(200, { success: true, errors: [], messages: [], result: [{ id: 'zid1', name: 'example.com', status: 'active' }] }, { headers: json });
    pool.intercept({ path: '/client/v4/zones?name=nope.com' }).reply(200, { success: true, errors: [], messages: [], result: [] }, { headers: json });
    const c = new CloudflareClient({ token: TOKEN, dispatcher: agent });
    await expect(c.zoneByName('example.com')).resolves.toMatchObject({ id: 'zid1' });
    const err = await caught(c.zoneByName('nope.com'));
    expect(err.kind).toBe('not-found');
    expect(err.message).toContain('"nope.com"');
  });
  it('a malformed envelope names the field', async () => {
    agent.get(CF).intercept({ path: '/client/v4/zones?name=x.com' }).reply(200, { success: true, result: [{ name: 'x.com' }] }, { headers: json });
    const c = new CloudflareClient({ token: TOKEN, dispatcher: agent });
    const err = await caught(c.zoneByName('x.com'));
    expect(err.kind).toBe('malformed');
    expect(err.message).toMatch(/field \[0\]\.id/);
  });
});
