// The log session against real parts, no UI: the sandbox (HTTP), an in-process gateway (WebSocket)
// and the reconnecting client. Pausing loses nothing; a reconnect gap becomes a marker with its
// count; leaving the view and coming back keeps every line once.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { GatewayClient } from '../../src/client/index.js';
import { LogSession, staticClient } from '../../src/store/logsession.js';
import type { LineEntry, MarkerEntry } from '../../src/store/logbuffer.js';
import { startRig, waitFor, type Rig } from '../gateway/helpers.js';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ gateway: { replayLines: 100 } });
});
afterAll(async () => {
  await rig?.close();
});

/** Numbers embedded as `<tag> <n>` in the buffer's lines, in buffer order. */
function numbers(s: LogSession, tag: string): number[] {
  const out: number[] = [];
  const re = new RegExp(`^${tag} (\\d+)\\b`);
  for (const e of s.buffer.entries()) {
    if (e.kind !== 'line') continue;
    const m = re.exec(e.text);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

function markers(s: LogSession): MarkerEntry[] {
  return [...s.buffer.entries()].filter((e): e is MarkerEntry => e.kind === 'marker');
}

function cut(c: GatewayClient): void {
  (c as unknown as { ws: { terminate(): void } | null }).ws?.terminate();
}

describe('log session over the real gateway', () => {
  test('paused at 500 lines/s (600 lines go by): after resuming every line is there, in order, and the badge counted them', async () => {
    const env = rig.sandbox.ids('acme-reports', 'live').env!;
    const c = rig.client();
    await c.waitLive();
    const s = new LogSession({ envs: [env], labels: ['acme-reports@live'], name: 'acme-reports-live' });
    const release = s.show(staticClient(c));
    await waitFor(() => s.loaded, 5000, 'first snapshot');
    let n = 0;
    const emit = (): void => rig.sandbox.emitLog(env, Array.from({ length: 25 }, () => ({ message: `p ${n++} GET /items HTTP/1.1 200` })));
    const timer = setInterval(emit, 50); // 25 lines every 50 ms = 500 lines/s
    try {
      await waitFor(() => numbers(s, 'p').length > 100, 5000, 'lines flowing');
      // the user scrolls up: the view pauses where it is
      const top = s.buffer.endId - 20;
      s.setScroll({ follow: false, topId: top, row: 0 });
      const pausedAt = s.buffer.endId;
      expect(s.following).toBe(false);
      // lines go on arriving while the view is paused (condition: well over 500 of them)
      await waitFor(() => [...s.buffer.entries(pausedAt)].length > 600, 15_000, 'lines while paused');
      await waitFor(() => s.newLines() === [...s.buffer.entries(pausedAt)].length, 5000, 'the count of new lines to catch up');
      const during = s.newLines();
      const arrived = [...s.buffer.entries(pausedAt)].length;
      expect(during).toBe(arrived);
      expect(during).toBeGreaterThan(500);
      // the paused view did not move
      expect(s.scroll).toEqual({ follow: false, topId: top, row: 0 });
    } finally {
      clearInterval(timer);
    }
    const total = n;
    s.follow();
    expect(s.newLines()).toBe(0);
    await waitFor(() => numbers(s, 'p').length >= total, 8000, `all ${total} lines`);
    const got = numbers(s, 'p');
    expect(got).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(s.buffer.usage().lost).toBe(0);
    expect(markers(s).filter((m) => m.marker.kind !== 'deployment' && m.marker.kind !== 'info')).toEqual([]);
    release();
    s.dispose();
    await c.close();
  }, 30_000);

  test('a reconnect longer than the replay buffer becomes a gap marker with the exact count; lines + lost = all', async () => {
    const env = rig.sandbox.ids('acme-reports', 'test').env!;
    const keep = rig.client(); // keeps the topic (and its replay buffer) alive while the session's client is away
    await keep.waitLive();
    const ks = keep.subscribe('logs', { envs: [env] }, {});
    await waitFor(() => ks.lastSeq > 0, 5000, 'keeper');
    const c = rig.client();
    await c.waitLive();
    const s = new LogSession({ envs: [env], labels: ['acme-reports@test'] });
    const release = s.show(staticClient(c));
    await waitFor(() => s.loaded, 5000, 'snapshot');
    rig.sandbox.emitLog(env, Array.from({ length: 10 }, (_, i) => ({ message: `g ${i}` })));
    await waitFor(() => numbers(s, 'g').length === 10, 5000, 'first lines');
    (c as unknown as { base: number; max: number }).base = (c as unknown as { max: number }).max = 60_000; // stay away until told
    cut(c);
    await waitFor(() => c.state.status === 'reconnecting', 2000, 'away');
    let kept = 0;
    keep.subscribe('logs', { envs: [env] }, { onEvent: (d) => (kept += d.lines.filter((l) => l.message.startsWith('g ')).length) });
    rig.sandbox.emitLog(env, Array.from({ length: 250 }, (_, i) => ({ message: `g ${10 + i}` })));
    await waitFor(() => kept === 250, 5000, 'lines reached the gateway meanwhile');
    c.reconnect();
    await waitFor(() => numbers(s, 'g').includes(259), 8000, 'the tail after the reconnect');
    // a last line after everything: once it is here, whatever the replay held has been delivered
    rig.sandbox.emitLog(env, [{ message: 'end of g' }]);
    await waitFor(() => [...s.buffer.entries()].some((e) => e.kind === 'line' && e.text === 'end of g'), 8000, 'the closing line');
    const got = numbers(s, 'g');
    const gaps = markers(s).filter((m) => m.marker.kind === 'gap');
    expect(gaps).toHaveLength(1);
    const missed = gaps[0]!.marker.count;
    expect(missed).toBeGreaterThan(0);
    expect(got.length + missed).toBe(260);
    expect(s.buffer.usage().lost).toBe(missed);
    // the marker sits where the lines are missing: after g 9, before the first replayed line
    const order = [...s.buffer.entries()].map((e) => (e.kind === 'marker' ? e.marker.kind : (e as LineEntry).text.split(' ')[0] === 'g' ? (e as LineEntry).text : null)).filter(Boolean);
    const gi = order.indexOf('gap');
    expect(order[gi - 2]).toMatch(/^g 9$|^info$/);
    expect(order.slice(gi + 1).find((x) => x !== 'info')).toBe(`g ${10 + missed}`);
    // the reconnect itself is stated in-band as well
    expect(markers(s).some((m) => m.marker.kind === 'info' && /reconnected to the gateway/.test(m.text))).toBe(true);
    release();
    s.dispose();
    await c.close();
    await keep.close();
  }, 30_000);

  test('leaving the view and coming back keeps the buffer; the new snapshot adds only what is new', async () => {
    const env = rig.sandbox.ids('acme-booking', 'live').env!;
    const c = rig.client();
    await c.waitLive();
    const s = new LogSession({ envs: [env], labels: ['acme-booking@live'] });
    const pollersBefore = rig.gateway.stats().pollers;
    let release = s.show(staticClient(c));
    await waitFor(() => s.loaded, 5000, 'snapshot');
    rig.sandbox.emitLog(env, Array.from({ length: 20 }, (_, i) => ({ message: `h ${i}` })));
    await waitFor(() => numbers(s, 'h').length === 20, 5000, 'first lines');
    release(); // the user navigates away: the topic is released
    expect(s.shown).toBe(false);
    rig.sandbox.emitLog(env, Array.from({ length: 15 }, (_, i) => ({ message: `h ${20 + i}` })));
    // longer than the gateway's grace for the topic and then for the environment's follower: both stop,
    // and the new topic starts its follower from our last line (resumeAfter)
    await waitFor(() => rig.gateway.stats().pollers <= pollersBefore, 10_000, 'the topic and its follower to stop');
    release = s.show(staticClient(c));
    await waitFor(() => numbers(s, 'h').includes(34), 8000, 'lines from while away');
    rig.sandbox.emitLog(env, Array.from({ length: 5 }, (_, i) => ({ message: `h ${35 + i}` })));
    await waitFor(() => numbers(s, 'h').includes(39), 5000, 'new lines');
    rig.sandbox.emitLog(env, [{ message: 'end of h' }]);
    await waitFor(() => [...s.buffer.entries()].some((e) => e.kind === 'line' && e.text === 'end of h'), 8000, 'the closing line');
    expect(numbers(s, 'h')).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(markers(s).filter((m) => m.marker.kind === 'gap')).toEqual([]);
    release();
    s.dispose();
    await c.close();
  }, 20_000);
});
