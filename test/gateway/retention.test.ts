// Lines that expired upstream before the gateway could fetch them are announced in-band.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { LogMarker } from '../../src/domain/index.js';
import { startRig, waitFor, type Rig } from './helpers.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ sandbox: { logRetention: 100 } });
});
afterAll(async () => {
  await rig?.close();
});

test('an upstream retention gap becomes a marker with the exact number of lost lines', async () => {
  const env = rig.sandbox.ids('acme-reports', 'live').env!;
  const c = rig.client();
  await c.waitLive();
  let lines = 0;
  const markers: LogMarker[] = [];
  const sub = c.subscribe('logs', { envs: [env] }, {
    onEvent: (d) => {
      lines += d.lines.filter((l) => l.message.startsWith('burst-')).length;
      markers.push(...d.markers.filter((m) => m.kind === 'retention'));
    },
  });
  await waitFor(() => sub.lastSeq > 0, 5000, 'subscribed');
  // 1,500 lines at once: the sandbox keeps only the newest 100
  rig.sandbox.emitLog(env, Array.from({ length: 1500 }, (_, i) => ({ message: `burst-${i}` })));
  await waitFor(() => markers.length && lines >= 100, 5000, 'marker and surviving lines');
  expect(markers).toHaveLength(1);
  expect(markers[0].text).toMatch(/expired upstream/);
  expect(markers[0].count + lines).toBe(1500);
});
