// src/terminal/segmenter.ts gives what Intl.Segmenter gives (graphemes), without making one for
// ASCII: the stand-in the bundle puts in Ink's text modules (issue 16).
import { describe, expect, it } from 'vitest';
import { graphemeSegmenter } from '../../src/terminal/segmenter.js';

const real = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const plain = (segs: Iterable<{ segment: string; index: number; input: string }>) => [...segs].map(({ segment, index, input }) => ({ segment, index, input }));

describe('graphemeSegmenter', () => {
  const parts = ['a', 'Z', ' ', '~', '\x1b', '[31m', '\r', '\n', '\r\n', '\t', '\x00', '\x7f', 'é', 'e\u0301', '日', '😀', '👨\u200d👩\u200d👧', '🇩🇪', '…', '│', '\u00ad', '❤\ufe0f'];
  let seed = 5;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return (seed >>> 8) % n;
  };

  it('segments like Intl.Segmenter: the same segments, indexes and input, and the same containing()', () => {
    const seg = graphemeSegmenter();
    const cases = ['', 'GET /x 200', '\x1b[31mred\x1b[39m', 'a\r\nb', '\r\r\n\n'];
    for (let i = 0; i < 3000; i++) {
      let s = '';
      for (let k = 0, n = rnd(8); k < n; k++) s += parts[rnd(parts.length)];
      cases.push(s);
    }
    for (const s of cases) {
      expect([s, plain(seg.segment(s))]).toEqual([s, plain(real.segment(s))]);
      for (let i = -1; i <= s.length; i++) {
        const a = seg.segment(s).containing(i);
        const b = real.segment(s).containing(i);
        expect([s, i, a && { ...a }]).toEqual([s, i, b && { segment: b.segment, index: b.index, input: b.input }]);
      }
    }
  });
});
