// The reconnecting client: connection states, resume with sequences (replay or an explicit gap),
// command time-outs, and malformed frames that must not crash anything.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import { GatewayClient, type ConnState, type GapInfo } from '../../src/client/index.js';
import type { LogLine } from '../../src/domain/index.js';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { startRig, waitFor, type Rig } from './helpers.js';
import { followJob } from '../../src/cli/twins.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ gateway: { replayLines: 100 } });
});
afterAll(async () => {
  await rig?.close();
});

/** Drop the client's socket without telling it (as a network failure would). */
function cut(c: GatewayClient): void {
  (c as any).ws?.terminate();
}

describe('reconnect and resume', () => {
  test('states go connecting → live → reconnecting (with a retry time) → live', async () => {
    const c = rig.client();
    const seen: ConnState[] = [];
    c.onState((s) => seen.push({ ...s }));
    await c.waitLive();
    cut(c);
    await waitFor(() => seen.some((s) => s.status === 'reconnecting'), 2000, 'reconnecting');
    const r = seen.find((s) => s.status === 'reconnecting')!;
    expect(r.retryAt).toBeGreaterThanOrEqual(Date.now() - 1000);
    expect(r.attempt).toBe(1);
    await waitFor(() => c.state.status === 'live', 3000, 'live again');
    expect(c.state.attempt).toBe(0);
    await c.close();
    expect(c.state.status).toBe('offline');
  });

  test('a short drop is replayed from the buffer: every line once, in order, no gap', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const c = rig.client();
    await c.waitLive();
    const got: LogLine[] = [];
    const gaps: GapInfo[] = [];
    const sub = c.subscribe('logs', { envs: [env] }, { onEvent: (d) => got.push(...d.lines.filter((l) => l.message.startsWith('r-'))), onGap: (g) => gaps.push(g) });
    await waitFor(() => sub.lastSeq > 0, 5000, 'subscribed');
    rig.sandbox.emitLog(env, Array.from({ length: 20 }, (_, i) => ({ message: `r-${i}` })));
    await waitFor(() => got.length === 20, 5000, 'first lines');
    // another client keeps the topic (and its replay buffer) alive while this one is away
    const keep = rig.client();
    await keep.waitLive();
    const ks = keep.subscribe('logs', { envs: [env] }, {});
    await waitFor(() => ks.lastSeq > 0, 5000, 'second subscriber');
    (c as any).base = (c as any).max = 60_000; // stay away until told
    cut(c);
    await waitFor(() => c.state.status === 'reconnecting', 2000, 'away');
    let kept = 0;
    const ks2 = keep.subscribe('logs', { envs: [env] }, { onEvent: (d) => (kept += d.lines.filter((l) => l.message.startsWith('r-')).length) });
    await waitFor(() => ks2.lastSeq > 0, 5000, 'keeper');
    rig.sandbox.emitLog(env, Array.from({ length: 30 }, (_, i) => ({ message: `r-${20 + i}` })));
    await waitFor(() => kept === 30, 5000, 'lines reached the gateway meanwhile');
    c.reconnect();
    await waitFor(() => got.length >= 50, 5000, 'replayed lines');
    // a closing line: once it is here, a line twice or a gap would have come before it
    rig.sandbox.emitLog(env, [{ message: 'r-end' }]);
    await waitFor(() => got.some((l) => l.message === 'r-end'), 5000, 'the closing line');
    expect(got.pop()!.message).toBe('r-end');
    expect(got.map((l) => l.message)).toEqual(Array.from({ length: 50 }, (_, i) => `r-${i}`));
    expect(gaps).toEqual([]);
    const seqs = got.map((l) => l.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    await c.close();
    await keep.close();
  });

  test('a drop longer than the replay buffer yields a gap stating exactly how many lines are lost', async () => {
    const env = rig.sandbox.ids('acme-reports', 'test').env!;
    const keep = rig.client();
    await keep.waitLive();
    const ks = keep.subscribe('logs', { envs: [env] }, {});
    await waitFor(() => ks.lastSeq > 0, 5000, 'keeper');
    const c = rig.client();
    await c.waitLive();
    const got: string[] = [];
    const gaps: GapInfo[] = [];
    const sub = c.subscribe('logs', { envs: [env] }, { onEvent: (d) => got.push(...d.lines.map((l) => l.message).filter((m) => m.startsWith('g-'))), onGap: (g) => gaps.push(g) });
    await waitFor(() => sub.lastSeq > 0, 5000, 'subscribed');
    (c as any).base = (c as any).max = 60_000; // stay away until told
    cut(c);
    await waitFor(() => c.state.status === 'reconnecting', 2000, 'away');
    // overflow the 100-line replay buffer while the client is away
    let kept = 0;
    keep.subscribe('logs', { envs: [env] }, { onEvent: (d) => (kept += d.lines.filter((l) => l.message.startsWith('g-')).length) });
    rig.sandbox.emitLog(env, Array.from({ length: 250 }, (_, i) => ({ message: `g-${i}` })));
    await waitFor(() => kept === 250, 5000, 'lines reached the gateway meanwhile');
    c.reconnect();
    await waitFor(() => got.includes('g-249'), 8000, 'live again with the tail');
    expect(gaps).toHaveLength(1);
    expect(gaps[0].reason).toBe('replay-exhausted');
    expect(gaps[0].missed).toBe(gaps[0].to - gaps[0].from + 1);
    // what arrived plus what the gap declares lost = everything
    expect(got.length + gaps[0].missed).toBe(250);
    expect(got).toEqual(Array.from({ length: 250 }, (_, i) => `g-${i}`).slice(250 - got.length));
    await c.close();
    await keep.close();
  });
});

describe('edge cases against a fake gateway', () => {
  let wss: WebSocketServer;
  let url: string;
  const behaviour: { onMessage?: (ws: import('ws').WebSocket, m: any) => void } = {};
  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    url = `ws://127.0.0.1:${(wss.address() as any).port}`;
    wss.on('connection', (ws) => {
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.type === 'hello') {
          ws.send(JSON.stringify({ type: 'welcome', protocol: PROTOCOL_VERSION, serverVersion: 'fake', upstream: { kind: 'sandbox', zone: 'SANDBOX', user: null }, role: 'operator', readOnly: false, capabilities: [] }));
          return;
        }
        behaviour.onMessage?.(ws, m);
      });
    });
  });
  afterAll(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
  });

  test('a command that is never acknowledged times out with a clear error', async () => {
    behaviour.onMessage = () => {};
    const c = new GatewayClient({ url, token: 'x', commandTimeoutMs: 300 });
    c.connect();
    await c.waitLive();
    await expect(c.command('deploy', { env: 'e1' })).rejects.toThrow(/not acknowledged by the gateway within 0 s|not acknowledged/);
    await c.close();
  });

  test('malformed server frames become onError for their subscription, never a throw', async () => {
    behaviour.onMessage = (ws, m) => {
      if (m.type !== 'subscribe') return;
      ws.send('not json at all');
      ws.send(JSON.stringify({ type: 'snapshot', sub: m.id, topic: 'fleet', seq: 1, data: { rows: [{ nonsense: true }] } }));
      ws.send(JSON.stringify({ type: 'event', sub: m.id, topic: 'fleet', seq: 'x', data: {} }));
      ws.send(JSON.stringify({ type: 'snapshot', sub: m.id, topic: 'fleet', seq: 2, data: { rows: [] } }));
    };
    const c = new GatewayClient({ url, token: 'x' });
    c.connect();
    await c.waitLive();
    const errors: string[] = [];
    const snaps: unknown[] = [];
    c.subscribe('fleet', {}, { onError: (e) => errors.push(e), onSnapshot: (d) => snaps.push(d) });
    await waitFor(() => snaps.length === 1, 3000, 'the valid snapshot');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/malformed fleet snapshot/);
    expect(c.state.status).toBe('live');
    await c.close();
  });

  test('a job that ends in the same read as the command\'s answer is followed to its end, not waited for forever', async () => {
    const job = (state: string, t: number) => ({
      id: 'job_0000abcd', kind: 'backup', idempotencyKey: 'k', state, target: 'shop@test', app: 'shop', env: 'test', params: { env: 'e1' },
      percent: null, stage: null, steps: [{ name: 'backup', state: state === 'succeeded' ? 'succeeded' : 'pending', startedAt: null, endedAt: null }],
      createdAt: 1000, updatedAt: t, endedAt: state === 'succeeded' ? t : null, error: null, result: null, upstreamId: null, actor: 'a', role: 'operator',
    });
    // the answer and the job's end written in one turn: the client reads them in one chunk
    behaviour.onMessage = (ws, m) => {
      if (m.type !== 'command') return;
      ws.send(JSON.stringify({ type: 'command-result', id: m.id, ok: true, job: job('queued', 1000) }));
      ws.send(JSON.stringify({ type: 'job', job: job('running', 1001) }));
      ws.send(JSON.stringify({ type: 'job', job: job('succeeded', 1002) }));
    };
    const c = new GatewayClient({ url, token: 'x' });
    c.connect();
    await c.waitLive();
    const started = await c.command('backup', { env: 'e1' });
    expect(started.state).toBe('queued');
    const outcome = await Promise.race([followJob(c, started, true), new Promise((r) => setTimeout(() => r('still waiting after 3 s'), 3000))]);
    expect(outcome).toBe(0);
    await c.close();
  });

  test('commands while offline fail at once with a clear error', async () => {
    const c = new GatewayClient({ url: 'ws://127.0.0.1:1', token: 'x' });
    await expect(c.command('backup', { env: 'e' })).rejects.toThrow(/not connected to the gateway/);
    await c.close();
  });
});
