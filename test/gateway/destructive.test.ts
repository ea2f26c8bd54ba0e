// Destructive commands as the gateway enforces them, whatever the client: confirmations that name
// APP@ENV, and CDN clears of an environment limited to the domains on Divio's CDN.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Domain, Job } from '../../src/domain/index.js';
import type { GatewayClient } from '../../src/client/index.js';
import { startRig, waitFor, type Rig } from './helpers.js';

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

function auditLines(): Record<string, any>[] {
  return readFileSync(join(rig.dataDir, 'audit.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function ended(id: string, ms = 15_000): Promise<Job> {
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

/** The Divio client of the gateway answers domains without the `cdn` field (as real Divio documents them). */
function withoutCdnField(): () => void {
  const divio = rig.upstream.divio;
  const orig = divio.domains.bind(divio);
  divio.domains = (q) =>
    (async function* () {
      for await (const d of orig(q)) {
        const { cdn: _cdn, cloudflare_zone: _zone, ...rest } = d;
        yield rest as Domain;
      }
    })();
  return () => {
    divio.domains = orig;
  };
}

describe('clearing Divio CDN caches of an environment', () => {
  for (const variant of ['with', 'without'] as const) {
    test(`${variant} the cdn field: the CDN domains are cleared, Divio's default domain is skipped, the job succeeds`, async () => {
      const restore = variant === 'without' ? withoutCdnField() : () => {};
      try {
        const env = rig.sandbox.ids('acme-portal', 'live').env!;
        const before = rig.sandbox.cdnClears().length;
        const job = await c.command('cdn-clear', { env });
        expect(job.target).toBe('acme-portal@live');
        const done = await ended(job.id);
        expect(done.error).toBeNull();
        expect(done.state).toBe('succeeded');
        expect(done.result?.cleared).toEqual(['portal.acme-health.org']);
        expect(done.result?.skipped).toEqual([expect.stringMatching(/^acme-portal\.eu\.aldryn\.io \(Divio's default domain/)]);
        expect(rig.sandbox.cdnClears().length).toBe(before + 1);
      } finally {
        restore();
      }
    });
  }

  test('without the cdn field, domains Divio answers "not processed" (400) for are skipped; none cleared fails with the reason', async () => {
    const restore = withoutCdnField();
    try {
      const env = rig.sandbox.ids('nordwind-shop', 'live').env!;
      const job = await c.command('cdn-clear', { env });
      const done = await ended(job.id);
      expect(done.state).toBe('failed');
      expect(done.error).toMatch(/nordwind-shop@live has no domain on Divio's CDN .*nordwind-shop\.com: not on Divio's CDN.*purged by URL, prefix, host, tag or everything/);
      expect(done.steps.map((s) => [s.name, s.state])).toEqual([
        ['clear nordwind-shop.com', 'skipped'],
        ['clear www.nordwind-shop.com', 'skipped'],
      ]);
    } finally {
      restore();
    }
  });

  test('with the cdn field, an environment with no CDN domain is refused before any call, with the reason and an audit line', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const before = rig.sandbox.cdnClears().length;
    await expect(c.command('cdn-clear', { env })).rejects.toThrow(/acme-reports@live has no domain on Divio's CDN \(acme-reports\.eu\.aldryn\.io: Divio's default domain.*reports\.acme-health\.org: not served through a CDN\)/);
    expect(rig.sandbox.cdnClears().length).toBe(before);
    expect(auditLines().at(-1)).toMatchObject({ action: 'cdn-clear', outcome: expect.stringMatching(/^rejected: acme-reports@live has no domain on Divio's CDN/) });
  });
});

describe('confirmations name APP@ENV, checked by the gateway', () => {
  test('a deploy to live without a confirmation, or with the slug alone, is refused and audited; with APP@live it runs', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const count = () => rig.sandbox.state.deployments.filter((d: { environment: string }) => d.environment === env).length;
    const n = count();
    await expect(c.command('deploy', { env })).rejects.toThrow(/deploying acme-reports@live needs a confirmation naming it: confirm "acme-reports@live"/);
    expect(auditLines().at(-1)).toMatchObject({ action: 'deploy', outcome: expect.stringMatching(/^rejected: deploying acme-reports@live needs a confirmation/) });
    await expect(c.command('deploy', { env, confirm: 'live' })).rejects.toThrow(/confirmation "live" does not name acme-reports@live/);
    await expect(c.command('deploy', { env, confirm: 'nordwind-shop@live' })).rejects.toThrow(/does not name acme-reports@live/);
    expect(count()).toBe(n);
    const job = await c.command('deploy', { env, confirm: 'acme-reports@live' });
    const done = await ended(job.id, 30_000);
    expect(done.steps.find((s) => s.name === 'deploy')?.state).toBe('succeeded');
    expect(count()).toBe(n + 1);
  }, 40_000);

  test('a test environment deploys without a confirmation', async () => {
    const env = rig.sandbox.ids('acme-reports', 'test').env!;
    const job = await c.command('deploy', { env });
    expect(job.target).toBe('acme-reports@test');
  });

  test('purging everything of a customer zone needs APP@ENV', async () => {
    const env = rig.sandbox.ids('nordwind-shop', 'live').env!;
    const n = rig.sandbox.purges().length;
    await expect(c.command('cloudflare-purge', { env, everything: true })).rejects.toThrow(/purging everything cached for nordwind-shop@live needs a confirmation naming it/);
    await expect(c.command('cloudflare-purge', { env, everything: true, confirm: 'live' })).rejects.toThrow(/does not name nordwind-shop@live/);
    expect(auditLines().at(-1)).toMatchObject({ action: 'cloudflare-purge', outcome: expect.stringMatching(/^rejected: confirmation "live" does not name nordwind-shop@live/) });
    expect(rig.sandbox.purges().length).toBe(n);
  });
});
