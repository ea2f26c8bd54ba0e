// Runtime logs: the forward cursor never repeats or skips a line; previous, from_ts/to_ts, retention.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIO, type Sandbox } from '../../src/sandbox/index.js';
import { client, start } from './helpers.js';

let sb: Sandbox;
let api: ReturnType<typeof client>;
beforeAll(async () => { sb = await start({ logRetention: 100_000 }); api = client(sb); });
afterAll(async () => { await sb.close(); });

describe('runtime log cursor', () => {
  it('follows next across 10,000 lines (injected in bursts while background lines flow) without a repeat or a gap', async () => {
    const env = sb.ids(SCENARIO.healthyApp, 'live').env!;
    const tail = await api.get(`/apps/v3/environments/${env}/logs/`);
    let next: string = tail.body.next;
    const startLen = sb.state.logs[env].lines.length;
    sb.setLogRate(200, env); // background lines interleave with the injected ones
    const got: string[] = [];
    let emitted = 0;
    let emptyPages = 0;
    while (emitted < 10_000 || got.filter((m) => m.startsWith('marker ')).length < 10_000) {
      if (emitted < 10_000) {
        const n = Math.min(10_000 - emitted, 1 + ((emitted * 7919) % 1500));
        sb.emitLog(env, Array.from({ length: n }, (_, i) => ({ service: 'web', message: `marker ${emitted + i}` })));
        emitted += n;
      }
      const page = await api.get(next);
      expect(page.status).toBe(200);
      expect(page.body).not.toHaveProperty('missed');
      if (page.body.results.length === 0) emptyPages++;
      got.push(...page.body.results.map((l: { message: string }) => l.message));
      expect(page.body.next).toBeTruthy();
      next = page.body.next;
      if (emptyPages > 50) throw new Error('cursor stalled');
    }
    sb.setLogRate(0, env);
    const markers = got.filter((m) => m.startsWith('marker '));
    expect(markers).toEqual(Array.from({ length: 10_000 }, (_, i) => `marker ${i}`));
    // and against the server's own record: exactly every line after the start, in order
    const serverLines = sb.state.logs[env].lines.slice(startLen).map((l) => l.message);
    expect(got).toEqual(serverLines.slice(0, got.length));
    expect(got.length).toBeGreaterThan(10_000); // background lines were there too
  });

  it('an empty page when nothing is new, then only the newer lines', async () => {
    const env = sb.ids(SCENARIO.healthyApp, 'test').env!;
    const tail = await api.get(`/apps/v3/environments/${env}/logs/?page_size=10`);
    const empty = await api.get(tail.body.next);
    expect(empty.body.results).toEqual([]);
    expect(empty.body.next).toBe(tail.body.next);
    sb.emitLog(env, [{ message: 'first new' }, { service: 'worker', message: 'second new' }]);
    const fresh = await api.get(empty.body.next);
    expect(fresh.body.results.map((l: { message: string; service: string }) => `${l.service}:${l.message}`)).toEqual(['web:first new', 'worker:second new']);
    expect((await api.get(fresh.body.next)).body.results).toEqual([]);
  });

  it('previous pages backwards over contiguous lines down to the oldest', async () => {
    const env = sb.ids(SCENARIO.divioCdnApps[0], 'test').env!;
    const all = sb.state.logs[env].lines.map((l) => l.message);
    let r: { body: any } = await api.get(`/apps/v3/environments/${env}/logs/?page_size=70`);
    const pages: string[][] = [];
    for (;;) {
      pages.unshift(r.body.results.map((l: { message: string }) => l.message));
      if (!r.body.previous) break;
      r = await api.get(r.body.previous);
    }
    expect(pages.flat()).toEqual(all);
  });

  it('from_ts / to_ts select a time range; a past range ends with next = null', async () => {
    const env = sb.ids(SCENARIO.customerZoneApp, 'live').env!;
    const lines = sb.state.logs[env].lines;
    const minute = (iso: string) => iso.slice(0, 16);
    const from = minute(lines[Math.floor(lines.length / 4)].timestamp);
    const to = minute(new Date(Date.parse(from + ':00Z') + 3 * 60_000).toISOString());
    const expected = lines.filter((l) => l.timestamp >= `${from}:00` && l.timestamp < `${to}:00`).map((l) => l.message);
    expect(expected.length).toBeGreaterThan(10);
    let next: string | null = `/apps/v3/environments/${env}/logs/?from_ts=${from}&to_ts=${to}&page_size=7`;
    const got: string[] = [];
    let pages = 0;
    while (next && pages++ < 200) {
      const r: { status: number; body: any } = await api.get(next);
      expect(r.status).toBe(200);
      got.push(...r.body.results.map((l: { message: string }) => l.message));
      next = r.body.next;
    }
    expect(next).toBeNull();
    expect(got).toEqual(expected);
  });

  it('bad cursor or timestamp → DRF 400; unknown environment → 404', async () => {
    const env = sb.ids(SCENARIO.healthyApp, 'live').env!;
    const a = await api.get(`/apps/v3/environments/${env}/logs/?after=-3`);
    expect(a.status).toBe(400);
    expect(a.body.after).toHaveLength(1);
    const t = await api.get(`/apps/v3/environments/${env}/logs/?from_ts=yesterday`);
    expect(t.status).toBe(400);
    expect(t.body.from_ts[0]).toMatch(/YYYY-MM-DDThh:mm/);
    expect((await api.get('/apps/v3/environments/nope/logs/')).status).toBe(404);
  });

  it('the lines are realistic: access lines with status and ms, tracebacks, JSON, control sequences', async () => {
    const text = Object.values(sb.state.logs).flatMap((l) => l.lines.map((x) => x.message));
    expect(text.some((m) => /"(GET|POST|PUT|DELETE|HEAD) \/\S* HTTP\/1\.1" 5\d\d .* ms=\d+/.test(m) || /=> generated \d+ bytes in \d+ msecs \(HTTP\/1\.1 5\d\d\)/.test(m))).toBe(true);
    expect(text).toContain('Traceback (most recent call last):');
    expect(text.some((m) => m.startsWith('{"level":'))).toBe(true);
    expect(text.some((m) => m.includes('\x1b]52;'))).toBe(true);
    expect(text.some((m) => m.includes('\x1b[2J') || m.includes('\x1b[6n') || m.includes('\r'))).toBe(true);
    const services = new Set(Object.values(sb.state.logs).flatMap((l) => l.lines.map((x) => x.service)));
    for (const s of ['web', 'worker', 'cronjob']) expect(services.has(s)).toBe(true);
  });
});

describe('retention', () => {
  it('a cursor that fell behind retention: results, next, previous only; the next cursor moved past the expired lines', async () => {
    const small = await start({ logRetention: 100 });
    try {
      const c = client(small);
      const env = small.ids(SCENARIO.healthyApp, 'live').env!;
      const tail = await c.get(`/apps/v3/environments/${env}/logs/`);
      small.emitLog(env, Array.from({ length: 1500 }, (_, i) => ({ message: `m${i}` })));
      const page = await c.get(tail.body.next);
      expect(Object.keys(page.body).sort()).toEqual(['next', 'previous', 'results']);
      expect(page.body.results[0].message).toBe('m1400');
      // the loss shows in the cursor: it moved 1,500 lines on while 100 came
      const at = (u: string) => Number(new URL(u).searchParams.get('after'));
      expect(at(page.body.next) - at(tail.body.next) - page.body.results.length).toBe(1400);
      expect(small.state.logs[env].lines.length).toBe(100);
    } finally {
      await small.close();
    }
  });

  it('logs flow on their own at logRate for live environments only', async () => {
    const flowing = await start({ logRate: 50 });
    try {
      const live = flowing.ids(SCENARIO.healthyApp, 'live').env!;
      const sleeping = flowing.ids(SCENARIO.sleepingApp, 'live').env!;
      const before = { live: flowing.state.logs[live].nextSeq, sleeping: flowing.state.logs[sleeping].nextSeq };
      // lines are made when an environment is read: read until 15 have come (50/s: about 0.3 s)
      for (const end = Date.now() + 10_000; flowing.state.logs[live].nextSeq - before.live < 15 && Date.now() < end; ) {
        await client(flowing).get(`/apps/v3/environments/${live}/logs/`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(flowing.state.logs[live].nextSeq - before.live).toBeGreaterThanOrEqual(15);
      expect(flowing.state.logs[sleeping].nextSeq).toBe(before.sleeping);
    } finally {
      await flowing.close();
    }
  });
});
