// Hostile input: 1,000 random or malformed frames get error replies; the gateway stays up.
import { afterAll, beforeAll, expect, test } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { OPERATOR, startRig, waitFor, type Rig } from './helpers.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.close();
});

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function badFrames(n: number): (string | Buffer)[] {
  const r = rng(1234);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const randStr = (len: number) => Array.from({ length: len }, () => String.fromCharCode(Math.floor(r() * 0xffff))).join('');
  const makers: (() => string | Buffer)[] = [
    () => randStr(1 + Math.floor(r() * 200)),
    () => Buffer.from(Array.from({ length: 1 + Math.floor(r() * 64) }, () => Math.floor(r() * 256))),
    () => '{"type":',
    () => 'null',
    () => '[]',
    () => String(r()),
    () => JSON.stringify({ type: pick(['subscribe', 'command', 'unsubscribe', 'hello', 'ping', 'nope', 42, null]) }),
    () => JSON.stringify({ type: 'subscribe', id: 'x'.repeat(Math.floor(r() * 300)), topic: pick(['logs', 'fleet', 'bogus']), params: pick([null, 1, 'a', { envs: [] }, { envs: 'x' }, { env: 5 }, { extra: true }]) }),
    () => JSON.stringify({ type: 'command', id: 'c', kind: pick(['deploy', 'rm -rf', 'restore']), params: pick([{}, null, { env: 1 }]), idempotencyKey: pick(['short', 'k'.repeat(300), 7]) }),
    () => JSON.stringify({ type: 'ping', t: pick(['now', null, {}]) }),
    () => JSON.stringify({ type: 'unsubscribe', id: `never-${Math.floor(r() * 1e6)}` }),
    () => JSON.stringify({ type: 'hello', protocol: 1, token: OPERATOR }),
    () => JSON.stringify({ __proto__: { type: 'ping' }, constructor: { prototype: { polluted: true } } }),
    () => JSON.stringify({ type: 'subscribe', id: 's', topic: 'logs', params: { envs: ['a'] }, resumeFrom: pick([-1, 1.5, 'x']) }),
  ];
  return Array.from({ length: n }, () => pick(makers)());
}

test('1,000 random or malformed frames: one error reply each, and the gateway keeps serving everyone', async () => {
  const ws = new WebSocket(rig.gateway.url);
  const replies: any[] = [];
  ws.on('message', (d) => replies.push(JSON.parse(d.toString())));
  await new Promise<void>((r, j) => {
    ws.once('open', () => r());
    ws.once('error', j);
  });
  ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: OPERATOR }));
  await waitFor(() => replies.some((m) => m.type === 'welcome'), 3000, 'welcome');
  replies.length = 0;

  const frames = badFrames(1000);
  for (const f of frames) ws.send(f, { binary: Buffer.isBuffer(f) });
  await waitFor(() => replies.filter((m) => m.type === 'error').length >= 1000, 10_000, '1000 error replies');
  const errors = replies.filter((m) => m.type === 'error');
  expect(errors).toHaveLength(1000);
  for (const e of errors) {
    expect(['bad-frame', 'bad-params', 'not-found', 'protocol', 'forbidden']).toContain(e.code);
    expect(e.message.length).toBeGreaterThan(5);
    expect(e.message).not.toContain(OPERATOR);
  }
  expect(({} as any).polluted).toBeUndefined();

  // the fuzzing connection itself is still usable …
  ws.send(JSON.stringify({ type: 'ping', t: 42 }));
  await waitFor(() => replies.some((m) => m.type === 'pong' && m.t === 42), 3000, 'pong');
  // … and another client is served normally
  const c = rig.client();
  await c.waitLive();
  let rows = 0;
  c.subscribe('fleet', {}, { onSnapshot: (d) => (rows = d.rows.length) });
  await waitFor(() => rows > 0, 5000, 'fleet for a healthy client');
  ws.close();
});

test('anything but a valid hello first closes the connection with 4001', async () => {
  for (const first of ['garbage', JSON.stringify({ type: 'subscribe', id: 'a', topic: 'fleet', params: {} }), JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: 'wrong-token' })]) {
    const ws = new WebSocket(rig.gateway.url);
    const msgs: any[] = [];
    ws.on('message', (d) => msgs.push(JSON.parse(d.toString())));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await new Promise((r) => ws.once('open', r));
    ws.send(first);
    expect(await closed).toBe(4001);
    expect(msgs[0]).toMatchObject({ type: 'error', code: 'unauthorized' });
  }
});

test('a client that never says hello is closed after the hello deadline', async () => {
  const { startGateway } = await import('../../src/gateway/index.js');
  const gw = await startGateway({ tokens: [{ token: OPERATOR, role: 'operator', name: 'x' }], upstream: rig.upstream, dataDir: rig.dataDir + '/hello', helloTimeoutMs: 200, rediscover: false });
  try {
    const ws = new WebSocket(gw.url);
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    expect(code).toBe(4001);
  } finally {
    await gw.close();
  }
});

test('heartbeat: a peer that stops answering pings is terminated; a live one stays', async () => {
  const { startGateway } = await import('../../src/gateway/index.js');
  const gw = await startGateway({ tokens: [{ token: OPERATOR, role: 'operator', name: 'x' }], upstream: rig.upstream, dataDir: rig.dataDir + '/hb', heartbeatMs: 150, rediscover: false });
  try {
    const open = async () => {
      const ws = new WebSocket(gw.url);
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: OPERATOR }));
      await new Promise((r) => ws.once('message', r));
      return ws;
    };
    const alive = await open();
    const dead = await open();
    const deadClosed = new Promise((r) => dead.once('close', r));
    ((dead as any)._socket as import('node:net').Socket).pause(); // reads nothing, answers no ping
    await waitFor(() => gw.stats().clients === 1, 3000, 'dead peer terminated');
    expect(alive.readyState).toBe(WebSocket.OPEN);
    ((dead as any)._socket as import('node:net').Socket).resume();
    await deadClosed;
    alive.close();
  } finally {
    await gw.close();
  }
});
