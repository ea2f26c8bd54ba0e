// The guards of issue 19's changes as the gateway enforces them, whatever the client: redeploy and
// environment-variable changes on live need a confirmation naming APP@live; a redeploy names a
// deployment of that environment; a variable's value never reaches the job, its result, the jobs
// topic, jobs.json or the audit; a reveal is an operator's, audited without the value.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Job } from '../../src/domain/index.js';
import type { GatewayClient } from '../../src/client/index.js';
import { startRig, waitFor, VIEWER, type Rig } from './helpers.js';

let rig: Rig;
let c: GatewayClient;
beforeAll(async () => {
  rig = await startRig({ sandbox: { speed: 60 } });
  c = rig.client();
  await c.waitLive();
});
afterAll(async () => {
  await rig?.close();
});

const auditText = () => readFileSync(join(rig.dataDir, 'audit.log'), 'utf8');
const auditLines = (): Record<string, any>[] => auditText().split('\n').filter(Boolean).map((l) => JSON.parse(l));

async function ended(id: string, ms = 20_000): Promise<Job> {
  let last: Job | undefined;
  const off = c.onJob((j) => {
    if (j.id === id) last = j;
  });
  try {
    return await waitFor(() => (last && (last.state === 'succeeded' || last.state === 'failed') ? last : undefined), ms, `job ${id} to end`);
  } finally {
    off();
  }
}

const deploymentsOf = (env: string) => rig.sandbox.state.deployments.filter((d: { environment: string }) => d.environment === env);

describe('redeploy', () => {
  test('live without a confirmation, or with the slug alone, is refused (nothing started) and audited; with APP@live it runs', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const before = deploymentsOf(env).length;
    const old = deploymentsOf(env).at(0)!;
    await expect(c.command('redeploy', { env, deployment: old.uuid })).rejects.toThrow(/redeploying acme-reports@live needs a confirmation naming it: confirm "acme-reports@live"/);
    expect(auditLines().at(-1)).toMatchObject({ action: 'redeploy', outcome: expect.stringMatching(/^rejected: redeploying acme-reports@live needs a confirmation/) });
    await expect(c.command('redeploy', { env, deployment: old.uuid, confirm: 'live' })).rejects.toThrow(/confirmation "live" does not name acme-reports@live/);
    expect(deploymentsOf(env).length).toBe(before);

    const job = await c.command('redeploy', { env, deployment: old.uuid, confirm: 'acme-reports@live' });
    const done = await ended(job.id);
    expect(done.error).toBeNull();
    expect(done.state).toBe('succeeded');
    expect(done.result).toMatchObject({ of: old.uuid, chosenCommit: old.commit, deployedCommit: expect.any(String) });
    expect(done.steps.find((s) => s.name === 'commit')?.detail).toMatch(/^deployed [0-9a-f]{7}/);
    expect(deploymentsOf(env).length).toBe(before + 1);
  }, 60_000);

  test('a deployment of another environment is refused', async () => {
    const live = rig.sandbox.ids('acme-reports', 'live').env!;
    const test_ = rig.sandbox.ids('acme-reports', 'test').env!;
    const ofTest = deploymentsOf(test_).at(0)!;
    await expect(c.command('redeploy', { env: live, deployment: ofTest.uuid, confirm: 'acme-reports@live' })).rejects.toThrow(/is not a deployment of acme-reports@live/);
  });

  test('after the branch moved on, the verdict says the branch head was deployed, not the chosen commit', async () => {
    const env = rig.sandbox.ids('nordwind-shop', 'test').env!;
    const old = deploymentsOf(env).filter((d: any) => d.ended_at && d.success).at(0)!;
    await rig.upstream.divio.setBranch(env, `hotfix-${Date.now()}`);
    const job = await c.command('redeploy', { env, deployment: old.uuid });
    const done = await ended(job.id);
    expect(done.state).toBe('succeeded');
    expect(done.result).toMatchObject({ sameCommit: false, chosenCommit: old.commit });
    expect(done.steps.find((s) => s.name === 'commit')?.detail).toMatch(new RegExp(`not the chosen ${old.commit.slice(0, 7)}: Divio deploys the branch head`));
  }, 60_000);
});

describe('environment variables', () => {
  const SECRET = 'hunter2-very-secret-value-0042';

  test('set and unset on live without a confirmation are refused (nothing changed) and audited', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const vars = () => rig.sandbox.state.envVars.filter((v: { environment: string }) => v.environment === env).map((v: { name: string; value: string }) => `${v.name}=${v.value}`).sort();
    const before = vars();
    await expect(c.command('env-var', { action: 'set', env, name: 'FEATURE_X', value: SECRET })).rejects.toThrow(/setting FEATURE_X on acme-reports@live needs a confirmation naming it/);
    await expect(c.command('env-var', { action: 'unset', env, name: 'DEBUG', confirm: 'live' })).rejects.toThrow(/does not name acme-reports@live/);
    expect(vars()).toEqual(before);
    expect(auditLines().at(-1)).toMatchObject({ action: 'env-var', outcome: expect.stringMatching(/^rejected: /) });
    expect(auditText()).not.toContain(SECRET);
  });

  test('a sensitive value set on live: never in the job, its result, jobs.json or the audit; takes effect on the next deployment; unset removes it', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const seen: Job[] = [];
    const off = c.onJob((j) => seen.push(j));
    const job = await c.command('env-var', { action: 'set', env, name: 'API_SIGNING', value: SECRET, sensitive: true, confirm: 'acme-reports@live' });
    const done = await ended(job.id);
    off();
    expect(done.state).toBe('succeeded');
    expect(done.result).toMatchObject({ name: 'API_SIGNING', action: 'set', created: true, sensitive: true, takesEffect: 'next deployment' });
    expect(rig.sandbox.state.envVars.find((v: any) => v.environment === env && v.name === 'API_SIGNING')).toMatchObject({ value: SECRET, is_sensitive: true });
    expect(JSON.stringify([job, done, ...seen])).not.toContain(SECRET);
    expect(auditText()).not.toContain(SECRET);
    await waitFor(() => readFileSync(join(rig.dataDir, 'jobs.json'), 'utf8').includes(job.id) || undefined, 10_000, 'jobs.json to hold the job');
    expect(readFileSync(join(rig.dataDir, 'jobs.json'), 'utf8')).not.toContain(SECRET);

    const unset = await c.command('env-var', { action: 'unset', env, name: 'API_SIGNING', confirm: 'acme-reports@live' });
    expect((await ended(unset.id)).state).toBe('succeeded');
    expect(rig.sandbox.state.envVars.find((v: any) => v.environment === env && v.name === 'API_SIGNING')).toBeUndefined();
    await expect(c.command('env-var', { action: 'unset', env, name: 'API_SIGNING', confirm: 'acme-reports@live' })).rejects.toThrow(/has no variable API_SIGNING/);
  }, 60_000);

  test('a bad name is refused before anything is sent', async () => {
    const env = rig.sandbox.ids('acme-reports', 'test').env!;
    await expect(c.command('env-var', { action: 'set', env, name: '1BAD-NAME', value: 'x' })).rejects.toThrow(/is not a variable name/);
  });

  test('reveal: an operator gets the value (audited without it); a viewer is refused', async () => {
    const env = rig.sandbox.ids('acme-reports', 'test').env!;
    const real = rig.sandbox.state.envVars.find((v: any) => v.environment === env && v.name === 'SECRET_KEY')!.value as string;
    await expect(c.reveal(env, 'SECRET_KEY')).resolves.toBe(real);
    expect(auditLines().at(-1)).toMatchObject({ action: 'reveal', target: 'acme-reports@test SECRET_KEY', outcome: 'revealed' });
    expect(auditText()).not.toContain(real);
    const viewer = rig.client(VIEWER);
    await viewer.waitLive();
    await expect(viewer.reveal(env, 'SECRET_KEY')).rejects.toThrow(/viewer role: values stay masked/);
    await viewer.close();
  });
});
