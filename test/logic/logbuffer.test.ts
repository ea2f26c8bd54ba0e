import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LogLine } from '../../src/domain/console.js';
import { LogBuffer, entryLines, entryPlainText, fieldsOf, makeMarker, sourceColorIndex, type LineEntry } from '../../src/store/logbuffer.js';

let seq = 0;
function line(message: string, source = 'shop@live', service = 'web', ts = 1_700_000_000_000 + seq): LogLine {
  return { seq: seq++, ts, source, service, message };
}

describe('LogBuffer caps and eviction accounting', () => {
  it('line cap: keeps the newest N lines, counts evictions, no loss', () => {
    const b = new LogBuffer({ capLines: 100 });
    for (let i = 0; i < 250; i++) b.append(line(`line ${i}`));
    const u = b.usage();
    expect(u.lines).toBe(100);
    expect(u.entries).toBe(100);
    expect(u.evictedLines).toBe(150);
    expect(u.lost).toBe(0);
    expect(u.totalLines).toBe(250);
    expect(b.firstId).toBe(150);
    expect(b.endId).toBe(250);
    expect((b.at(0) as LineEntry).text).toBe('line 150');
    expect((b.at(99) as LineEntry).text).toBe('line 249');
    expect(b.get(149)).toBeUndefined();
    // Every held entry is in order, contiguous.
    const texts = [...b.entries()].map((e) => (e as LineEntry).text);
    expect(texts).toEqual(Array.from({ length: 100 }, (_, i) => `line ${150 + i}`));
  });

  it('byte cap: evicts oldest until the text fits', () => {
    const b = new LogBuffer({ capLines: 1000, capBytes: 100 });
    for (let i = 0; i < 30; i++) b.append(line('x'.repeat(10))); // 10 bytes each
    const u = b.usage();
    expect(u.bytes).toBe(100);
    expect(u.lines).toBe(10);
    expect(u.evictedLines).toBe(20);
    expect(u.evictedBytes).toBe(200);
    expect(u.bytes).toBeLessThanOrEqual(u.capBytes);
  });

  it('markers: gaps, drops, slow-link and retention count as loss; deployment and info do not; eviction never does', () => {
    const b = new LogBuffer({ capLines: 5 });
    b.addMarker({ kind: 'gap', ts: 1, count: 1234, text: 'reconnect 12:03:04–12:03:09' });
    b.addMarker({ kind: 'dropped', ts: 2, count: 10, text: 'upstream dropped' });
    b.addMarker({ kind: 'slow-link', ts: 3, count: 5, text: 'slow link' });
    b.addMarker({ kind: 'retention', ts: 4, count: 1, text: 'retention' });
    b.addMarker({ kind: 'deployment', ts: 5, count: 0, text: 'deployment 4f2c finished' });
    b.addMarker({ kind: 'info', ts: 6, count: 3, text: 'note' });
    for (let i = 0; i < 20; i++) b.append(line(`l${i}`));
    const u = b.usage();
    expect(u.lost).toBe(1234 + 10 + 5 + 1);
    expect(u.evictedLines).toBe(6 + 15);
    expect(u.lines).toBe(5);
  });

  it('200k lines through a 100k ring: newest 100k kept in order', () => {
    const b = new LogBuffer();
    const batch: LogLine[] = [];
    for (let i = 0; i < 200_000; i++) batch.push({ seq: i, ts: i, source: 's', service: 'web', message: `GET /item/${i} 200` });
    for (let i = 0; i < batch.length; i += 1000) b.append(batch.slice(i, i + 1000));
    expect(b.usage().lines).toBe(100_000);
    expect(b.usage().evictedLines).toBe(100_000);
    expect((b.at(0) as LineEntry).seq).toBe(100_000);
    expect((b.at(99_999) as LineEntry).seq).toBe(199_999);
  });

  it('sanitises on append (idempotent); masking is the gateway\'s, where the text entered', () => {
    const b = new LogBuffer();
    b.append(line('\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[31mred\x1b[0m postgres://u:****@db/x'));
    const e = b.at(0) as LineEntry;
    expect(e.text).toBe('\x1b[31mred\x1b[0m postgres://u:****@db/x');
    expect(entryPlainText(e)).toBe('red postgres://u:****@db/x');
  });

  it('cuts giant lines and says how much was not kept', () => {
    const b = new LogBuffer({ maxLineLength: 100 });
    b.append(line('\x1b[31m' + 'y'.repeat(93) + '\x1b[0m' + 'z'.repeat(1000))); // 1102 chars
    const e = b.at(0) as LineEntry;
    // The cut (at 100) falls inside the closing SGR: the half sequence is dropped and a reset added.
    expect(e.text).toBe('\x1b[31m' + 'y'.repeat(93) + '\x1b[0m [1,002 more characters not kept]');
  });

  it('detects levels; fields are lazy', () => {
    const b = new LogBuffer();
    b.append([line('{"level":"error","msg":"x","status":500}'), line('"GET /a HTTP/1.1" 404 1'), line('hello')]);
    expect([0, 1, 2].map((i) => (b.at(i) as LineEntry).level)).toEqual(['error', 'warning', null]);
    const e = b.at(0) as LineEntry;
    expect(e.fields).toBeUndefined();
    expect(fieldsOf(e)).toMatchObject({ level: 'error', status: 500, msg: 'x' });
  });
});

describe('LogBuffer grouping', () => {
  const tb = [
    'Traceback (most recent call last):',
    '  File "/app/x.py", line 3, in f',
    '    raise ValueError("bad")',
    'ValueError: bad',
  ];

  it('attaches continuation lines to the first line of the same source, interleaving with other sources', () => {
    const b = new LogBuffer();
    b.append(line('ERROR Internal Server Error: /x', 'shop@live', 'web'));
    b.append(line('INFO other env', 'shop@test', 'web'));
    for (const l of tb) b.append(line(l, 'shop@live', 'web'));
    b.append(line('INFO after', 'shop@live', 'web'));
    expect(b.size).toBe(3);
    const e = b.at(0) as LineEntry;
    expect(entryLines(e)).toEqual(['ERROR Internal Server Error: /x', ...tb]);
    expect(e.level).toBe('error');
    expect(b.usage().lines).toBe(7);
    expect((b.at(2) as LineEntry).text).toBe('INFO after');
  });

  it('a multi-line message is one entry', () => {
    const b = new LogBuffer();
    b.append(line(tb.join('\n') + '\n'));
    expect(b.size).toBe(1);
    expect(entryLines(b.at(0)!)).toEqual(tb);
    expect((b.at(0) as LineEntry).level).toBe('error');
  });

  it('a marker breaks a group', () => {
    const b = new LogBuffer();
    b.append(line(tb[0]));
    b.addMarker({ kind: 'gap', ts: 1, count: 3, text: 'reconnect' });
    b.append(line(tb[1]));
    expect(b.size).toBe(3);
  });

  it('lists the sources of the lines held; a traceback continues its own source after another source was evicted', () => {
    const b = new LogBuffer({ capLines: 4 });
    b.append(line('INFO from test', 'shop@test', 'web'));
    b.append(line('ERROR failed', 'shop@live', 'web'));
    expect(b.sources()).toEqual(['shop@live', 'shop@test']);
    b.append([line('INFO a', 'shop@live', 'worker'), line('INFO b', 'shop@live', 'worker'), line('INFO c', 'shop@live', 'worker')]);
    // shop@test's only line was evicted: it is no longer offered (e.g. in the mute picker).
    expect(b.sources()).toEqual(['shop@live']);
    expect(b.usage().evictedLines).toBe(1);
    // The web group is still held: a traceback line joins it, not the worker's lines.
    b.append(line(tb[0], 'shop@live', 'web'));
    const first = b.at(0) as LineEntry;
    expect(first.service).toBe('web');
    expect(entryLines(first)).toEqual(['ERROR failed', tb[0]]);
    expect(first.traceback).toBe(true);
    // A source that comes back after all its lines were evicted is listed again.
    b.append(line('INFO back', 'shop@test', 'web'));
    expect(b.sources()).toEqual(['shop@live', 'shop@test']);
    expect((b.at(b.size - 1) as LineEntry).source).toBe('shop@test');
  });

  it('group size is capped', () => {
    const b = new LogBuffer({ maxGroupLines: 3 });
    b.append(line('Traceback (most recent call last):'));
    for (let i = 0; i < 5; i++) b.append(line(`  File "f${i}.py"`));
    expect(b.size).toBe(2);
    expect(entryLines(b.at(0)!).length).toBe(3);
  });

  it('reports updated entries for incremental consumers', () => {
    const b = new LogBuffer();
    b.append(line(tb[0]));
    const cur = b.updateCursor;
    b.append(line(tb[1]));
    expect(b.updatesSince(cur)).toEqual({ ids: [0], cursor: cur + 1, overflow: false });
  });
});

describe('LogBuffer notifications, colours, mute', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('coalesces notifications to at most notifyHz per second; version counts every change', async () => {
    vi.useFakeTimers();
    const b = new LogBuffer({ notifyHz: 10 });
    let calls = 0;
    const off = b.subscribe(() => calls++);
    const v0 = b.version;
    for (let i = 0; i < 1000; i++) {
      b.append(line(`l${i}`));
      if (i % 100 === 0) await vi.advanceTimersByTimeAsync(10); // 1000 appends over ~100 ms
    }
    expect(b.version - v0).toBe(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(3); // ≤ 10/s over ~0.1 s, plus the trailing one
    off();
    const before = calls;
    b.append(line('after unsubscribe'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(before);
  });

  it('source colours are stable by name', () => {
    expect(sourceColorIndex('shop@live')).toBe(sourceColorIndex('shop@live'));
    const idx = new Set(['a@live', 'b@live', 'c@test', 'd@test', 'shop@live', 'shop@test'].map((s) => sourceColorIndex(s)));
    expect(idx.size).toBeGreaterThan(1);
  });

  it('mute set changes version and muteVersion', () => {
    const b = new LogBuffer();
    const v = b.version;
    expect(b.toggleMute('shop@test')).toBe(true);
    expect(b.isMuted('shop@test')).toBe(true);
    expect(b.version).toBeGreaterThan(v);
    b.setMuted('shop@test', false);
    expect(b.muteVersion).toBe(2);
  });
});

describe('markers and time-order merging', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makeMarker carries the time range', () => {
    const t = Date.UTC(2026, 0, 1, 12, 3, 4);
    expect(makeMarker('gap', 'reconnect', { from: t, to: t + 5000, count: 1234, utc: true })).toEqual({
      kind: 'gap',
      ts: t + 5000,
      count: 1234,
      text: 'reconnect 12:03:04\u201312:03:09Z',
    });
  });
});
