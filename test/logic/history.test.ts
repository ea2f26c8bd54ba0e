// Older log history: the palette's `--since` (the one duration parser), and a buffer that takes
// older lines before what it holds without counting anything as evicted or lost.
import { describe, expect, test } from 'vitest';
import { parseCommand } from '../../src/store/palette.js';
import { parseDuration } from '../../src/cli/format.js';
import { LogBuffer, makeMarker } from '../../src/store/logbuffer.js';
import { LogQuery } from '../../src/store/logquery.js';

describe(':logs --since', () => {
  test('parsed with the CLI parser; bad or too long refused', () => {
    const r = parseCommand('logs shop@live --since 2h');
    expect(r.ok && r.value.sinceMs).toBe(2 * 3_600_000);
    expect(r.ok && r.value.target).toEqual({ app: 'shop', env: 'live' });
    const m = parseCommand('logs --since=90s shop@test,live');
    expect(m.ok && m.value.sinceMs).toBe(90_000);
    expect(m.ok && m.value.targets).toHaveLength(2);
    expect(parseCommand('logs shop@live --since soon')).toMatchObject({ ok: false, error: expect.stringContaining('--since needs a duration') });
    expect(parseCommand('logs shop@live --since 2d')).toMatchObject({ ok: false, error: expect.stringContaining('at most 24h') });
    expect(parseCommand('env shop@live --since 2h').ok).toBe(false);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });
});

describe('LogBuffer.insertOlder', () => {
  const line = (ts: number, message: string) => ({ seq: ts, ts, source: 'shop@live', service: 'web', message });
  test('older lines go first under their marker; counters unchanged; a query follows', () => {
    const b = new LogBuffer({ notifyHz: 1000 });
    const q = new LogQuery(b);
    b.append([line(100, 'live one'), line(101, 'live two')]);
    b.addMarker(makeMarker('gap', 'reconnect', { count: 3, ts: 102 }));
    q.sync();
    expect(q.count).toBe(3);
    const before = b.usage();
    b.insertOlder([line(10, 'old one'), line(11, 'old two')], makeMarker('info', 'older history, from 00:00:00 to 00:01:00', { ts: 10 }));
    const texts = [...b.entries()].map((e) => e.text);
    expect(texts).toEqual(['older history, from 00:00:00 to 00:01:00', 'old one', 'old two', 'live one', 'live two', 'reconnect']);
    const after = b.usage();
    expect(after.evicted).toBe(before.evicted);
    expect(after.lost).toBe(3);
    q.sync();
    expect(q.count).toBe(6);
  });
});
