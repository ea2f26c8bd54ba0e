// Bounded load whatever the clients do: the request ceiling shared fairly, connection and topic caps,
// topic parameters checked against what exists; failed hellos audited and slowed down.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { RequestLimiter } from '../../src/gateway/limiter.js';
import { failureDelay } from '../../src/gateway/index.js';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { startRig, waitFor, OPERATOR, VIEWER, type Rig } from './helpers.js';

describe('RequestLimiter', () => {
  test('a burst, then the sustained rate; waiting lanes take turns', async () => {
    let t = 0;
    const lim = new RequestLimiter({ ratePerSec: 10, burst: 3, now: () => t });
    const order: string[] = [];
    const go = (lane: string, n: number) =>
      Array.from({ length: n }, (_, i) => lim.run(lane, () => lim.acquire()).then(() => order.push(`${lane}${i}`)));
    const all = [...go('a', 6), ...go('b', 2)];
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['a0', 'a1', 'a2']); // the burst
    // time passes: one token per 100 ms, lanes alternate (b is not starved behind a's queue)
    for (let k = 0; k < 5; k++) {
      t += 100;
      await new Promise((r) => setTimeout(r, 5));
      (lim as any).pump();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(all);
    expect(order.slice(3)).toEqual(['a3', 'b0', 'a4', 'b1', 'a5']);
    expect(lim.granted).toBe(8);
    lim.close();
  });
  test('an aborted wait leaves the queue', async () => {
    const lim = new RequestLimiter({ ratePerSec: 1, burst: 1 });
    await lim.acquire();
    const ac = new AbortController();
    const p = lim.acquire(ac.signal);
    expect(lim.waiting()).toBe(1);
    ac.abort(new Error('gone'));
    await expect(p).rejects.toThrow('gone');
    expect(lim.waiting()).toBe(0);
    lim.close();
  });
  test('failed hellos: three free, then 1 s, 2 s … up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 12].map(failureDelay)).toEqual([0, 0, 0, 1000, 2000, 4000, 30_000]);
  });
});

/** A raw WebSocket hello: resolves with the first server message and the close code. */
function hello(url: string, token: string): Promise<{ msg: any; code: number; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let msg: any = null;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token, client: 'limits-test' })));
    ws.on('message', (d) => {
      msg ??= JSON.parse(d.toString());
    });
    ws.on('close', (code) => resolve({ msg, code, ms: Date.now() - t0 }));
    ws.on('error', reject);
    setTimeout(() => ws.terminate(), 15_000).unref();
  });
}

describe('gateway limits', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ gateway: { limits: { connectionsPerToken: 2, topics: 6, requestsPerSecond: 50, requestBurst: 50 } } });
  });
  afterAll(async () => {
    await rig.close();
  });

  test('a third connection with the same token is refused, naming the limit; another token still gets in', async () => {
    const a = rig.client(VIEWER);
    const b = rig.client(VIEWER);
    await a.waitLive();
    await b.waitLive();
    const r = await hello(rig.gateway.url, VIEWER);
    expect(r.msg.code).toBe('overloaded');
    expect(r.msg.message).toMatch(/already has 2 connections open \(the gateway's limit per token\)/);
    expect(r.code).toBe(4029);
    const op = rig.client(OPERATOR);
    await op.waitLive();
    await Promise.all([a.close(), b.close(), op.close()]);
  });

  test('unknown environments are refused; metric windows are rounded to the console\'s; distinct topics are capped', async () => {
    const c = rig.client(OPERATOR);
    await c.waitLive();
    let err = '';
    c.subscribe('env', { env: '00000000-0000-4000-8000-000000000000' }, { onError: (m) => (err = m) });
    await waitFor(() => err, 10_000, 'refusal');
    expect(err).toMatch(/no environment 00000000-0000-4000-8000-000000000000 .*only watches environments that exist/);
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const before = rig.gateway.stats().topics;
    const subs = [7, 14, 15].map((minutes) => c.subscribe('metrics', { env, minutes }, {}));
    await waitFor(() => rig.gateway.stats().topics === before + 1, 5000, 'one metrics topic for windows 7, 14, 15');
    subs.push(c.subscribe('metrics', { env, minutes: 16 }, {}));
    await waitFor(() => rig.gateway.stats().topics === before + 2, 5000, 'window 16 → 60 is another');
    // fill up to the cap (6) with distinct topics, then one more is refused
    const ids = rig.sandbox.state.environments.map((e: any) => e.uuid as string);
    let refused = '';
    for (const e of ids) {
      if (rig.gateway.stats().topics >= 6) break;
      const had = rig.gateway.stats().topics;
      c.subscribe('backups', { env: e }, {});
      await waitFor(() => rig.gateway.stats().topics > had, 5000, 'the new topic');
    }
    await waitFor(() => rig.gateway.stats().topics >= 6, 5000, 'six topics');
    c.subscribe('deployments', { env }, { onError: (m) => (refused = m) });
    await waitFor(() => refused, 5000, 'the seventh topic refused');
    expect(refused).toMatch(/already runs 6 distinct topics \(its limit\)/);
    await c.close();
  });

  test('failed hellos are audited without the token and answered ever later from one address', async () => {
    const bad = 'wrong-token-SECRET-9f8e7d6c';
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await hello(rig.gateway.url, bad);
      expect(r.code).toBe(4001);
      times.push(r.ms);
    }
    const fifth = hello(rig.gateway.url, bad);
    // the gateway has read the fifth hello (it audits a failure when it reads it, and answers later)
    await waitFor(() => readFileSync(join(rig.dataDir, 'audit.log'), 'utf8').includes('invalid token (failure 5 from this address)'), 10_000, 'the fifth failure read');
    // while a failure's answer is pending, another hello from the address is not even looked at
    const r = await hello(rig.gateway.url, VIEWER);
    expect(r.msg.message).toMatch(/too many failed hellos from this address: try again in \d+ s/);
    times.push((await fifth).ms);
    expect(times[3]).toBeGreaterThanOrEqual(900); // the 4th failure waits 1 s
    expect(times[4]).toBeGreaterThanOrEqual(1900); // the 5th, 2 s
    // after the wait, the right token gets in again (and the count starts over)
    const ok = rig.client(VIEWER);
    await ok.waitLive();
    await ok.close();
    const audit = readFileSync(join(rig.dataDir, 'audit.log'), 'utf8');
    expect(audit).not.toContain(bad);
    const lines = audit.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.action === 'hello');
    expect(lines.filter((e) => /refused: invalid token \(failure \d from this address\)/.test(e.outcome)).length).toBe(5);
    expect(lines.some((e) => e.outcome === 'refused: too many failed hellos from this address')).toBe(true);
    expect(lines[0].target).toMatch(/127\.0\.0\.1/);
  }, 30_000);
});
