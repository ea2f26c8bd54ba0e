// Runtime-log gaps told from what real Divio pages carry (results, next, previous): no `missed`.
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DivioClient, followRuntimeLogs } from '../../src/divio/index.js';
import { cursorGap, DIVIO_LOG_RETENTION, logGapText, resumeGap } from '../../src/domain/loggap.js';

const BASE = 'https://api.divio.com';
const LOGS = `${BASE}/apps/v3/environments/e1/logs/`;

describe('gap signs', () => {
  it('a positional cursor that moved past lines never received: the exact count', () => {
    expect(cursorGap(`${LOGS}?after=100&page_size=1000`, `${LOGS}?after=1600&page_size=1000`, 100)).toEqual({ count: 1400, reason: 'cursor-skip' });
    expect(cursorGap(`${LOGS}?after=100`, `${LOGS}?after=150`, 50)).toBeNull();
    expect(cursorGap(`${LOGS}?offset=0`, `${LOGS}?offset=30`, 10)).toEqual({ count: 20, reason: 'cursor-skip' });
    // a cursor that knows its position decides, even on a full page
    expect(cursorGap(`${LOGS}?after=0`, `${LOGS}?after=1000`, 1000)).toBeNull();
  });
  it('an opaque cursor whose page holds a whole retention window: unknown count', () => {
    expect(cursorGap(`${LOGS}?cursor=cD0yMDI2`, `${LOGS}?cursor=cD0yMDI3`, DIVIO_LOG_RETENTION)).toEqual({ count: null, reason: 'full-window' });
    expect(cursorGap(`${LOGS}?cursor=cD0yMDI2`, `${LOGS}?cursor=cD0yMDI3`, DIVIO_LOG_RETENTION - 1)).toBeNull();
    // a timestamp-looking cursor is not read as a position
    expect(cursorGap(`${LOGS}?from_ts=1700000000`, `${LOGS}?from_ts=1700000600`, 5)).toBeNull();
  });
  it('resuming by time: the first line served newer than the last one received', () => {
    expect(resumeGap('2026-01-01T10:00:05.000001Z', '2026-01-01T10:04:00.000000Z')).toEqual({ count: null, reason: 'retention-jump' });
    expect(resumeGap('2026-01-01T10:00:05.000001Z', '2026-01-01T10:00:05.000001Z')).toBeNull();
    expect(resumeGap('2026-01-01T10:00:05.000001Z', '2026-01-01T10:00:00.000000Z')).toBeNull();
    expect(resumeGap(null, '2026-01-01T10:04:00.000000Z')).toBeNull();
  });
  it('marker text: a count where known, "unknown count" where not', () => {
    expect(logGapText({ count: 3, reason: 'cursor-skip' }, 'shop@live')).toBe('3 lines of shop@live expired upstream before they could be fetched (retention)');
    expect(logGapText({ count: null, reason: 'full-window' }, 'shop@live')).toMatch(/may have expired upstream .*unknown count/);
  });
});

describe('followRuntimeLogs marks a gap on pages without `missed`', () => {
  let agent: MockAgent;
  let client: DivioClient;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    client = new DivioClient({ baseUrl: BASE, token: 'tok_test_123456', dispatcher: agent, random: () => 0 });
  });
  afterEach(async () => {
    await client.close();
    await agent.close();
  });

  const line = (i: number) => ({ timestamp: `2026-01-01T10:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0')}Z`, service: 'web', message: `m${i}` });

  it('an opaque cursor, then a page holding 1,000 lines (the window moved past the cursor): one unknown-count gap', async () => {
    const pages = [
      { results: [line(1), line(2)] },
      { results: Array.from({ length: 1000 }, (_, i) => line(5000 + i)) },
      { results: [line(7000)] },
    ];
    let i = 0;
    agent.get(BASE)
      .intercept({ path: (p) => p.startsWith('/apps/v3/environments/e1/logs/') })
      .reply(() => {
        const k = Math.min(i, pages.length - 1);
        i++;
        return { statusCode: 200, data: { ...pages[k], next: `${LOGS}?cursor=opaque${i}`, previous: null }, responseOptions: { headers: { 'content-type': 'application/json' } } };
      })
      .persist();
    const ac = new AbortController();
    const seen: { n: number; gap: unknown }[] = [];
    for await (const p of followRuntimeLogs(client, 'e1', { signal: ac.signal, idleMs: 5 })) {
      seen.push({ n: p.results.length, gap: p.gap ?? null });
      if (seen.length === 3) ac.abort();
    }
    expect(seen).toEqual([
      { n: 2, gap: null },
      { n: 1000, gap: { count: null, reason: 'full-window' } },
      { n: 1, gap: null },
    ]);
  });

  it('a positional cursor that skipped lines: the page is yielded with the count even when empty', async () => {
    const pages = [
      { results: [line(1)], next: `${LOGS}?after=1` },
      { results: [], next: `${LOGS}?after=1` },
      { results: [line(40), line(41)], next: `${LOGS}?after=41` },
    ];
    let i = 0;
    agent.get(BASE)
      .intercept({ path: (p) => p.startsWith('/apps/v3/environments/e1/logs/') })
      .reply(() => {
        const k = Math.min(i, pages.length - 1);
        i++;
        return { statusCode: 200, data: { ...pages[k], previous: null }, responseOptions: { headers: { 'content-type': 'application/json' } } };
      })
      .persist();
    const ac = new AbortController();
    const gaps: unknown[] = [];
    for await (const p of followRuntimeLogs(client, 'e1', { signal: ac.signal, idleMs: 5 })) {
      if (p.gap) gaps.push(p.gap);
      if (p.results.some((r) => r.message === 'm41')) ac.abort();
    }
    expect(gaps).toEqual([{ count: 38, reason: 'cursor-skip' }]);
  });
});
