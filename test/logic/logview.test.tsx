import React from 'react';
import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import type { LogLine } from '../../src/domain/console.js';
import { LogBuffer } from '../../src/store/logbuffer.js';
import { LogQuery } from '../../src/store/logquery.js';
import {
  DEFAULT_LOG_VIEW_OPTIONS,
  FOLLOW,
  LogView,
  computeWindow,
  entryRows,
  makeLayout,
  linesBelow,
  revealIndex,
  scrollLog,
  scrollToIndex,
  scrollToTop,
  windowRows,
  type LogViewOptions,
  type Row,
} from '../../components/LogView.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const OPTS: LogViewOptions = { ...DEFAULT_LOG_VIEW_OPTIONS, timestamps: 'off', prefix: false };
const text = (r: Row) => r.map((s) => s.text).join('');
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

function filled(n: number, msg = (i: number) => `line ${i}`): LogBuffer {
  const b = new LogBuffer();
  const lines: LogLine[] = [];
  for (let i = 0; i < n; i++) lines.push({ seq: i, ts: T0 + i * 1000, source: 'shop@live', service: 'web', message: msg(i) });
  b.append(lines);
  return b;
}

describe('computeWindow (pure)', () => {
  const ones = () => 1;
  it('follow shows the last `height` entries', () => {
    expect(computeWindow({ count: 100, height: 10, top: null, rowsOf: ones })).toEqual({ start: 90, startRow: 0, end: 100, rows: 10, atBottom: true });
  });
  it('a top position shows from there; not at bottom', () => {
    expect(computeWindow({ count: 100, height: 10, top: { index: 20, row: 0 }, rowsOf: ones })).toEqual({ start: 20, startRow: 0, end: 30, rows: 10, atBottom: false });
  });
  it('a top too close to the end shows the tail instead of blank rows', () => {
    expect(computeWindow({ count: 100, height: 10, top: { index: 95, row: 0 }, rowsOf: ones })).toMatchObject({ start: 90, end: 100, atBottom: true });
  });
  it('multi-row entries: the first shown entry can be partially hidden', () => {
    const rowsOf = (i: number) => (i === 7 ? 5 : 1); // entry 7 is a 5-line traceback
    expect(computeWindow({ count: 10, height: 4, top: null, rowsOf })).toEqual({ start: 7, startRow: 3, end: 10, rows: 4, atBottom: true });
    expect(computeWindow({ count: 10, height: 4, top: { index: 7, row: 1 }, rowsOf })).toEqual({ start: 7, startRow: 1, end: 8, rows: 4, atBottom: false });
  });
  it('fewer rows than height: everything, at bottom', () => {
    expect(computeWindow({ count: 3, height: 10, top: { index: 0, row: 0 }, rowsOf: ones })).toEqual({ start: 0, startRow: 0, end: 3, rows: 3, atBottom: true });
    expect(computeWindow({ count: 0, height: 10, top: null, rowsOf: ones })).toMatchObject({ start: 0, end: 0, atBottom: true });
  });
});

describe('scrolling', () => {
  it('scrolling up pauses; lines arriving while paused do not move the view; returning to the bottom follows again', () => {
    const b = filled(100);
    const q = new LogQuery(b);
    const layout = () => makeLayout(b, q, 40, 5, OPTS);
    let s = scrollLog(q, FOLLOW, -3, layout());
    expect(s).toMatchObject({ follow: false, row: 0 });
    expect(windowRows(q, s, layout()).map(text)).toEqual(['line 92', 'line 93', 'line 94', 'line 95', 'line 96']);
    b.append({ seq: 100, ts: T0, source: 'shop@live', service: 'web', message: 'new while paused' });
    expect(windowRows(q, s, layout()).map(text)).toEqual(['line 92', 'line 93', 'line 94', 'line 95', 'line 96']);
    expect(q.countAfter(99)).toBe(1);
    s = scrollLog(q, s, 10, layout());
    expect(s).toEqual(FOLLOW);
    expect(windowRows(q, s, layout()).map(text).at(-1)).toBe('new while paused');
  });

  it('paused for 5 s at 500 lines/s: the view stays put, and after resuming every line is there in order', () => {
    const b = filled(100);
    const q = new LogQuery(b);
    const layout = () => makeLayout(b, q, 60, 10, OPTS);
    const paused = scrollLog(q, FOLLOW, -20, layout());
    const view = windowRows(q, paused, layout()).map(text);
    let seq = 100;
    for (let tick = 0; tick < 50; tick++) {
      // 100 ms of traffic: 50 lines
      b.append(Array.from({ length: 50 }, () => ({ seq: seq, ts: T0 + seq * 2, source: 'shop@live', service: 'web', message: `line ${seq++}` })));
      expect(windowRows(q, paused, layout()).map(text)).toEqual(view);
    }
    q.sync();
    expect(linesBelow(q, paused, layout())).toBe(2500 + 20);
    const resumed = scrollLog(q, paused, Number.MAX_SAFE_INTEGER, layout());
    expect(resumed).toEqual(FOLLOW);
    const all: string[] = [];
    for (let i = 0; i < q.count; i++) all.push(text(makeLayout(b, q, 60, 10, OPTS).rowsAt(i)[0]));
    expect(all).toEqual(Array.from({ length: 2600 }, (_, i) => `line ${i}`));
  });

  it('the paused view is anchored to the entry even when old lines are evicted', () => {
    const b = new LogBuffer({ capLines: 50 });
    b.append(Array.from({ length: 50 }, (_, i) => ({ seq: i, ts: T0, source: 's', service: 'web', message: `line ${i}` })));
    const q = new LogQuery(b);
    const layout = makeLayout(b, q, 40, 5, OPTS);
    const s = scrollLog(q, FOLLOW, -10, layout);
    const before = windowRows(q, s, layout).map(text);
    b.append(Array.from({ length: 20 }, (_, i) => ({ seq: 50 + i, ts: T0, source: 's', service: 'web', message: `more ${i}` })));
    expect(windowRows(q, s, makeLayout(b, q, 40, 5, OPTS)).map(text)).toEqual(before);
  });

  it('a failed deployment log opens at its first error line; the badge counts lines below', () => {
    const b = filled(300, (i) => (i === 120 ? 'ERROR: build failed in stage "release"' : i === 200 ? 'ERROR later' : `step ${i}`));
    const q = new LogQuery(b);
    const layout = makeLayout(b, q, 40, 5, OPTS);
    q.sync();
    const idx = q.firstIndexWhere((e) => e.kind === 'line' && e.level === 'error');
    expect(idx).toBe(120);
    const s = scrollToIndex(q, idx, layout);
    expect(windowRows(q, s, layout).map(text)[0]).toBe('ERROR: build failed in stage "release"');
    expect(linesBelow(q, s, layout)).toBe(300 - 125);
    expect(linesBelow(q, FOLLOW, layout)).toBe(0);
  });

  it('top, and reveal of a search match', () => {
    const b = filled(200);
    const q = new LogQuery(b);
    const layout = makeLayout(b, q, 40, 6, OPTS);
    const top = scrollToTop(q, layout);
    expect(windowRows(q, top, layout).map(text)[0]).toBe('line 0');
    q.setSearch('line 50');
    q.sync();
    const idx = q.nextMatch()!;
    const s = revealIndex(q, top, idx, layout);
    expect(windowRows(q, s, makeLayout(b, q, 40, 6, OPTS)).map(text)).toContain('line 50');
  });
});

describe('entryRows', () => {
  it('prefix, timestamps (UTC), wrap with hanging indent', () => {
    const b = filled(1, () => 'x'.repeat(50));
    const q = new LogQuery(b);
    q.sync();
    const opts: LogViewOptions = { ...OPTS, timestamps: 'utc', prefix: true, wrap: true };
    const rows = entryRows(q.entryAt(0)!, { opts, width: 70, search: null, currentId: null, prefixWidth: 17 });
    // head: 14 (timestamp + space) + 17 (prefix) + 1 = 32 columns
    expect(rows.map(text)).toEqual(['12:00:00.000Z shop@live/web     ' + 'x'.repeat(38), ' '.repeat(32) + 'x'.repeat(12)]);
    // A head wider than half the row: continuation rows start at column 0.
    const narrow = entryRows(q.entryAt(0)!, { opts, width: 50, search: null, currentId: null, prefixWidth: 17 });
    expect(narrow.map(text)).toEqual(['12:00:00.000Z shop@live/web     ' + 'x'.repeat(18), 'x'.repeat(32)]);
  });
  it('no wrap truncates with an ellipsis (ASCII `...` in ASCII mode)', () => {
    const b = filled(1, () => 'abcdefghijklmnopqrstuvwxyz');
    const q = new LogQuery(b);
    q.sync();
    expect(entryRows(q.entryAt(0)!, { opts: OPTS, width: 10, search: null, currentId: null, prefixWidth: 10 }).map(text)).toEqual(['abcdefghi…']);
    expect(entryRows(q.entryAt(0)!, { opts: { ...OPTS, unicode: false }, width: 10, search: null, currentId: null, prefixWidth: 10 }).map(text)).toEqual(['abcdefg...']);
  });
  it('wide characters never overflow a row', () => {
    const b = filled(1, () => '日本語のログ行です');
    const q = new LogQuery(b);
    q.sync();
    const rows = entryRows(q.entryAt(0)!, { opts: { ...OPTS, wrap: true }, width: 7, search: null, currentId: null, prefixWidth: 10 });
    expect(rows.map(text)).toEqual(['日本語', 'のログ', '行です']);
  });
  it('ASCII mode replaces characters a non-UTF-8 terminal cannot draw; NO_COLOR drops colours', () => {
    const b = filled(1, () => 'ERROR café 日本 ok');
    const q = new LogQuery(b);
    q.setSearch('ok');
    q.sync();
    q.nextMatch();
    const ctx = { width: 40, search: q.searchMatcher, currentId: q.currentMatchId, prefixWidth: 10 };
    const rows = entryRows(q.entryAt(0)!, { ...ctx, opts: { ...OPTS, unicode: false, color: false } });
    expect(rows.map(text)).toEqual(['ERROR caf? ?? ok']);
    expect(rows[0].every((seg) => seg.color === undefined && seg.bg === undefined)).toBe(true);
    expect(rows[0].find((seg) => seg.text === 'ok')).toMatchObject({ inverse: true, bold: true });
  });

  it("the log's own colours (c) are kept only when the terminal has colour: NO_COLOR drops them too", () => {
    const b = filled(1, () => '\x1b[32mgreen\x1b[0m done');
    const q = new LogQuery(b);
    q.sync();
    const ctx = { width: 40, search: q.searchMatcher, currentId: q.currentMatchId, prefixWidth: 10 };
    const coloured = entryRows(q.entryAt(0)!, { ...ctx, opts: { ...OPTS, keepSgr: true } });
    expect(coloured.map(text).join('')).toContain('\x1b[32m');
    const none = entryRows(q.entryAt(0)!, { ...ctx, opts: { ...OPTS, keepSgr: true, color: false } });
    expect(none.map(text)).toEqual(['green done']);
  });

  it('JSON pretty toggle', () => {
    const b = filled(1, () => '{"level":"info","msg":"hi"}');
    const q = new LogQuery(b);
    q.sync();
    const rows = entryRows(q.entryAt(0)!, { opts: { ...OPTS, json: 'pretty' }, width: 40, search: null, currentId: null, prefixWidth: 10 });
    expect(rows.map(text)).toEqual(['{', '  "level": "info",', '  "msg": "hi"', '}']);
  });
  it('pretty JSON re-sanitises decoded escapes', () => {
    const b = filled(1, () => '{"msg":"\\u009b2J\\u202eevil"}');
    const q = new LogQuery(b);
    q.sync();
    const rows = entryRows(q.entryAt(0)!, { opts: { ...OPTS, json: 'pretty' }, width: 40, search: null, currentId: null, prefixWidth: 10 });
    expect(rows.map(text).join('\n')).not.toMatch(/[\u0080-\u009f\u202e]/);
  });
});

describe('<LogView> (ink-testing-library)', () => {
  it('renders only the visible window, at the tail when following', () => {
    const b = filled(1000);
    const q = new LogQuery(b);
    const { lastFrame, unmount } = render(<LogView buffer={b} query={q} width={40} height={5} scroll={FOLLOW} options={OPTS} />);
    expect(lastFrame()!.split('\n').map((l) => l.trimEnd())).toEqual(['line 995', 'line 996', 'line 997', 'line 998', 'line 999']);
    unmount();
  });

  it('markers are distinct full-width lines (unicode and ASCII)', () => {
    const b = filled(2);
    b.addMarker({ kind: 'gap', ts: T0 + 5000, count: 1234, text: 'reconnect 12:03:04–12:03:09' });
    b.append({ seq: 9, ts: T0 + 9000, source: 'shop@live', service: 'web', message: 'after' });
    const q = new LogQuery(b);
    const u = render(<LogView buffer={b} query={q} width={60} height={4} scroll={FOLLOW} options={OPTS} />);
    const lines = u.lastFrame()!.split('\n');
    expect(lines[2]).toBe('── 1,234 lines missed: reconnect 12:03:04–12:03:09 ' + '─'.repeat(60 - 51));
    u.unmount();
    const a = render(<LogView buffer={b} query={q} width={60} height={4} scroll={FOLLOW} options={{ ...OPTS, unicode: false }} />);
    const al = a.lastFrame()!.split('\n');
    expect(al[2]).toBe('-- 1,234 lines missed: reconnect 12:03:04-12:03:09 ' + '-'.repeat(60 - 51));
    expect([...a.lastFrame()!].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    a.unmount();
  });

  it('highlights search matches (inverse) and the filter hides lines', () => {
    const b = filled(30, (i) => (i % 10 === 3 ? `ERROR failure ${i}` : `ok ${i}`));
    const q = new LogQuery(b);
    q.setFilter('failure');
    q.setSearch('fail');
    q.sync();
    const { lastFrame, unmount } = render(<LogView buffer={b} query={q} width={40} height={5} scroll={FOLLOW} options={OPTS} />);
    const frame = lastFrame()!;
    expect(stripAnsi(frame).split('\n').map((l) => l.trimEnd())).toEqual(['ERROR failure 3', 'ERROR failure 13', 'ERROR failure 23', '', '']);
    unmount();
    // Styling (the test renderer has no colour): the match is inverse, the current match stands out.
    q.nextMatch();
    q.nextMatch();
    const layout = makeLayout(b, q, 40, 5, OPTS);
    const rows = windowRows(q, FOLLOW, layout);
    const styled = rows.map((r) => r.filter((seg) => seg.inverse || seg.bg).map((seg) => `${seg.text}:${seg.inverse ? 'inverse' : seg.bg}`));
    expect(styled).toEqual([['fail:inverse'], ['fail:yellow'], ['fail:inverse']]);
    expect(rows[0].find((seg) => seg.text.startsWith('ERROR'))?.color).toBe('red');
    expect(q.searchStatus()).toBe('2/3');
  });

  it('shows a clear line when nothing matches', () => {
    const b = filled(5);
    const q = new LogQuery(b);
    q.setFilter('nothing like this');
    const { lastFrame, unmount } = render(<LogView buffer={b} query={q} width={40} height={3} scroll={FOLLOW} options={OPTS} />);
    expect(lastFrame()).toContain('no line matches the filter');
    unmount();
  });

  it('hostile text in the buffer reaches the frame without escape sequences other than SGR', () => {
    const b = filled(1, () => 'a\x1b]52;c;ZXZpbA==\x07b\x1b[2J\x1b[Hc\u202ed\x9b6n');
    const q = new LogQuery(b);
    const { lastFrame, unmount } = render(<LogView buffer={b} query={q} width={40} height={1} scroll={FOLLOW} options={{ ...OPTS, keepSgr: true }} />);
    const f = lastFrame()!;
    expect(stripAnsi(f).trimEnd()).toBe('abcd');
    expect(f.replace(/\x1b\[[0-9;]*m/g, '')).not.toMatch(/[\x1b\x9b\u202e]/);
    unmount();
  });
});

describe('drawing a batch', () => {
  it("a buffer change asks for the frame at once: Ink's frame throttle does not hold it a second time (src/terminal/inkthrottle.ts)", async () => {
    const { frameAsked } = await import('../../src/terminal/inkthrottle.js');
    const b = filled(3);
    const q = new LogQuery(b);
    const r = render(<LogView buffer={b} query={q} width={60} height={10} scroll={FOLLOW} options={OPTS} />);
    try {
      await new Promise((res) => setTimeout(res, 300)); // any ask of the first frame has expired
      expect(frameAsked()).toBe(false);
      b.append([{ seq: 3, ts: T0 + 3000, source: 'shop@live', service: 'web', message: 'the new line' }]);
      const end = Date.now() + 2000;
      while (!stripAnsi(r.lastFrame() ?? '').includes('the new line') && Date.now() < end) await new Promise((res) => setTimeout(res, 5));
      expect(stripAnsi(r.lastFrame() ?? '')).toContain('the new line');
      expect(frameAsked()).toBe(true);
    } finally {
      r.unmount();
    }
  });
});
