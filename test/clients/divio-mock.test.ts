// Edge cases of the Divio client that a real server cannot easily show, with undici's MockAgent.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { collect, DivioApiError, DivioClient, deploy, fetchDownload, followRuntimeLogs, runtimeLogHistory } from '../../src/divio/index.js';

const BASE = 'https://api.divio.com';
const TOKEN = 'tok_SECRET_9f8e7d6c5b4a';

let agent: MockAgent;
let client: DivioClient;

function make(extra: Partial<ConstructorParameters<typeof DivioClient>[0]> = {}): DivioClient {
  return new DivioClient({ baseUrl: BASE, token: TOKEN, dispatcher: agent, random: () => 0, ...extra });
}

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  client = make();
});
afterEach(async () => {
  vi.useRealTimers();
  await client.close();
  await agent.close();
});

const json = { 'content-type': 'application/json' };
const dep = (over: Record<string, unknown> = {}) => ({
  uuid: 'd1',
  environment: 'e1',
  started_at: '2026-01-01T00:00:00Z',
  ended_at: null,
  status: 'running',
  percent: 10,
  success: null,
  ...over,
});

async function caught(p: Promise<unknown>): Promise<DivioApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DivioApiError);
    return err as DivioApiError;
  }
  throw new Error('expected a rejection');
}

function expectNoToken(err: unknown, token = TOKEN): void {
  const e = err as Error & { cause?: Error };
  for (const text of [String(e), e.message, e.stack ?? '', JSON.stringify(e), String(e.cause ?? ''), e.cause?.stack ?? '', JSON.stringify(e.cause ?? null)]) {
    expect(text).not.toContain(token);
  }
}

describe('what goes on the wire', () => {
  it('sends `Authorization: Token …` (not Bearer), the User-Agent, and JSON bodies', async () => {
    let h: Record<string, string> = {};
    let body = '';
    agent
      .get(BASE)
      .intercept({ path: '/apps/v3/deployments/', method: 'POST' })
      .reply((o) => {
        h = Object.fromEntries(Object.entries(o.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
        body = String(o.body);
        return { statusCode: 201, data: { uuid: 'd1' }, responseOptions: { headers: json } };
      });
    await expect(client.createDeployment('e1', 'FORCE')).resolves.toMatchObject({ uuid: 'd1' });
    expect(h.authorization).toBe(`Token ${TOKEN}`);
    expect(h['user-agent']).toBe('divio-tui/0.1.0');
    expect(h['content-type']).toBe('application/json');
    expect(JSON.parse(body)).toEqual({ environment: 'e1', build_mode: 'FORCE' });
  });

  it('the client object does not reveal its token when logged or serialised', async () => {
    const { inspect } = await import('node:util');
    expect(inspect(client, { depth: 5 })).not.toContain(TOKEN);
    expect(JSON.stringify(client)).not.toContain(TOKEN);
  });
});

describe('retries', () => {
  it('honours Retry-After seconds on 429: no retry before the delay, one right after', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    let calls = 0;
    agent
      .get(BASE)
      .intercept({ path: '/iam/v3/me/' })
      .reply<object>(() => {
        calls++;
        return calls === 1
          ? { statusCode: 429, data: { detail: 'slow down' }, responseOptions: { headers: { ...json, 'retry-after': '3' } } }
          : { statusCode: 200, data: { uuid: 'u1', email: 'sre@example.com' }, responseOptions: { headers: json } };
      })
      .times(2);
    let done = false;
    const p = client.me().then((m) => {
      done = true;
      return m;
    });
    await vi.advanceTimersByTimeAsync(2900);
    expect(calls).toBe(1);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls).toBe(2);
    await expect(p).resolves.toMatchObject({ email: 'sre@example.com' });
    expect(client.stats()).toEqual({ requests: 2, retries: 1 });
  });

  it('honours Retry-After given as an HTTP-date', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(new Date('2026-03-01T12:00:00Z'));
    let calls = 0;
    agent
      .get(BASE)
      .intercept({ path: '/iam/v3/me/' })
      .reply(() => {
        calls++;
        return calls === 1
          ? { statusCode: 429, data: '', responseOptions: { headers: { 'retry-after': 'Sun, 01 Mar 2026 12:00:05 GMT' } } }
          : { statusCode: 200, data: { uuid: 'u1', email: 'a@b.c' }, responseOptions: { headers: json } };
      })
      .times(2);
    const p = client.me();
    await vi.advanceTimersByTimeAsync(4500);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(2);
    await expect(p).resolves.toMatchObject({ uuid: 'u1' });
  });

  it('a GET answered 503 is retried and then succeeds', async () => {
    const pool = agent.get(BASE);
    pool.intercept({ path: '/apps/v3/deployments/d1/' }).reply(503, 'unavailable');
    pool.intercept({ path: '/apps/v3/deployments/d1/' }).reply(502, 'bad gateway');
    pool.intercept({ path: '/apps/v3/deployments/d1/' }).reply(200, dep({ percent: 40 }), { headers: json });
    await expect(client.deployment('d1')).resolves.toMatchObject({ percent: 40 });
    expect(client.stats()).toEqual({ requests: 3, retries: 2 });
  });

  it('a GET whose connection is reset is retried', async () => {
    const pool = agent.get(BASE);
    pool.intercept({ path: '/iam/v3/me/' }).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    pool.intercept({ path: '/iam/v3/me/' }).reply(200, { uuid: 'u', email: 'e@x.y' }, { headers: json });
    await expect(client.me()).resolves.toMatchObject({ email: 'e@x.y' });
  });

  it('gives up after maxAttempts with a server error a person can read', async () => {
    agent.get(BASE).intercept({ path: '/iam/v3/me/' }).reply(503, 'no').times(4);
    const err = await caught(client.me());
    expect(err.kind).toBe('server');
    expect(err.status).toBe(503);
    expect(err.message).toContain('GET /iam/v3/me/');
    expect(client.stats().requests).toBe(4);
  });

  it('a POST answered 503 is NOT retried', async () => {
    let posts = 0;
    agent
      .get(BASE)
      .intercept({ path: '/apps/v3/deployments/', method: 'POST' })
      .reply(() => {
        posts++;
        return { statusCode: 503, data: 'unavailable' };
      })
      .persist();
    const err = await caught(client.createDeployment('e1'));
    expect(posts).toBe(1);
    expect(err.kind).toBe('server');
    expect(err.message).toMatch(/may or may not have been applied/);
  });

  it('a POST reset mid-request is NOT retried', async () => {
    let posts = 0;
    agent
      .get(BASE)
      .intercept({ path: '/apps/v3/backups/', method: 'POST' })
      .reply(() => {
        posts++;
        throw Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
      })
      .persist();
    const err = await caught(client.createBackup('e1', ['si1']));
    expect(posts).toBe(1);
    expect(err.kind).toBe('network');
  });

  it('deploy: a POST lost to a 503 re-checks the environment and attaches to the running deployment', async () => {
    const pool = agent.get(BASE);
    const list = (results: unknown[]) => ({ count: results.length, next: null, previous: null, results });
    pool.intercept({ path: (p) => p.startsWith('/apps/v3/deployments/?') }).reply(200, list([dep({ uuid: 'old', ended_at: '2026-01-01T00:01:00Z', success: true })]), { headers: json });
    pool.intercept({ path: '/apps/v3/deployments/', method: 'POST' }).reply(503, 'timeout upstream');
    pool.intercept({ path: (p) => p.startsWith('/apps/v3/deployments/?') }).reply(200, list([dep({ uuid: 'new' })]), { headers: json });
    pool.intercept({ path: '/apps/v3/deployments/new/' }).reply(200, dep({ uuid: 'new', percent: 50 }), { headers: json });
    pool.intercept({ path: '/apps/v3/deployments/new/' }).reply(200, dep({ uuid: 'new', percent: 100, ended_at: '2026-01-01T00:05:00Z', success: true, status: 'success' }), { headers: json });
    const seen: number[] = [];
    const r = await deploy(client, { uuid: 'e1', slug: 'test', application: 'a1' }, { intervalMs: 1, onProgress: (d) => seen.push(d.percent ?? -1) });
    expect(r.attached).toBe(true);
    expect(r.deployment).toMatchObject({ uuid: 'new', success: true });
    expect(seen).toEqual([50, 100]);
  });

  it('deploy: a POST refused because someone else just started one attaches to theirs', async () => {
    const pool = agent.get(BASE);
    const list = (results: unknown[]) => ({ count: results.length, next: null, previous: null, results });
    pool.intercept({ path: (p) => p.startsWith('/apps/v3/deployments/?') }).reply(200, list([]), { headers: json });
    pool.intercept({ path: '/apps/v3/deployments/', method: 'POST' }).reply(400, { non_field_errors: ['A deployment is already in progress for this environment.'] }, { headers: json });
    pool.intercept({ path: (p) => p.startsWith('/apps/v3/deployments/?') }).reply(200, list([dep({ uuid: 'theirs' })]), { headers: json });
    pool.intercept({ path: '/apps/v3/deployments/theirs/' }).reply(200, dep({ uuid: 'theirs', percent: 100, ended_at: '2026-01-01T00:05:00Z', success: false }), { headers: json });
    const r = await deploy(client, { uuid: 'e1', slug: 'test', application: 'a1' }, { intervalMs: 1 });
    expect(r).toMatchObject({ attached: true, deployment: { uuid: 'theirs', success: false } });
  });

  it('deploy: a POST refused for another reason is reported, not retried', async () => {
    const pool = agent.get(BASE);
    let posts = 0;
    pool.intercept({ path: (p) => p.startsWith('/apps/v3/deployments/?') }).reply(200, { count: 0, next: null, results: [] }, { headers: json }).times(2);
    pool.intercept({ path: '/apps/v3/deployments/', method: 'POST' }).reply(() => {
      posts++;
      return { statusCode: 400, data: { environment: ['Environment is archived.'] }, responseOptions: { headers: json } };
    }).persist();
    await expect(deploy(client, { uuid: 'e1', slug: 'test', application: 'a1' }, { intervalMs: 1 })).rejects.toThrow(/environment: Environment is archived\./);
    expect(posts).toBe(1);
  });
});

describe('validation and errors', () => {
  it('a malformed body names the endpoint and the field', async () => {
    agent
      .get(BASE)
      .intercept({ path: '/apps/v3/deployments/d9/' })
      .reply(200, { uuid: 'd9', environment: 'e1', percent: 'lots' }, { headers: json });
    const err = await caught(client.deployment('d9'));
    expect(err.kind).toBe('malformed');
    expect(err.endpoint).toBe('GET /apps/v3/deployments/d9/');
    expect(err.message).toContain('GET /apps/v3/deployments/d9/');
    expect(err.message).toMatch(/field (ended_at|percent)/);
    expect(Object.keys(err.fields)).toEqual(expect.arrayContaining(['ended_at', 'percent']));
  });

  it('a malformed item inside a page names its index', async () => {
    agent
      .get(BASE)
      .intercept({ path: (p) => p.startsWith('/apps/v3/applications/') })
      .reply(200, { count: 2, next: null, previous: null, results: [{ uuid: 'a', slug: 'a', name: 'A', organisation: 'o' }, { uuid: 'b', name: 'B', organisation: 'o' }] }, { headers: json });
    const err = await caught(collect(client.applications()));
    expect(err.message).toContain('results[1].slug');
  });

  it('a body that is not JSON (a proxy error page) is a malformed error, not a crash', async () => {
    agent.get(BASE).intercept({ path: '/iam/v3/me/' }).reply(200, '<html>hello</html>', { headers: { 'content-type': 'text/html' } });
    const err = await caught(client.me());
    expect(err.kind).toBe('malformed');
    expect(err.message).toMatch(/not JSON \(text\/html/);
  });

  it('a truncated JSON body on a GET is tried again; persisting, it is a malformed error', async () => {
    const pool = agent.get(BASE);
    pool.intercept({ path: '/iam/v3/me/' }).reply(200, '{"uuid": "u1", "em', { headers: json });
    pool.intercept({ path: '/iam/v3/me/' }).reply(200, { uuid: 'u1', email: 'ok@x.y' }, { headers: json });
    await expect(client.me()).resolves.toMatchObject({ email: 'ok@x.y' });
    pool.intercept({ path: '/iam/v3/me/' }).reply(200, '{"uuid"', { headers: json }).times(4);
    const err = await caught(client.me());
    expect(err.kind).toBe('malformed');
    expect(err.message).toMatch(/GET \/iam\/v3\/me\/ .*invalid \(truncated\?\) JSON/);
  });

  it('401 tells the person to log in', async () => {
    agent.get(BASE).intercept({ path: '/iam/v3/me/' }).reply(401, { detail: 'Invalid token.' }, { headers: json });
    const err = await caught(client.me());
    expect(err.kind).toBe('auth');
    expect(err.status).toBe(401);
    expect(err.message).toBe('token rejected by https://api.divio.com (401): run `divio login` or set DIVIO_TOKEN');
  });

  it('no token at all: nothing is sent, the error says how to log in', async () => {
    const c = make({ token: null });
    const err = await caught(c.me());
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/divio login.*DIVIO_TOKEN/);
  });

  it('400 carries the DRF field messages', async () => {
    agent
      .get(BASE)
      .intercept({ path: '/apps/v3/backup-restores/', method: 'POST' })
      .reply(400, { backup: ['Backup is not successful.'], non_field_errors: ['Pick at least one service.'] }, { headers: json });
    const err = await caught(client.createRestore('b1', []));
    expect(err.kind).toBe('validation');
    expect(err.fields).toEqual({ backup: ['Backup is not successful.'], non_field_errors: ['Pick at least one service.'] });
    expect(err.message).toContain('backup: Backup is not successful.');
    expect(err.message).toContain('Pick at least one service.');
  });

  it('404 is kind not-found; metrics() turns it into null', async () => {
    const pool = agent.get(BASE);
    pool.intercept({ path: '/apps/v3/applications/nope/' }).reply(404, { detail: 'Not found.' }, { headers: json });
    pool.intercept({ path: '/apps/v3/environments/e1/metrics/' }).reply(404, { detail: 'Not found.' }, { headers: json });
    expect((await caught(client.application('nope'))).kind).toBe('not-found');
    await expect(client.metrics('e1')).resolves.toBeNull();
  });

  it('the token never appears in any error, whatever the failure', async () => {
    const pool = agent.get(BASE);
    // a server that echoes the token back in its error body
    pool.intercept({ path: '/apps/v3/deployments/', method: 'POST' }).reply(400, { environment: [`bad header Token ${TOKEN}`] }, { headers: json });
    pool.intercept({ path: '/iam/v3/me/' }).reply(401, { detail: `Invalid token ${TOKEN}` }, { headers: json });
    pool.intercept({ path: '/apps/v3/backups/b1/' }).reply(200, { weird: TOKEN }, { headers: json });
    // a low-level error whose message carries the token
    pool.intercept({ path: '/apps/v3/backups/b2/' }).replyWithError(Object.assign(new Error(`boom Authorization: Token ${TOKEN}`), { code: 'EPROTO' })).times(4);
    // undici's own "not matched" error lists the request headers, token included
    pool.intercept({ path: '/apps/v3/regions/?page_size=100', headers: { authorization: 'Token other' } }).reply(200, {});
    const errors = [
      await caught(client.createDeployment('e1')),
      await caught(client.me()),
      await caught(client.backup('b1')),
      await caught(client.backup('b2')),
      await caught(collect(client.regions())),
    ];
    for (const e of errors) expectNoToken(e);
    expect(errors[0].fields.environment[0]).toContain('***');
    expect(errors[3].kind).toBe('network');
  });
});

describe('paging', () => {
  it('follows next across 3 pages, in order', async () => {
    const pool = agent.get(BASE);
    const app = (n: number) => ({ uuid: `a${n}`, slug: `app-${n}`, name: `App ${n}`, organisation: 'o1' });
    pool.intercept({ path: '/apps/v3/applications/?page_size=100&organisation=o1' }).reply(200, { count: 7, next: `${BASE}/apps/v3/applications/?organisation=o1&page=2`, previous: null, results: [app(1), app(2), app(3)] }, { headers: json });
    pool.intercept({ path: '/apps/v3/applications/?organisation=o1&page=2' }).reply(200, { count: 7, next: `${BASE}/apps/v3/applications/?organisation=o1&page=3`, previous: `${BASE}/apps/v3/applications/?organisation=o1`, results: [app(4), app(5)] }, { headers: json });
    pool.intercept({ path: '/apps/v3/applications/?organisation=o1&page=3' }).reply(200, { count: 7, next: null, previous: `${BASE}/apps/v3/applications/?organisation=o1&page=2`, results: [app(6), app(7)] }, { headers: json });
    const apps = await collect(client.applications({ organisation: 'o1' }));
    expect(apps.map((a) => a.slug)).toEqual(['app-1', 'app-2', 'app-3', 'app-4', 'app-5', 'app-6', 'app-7']);
  });

  it('refuses a next link to another origin and never sends the token there', async () => {
    let evilCalls = 0;
    agent.get('https://evil.example.com').intercept({ path: () => true }).reply(() => {
      evilCalls++;
      return { statusCode: 200, data: { count: 0, next: null, results: [] } };
    });
    agent
      .get(BASE)
      .intercept({ path: (p) => p.startsWith('/apps/v3/regions/') })
      .reply(200, { count: 2, next: 'https://evil.example.com/apps/v3/regions/?page=2', previous: null, results: [{ uuid: 'r1', name: 'eu' }] }, { headers: json });
    const seen: string[] = [];
    const err = await caught(
      (async () => {
        for await (const r of client.regions()) seen.push(r.name);
      })(),
    );
    expect(seen).toEqual(['eu']);
    expect(err.kind).toBe('malformed');
    expect(err.message).toContain('https://evil.example.com');
    expect(evilCalls).toBe(0);
  });

  it('upgrades an http next link to the same https host (a proxy-made link)', async () => {
    const pool = agent.get(BASE);
    pool.intercept({ path: '/apps/v3/regions/?page_size=100' }).reply(200, { count: 2, next: 'http://api.divio.com/apps/v3/regions/?page=2', results: [{ uuid: 'r1', name: 'eu' }] }, { headers: json });
    pool.intercept({ path: '/apps/v3/regions/?page=2' }).reply(200, { count: 2, next: null, results: [{ uuid: 'r2', name: 'us' }] }, { headers: json });
    expect((await collect(client.regions())).map((r) => r.name)).toEqual(['eu', 'us']);
  });

  it('a next link that loops is an error, not an endless loop', async () => {
    agent
      .get(BASE)
      .intercept({ path: (p) => p.startsWith('/apps/v3/regions/') })
      .reply(200, { count: 2, next: `${BASE}/apps/v3/regions/?page=2`, results: [{ uuid: 'r1', name: 'eu' }] }, { headers: json })
      .persist();
    const err = await caught(collect(client.regions()));
    expect(err.message).toMatch(/loops/);
  });
});

describe('runtime log following', () => {
  it('re-polls at once after data, backs off 1 s ×1.5 up to 5 s after empty pages, resets on data', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const pool = agent.get(BASE);
    const times: number[] = [];
    const line = (n: number) => ({ timestamp: `2026-01-01T00:00:0${n}.000001Z`, service: 'web', message: `line ${n}` });
    const pages: Array<{ results: unknown[] }> = [
      { results: [line(1), line(2)] },
      { results: [line(3)] },
      { results: [] },
      { results: [] },
      { results: [] },
      { results: [] },
      { results: [] },
      { results: [line(4)] },
      { results: [] },
    ];
    let i = 0;
    pool
      .intercept({ path: (p) => p.startsWith('/apps/v3/environments/e1/logs/') })
      .reply(() => {
        times.push(Date.now());
        const k = Math.min(i, pages.length - 1);
        i++;
        return { statusCode: 200, data: { ...pages[k], next: `${BASE}/apps/v3/environments/e1/logs/?cursor=${i}`, previous: null }, responseOptions: { headers: json } };
      })
      .persist();
    const ac = new AbortController();
    const got: string[] = [];
    const run = (async () => {
      for await (const p of followRuntimeLogs(client, 'e1', { signal: ac.signal })) got.push(...p.results.map((r) => r.message));
    })();
    await vi.advanceTimersByTimeAsync(30_000);
    ac.abort();
    await run;
    const t0 = times[0];
    const gaps = times.slice(1, 10).map((t, k) => t - times[k]);
    expect(got).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    // after page 0 and 1 (data): at once; after empty pages: 1000, 1500, 2250, 3375, 5000 (capped); after data: at once; then 1000
    expect(gaps).toEqual([0, 0, 1000, 1500, 2250, 3375, 5000, 0, 1000]);
    expect(t0).toBeGreaterThan(0);
  });
});

describe('runtime log history', () => {
  it('walks previous with from_ts/to_ts and stops where previous points to the page itself (the real API’s end marker)', async () => {
    const pool = agent.get(BASE);
    const L = (m: string) => ({ timestamp: '2026-01-01T10:00:00.000001Z', service: 'web', message: m });
    const first = '/apps/v3/environments/e1/logs/?from_ts=2026-01-01T10%3A00&to_ts=2026-01-01T11%3A00';
    const p2 = `${BASE}/apps/v3/environments/e1/logs/?from_ts=2026-01-01T10%3A00&to_ts=2026-01-01T11%3A00&page=2`;
    pool.intercept({ path: first }).reply(200, { results: [L('c'), L('d')], next: null, previous: p2 }, { headers: json });
    pool.intercept({ path: new URL(p2).pathname + new URL(p2).search }).reply(200, { results: [L('a'), L('b')], next: null, previous: p2 }, { headers: json });
    const pages: string[][] = [];
    for await (const p of runtimeLogHistory(client, 'e1', { from: new Date('2026-01-01T10:00:30Z'), to: new Date('2026-01-01T11:00:00Z') })) pages.push(p.results.map((r) => r.message));
    expect(pages).toEqual([['c', 'd'], ['a', 'b']]);
  });
});

describe('downloads', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'divio-dl-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fetches the file without any Authorization header', async () => {
    let seenHeaders: Record<string, string> = {};
    agent
      .get('https://storage.example.net')
      .intercept({ path: '/backups/b1.tar?X-Signature=s3cr3tsig' })
      .reply((opts) => {
        seenHeaders = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
        return { statusCode: 200, data: Buffer.from('tar-bytes') };
      });
    const out = join(dir, 'b1.tar');
    const r = await fetchDownload('https://storage.example.net/backups/b1.tar?X-Signature=s3cr3tsig', out, { dispatcher: agent });
    expect(r.bytes).toBe(9);
    expect(readFileSync(out, 'utf8')).toBe('tar-bytes');
    expect(seenHeaders.authorization).toBeUndefined();
    expect(JSON.stringify(seenHeaders)).not.toContain(TOKEN);
  });

  it('an expired link is a clear error that does not leak the signature', async () => {
    agent.get('https://storage.example.net').intercept({ path: () => true }).reply(403, 'AccessDenied');
    const err = await caught(fetchDownload('https://storage.example.net/b.tar?X-Signature=s3cr3tsig', join(dir, 'x.tar'), { dispatcher: agent }));
    expect(err.message).toMatch(/expired/);
    expectNoToken(err, 's3cr3tsig');
  });
});

describe('timeouts (real loopback server that never answers)', () => {
  let server: Server;
  let url: string;
  beforeEach(async () => {
    server = createServer(() => {
      /* never respond */
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('no response headers in time → kind timeout', async () => {
    const c = new DivioClient({ baseUrl: url, token: TOKEN, timeouts: { headersMs: 150 }, retry: { maxAttempts: 2, baseDelayMs: 10 } });
    const err = await caught(c.me());
    await c.close();
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/no response headers in time/);
    expect(c.stats().requests).toBe(2); // a GET timeout is retried
    expectNoToken(err);
  });

  it('the overall deadline bounds the whole call → kind timeout', async () => {
    const c = new DivioClient({ baseUrl: url, token: TOKEN, timeouts: { headersMs: 10_000, deadlineMs: 200 } });
    const err = await caught(c.me());
    await c.close();
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/deadline/);
  });
});
