import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LogLine } from '../../src/domain/console.js';
import { LogBuffer, type LineEntry } from '../../src/store/logbuffer.js';
import { LogQuery, parseFilter, saveBuffer, highlightRanges, compileText, formatTimestamp } from '../../src/store/logquery.js';

const N = 100_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

// The generator: each kind of line is a function of i, so expected counts come from plain loops.
const isError = (i: number) => i % 100 === 0;
const isAccess = (i: number) => !isError(i) && i % 10 === 5;
const status = (i: number) => (i % 20 === 5 ? 503 : 200);
const sourceOf = (i: number) => (i % 3 === 0 ? 'shop@test' : 'shop@live');
function message(i: number): string {
  if (isError(i)) return `ERROR payment failed order=${i}`;
  if (isAccess(i)) return `10.0.0.1 - - [01/Jan/2026:12:00:00 +0000] "GET /api/items/${i} HTTP/1.1" ${status(i)} 10 "-" "ua" 0.0${i % 10}`;
  return `INFO tick ${i}`;
}
function gen(from: number, to: number): LogLine[] {
  const out: LogLine[] = [];
  for (let i = from; i < to; i++) out.push({ seq: i, ts: T0 + i, source: sourceOf(i), service: i % 7 === 0 ? 'worker' : 'web', message: message(i) });
  return out;
}
function countWhere(pred: (i: number) => boolean, from = 0, to = N): number {
  let n = 0;
  for (let i = from; i < to; i++) if (pred(i)) n++;
  return n;
}

let big: LogBuffer;
beforeAll(() => {
  big = new LogBuffer({ capLines: N });
  const lines = gen(0, N);
  for (let i = 0; i < N; i += 5000) big.append(lines.slice(i, i + 5000));
});

describe('filter over a 100k-line buffer', () => {
  it('substring, case-insensitive, whole buffer', () => {
    const q = new LogQuery(big);
    expect(q.setFilter('PAYMENT failed')).toEqual({ ok: true });
    q.sync();
    expect(q.count).toBe(countWhere(isError));
    expect((q.entryAt(0) as LineEntry).text).toBe('ERROR payment failed order=0');
    expect((q.entryAt(q.count - 1) as LineEntry).text).toBe('ERROR payment failed order=99900');
  });

  it('`!` inverts', () => {
    const q = new LogQuery(big);
    q.setFilter('!tick');
    q.sync();
    expect(q.count).toBe(countWhere((i) => isError(i) || isAccess(i)));
  });

  it('/regex/ with flags', () => {
    const q = new LogQuery(big);
    expect(q.setFilter('/order=\\d*000$/')).toEqual({ ok: true });
    q.sync();
    expect(q.count).toBe(countWhere((i) => isError(i) && i % 1000 === 0 && i >= 1000)); // "order=0" has no 000
    q.setFilter('/PAYMENT/i');
    q.sync();
    expect(q.count).toBe(countWhere(isError));
  });

  it('an invalid regex is an error value and the previous filter stays', () => {
    const q = new LogQuery(big);
    q.setFilter('payment');
    const r = q.setFilter('/(unclosed/');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/invalid regex/);
    expect(q.filterError).toMatch(/invalid regex/);
    q.sync();
    expect(q.count).toBe(countWhere(isError));
    // Not regex flags: a literal path, not an error.
    q.setFilter('/api/items/15');
    q.sync();
    expect(q.count).toBe(countWhere((i) => isAccess(i) && `/api/items/${i}`.includes('/api/items/15')));
    expect(parseFilter('/x*/').ok).toBe(false); // matches the empty string
  });

  it('field filters', () => {
    const q = new LogQuery(big);
    const cases: Array<[string, (i: number) => boolean]> = [
      ['@level:error', (i) => isError(i) || (isAccess(i) && status(i) >= 500)],
      ['@level>=warning', (i) => isError(i) || (isAccess(i) && status(i) >= 400)],
      ['@status>=500', (i) => isAccess(i) && status(i) >= 500],
      ['@status:5xx', (i) => isAccess(i) && status(i) >= 500],
      ['@status:200', (i) => isAccess(i) && status(i) === 200],
      ['@status!=200 @path:/api', (i) => isAccess(i) && status(i) !== 200],
      ['@path:/api/items/15', (i) => isAccess(i) && `/api/items/${i}`.includes('/api/items/15')],
      ['@service:worker', (i) => i % 7 === 0],
      ['@source:shop@live', (i) => sourceOf(i) === 'shop@live'],
      ['@status>=500 @source:shop@live', (i) => isAccess(i) && status(i) >= 500 && sourceOf(i) === 'shop@live'],
      ['@level:error payment', (i) => isError(i)],
      ['@level:error !payment', (i) => isAccess(i) && status(i) >= 500],
      ['!@level:info @path:/api', (i) => isAccess(i) && status(i) >= 500],
      ['@duration>=50', (i) => isAccess(i) && i % 10 >= 5],
    ];
    for (const [f, pred] of cases) {
      expect(q.setFilter(f), f).toEqual({ ok: true });
      q.sync();
      expect(q.count, f).toBe(countWhere(pred));
    }
  });

  it('bad field filters are clear errors', () => {
    expect(parseFilter('@level:loud')).toEqual({ ok: false, error: 'unknown level "loud" (error, warning, info, debug)' });
    expect(parseFilter('@status>=abc')).toEqual({ ok: false, error: '@status>= needs a number, got "abc"' });
    expect(parseFilter('@status:')).toEqual({ ok: false, error: '@status: needs a value' });
  });

  it('level toggles', () => {
    const q = new LogQuery(big);
    q.setLevels(['error']);
    q.sync();
    expect(q.count).toBe(countWhere((i) => isError(i) || (isAccess(i) && status(i) >= 500)));
    q.toggleLevel('info'); // info includes lines without a level
    q.sync();
    expect(q.count).toBe(N);
    q.toggleLevel('error');
    q.sync();
    expect(q.count).toBe(countWhere((i) => !(isError(i) || (isAccess(i) && status(i) >= 500))));
  });
});

describe('search over a 100k-line buffer', () => {
  it('counts, steps with wrap-around, "3/17"', () => {
    const q = new LogQuery(big);
    q.setSearch('order=9');
    q.sync();
    const expected = countWhere((i) => isError(i) && String(i).startsWith('9'));
    expect(q.searchCount).toBe(expected);
    expect(q.searchStatus()).toBe(`0/${expected}`);
    const first = q.nextMatch()!;
    expect((q.entryAt(first) as LineEntry).text).toBe('ERROR payment failed order=900');
    expect(q.searchStatus()).toBe(`1/${expected}`);
    q.nextMatch();
    q.nextMatch();
    expect(q.searchStatus()).toBe(`3/${expected}`);
    expect((q.entryAt(q.indexOfId(q.currentMatchId!)) as LineEntry).text).toBe('ERROR payment failed order=9100');
    q.prevMatch();
    q.prevMatch();
    q.prevMatch(); // wraps to the last
    expect(q.searchStatus()).toBe(`${expected}/${expected}`);
    expect((q.entryAt(q.indexOfId(q.currentMatchId!)) as LineEntry).text).toBe('ERROR payment failed order=99900');
    q.nextMatch(); // wraps to the first
    expect(q.searchStatus()).toBe(`1/${expected}`);
  });

  it('search is separate from filter: it does not hide lines, and it searches within the filtered lines', () => {
    const q = new LogQuery(big);
    q.setSearch('payment');
    q.sync();
    expect(q.count).toBe(N);
    expect(q.searchCount).toBe(countWhere(isError));
    q.setFilter('@source:shop@test');
    q.sync();
    expect(q.searchCount).toBe(countWhere((i) => isError(i) && sourceOf(i) === 'shop@test'));
  });

  it('next from a position starts at that position', () => {
    const q = new LogQuery(big);
    q.setSearch('payment');
    q.sync();
    const idx = q.nextMatch(50_001)!;
    expect((q.entryAt(idx) as LineEntry).text).toBe('ERROR payment failed order=50100');
    q.setSearch('payment');
    const p = q.prevMatch(50_001)!;
    expect((q.entryAt(p) as LineEntry).text).toBe('ERROR payment failed order=50000');
  });

  it('highlight ranges', () => {
    const m = compileText('ab');
    expect(m.ok && highlightRanges('xABy ab', m.matcher)).toEqual([
      [1, 3],
      [5, 7],
    ]);
  });

  it('no search: empty status; no match: 0/0 and stepping does nothing', () => {
    const q = new LogQuery(big);
    expect(q.searchStatus()).toBe('');
    q.setSearch('no such text anywhere');
    q.sync();
    expect(q.searchStatus()).toBe('0/0');
    expect(q.nextMatch()).toBeNull();
  });
});

describe('incremental updates', () => {
  it('on append only new entries are tested', () => {
    const b = new LogBuffer({ capLines: 50_000 });
    b.append(gen(0, 20_000));
    const q = new LogQuery(b);
    q.setFilter('payment');
    q.setSearch('order=1');
    q.sync();
    expect(q.count).toBe(countWhere(isError, 0, 20_000));
    const tested = q.tested;
    b.append(gen(20_000, 20_500));
    q.sync();
    expect(q.tested - tested).toBe(500);
    expect(q.count).toBe(countWhere(isError, 0, 20_500));
    expect(q.searchCount).toBe(countWhere((i) => isError(i) && String(i).startsWith('1'), 0, 20_500));
    q.sync();
    expect(q.tested - tested).toBe(500); // nothing new: nothing tested
  });

  it('on eviction the indexes drop evicted entries and stay consistent', () => {
    const b = new LogBuffer({ capLines: 10_000 });
    b.append(gen(0, 10_000));
    const q = new LogQuery(b);
    q.setFilter('payment');
    q.setSearch('payment');
    q.sync();
    expect(q.count).toBe(100);
    q.nextMatch();
    b.append(gen(10_000, 15_000)); // evicts 0..4999
    q.sync();
    expect(q.count).toBe(countWhere(isError, 5_000, 15_000));
    expect(q.searchCount).toBe(q.count);
    expect((q.entryAt(0) as LineEntry).text).toBe('ERROR payment failed order=5000');
    expect(q.idAt(0)).toBeGreaterThanOrEqual(b.firstId);
    expect(q.searchStatus()).toBe(`0/${q.count}`); // the current match was evicted
  });

  it('an entry that grows continuation lines is re-tested', () => {
    const b = new LogBuffer();
    const q = new LogQuery(b);
    q.setFilter('ValueError');
    b.append({ seq: 1, ts: T0, source: 's', service: 'web', message: 'Traceback (most recent call last):' });
    q.sync();
    expect(q.count).toBe(0);
    b.append({ seq: 2, ts: T0, source: 's', service: 'web', message: '  File "x.py", line 1' });
    b.append({ seq: 3, ts: T0, source: 's', service: 'web', message: 'ValueError: nope' });
    q.sync();
    expect(q.count).toBe(1);
    expect(b.size).toBe(1);
  });

  it('muting a source hides it; markers are never hidden', () => {
    const b = new LogBuffer();
    b.append(gen(0, 300));
    b.addMarker({ kind: 'gap', ts: T0 + 300, count: 42, text: 'reconnect' });
    const q = new LogQuery(b);
    q.setFilter('payment');
    q.sync();
    expect(q.count).toBe(countWhere(isError, 0, 300) + 1);
    b.toggleMute('shop@test');
    q.sync();
    expect(q.count).toBe(countWhere((i) => isError(i) && sourceOf(i) !== 'shop@test', 0, 300) + 1);
    expect(q.entryAt(q.count - 1)?.kind).toBe('marker');
  });

  it('countAfter: the "N new lines" badge while paused', () => {
    const b = new LogBuffer();
    b.append(gen(0, 100));
    const q = new LogQuery(b);
    q.sync();
    const pausedAt = q.idAt(q.count - 1);
    b.append(gen(100, 137));
    q.sync();
    expect(q.countAfter(pausedAt)).toBe(37);
  });
});

describe('saveBuffer', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'logsave-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the filtered lines with timestamps, markers, continuation lines; returns path and count', async () => {
    const b = new LogBuffer();
    b.append({ seq: 1, ts: T0, source: 'shop@live', service: 'web', message: 'INFO boot' });
    b.append({ seq: 2, ts: T0 + 1500, source: 'shop@live', service: 'web', message: 'ERROR boom\n  detail line' });
    b.addMarker({ kind: 'gap', ts: T0 + 2000, count: 1234, text: 'reconnect 12:00:02-12:00:07' });
    b.append({ seq: 3, ts: T0 + 9000, source: 'shop@live', service: 'web', message: '\x1b[31mERROR\x1b[0m again' });
    const q = new LogQuery(b);
    q.setFilter('@level:error');
    const r = await saveBuffer(b, q, path.join(dir, 'out.log'), { utc: true });
    expect(r.path).toBe(path.join(dir, 'out.log'));
    expect(r.count).toBe(3);
    expect(r.lines).toBe(4);
    expect(readFileSync(r.path, 'utf8')).toBe(
      [
        '2026-01-01 12:00:01.500Z shop@live/web ERROR boom',
        '                                         detail line',
        '2026-01-01 12:00:02.000Z -- 1,234 lines missed: reconnect 12:00:02-12:00:07 --',
        '2026-01-01 12:00:09.000Z shop@live/web ERROR again',
        '',
      ].join('\n'),
    );
    expect(statSync(r.path).mode & 0o777).toBe(0o600);
  });

  it('timestamps: local by default, UTC marked with Z', () => {
    expect(formatTimestamp(T0 + 61_001, 'utc')).toBe('12:01:01.001Z');
    const d = new Date(T0);
    expect(formatTimestamp(T0, 'local')).toBe(`${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:00.000`);
  });
});
