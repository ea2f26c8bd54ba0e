// The gateway's guards over the raw protocol (a bare WebSocket, no client library, no console):
// each refusal with its message and an audit line, and an accepted path with its job result.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { OPERATOR, startRig, waitFor, type Rig } from './helpers.js';

let rig: Rig;
let ws: WebSocket;
const frames: any[] = [];
beforeAll(async () => {
  rig = await startRig({ sandbox: { speed: 60 } });
  ws = new WebSocket(rig.gateway.url);
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'hello', protocol: 1, token: OPERATOR, client: 'raw-test' }));
  await waitFor(() => frames.find((f) => f.type === 'welcome'), 5000, 'welcome');
});
afterAll(async () => {
  ws?.close();
  await rig?.close();
});

let n = 0;
async function command(kind: string, params: unknown): Promise<any> {
  const id = `c${++n}`;
  ws.send(JSON.stringify({ type: 'command', id, kind, params, idempotencyKey: `raw-test-key-${n}-${Date.now()}` }));
  return waitFor(() => frames.find((f) => (f.type === 'command-result' || f.type === 'error') && (f.id === id || f.ref === id)), 10_000, `answer to ${kind}`);
}
const lastAudit = () => JSON.parse(readFileSync(join(rig.dataDir, 'audit.log'), 'utf8').trim().split('\n').at(-1)!);

test('refusals: each with its reason and an audit line', async () => {
  const test_ = rig.sandbox.ids('acme-reports', 'test').env!;
  const live = rig.sandbox.ids('acme-reports', 'live').env!;
  const b = rig.sandbox.state.backups.filter((x: any) => x.environment === live && x.success === 'SUCCESS').at(-1)!;
  const other = rig.sandbox.state.backups.filter((x: any) => x.environment === rig.sandbox.ids('nordwind-shop', 'live').env && x.success === 'SUCCESS').at(-1)!;
  const cases: [string, unknown, RegExp][] = [
    ['restore', { backup: b.uuid, to: test_, siBackups: b.service_instance_backups, confirm: 'test' }, /confirmation "test" does not name acme-reports@test/],
    ['deploy', { env: live }, /deploying acme-reports@live needs a confirmation naming it/],
    ['restore', { backup: other.uuid, to: test_, siBackups: other.service_instance_backups, confirm: 'acme-reports@test' }, /is of another application \(nordwind-shop@live\).*needs crossApplication "nordwind-shop@live"/],
    ['download', { backup: b.uuid, siBackups: b.service_instance_backups, dest: '../../.bashrc' }, /only under the gateway's download directory .*a path with "\.\." is not accepted/],
    ['download', { backup: b.uuid, siBackups: b.service_instance_backups, dest: '/home/x/.ssh/authorized_keys' }, /an absolute path is not accepted/],
    ['cloudflare-purge', { env: rig.sandbox.ids('nordwind-shop', 'live').env!, files: ['https://example.org/a'] }, /1 of 1 files are not on the hosts of nordwind-shop@live/],
    ['cloudflare-purge', { env: rig.sandbox.ids('nordwind-shop', 'live').env!, everything: true, confirm: 'live' }, /does not name nordwind-shop@live/],
  ];
  for (const [kind, params, re] of cases) {
    const r = await command(kind, params);
    expect(r.ok, `${kind} ${JSON.stringify(params)}`).toBe(false);
    expect(r.error).toMatch(re);
    expect(lastAudit()).toMatchObject({ action: kind, outcome: expect.stringMatching(/^rejected: /) });
  }
});

test('accepted: a cross-application restore named twice runs; a download lands under the download directory', async () => {
  const test_ = rig.sandbox.ids('acme-reports', 'test').env!;
  const other = rig.sandbox.state.backups.filter((x: any) => x.environment === rig.sandbox.ids('nordwind-shop', 'live').env && x.success === 'SUCCESS').at(-1)!;
  const db = rig.sandbox.state.siBackups.find((s: any) => s.backup === other.uuid && s.service_type === 'DATABASE')!;
  const r = await command('restore', { backup: other.uuid, to: test_, siBackups: [db.uuid], safetyBackup: false, confirm: 'acme-reports@test', crossApplication: 'nordwind-shop@live' });
  expect(r.ok).toBe(true);
  const done = await waitFor(() => frames.find((f) => f.type === 'job' && f.job.id === r.job.id && ['succeeded', 'failed'].includes(f.job.state))?.job, 30_000, 'restore job');
  expect(done.error).toBeNull();
  expect(done.steps.map((s: any) => s.name)).toEqual(['download', 'upload', 'uploaded backup', 'restore', 'content version']);
  const d = await command('download', { backup: other.uuid, siBackups: [db.uuid] });
  expect(d.ok).toBe(true);
  const dl = await waitFor(() => frames.find((f) => f.type === 'job' && f.job.id === d.job.id && ['succeeded', 'failed'].includes(f.job.state))?.job, 20_000, 'download job');
  expect(dl.result.files[0].path.startsWith(join(rig.dataDir, 'downloads') + '/')).toBe(true);
}, 60_000);
