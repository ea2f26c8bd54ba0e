// The domains topic (`:domains`, `divio-tui domains`): every domain of the account from the real
// sandbox over HTTP. Divio documents no filter of `GET /apps/v3/domains/`: a zone that refuses the
// unfiltered list (400, as DRF answers a missing required filter) is read application by application,
// and the topic says so. The zone is the sandbox behind a small HTTP proxy that refuses it.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { createUpstream, startGateway, type Gateway, type Upstream } from '../../src/gateway/index.js';
import { GatewayClient } from '../../src/client/index.js';
import type { DomainsData } from '../../src/protocol/index.js';
import { OPERATOR, waitFor } from './helpers.js';

let sandbox: Sandbox;
let proxy: Server;
const seen: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'divio-tui-dom-'));
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 7, ephemeral: true, ssh: false, speed: 20, logRate: 0 });
  const target = new URL(sandbox.divioUrl);
  proxy = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://proxy');
    if (u.pathname === '/apps/v3/domains/') {
      seen.push(u.search);
      if (!u.searchParams.get('application') && !u.searchParams.get('environment')) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ non_field_errors: ['Either "application" or "environment" must be given.'] }));
        return;
      }
    }
    const p = request({ host: target.hostname, port: target.port, path: u.pathname + u.search, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    p.on('error', () => res.destroy());
    req.pipe(p);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
}, 45_000);
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function domainsVia(zone: string, sub: string): Promise<DomainsData> {
  const up: Upstream = await createUpstream({ zone, token: sandbox.token, whoami: false });
  const gw: Gateway = await startGateway({ tokens: [{ token: OPERATOR, role: 'operator', name: 'ops' }], upstream: up, dataDir: join(dir, sub), pollScale: 0.05, graceMs: 200, rediscover: false });
  const client = new GatewayClient({ url: gw.url, token: OPERATOR });
  client.connect();
  closers.push(async () => {
    await client.close();
    await gw.close();
    await up.close();
  });
  await client.waitLive();
  let data: DomainsData | null = null;
  const s = client.subscribe('domains', {}, { onSnapshot: (d) => (data = d) });
  await waitFor(() => data !== null, 20_000);
  s.unsubscribe();
  return data!;
}

test('one listing of the whole account: every environment has its Divio domain, live ones their custom domains', async () => {
  const d = await domainsVia(sandbox.divioUrl, 'direct');
  const names = d.domains.map((x) => x.domain ?? x.name);
  expect(names).toContain('www.nordwind.de');
  expect(names).toContain('acme-booking-stage.eu.aldryn.io');
  expect(new Set(d.domains.map((x) => x.environment)).size).toBe(20);
  expect(d.notes ?? []).toEqual([]);
});

test('a zone that refuses the unfiltered list: read per application, and said so', async () => {
  const direct = await domainsVia(sandbox.divioUrl, 'direct2');
  const d = await domainsVia(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, 'proxied');
  expect(d.domains.map((x) => x.uuid).sort()).toEqual(direct.domains.map((x) => x.uuid).sort());
  expect(d.notes?.join(' ')).toMatch(/lists domains only per application/);
  expect(seen.filter((q) => q.includes('application=')).length).toBe(9);
});
