// A job that ended changed its environment: the topics that show it read it again at once, so the
// screen agrees with the job's "succeeded" (before, a variable set or unset stayed listed as it was
// for up to the environment topic's 10 s). Real polling intervals here (pollScale 1).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Job } from '../../src/domain/index.js';
import type { EnvData } from '../../src/protocol/index.js';
import type { GatewayClient } from '../../src/client/index.js';
import { startRig, waitFor, type Rig } from './helpers.js';

let rig: Rig;
let c: GatewayClient;
beforeAll(async () => {
  rig = await startRig({ gateway: { pollScale: 1 } });
  c = rig.client();
  await c.waitLive();
});
afterAll(async () => {
  await rig?.close();
});

async function ended(id: string): Promise<Job> {
  let last: Job | undefined;
  const off = c.onJob((j) => {
    if (j.id === id) last = j;
  });
  try {
    return await waitFor(() => (last && (last.state === 'succeeded' || last.state === 'failed') ? last : undefined), 10_000, `job ${id} to end`);
  } finally {
    off();
  }
}

describe('topics read again when a job on their environment ends', () => {
  test('a variable set, then unset: the environment topic shows each within 2 s of the job (its interval is 10 s)', async () => {
    const env = rig.sandbox.ids('acme-reports', 'test').env!;
    const snaps: { at: number; names: string[] }[] = [];
    const names = (d: EnvData) => d.variables.map((v) => v.name);
    const sub = c.subscribe('env', { env }, {
      onSnapshot: (d: EnvData) => snaps.push({ at: Date.now(), names: names(d) }),
      onEvent: (d: EnvData) => snaps.push({ at: Date.now(), names: names(d) }),
      onError: () => {},
    });
    try {
      await waitFor(() => snaps.length > 0 || undefined, 10_000, 'the first environment snapshot');
      expect(snaps.at(-1)!.names).not.toContain('POKE_ME');

      const set = await ended((await c.command('env-var', { action: 'set', env, name: 'POKE_ME', value: 'v1' })).id);
      expect(set.state).toBe('succeeded');
      const t1 = Date.now();
      const shown = await waitFor(() => snaps.find((s) => s.at >= t1 - 100 && s.names.includes('POKE_ME')), 2000, 'POKE_ME listed');
      expect(shown.at - t1).toBeLessThan(2000);

      const unset = await ended((await c.command('env-var', { action: 'unset', env, name: 'POKE_ME' })).id);
      expect(unset.state).toBe('succeeded');
      const t2 = Date.now();
      await waitFor(() => snaps.find((s) => s.at >= t2 - 100 && !s.names.includes('POKE_ME')), 2000, 'POKE_ME gone');
    } finally {
      sub.unsubscribe();
    }
  }, 30_000);
});
