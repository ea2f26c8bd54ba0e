// The few characters the frame draws, in Unicode and ASCII. In ASCII mode nothing here is >= 0x80.
/** Same shape as Ink's custom borderStyle. */
export interface BoxStyle {
  topLeft: string;
  top: string;
  topRight: string;
  right: string;
  bottomRight: string;
  bottom: string;
  bottomLeft: string;
  left: string;
}

export interface FrameGlyphs {
  ellipsis: string;
  sep: string;
  bullet: string;
  selected: string;
  up: string;
  down: string;
  ring: string;
  border: BoxStyle | 'round';
  dash: string;
  check: string;
  cross: string;
}

const ASCII_BORDER: BoxStyle = { topLeft: '+', top: '-', topRight: '+', right: '|', bottomRight: '+', bottom: '-', bottomLeft: '+', left: '|' };

export function frameGlyphs(unicode: boolean): FrameGlyphs {
  return unicode
    ? { ellipsis: '…', sep: ' › ', bullet: '●', selected: '▶', up: '▲', down: '▼', ring: '○', border: 'round', dash: '—', check: '✓', cross: '✗' }
    : { ellipsis: '...', sep: ' > ', bullet: '*', selected: '>', up: '^', down: 'v', ring: 'o', border: ASCII_BORDER, dash: '-', check: 'ok', cross: 'x' };
}

import { sanitize } from '../src/terminal/sanitize.js';

/** Upstream text made safe to draw: sanitised, and in ASCII mode every non-ASCII character becomes '?'. */
export function clean(s: string, unicode: boolean): string {
  const t = sanitize(s);
  return unicode ? t : t.replace(/[^\x20-\x7e]/g, '?');
}
