// A grapheme segmenter that makes Intl.Segmenter only when a string needs it (issue 16). The
// process's first Intl.Segmenter costs ~15 ms on this machine (ICU's break rules are loaded), and Ink's
// text modules make one at import and segment every string, even ASCII; the first frame is mostly
// ASCII. In ASCII every character is a grapheme of its own except CR LF (UAX #29, GB3–GB5), so
// those strings are segmented here, with the same segments, indexes and `containing()`.
// scripts/bundle.mjs puts it in place of the segmenters of string-width, slice-ansi and
// @alcalzone/ansi-tokenize; test/logic/segmenter.test.ts holds it to Intl.Segmenter.

interface Segment {
  segment: string;
  index: number;
  input: string;
}
interface Segments extends Iterable<Segment> {
  containing(index?: number): Segment | undefined;
}

/** ASCII without a CR directly before an LF: one grapheme per character. */
function simple(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return false;
    if (c === 0x0d && s.charCodeAt(i + 1) === 0x0a) return false;
  }
  return true;
}

class AsciiSegments implements Segments {
  constructor(private input: string) {}
  containing(index = 0): Segment | undefined {
    const i = Math.trunc(Number(index) || 0);
    if (i < 0 || i >= this.input.length) return undefined;
    return { segment: this.input[i]!, index: i, input: this.input };
  }
  *[Symbol.iterator](): Iterator<Segment> {
    const s = this.input;
    for (let i = 0; i < s.length; i++) yield { segment: s[i]!, index: i, input: s };
  }
}

/** Stands in for `new Intl.Segmenter(locale, { granularity: 'grapheme' })` (the default granularity). */
export function graphemeSegmenter(locale?: string | string[]): { segment(s: string): Segments } {
  let real: Intl.Segmenter | null = null;
  return {
    segment(s: string): Segments {
      const str = String(s);
      if (simple(str)) return new AsciiSegments(str);
      real ??= new Intl.Segmenter(locale, { granularity: 'grapheme' });
      return real.segment(str);
    },
  };
}
