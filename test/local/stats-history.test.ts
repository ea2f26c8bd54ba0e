// The bounded CPU/memory history behind the Local view's sparklines (src/gateway/statshistory.ts)
// and the fitting of a long history into a few characters (components/Sparkline.tsx).
import { describe, expect, it } from 'vitest';
import { HistoryBook, SampleRing } from '../../src/gateway/statshistory.js';
import { fitSeries } from '../../components/Sparkline.js';

const S = 1000;

describe('SampleRing', () => {
  it('is empty until a sample comes; one value per bucket, oldest first', () => {
    const r = new SampleRing({ stepMs: S, capacity: 5 });
    expect(r.read(10 * S)).toEqual([]);
    r.push(10 * S, 1);
    r.push(11 * S, 2);
    r.push(12 * S + 999, 3);
    expect(r.read(12 * S)).toEqual([1, 2, 3]);
  });

  it('keeps the largest of several samples in one bucket (a spike stays visible)', () => {
    const r = new SampleRing({ stepMs: S, capacity: 5 });
    r.push(10 * S, 1);
    r.push(10 * S + 300, 7);
    r.push(10 * S + 600, 2);
    expect(r.read(10 * S)).toEqual([7]);
  });

  it('buckets without a sample are gaps (null), never zeros; reading pads the gap up to now', () => {
    const r = new SampleRing({ stepMs: S, capacity: 10 });
    r.push(10 * S, 1);
    r.push(13 * S, 4);
    expect(r.read(13 * S)).toEqual([1, null, null, 4]);
    // no sample since: the series ends in a gap, not in a repeated last figure
    expect(r.read(15 * S)).toEqual([1, null, null, 4, null, null]);
  });

  it('is bounded: only the last `capacity` buckets are kept, whatever the time or rate', () => {
    const r = new SampleRing({ stepMs: S, capacity: 4 });
    for (let t = 0; t < 1000; t++) r.push(t * 250, t);
    const v = r.read(249_750);
    expect(v).toHaveLength(4);
    expect(v).toEqual([983, 987, 991, 995].map((x) => x + 4)); // the max of each second's four samples
  });

  it('a long silence empties it: nothing inside the window is no history, not a row of blanks', () => {
    const r = new SampleRing({ stepMs: S, capacity: 4 });
    r.push(10 * S, 5);
    expect(r.read(13 * S)).toEqual([5, null, null, null]);
    expect(r.read(14 * S)).toEqual([]);
    // a sample after the silence starts again without the stale one
    r.push(100 * S, 6);
    expect(r.read(101 * S)).toEqual([6, null]);
  });

  it('a jump ahead of more than the window does not show stale slots', () => {
    const r = new SampleRing({ stepMs: S, capacity: 3 });
    r.push(0, 1);
    r.push(1 * S, 2);
    r.push(2 * S, 3);
    r.push(4 * S, 9); // slot of bucket 1 is reused; buckets 2 (3) stays in the window, 3 is a gap
    expect(r.read(4 * S)).toEqual([3, null, 9]);
    r.push(50 * S, 8);
    expect(r.read(50 * S)).toEqual([8]);
  });

  it('late samples inside the window land in their bucket; older ones and non-numbers are ignored', () => {
    const r = new SampleRing({ stepMs: S, capacity: 3 });
    r.push(10 * S, 1);
    r.push(9 * S, 2); // late but inside the window
    r.push(5 * S, 100); // older than the window
    r.push(10 * S, Number.NaN);
    r.push(10 * S, Number.POSITIVE_INFINITY);
    r.push(10 * S, null);
    r.push(Number.NaN, 50);
    expect(r.read(10 * S)).toEqual([2, 1]);
  });
});

describe('HistoryBook', () => {
  it('rounds CPU to 0.1 % and memory to bytes, treats an uncomputable CPU figure as no sample, and forgets removed containers', () => {
    const b = new HistoryBook({ stepMs: S, capacity: 10 });
    b.of('a').push(0, 12.345, 1000.4);
    b.of('a').push(S, null, 2000);
    b.of('b').push(0, 1, 1);
    expect(b.peek('a')!.cpu.read(S)).toEqual([12.3, null]);
    expect(b.peek('a')!.mem.read(S)).toEqual([1000, 2000]);
    b.keepOnly(['b']);
    expect(b.peek('a')).toBeNull();
    expect(b.size).toBe(1);
  });
});

describe('fitSeries', () => {
  it('returns a short series as it is', () => {
    expect(fitSeries([1, null, 3], 5)).toEqual({ values: [1, null, 3], per: 1 });
  });
  it('groups a long one ending at the newest value, keeping each group’s largest; an all-gap group is a gap', () => {
    // 7 values into 3 chars: 3 per char; groups [_, 1, 2] [null, null, null] [4, 9, 5]
    expect(fitSeries([1, 2, null, null, null, 4, 9, 5].slice(1), 3)).toEqual({ values: [2, null, 9], per: 3 });
    expect(fitSeries([1, 2, 3, 4], 2)).toEqual({ values: [2, 4], per: 2 });
    expect(fitSeries([1, 2, 3], 0)).toEqual({ values: [], per: 1 });
  });
});

describe('a sample stands for the time since the previous one of its stream', () => {
  it('fills the buckets back to the previous sample (Podman samples every 5 s), not before a stream’s first sample', () => {
    const r = new SampleRing({ stepMs: S, capacity: 20 });
    r.push(10 * S, 1, null);
    r.push(15 * S, 2, 10 * S);
    r.push(20 * S, 3, 15 * S);
    expect(r.read(20 * S)).toEqual([1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
  });
  it('a silence longer than MAX_SPAN_MS stays a gap; the fill never reaches before the window', () => {
    const r = new SampleRing({ stepMs: S, capacity: 4 });
    r.push(0, 1, null);
    r.push(30 * S, 2, 0); // 30 s since: too long to stand for
    expect(r.read(30 * S)).toEqual([2]);
    r.push(40 * S, 5, 30 * S);
    expect(r.read(40 * S)).toEqual([5, 5, 5, 5]);
  });
});
