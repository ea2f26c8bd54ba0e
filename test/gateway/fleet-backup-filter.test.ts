// A zone that ignores `?environment=` on the backup list (Divio documents no filter there): the fleet
// notices (the answer holds other environments' backups), says so in its notes, shows ages as unknown
// rather than "none", and finds every environment's newest backup by reading the whole list. The
// zone is the real sandbox behind a small HTTP proxy that drops that filter.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { FleetRow } from '../../src/domain/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { createUpstream, startGateway, type Gateway, type Upstream } from '../../src/gateway/index.js';
import { GatewayClient } from '../../src/client/index.js';
import { OPERATOR, waitFor } from './helpers.js';

let sandbox: Sandbox;
let proxy: Server;
let up: Upstream;
let gw: Gateway;
let client: GatewayClient;
const dir = mkdtempSync(join(tmpdir(), 'divio-tui-bkf-'));

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 7, ephemeral: true, ssh: false, speed: 20, logRate: 0 });
  const target = new URL(sandbox.divioUrl);
  proxy = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://proxy');
    if (u.pathname === '/apps/v3/backups/') u.searchParams.delete('environment');
    const p = request({ host: target.hostname, port: target.port, path: u.pathname + u.search, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    p.on('error', () => res.destroy());
    req.pipe(p);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  up = await createUpstream({ zone: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, token: sandbox.token, whoami: false });
  gw = await startGateway({ tokens: [{ token: OPERATOR, role: 'operator', name: 'ops' }], upstream: up, dataDir: dir, pollScale: 0.05, graceMs: 200, rediscover: false });
  client = new GatewayClient({ url: gw.url, token: OPERATOR });
  client.connect();
}, 45_000);
afterAll(async () => {
  await client?.close();
  await gw?.close();
  await up?.close();
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('backups: a zone ignoring the environment filter is said so; ages are unknown until the whole list is read, then right', async () => {
  await client.waitLive();
  let rows: FleetRow[] = [];
  let notes: string[] = [];
  const seen: string[] = [];
  const sub = client.subscribe('fleet', {}, {
    onSnapshot: (d) => {
      rows = d.rows;
      notes = d.notes ?? [];
      seen.push(...notes);
    },
  });
  await waitFor(() => rows.length, 15_000, 'rows');
  sub.view(rows.map((r) => r.envUuid));
  await waitFor(() => seen.some((n) => /cannot list them per environment/.test(n)), 20_000, 'the note');
  // until the walk ends, no row claims "no backup"
  expect(rows.filter((r) => r.backupKnown !== false && r.lastBackupAt === null && r.app === 'acme-reports')).toEqual([]);
  await waitFor(() => rows.every((r) => r.backupKnown !== false), 30_000, 'every backup age');
  const env = sandbox.ids('acme-reports', 'test').env!;
  const newest = sandbox.state.backups
    .filter((b) => b.environment === env && b.success === 'SUCCESS')
    .map((b) => b.ended_at!)
    .sort()
    .at(-1)!;
  expect(rows.find((r) => r.envUuid === env)!.lastBackupAt).toBe(newest);
  expect(rows.find((r) => r.app === 'acme-labs' && r.env === 'live')!.lastBackupAt).toBeNull();
}, 60_000);
