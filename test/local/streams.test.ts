import { describe, expect, it } from 'vitest';
import { FrameDemuxer, JsonLines, LineSplitter, encodeFrame, parseTimestamped } from '../../src/local/streams.js';

function demuxAll(chunks: Buffer[]): Array<[string, string]> {
  const d = new FrameDemuxer();
  const out: Array<[string, string]> = [];
  for (const c of chunks) for (const f of d.push(c)) out.push([f.stream, f.data.toString()]);
  return out;
}

describe('FrameDemuxer', () => {
  const a = encodeFrame(1, 'hello\n');
  const b = encodeFrame(2, 'oops\n');
  const both = Buffer.concat([a, b, encodeFrame(1, 'bye\n')]);

  it('decodes several frames in one chunk', () => {
    expect(demuxAll([both])).toEqual([
      ['stdout', 'hello\n'],
      ['stderr', 'oops\n'],
      ['stdout', 'bye\n'],
    ]);
  });

  it('gives the same frames whatever the split, down to one byte per chunk (header and payload split)', () => {
    const expected = demuxAll([both]);
    for (let cut = 1; cut < both.length; cut++) {
      expect(demuxAll([both.subarray(0, cut), both.subarray(cut)])).toEqual(expected);
    }
    const bytes = [...both].map((x) => Buffer.from([x]));
    const joined = demuxAll(bytes);
    // one-byte chunks deliver each frame whole, once its last byte arrived
    expect(joined).toEqual(expected);
  });

  it('keeps an incomplete frame buffered until the rest arrives', () => {
    const d = new FrameDemuxer();
    expect(d.push(a.subarray(0, 5))).toEqual([]);
    expect(d.buffered).toBe(5);
    expect(d.push(a.subarray(5, 10))).toEqual([]);
    const f = d.push(a.subarray(10));
    expect(f.map((x) => x.data.toString())).toEqual(['hello\n']);
    expect(d.buffered).toBe(0);
  });

  it('falls back to raw output when the bytes are not frames (a TTY stream)', () => {
    const d = new FrameDemuxer();
    const out = d.push(Buffer.from('plain tty output\n'));
    expect(d.isRaw).toBe(true);
    expect(out.map((x) => [x.stream, x.data.toString()])).toEqual([['stdout', 'plain tty output\n']]);
  });
});

describe('LineSplitter', () => {
  it('carries partial lines and multi-byte characters across chunks, strips CR', () => {
    const s = new LineSplitter();
    const euro = Buffer.from('€'); // 3 bytes
    expect(s.push(Buffer.concat([Buffer.from('a1\r\nprice '), euro.subarray(0, 1)]))).toEqual(['a1']);
    expect(s.push(Buffer.concat([euro.subarray(1), Buffer.from('5\nta')]))).toEqual(['price €5']);
    expect(s.push(Buffer.from('il'))).toEqual([]);
    expect(s.flush()).toEqual(['tail']);
    expect(s.flush()).toEqual([]);
  });

  it('cuts a runaway line instead of growing without bound', () => {
    const s = new LineSplitter(10);
    expect(s.push(Buffer.from('x'.repeat(25)))).toEqual(['x'.repeat(10), 'x'.repeat(10)]);
    expect(s.flush()).toEqual(['xxxxx']);
  });
});

describe('parseTimestamped', () => {
  it('parses RFC3339Nano and second-precision prefixes', () => {
    const p = parseTimestamped('2026-11-24T00:02:04.123456789Z hello world');
    expect(p).toEqual({ ts: Date.parse('2026-11-24T00:02:04.123Z') + 0.456, tsIso: '2026-11-24T00:02:04.123456789Z', text: 'hello world' });
    expect(parseTimestamped('2026-11-24T00:02:04Z x')?.ts).toBe(Date.parse('2026-11-24T00:02:04Z'));
    expect(parseTimestamped('2026-11-24T01:02:04+01:00 x')?.ts).toBe(Date.parse('2026-11-24T00:02:04Z'));
    expect(parseTimestamped('no timestamp here')).toBeNull();
  });
});

describe('JsonLines', () => {
  it('splits newline-delimited JSON across chunks and reports bad lines as errors', () => {
    const j = new JsonLines();
    expect(j.push(Buffer.from('{"a":1}\n{"b"'))).toEqual([{ a: 1 }]);
    const out = j.push(Buffer.from(':2}\nnot json\n'));
    expect(out[0]).toEqual({ b: 2 });
    expect(out[1]).toBeInstanceOf(SyntaxError);
  });
});
