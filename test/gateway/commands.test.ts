// Commands: roles, read-only, audit log, idempotency keys.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Job } from '../../src/domain/index.js';
import { startGateway } from '../../src/gateway/index.js';
import { GatewayClient } from '../../src/client/index.js';
import { OPERATOR, VIEWER, startRig, waitFor, type Rig } from './helpers.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ sandbox: { speed: 60 } });
});
afterAll(async () => {
  await rig?.close();
});

function auditLines(dir = rig.dataDir): Record<string, any>[] {
  return readFileSync(join(dir, 'audit.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('roles and audit', () => {
  test('a viewer cannot run a command, an operator can; the audit log records both without tokens (mode 0600)', async () => {
    const domain = rig.sandbox.state.domains.find((d: any) => d.cdn === 'divio-cloudflare')!;
    const viewer = rig.client(VIEWER);
    const operator = rig.client(OPERATOR);
    expect((await viewer.waitLive()).role).toBe('viewer');
    expect((await operator.waitLive()).role).toBe('operator');

    await expect(viewer.command('cdn-clear', { domain: domain.uuid })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/viewer role/) });
    expect(rig.sandbox.cdnClears()).toHaveLength(0);

    const job = await operator.command('cdn-clear', { domain: domain.uuid });
    expect(job.kind).toBe('cdn-clear');
    const done = await waitForJob(operator, job.id, (j) => j.state === 'succeeded' || j.state === 'failed');
    expect(done.state).toBe('succeeded');
    expect(rig.sandbox.cdnClears()).toHaveLength(1);

    const file = join(rig.dataDir, 'audit.log');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(OPERATOR);
    expect(text).not.toContain(VIEWER);
    expect(text).not.toContain(rig.sandbox.token);
    const lines = auditLines();
    const refused = lines.find((l) => l.actor === 'view-bob');
    expect(refused).toMatchObject({ role: 'viewer', action: 'cdn-clear', outcome: expect.stringMatching(/^forbidden/) });
    const accepted = lines.filter((l) => l.actor === 'ops-alice');
    expect(accepted.map((l) => l.outcome)).toEqual(expect.arrayContaining(['accepted', 'succeeded']));
    expect(accepted[0].target).toBe(domain.domain);
    for (const l of lines) expect(typeof l.time).toBe('string');
  });

  test('a read-only gateway refuses every command, whatever the role', async () => {
    const gw = await startGateway({
      tokens: [{ token: OPERATOR, role: 'operator', name: 'ops-alice' }],
      upstream: rig.upstream,
      dataDir: join(rig.dataDir, 'ro'),
      readOnly: true,
      rediscover: false,
    });
    const c = new GatewayClient({ url: gw.url, token: OPERATOR });
    c.connect();
    try {
      expect((await c.waitLive()).readOnly).toBe(true);
      const env = rig.sandbox.ids('acme-reports', 'test').env!;
      await expect(c.command('backup', { env })).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/read-only/) });
      expect(auditLines(join(rig.dataDir, 'ro'))[0].outcome).toMatch(/read-only/);
    } finally {
      await c.close();
      await gw.close();
    }
  });

  test('a wrong token is refused with a clear error and the client stays offline', async () => {
    const c = new GatewayClient({ url: rig.gateway.url, token: 'not-the-token' });
    c.connect();
    await expect(c.waitLive(3000)).rejects.toThrow(/refused the token|invalid token/);
    expect(c.state.status).toBe('offline');
    expect(c.state.error).not.toContain('not-the-token');
    await c.close();
  });
});

describe('idempotency', () => {
  test('the same deploy sent twice with one idempotency key is one job and one upstream deployment', async () => {
    const env = rig.sandbox.ids('acme-reports', 'test').env!;
    const count = () => rig.sandbox.state.deployments.filter((d: any) => d.environment === env).length;
    const before = count();
    const c = rig.client();
    await c.waitLive();
    const key = 'deploy-acme-reports-test-0001';
    const [a, b] = await Promise.all([c.command('deploy', { env }, { idempotencyKey: key }), c.command('deploy', { env }, { idempotencyKey: key })]);
    const again = await c.command('deploy', { env }, { idempotencyKey: key });
    expect(b.id).toBe(a.id);
    expect(again.id).toBe(a.id);
    const done = await waitForJob(c, a.id, (j) => j.state === 'succeeded' || j.state === 'failed', 15_000);
    expect(done.state).toBe('succeeded');
    expect(done.result?.deployment).toBeTruthy();
    expect(count()).toBe(before + 1);
    // after it finished, the same key still answers with the same (finished) job, no new deployment
    const late = await c.command('deploy', { env }, { idempotencyKey: key });
    expect(late.id).toBe(a.id);
    expect(late.state).toBe('succeeded');
    expect(count()).toBe(before + 1);
    // the job record is persisted in the data directory
    const file = JSON.parse(readFileSync(join(rig.dataDir, 'jobs.json'), 'utf8'));
    expect(file.jobs.find((j: Job) => j.id === a.id)).toMatchObject({ state: 'succeeded', idempotencyKey: key });
  }, 20_000);

  test('bad command parameters are refused before anything happens upstream', async () => {
    const c = rig.client();
    await c.waitLive();
    await expect(c.command('deploy', { env: 'no-such-env' })).rejects.toThrow(/environment no-such-env/);
    const env = rig.sandbox.ids('acme-reports', 'test').env!;
    await expect(c.command('cloudflare-purge', { env, everything: true, confirm: 'live' })).rejects.toThrow(/does not name acme-reports@test/);
  });
});

/** Follow a job through the jobs topic until `done(job)`. */
async function waitForJob(c: GatewayClient, id: string, done: (j: Job) => boolean, ms = 10_000): Promise<Job> {
  let last: Job | undefined;
  const sub = c.subscribe('jobs', {}, {
    onSnapshot: (d) => {
      last = d.jobs.find((j) => j.id === id) ?? last;
    },
  });
  try {
    return await waitFor(() => (last && done(last) ? last : undefined), ms, `job ${id}`);
  } finally {
    sub.unsubscribe();
  }
}
