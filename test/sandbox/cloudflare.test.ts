// The Cloudflare API v4 of the sandbox: zones lookup, purge validation, per-plan token buckets.
import { afterEach, describe, expect, it } from 'vitest';
import { SCENARIO, type Sandbox } from '../../src/sandbox/index.js';
import { start } from './helpers.js';

let sb: Sandbox | null = null;
afterEach(async () => { await sb?.close(); sb = null; });

async function cf(s: Sandbox, method: string, path: string, body?: unknown, token = s.cloudflareToken) {
  const r = await fetch(`${s.cloudflareUrl}/client/v4${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, headers: r.headers, body: (await r.json()) as any };
}
async function zoneId(s: Sandbox) {
  const r = await cf(s, 'GET', `/zones?name=${SCENARIO.customerZoneName}`);
  return r.body.result[0].id as string;
}

describe('Cloudflare API', () => {
  it('zones?name= returns the customer zone in the envelope; unknown name → empty result', async () => {
    sb = await start();
    const r = await cf(sb, 'GET', `/zones?name=${SCENARIO.customerZoneName}`);
    expect(r.status).toBe(200);
    expect(r.body.success).toBe(true);
    expect(r.body.errors).toEqual([]);
    expect(r.body.result).toHaveLength(1);
    expect(r.body.result[0]).toMatchObject({ name: SCENARIO.customerZoneName });
    const domain = sb.state.domains.find((d) => d.domain === SCENARIO.customerZoneName)!;
    expect(r.body.result[0].id).toBe(domain.cloudflare_zone);
    expect((await cf(sb, 'GET', '/zones?name=example.org')).body.result).toEqual([]);
  });

  it('needs the Bearer token', async () => {
    sb = await start();
    const bad = await cf(sb, 'GET', '/zones', undefined, 'not-the-token');
    expect(bad.status).toBe(403);
    expect(bad.body.success).toBe(false);
    expect(bad.body.errors[0].code).toBe(10000);
    const r = await fetch(`${sb.cloudflareUrl}/client/v4/zones`, { headers: { authorization: `Token ${sb.token}` } });
    expect(r.status).toBe(400);
  });

  it('purge: exactly one kind, at most 100 items, valid items; accepted purges are recorded', async () => {
    sb = await start();
    const id = await zoneId(sb);
    const ok = await cf(sb, 'POST', `/zones/${id}/purge_cache`, { files: ['https://nordwind-shop.com/a.css', { url: 'https://nordwind-shop.com/b.js', headers: { Origin: 'https://x' } }] });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ success: true, errors: [], result: { id: expect.any(String) } });
    const two = await cf(sb, 'POST', `/zones/${id}/purge_cache`, { purge_everything: true, files: ['https://nordwind-shop.com/'] });
    expect(two.status).toBe(400);
    expect(two.body.success).toBe(false);
    expect(two.body.errors[0].code).toBeGreaterThanOrEqual(1000);
    expect(two.body.errors[0].code).toBeLessThan(2000);
    expect(two.body.result).toBeNull();
    const none = await cf(sb, 'POST', `/zones/${id}/purge_cache`, {});
    expect(none.status).toBe(400);
    const files = Array.from({ length: 101 }, (_, i) => `https://nordwind-shop.com/p/${i}`);
    const many = await cf(sb, 'POST', `/zones/${id}/purge_cache`, { files });
    expect(many.status).toBe(400);
    expect(many.body.errors[0].message).toMatch(/at most 100/);
    expect((await cf(sb, 'POST', `/zones/${id}/purge_cache`, { files: files.slice(0, 100) })).status).toBe(200);
    const scheme = await cf(sb, 'POST', `/zones/${id}/purge_cache`, { prefixes: ['https://nordwind-shop.com/static/'] });
    expect(scheme.status).toBe(400);
    expect(scheme.body.errors[0].message).toMatch(/scheme/);
    expect((await cf(sb, 'POST', `/zones/${id}/purge_cache`, { prefixes: ['nordwind-shop.com/static/'] })).status).toBe(200);
    expect((await cf(sb, 'POST', `/zones/${id}/purge_cache`, { purge_everything: false })).status).toBe(400);
    expect((await cf(sb, 'POST', '/zones/0000/purge_cache', { purge_everything: true })).status).toBe(404);
    const accepted = sb.purges().filter((p) => p.accepted);
    expect(accepted.map((p) => Object.keys(p.body as object)[0])).toEqual(['files', 'files', 'prefixes']);
    expect(sb.purges().filter((p) => !p.accepted).length).toBe(5); // the unknown zone is not one of ours
  });

  it('bucket exhaustion (pro: bucket 25) → 429 with retry-after and the error envelope', async () => {
    sb = await start({ cloudflarePlan: 'pro' });
    const id = await zoneId(sb);
    // concurrent, so that refill (5/s, real time) cannot keep up even on a slow machine
    const results = await Promise.all(Array.from({ length: 40 }, () => cf(sb!, 'POST', `/zones/${id}/purge_cache`, { hosts: ['nordwind-shop.com'] })));
    const limited = results.filter((r) => r.status === 429);
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(25);
    expect(limited.length).toBeGreaterThan(0);
    expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited[0].body).toMatchObject({ success: false, result: null });
    expect(limited[0].body.errors[0].code).toBe(971);
  });

  it('free plan refills slowly: after the burst, retry-after is about 12 s', async () => {
    sb = await start({ cloudflarePlan: 'free' });
    const id = await zoneId(sb);
    let r;
    for (let i = 0; i < 26; i++) r = await cf(sb, 'POST', `/zones/${id}/purge_cache`, { tags: ['t'] });
    expect(r!.status).toBe(429);
    expect(Number(r!.headers.get('retry-after'))).toBeGreaterThanOrEqual(10);
  });

  it('can run on its own port', async () => {
    sb = await start({ cloudflarePort: 0 });
    expect(sb.cloudflareUrl).not.toBe(sb.divioUrl);
    expect((await cf(sb, 'GET', `/zones?name=${SCENARIO.customerZoneName}`)).body.result).toHaveLength(1);
    expect((await fetch(`${sb.cloudflareUrl}/apps/v3/applications/`, { headers: { authorization: `Token ${sb.token}` } })).status).toBe(404);
  });
});
