// The SSH endpoint started in the background (the console's own sandbox): it waits for the first
// pause in the requests (2 s at the latest), starts at once when an environment's detail asks for it,
// and a sandbox closed before it started never starts it.
import { describe, expect, it } from 'vitest';
import { SCENARIO } from '../../src/sandbox/index.js';
import { client, start } from './helpers.js';

describe('SSH endpoint in the background', () => {
  it("an environment's detail asked before the endpoint listens carries its ssh_endpoint", async () => {
    const sb = await start({ ssh: true, sshInBackground: true });
    try {
      expect(sb.ssh).toBeNull(); // not started yet: start-up did not wait for it
      const env = sb.ids(SCENARIO.healthyApp, 'live').env!;
      const d = await client(sb).get(`/apps/v3/environments/${env}/`);
      expect(d.status).toBe(200);
      expect(sb.ssh).not.toBeNull();
      expect(d.body.ssh_endpoint).toEqual({ host: sb.ssh!.host, port: sb.ssh!.port, user: `${SCENARIO.healthyApp}-live`, host_key: sb.ssh!.hostKey });
      // a never-deployed environment has none, and does not need to wait for one
      const never = sb.ids(SCENARIO.neverDeployedApp, 'live').env!;
      expect((await client(sb).get(`/apps/v3/environments/${never}/`)).body.ssh_endpoint).toBeNull();
    } finally {
      await sb.close();
    }
  });

  it('the first requests are answered before it starts; it starts at the pause after them', async () => {
    const sb = await start({ ssh: true, sshInBackground: true });
    try {
      const api = client(sb);
      expect((await api.get('/iam/v3/me/')).status).toBe(200);
      const lists = await Promise.all(['/iam/v3/organisations/', '/apps/v3/applications/', '/apps/v3/environments/'].map((p) => api.get(p)));
      expect(lists.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(sb.ssh).toBeNull();
      await sb.sshReady;
      expect(sb.ssh).not.toBeNull();
      const env = sb.ids(SCENARIO.healthyApp, 'live').env!;
      expect((await api.get(`/apps/v3/environments/${env}/`)).body.ssh_endpoint.port).toBe(sb.ssh!.port);
    } finally {
      await sb.close();
    }
  });

  it('a request that never ends holds it back 2 s at the most', async () => {
    const t0 = Date.now();
    const sb = await start({ ssh: true, sshInBackground: true, faults: '/iam/v3/me/ hang' });
    try {
      const held = client(sb).get('/iam/v3/me/');
      await sb.sshReady;
      expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
      expect(sb.ssh).not.toBeNull();
      sb.setFaults(null); // the held request is answered
      expect((await held).status).toBe(200);
    } finally {
      await sb.close();
    }
  });

  it('a sandbox closed before the endpoint started never starts it', async () => {
    const sb = await start({ ssh: true, sshInBackground: true });
    await sb.close();
    await sb.sshReady;
    expect(sb.ssh).toBeNull();
  });
});
