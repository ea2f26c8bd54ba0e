// The shared HTTP layer (src/http/request.ts) of the Divio and Cloudflare clients, against a real
// HTTP server on loopback: what is repeated, when, and what is never repeated.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpFailure, HttpLayer, type HttpSend } from '../../src/http/request.js';
import { CloudflareClient } from '../../src/cloudflare/client.js';
import { DivioApiError, DivioClient } from '../../src/divio/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void;

interface Hit {
  at: number;
  method: string;
  body: string;
}

let server: Server | null = null;
let layer: HttpLayer | null = null;
const hits: Hit[] = [];

async function serve(handler: Handler): Promise<URL> {
  hits.length = 0;
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      hits.push({ at: Date.now(), method: req.method ?? '', body });
      handler(req, res, hits.length, body);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/thing`);
}

function make(over: { deadlineMs?: number; headersMs?: number; bodyMs?: number; connectMs?: number; maxAttempts?: number } = {}): HttpLayer {
  layer = new HttpLayer({
    timeouts: { connectMs: over.connectMs ?? 2_000, headersMs: over.headersMs ?? 10_000, bodyMs: over.bodyMs ?? 10_000, deadlineMs: over.deadlineMs ?? 20_000 },
    retry: { maxAttempts: over.maxAttempts ?? 3, baseDelayMs: 20, maxDelayMs: 50 },
  });
  return layer;
}

const send = (l: HttpLayer, url: URL, over: Partial<HttpSend> = {}) => l.send({ method: 'GET', url, headers: { accept: 'application/json' }, ...over });

async function failure(p: Promise<unknown>): Promise<HttpFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(HttpFailure);
    return err as HttpFailure;
  }
  throw new Error('expected the call to fail');
}

afterEach(async () => {
  await layer?.close();
  layer = null;
  if (server) {
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = null;
  }
});

describe('Retry-After', () => {
  it('in seconds: the repeat comes no sooner than the server asked', async () => {
    const url = await serve((_req, res, n) => {
      if (n === 1) res.writeHead(429, { 'retry-after': '1' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const a = await send(make(), url);
    expect(a.status).toBe(200);
    expect(hits).toHaveLength(2);
    expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(990);
  });

  it('as an HTTP-date: the repeat comes no sooner than that moment', async () => {
    let when = 0;
    const url = await serve((_req, res, n) => {
      if (n === 1) {
        when = Math.ceil((Date.now() + 1_200) / 1000) * 1000; // HTTP-dates have whole seconds
        res.writeHead(503, { 'retry-after': new Date(when).toUTCString() }).end();
      } else res.writeHead(200).end('done');
    });
    const a = await send(make(), url);
    expect(a.text).toBe('done');
    expect(hits).toHaveLength(2);
    expect(hits[1].at).toBeGreaterThanOrEqual(when - 10);
  });

  it('a Retry-After that ends past the deadline is not waited for: the 429 is the answer, at once', async () => {
    const url = await serve((_req, res) => res.writeHead(429, { 'retry-after': '3600' }).end());
    const started = Date.now();
    const a = await send(make({ deadlineMs: 5_000 }), url);
    expect(a.status).toBe(429);
    expect(a.retryAfterMs).toBe(3_600_000);
    expect(hits).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('deadline', () => {
  it('a server that never answers: the call fails at the overall deadline, as a timeout', async () => {
    const url = await serve(() => {}); // never answers
    const err = await failure(send(make({ deadlineMs: 300 }), url));
    expect(err.kind).toBe('timeout');
    expect(err.deadline).toBe(true);
    expect(err.message).toMatch(/overall deadline/);
  });

  it('the caller aborting is the caller’s reason, not a timeout', async () => {
    const url = await serve(() => {});
    const ac = new AbortController();
    const p = send(make(), url, { signal: ac.signal });
    await new Promise<void>((r) => {
      const t = setInterval(() => hits.length && (clearInterval(t), r()), 5);
    });
    ac.abort(new Error('the person pressed esc'));
    await expect(p).rejects.toThrow('the person pressed esc');
  });

  it('a per-attempt headers time-out on a GET is repeated', async () => {
    const url = await serve((_req, res, n) => {
      if (n >= 2) res.writeHead(200).end('second');
    });
    const a = await send(make({ headersMs: 200 }), url);
    expect(a.text).toBe('second');
    expect(hits).toHaveLength(2);
  });
});

describe('what is repeated', () => {
  it('a GET answered 502/503/504 is repeated until it succeeds', async () => {
    const url = await serve((_req, res, n) => res.writeHead([502, 503, 200][n - 1] ?? 500).end(`#${n}`));
    const a = await send(make(), url);
    expect(a.status).toBe(200);
    expect(hits.map((h) => h.method)).toEqual(['GET', 'GET', 'GET']);
  });

  it('a POST answered 503 is sent once: it may have been applied', async () => {
    const url = await serve((_req, res) => res.writeHead(503).end());
    const a = await send(make(), url, { method: 'POST', body: '{"x":1}' });
    expect(a.status).toBe(503);
    expect(hits).toHaveLength(1);
    expect(hits[0].body).toBe('{"x":1}');
  });

  it('a POST whose connection drops after it was sent is not repeated, and says it may have been applied', async () => {
    const url = await serve((req) => req.socket.destroy());
    const err = await failure(send(make(), url, { method: 'POST', body: '{}' }));
    expect(err.notSent).toBe(false);
    expect(hits).toHaveLength(1);
  });

  it('a POST declared idempotent (a purge) is repeated on 503', async () => {
    const url = await serve((_req, res, n) => res.writeHead(n === 1 ? 503 : 200).end());
    const a = await send(make(), url, { method: 'POST', body: '{}', idempotent: true });
    expect(a.status).toBe(200);
    expect(hits).toHaveLength(2);
  });

  it('a POST answered 429 is repeated: the server did not process it', async () => {
    const url = await serve((_req, res, n) => res.writeHead(n === 1 ? 429 : 201).end());
    const a = await send(make(), url, { method: 'POST', body: '{}' });
    expect(a.status).toBe(201);
    expect(hits).toHaveLength(2);
  });

  it('a POST to a port where nothing listens is repeated (it never left) and then fails as not sent', async () => {
    const url = await serve(() => {});
    server!.close();
    await new Promise((r) => server!.once('close', r));
    server = null;
    const l = make({ maxAttempts: 3 });
    const err = await failure(send(l, url, { method: 'POST', body: '{}' }));
    expect(err.notSent).toBe(true);
    expect(err.message).toMatch(/refused/);
    expect(l.stats()).toEqual({ requests: 3, retries: 2 });
  });

  it('a 2xx JSON body cut short is repeated on a GET, not on a POST', async () => {
    const url = await serve((_req, res, n) => res.writeHead(200, { 'content-type': 'application/json' }).end(n === 1 ? '{"a":' : '{"a":1}'));
    const a = await send(make(), url, { expectJson: true });
    expect(a.text).toBe('{"a":1}');
    expect(hits).toHaveLength(2);
    const b = await send(make(), url, { method: 'POST', body: '{}', expectJson: true });
    expect(b.text).toBe('{"a":1}'); // the third answer: the POST itself was sent once
    expect(hits).toHaveLength(3);
  });

  it('gives up after maxAttempts and returns the last answer', async () => {
    const url = await serve((_req, res, n) => res.writeHead(503).end(`#${n}`));
    const a = await send(make({ maxAttempts: 2 }), url);
    expect(a.status).toBe(503);
    expect(a.text).toBe('#2');
  });
});

describe('both clients use it the same way', () => {
  it('Divio: a POST answered 503 is sent once and the error says it may have been applied', async () => {
    const url = await serve((_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{}'));
    const c = new DivioClient({ baseUrl: url.origin, token: 'tok_abcdef', retry: { baseDelayMs: 10 } });
    try {
      const err = await c.createDeployment('e1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DivioApiError);
      expect((err as DivioApiError).kind).toBe('server');
      expect((err as Error).message).toMatch(/may or may not have been applied/);
      expect(hits).toHaveLength(1);
    } finally {
      await c.close();
    }
  });

  it('Cloudflare: a purge answered 503 is repeated (declared idempotent) and its 429 drains the bucket', async () => {
    const url = await serve((_req, res, n) => {
      if (n === 1) res.writeHead(503).end();
      else if (n === 2) res.writeHead(429, { 'retry-after': '0' }).end('{"success":false,"errors":[]}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true,"errors":[],"result":{"id":"p1"}}');
    });
    const c = new CloudflareClient({ baseUrl: url.origin, token: 'cf_token_123456', retry: { baseDelayMs: 10 } });
    try {
      const r = await c.purge('zone1', { hosts: ['www.example.com'] });
      expect(r.ids).toEqual(['p1']);
      expect(hits.map((h) => h.method)).toEqual(['POST', 'POST', 'POST']);
      expect(c.bucketState().tokens).toBeLessThan(1);
    } finally {
      await c.close();
    }
  });
});

// The layer's own transport (src/http/transport.ts: Node's http/https clients) on the wire.
describe('the connection', () => {
  it('calls one after another share one kept-alive connection; close() ends it', async () => {
    const url = await serve((_req, res, n) => res.writeHead(200).end(`#${n}`));
    const sockets = new Set<unknown>();
    let closed = 0;
    server!.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => closed++);
    });
    const l = make();
    for (let i = 1; i <= 3; i++) expect((await send(l, url)).text).toBe(`#${i}`);
    expect(sockets.size).toBe(1);
    await l.close();
    await until(() => closed === 1);
  });

  it('a POST body in UTF-8 arrives whole, with its length in bytes', async () => {
    let length = '';
    const url = await serve((req, res) => {
      length = String(req.headers['content-length']);
      res.writeHead(201).end();
    });
    const body = JSON.stringify({ note: 'déploiement — prêt ✓' });
    await send(make(), url, { method: 'POST', body });
    expect(hits[0].body).toBe(body);
    expect(length).toBe(String(Buffer.byteLength(body)));
  });

  it('the answer is decoded as UTF-8, a byte-order mark dropped', async () => {
    const url = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"café"}')])));
    const a = await send(make(), url, { expectJson: true });
    expect(JSON.parse(a.text)).toEqual({ name: 'café' });
    expect(hits).toHaveLength(1);
  });

  it('a body that stalls midway fails the attempt as a stall (and a GET is repeated)', async () => {
    const url = await serve((_req, res, n) => {
      res.writeHead(200, { 'content-length': '10' });
      if (n === 1) res.write('12345'); // and then nothing
      else res.end('0123456789');
    });
    const a = await send(make({ bodyMs: 200 }), url);
    expect(a.text).toBe('0123456789');
    expect(hits).toHaveLength(2);
    const err = await failure(send(make({ bodyMs: 200, maxAttempts: 1 }), await serve((_req, res) => res.writeHead(200, { 'content-length': '10' }).write('12345'))));
    expect(err.kind).toBe('timeout');
    expect(err.message).toBe('the response body stalled');
  });

  it('a body cut short by the server is a reset connection, not an answer', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 20);
    });
    const err = await failure(send(make({ maxAttempts: 1 }), url));
    expect(err.kind).toBe('network');
    expect(err.message).toBe('connection reset');
  });

  it('an https server that never completes the handshake fails at the connect time-out, as not sent', async () => {
    const tcp: TcpServer = createTcpServer((s) => s.resume()); // reads the hello, never answers it
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    try {
      const url = new URL(`https://127.0.0.1:${(tcp.address() as AddressInfo).port}/x`);
      const started = Date.now();
      const err = await failure(send(make({ connectMs: 250, maxAttempts: 1 }), url, { method: 'POST', body: '{}' }));
      expect(err.kind).toBe('timeout');
      expect(err.notSent).toBe(true);
      expect(err.message).toBe('connection timed out');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await new Promise((r) => tcp.close(r));
    }
  });
});

async function until(ok: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > 5_000) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}
