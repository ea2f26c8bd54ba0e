// One upstream poller per topic: 20 clients cost the sandbox what one client costs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import type { LogLine } from '../../src/domain/index.js';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { EnvLogFollower, FOLLOWER_FLOW_MS } from '../../src/gateway/follower.js';
import { OPERATOR, startRig, waitFor, sleep, type Rig } from './helpers.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.close();
});

/** Subscribe `n` clients to the logs of `env`, emit lines for `ms`, return the log requests the sandbox saw. */
async function run(n: number, env: string, ms: number, tag: string): Promise<{ requests: number; perClient: number[] }> {
  const clients = Array.from({ length: n }, () => rig.client());
  await Promise.all(clients.map((c) => c.waitLive()));
  const got: string[][] = clients.map(() => []);
  const subs = clients.map((c, i) =>
    c.subscribe('logs', { envs: [env] }, {
      onEvent: (d) => got[i].push(...d.lines.map((l: LogLine) => l.message)),
    }),
  );
  await waitFor(() => subs.every((s) => s.lastSeq > 0), 5000, 'all subscriptions answered');
  rig.sandbox.resetStats();
  const t0 = Date.now();
  let k = 0;
  while (Date.now() - t0 < ms) {
    rig.sandbox.emitLog(env, [{ message: `${tag}-${k++}` }, { message: `${tag}-${k++}` }]);
    await sleep(100);
  }
  const emitted = k;
  await waitFor(() => got.every((g) => g.filter((m) => m.startsWith(`${tag}-`)).length >= emitted), 5000, 'every client got every line');
  const requests = rig.sandbox.stats().logRequests;
  subs.forEach((s) => s.unsubscribe());
  await Promise.all(clients.map((c) => c.close()));
  await waitFor(() => rig.gateway.stats().pollers === 0, 5000, 'pollers stopped after the grace period');
  return { requests, perClient: got.map((g) => g.filter((m) => m.startsWith(`${tag}-`)).length) };
}

describe('fan-out', () => {
  test('20 clients on one logs topic make the same upstream log requests as 1 client', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const one = await run(1, env, 1500, 'one');
    const twenty = await run(20, env, 1500, 'twenty');
    expect(one.requests).toBeGreaterThan(0);
    // every one of the 20 clients saw every line, in order
    expect(new Set(twenty.perClient).size).toBe(1);
    const ratio = twenty.requests / one.requests;
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(1.6);
  });

  test('a stream that never pauses costs one log request per flow interval, however long the gateway takes to hand a page out', async () => {
    // Lines keep arriving while the gateway hands each page to its subscribers (with 100 clients that
    // takes long enough that it always does): the listener emits the next lines as it gets a page.
    // Asking again at once after every non-empty page, the follower then never found an empty page
    // and polled as fast as the upstream answered — a hundred subscribers cost more than one.
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const scale = 0.1;
    const flowMs = FOLLOWER_FLOW_MS * scale;
    const f = new EnvLogFollower(env, rig.upstream, scale);
    let emitted = 0;
    const got: string[] = [];
    const more = () => rig.sandbox.emitLog(env, [0, 1, 2].map(() => ({ message: `flow-${emitted++}` })));
    f.listeners.add({
      onBatch: (b) => {
        got.push(...b.lines.map((l) => l.message).filter((m) => m.startsWith('flow-')));
        more();
      },
      onReady: () => {},
      onHealth: () => {},
    });
    more();
    f.start();
    try {
      await waitFor(() => f.ready && got.length > 0, 5000, 'the first lines');
      rig.sandbox.resetStats();
      const t0 = Date.now();
      await sleep(1500);
      const requests = rig.sandbox.stats().logRequests;
      const ms = Date.now() - t0;
      // one request per flow interval at most (was: as many as the upstream could answer, ~10× more)
      expect(requests).toBeLessThanOrEqual(Math.ceil(ms / flowMs) + 2);
      // and still following: every line that came reached the listener, in order
      expect(requests).toBeGreaterThan(ms / flowMs / 4);
      await waitFor(() => got.length >= emitted - 3, 5000, 'the lines emitted so far');
      expect(got.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, k) => `flow-${k}`));
    } finally {
      f.stop();
    }
  });

  test('the metrics topic and a merged logs topic reuse the environment log follower', async () => {
    const a = rig.sandbox.ids('acme-reports', 'live').env!;
    const b = rig.sandbox.ids('acme-reports', 'test').env!;
    const c = rig.client();
    await c.waitLive();
    const merged: LogLine[] = [];
    let metrics = 0;
    const s1 = c.subscribe('logs', { envs: [b, a] }, { onEvent: (d) => merged.push(...d.lines) });
    const s2 = c.subscribe('logs', { envs: [a] }, {});
    const s3 = c.subscribe('metrics', { env: a }, { onSnapshot: () => metrics++ });
    await waitFor(() => s1.lastSeq > 0 && s2.lastSeq > 0 && metrics > 0, 5000, 'subscriptions answered');
    // two environments followed, whatever the number of topics: 3 topics + 2 followers
    expect(rig.gateway.stats().pollers).toBe(5);
    rig.sandbox.emitLog(a, [{ message: 'from-live' }]);
    await waitFor(() => merged.some((l) => l.message === 'from-live'), 5000, 'the first line');
    rig.sandbox.emitLog(b, [{ message: 'from-test' }]);
    await waitFor(() => merged.some((l) => l.message === 'from-test') && merged.some((l) => l.message === 'from-live'), 5000, 'merged lines');
    const live = merged.find((l) => l.message === 'from-live')!;
    const test = merged.find((l) => l.message === 'from-test')!;
    expect(live.source).toBe('acme-reports@live');
    expect(test.source).toBe('acme-reports@test');
    expect(live.seq).toBeLessThan(test.seq);
    s1.unsubscribe();
    s2.unsubscribe();
    s3.unsubscribe();
    await waitFor(() => rig.gateway.stats().pollers === 0, 5000, 'nothing polled once nobody watches');
  });

  test('a 1,000-line page reaches every client complete and in order, and a resume from any frame it came in continues exactly after it', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    // enough clients that the gateway sends the page to them in several rounds of frames
    const clients = Array.from({ length: 20 }, () => rig.client());
    await Promise.all(clients.map((c) => c.waitLive()));
    const frames: { seq: number; lines: LogLine[] }[][] = clients.map(() => []);
    const subs = clients.map((c, i) =>
      c.subscribe('logs', { envs: [env] }, {
        onEvent: (d, seq) => {
          const lines = d.lines.filter((l: LogLine) => l.message.startsWith('page-'));
          if (lines.length) frames[i].push({ seq, lines });
        },
      }),
    );
    await waitFor(() => subs.every((s) => s.lastSeq > 0), 5000, 'all subscriptions answered');
    const N = 1000;
    rig.sandbox.emitLog(env, Array.from({ length: N }, (_, k) => ({ message: `page-${k} ${'x'.repeat(100)}` })));
    const count = (i: number) => frames[i].reduce((a, f) => a + f.lines.length, 0);
    await waitFor(() => clients.every((_, i) => count(i) >= N), 10_000, 'every client got the page');
    for (const fs of frames) {
      const lines = fs.flatMap((f) => f.lines);
      // every line once, in emission order, with consecutive sequence numbers
      expect(lines.map((l) => l.message.split(' ')[0])).toEqual(Array.from({ length: N }, (_, k) => `page-${k}`));
      for (let k = 1; k < N; k++) expect(lines[k].seq).toBe(lines[k - 1].seq + 1);
    }
    // a client that had everything up to the end of one of those frames resumes from its sequence
    // (the page is more than one frame: the middle one ends inside it)
    expect(frames[0].length).toBeGreaterThan(1);
    const midIdx = Math.floor(frames[0].length / 2);
    const mid = frames[0][midIdx];
    // what that client held: the lines of the frames up to and including that one
    const before = frames[0].slice(0, midIdx + 1).reduce((a, f) => a + f.lines.length, 0);
    const replayed: string[] = [];
    let gaps = 0;
    const ws = new WebSocket(rig.gateway.url);
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString());
      if (m.type === 'gap') gaps++;
      if (m.type === 'event' && m.sub === 'again') for (const l of m.data.lines) if (l.message.startsWith('page-')) replayed.push(l.message.split(' ')[0]);
    });
    await new Promise<void>((r, j) => {
      ws.once('open', () => r());
      ws.once('error', j);
    });
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: OPERATOR }));
    ws.send(JSON.stringify({ type: 'subscribe', id: 'again', topic: 'logs', params: { envs: [env] }, resumeFrom: mid.seq }));
    await waitFor(() => replayed.length >= N - before, 5000, 'the rest of the page replayed');
    // a closing line: once it is here, a gap (or a line twice) would have come before it
    let closed = false;
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.type === 'event' && m.sub === 'again' && m.data.lines.some((l: { message: string }) => l.message === 'replay-end')) closed = true;
    });
    rig.sandbox.emitLog(env, [{ message: 'replay-end' }]);
    await waitFor(() => closed, 10_000, 'the closing line');
    expect(gaps).toBe(0);
    expect(replayed).toEqual(Array.from({ length: N - before }, (_, k) => `page-${before + k}`));
    ws.terminate();
    subs.forEach((s) => s.unsubscribe());
    await Promise.all(clients.map((c) => c.close()));
  });
});
