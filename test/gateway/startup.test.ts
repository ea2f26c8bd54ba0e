// The in-process gateway's start (issue 16): it does not wait for the upstream's whoami before it
// serves, and it reads the topics it is told to prefetch before any client asks.
import { afterEach, describe, expect, it } from 'vitest';
import { startRig, waitFor, type Rig } from './helpers.js';
import type { Welcome } from '../../src/protocol/index.js';

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const welcomeOf = (c: ReturnType<Rig['client']>) =>
  new Promise<Welcome>((resolve) => {
    const off = c.onWelcome((w) => {
      off();
      resolve(w);
    });
  });

describe('gateway start-up', () => {
  it('starts before the whoami answers, and the welcome still names the user', async () => {
    rig = await startRig({ sandbox: { faults: '/iam/v3/me/ latency=400' } });
    // createUpstream returned with the question still open
    expect(rig.upstream.user).toBeNull();
    expect(rig.upstream.identified).toBeInstanceOf(Promise);
    const c = rig.client();
    const w = await welcomeOf(c);
    const me = rig.sandbox.state.me.email;
    expect(me).toMatch(/@/);
    expect(w.upstream.user).toBe(me);
  });

  it('reads a prefetched topic before any client subscribes, and hands it to the first subscriber', async () => {
    rig = await startRig({ gateway: { prefetch: [{ topic: 'fleet', params: {} }], graceMs: 10_000 } });
    // no client yet: the fleet's first reads are under way
    await waitFor(() => rig!.gateway.stats().upstreamRequests >= 3, 5000, 'the fleet lists read without a client');
    expect(rig.gateway.stats().clients).toBe(0);
    expect(rig.gateway.stats().topics).toBe(1);
    const c = rig.client();
    const rows = await new Promise<number>((resolve, reject) => {
      c.subscribe('fleet', {}, {
        onSnapshot: (d) => {
          if (!d.loading) resolve(d.rows.length);
        },
        onEvent: (d) => {
          if (!d.loading) resolve(d.rows.length);
        },
        onError: (e) => reject(new Error(e)),
      });
    });
    expect(rows).toBeGreaterThan(3);
    // the same topic, not a second one
    expect(rig.gateway.stats().topics).toBe(1);
  });

  it('stops a prefetched topic nobody asks for after the grace period', async () => {
    rig = await startRig({ gateway: { prefetch: [{ topic: 'fleet', params: {} }], graceMs: 150 } });
    expect(rig.gateway.stats().topics).toBe(1);
    await waitFor(() => rig!.gateway.stats().topics === 0, 5000, 'the unwanted topic to stop');
  });

  it('refuses a prefetch with bad parameters at start, and leaves its directory free', async () => {
    rig = await startRig();
    await expect(rig.restartGateway({ prefetch: [{ topic: 'env', params: { env: 42 } }] })).rejects.toThrow(/prefetch: bad env parameters/);
    // nothing was taken: the same directory serves at once
    await rig.restartGateway();
    expect(rig.gateway.stats().topics).toBe(0);
  });
});
