// What the terminal can draw: colour depth and whether UTF-8 is available. In ASCII mode the UI must
// emit no character >= 0x80: every glyph it uses comes from `glyphs(unicode)`.

export type ColorDepth = 'none' | '16' | '256' | 'truecolor';

export interface Capabilities {
  color: ColorDepth;
  unicode: boolean;
}

export interface CapabilityOverrides {
  /** `--ascii`: force ASCII glyphs. */
  ascii?: boolean;
  /** `--no-color` or a config setting. */
  color?: ColorDepth;
}

type Env = Record<string, string | undefined>;

/** Colour depth from the environment (NO_COLOR, TERM, COLORTERM), per no-color.org and common practice. */
export function detectColor(env: Env = process.env, isTTY = true): ColorDepth {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 'none';
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 'none';
    if (force === '3') return 'truecolor';
    if (force === '2') return '256';
    if (force === '1' || force === '' || force === 'true') return '16';
  }
  if (!isTTY) return 'none';
  const term = (env.TERM ?? '').toLowerCase();
  if (term === 'dumb') return 'none';
  const colorterm = (env.COLORTERM ?? '').toLowerCase();
  if (colorterm === 'truecolor' || colorterm === '24bit') return 'truecolor';
  if (term.includes('256color')) return '256';
  return '16';
}

/** UTF-8 availability: the first set of LC_ALL, LC_CTYPE, LANG decides (as the C library does). */
export function detectUnicode(env: Env = process.env): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale);
}

export function detectCapabilities(env: Env = process.env, isTTY: boolean = process.stdout.isTTY === true, overrides: CapabilityOverrides = {}): Capabilities {
  return {
    color: overrides.color ?? detectColor(env, isTTY),
    unicode: overrides.ascii ? false : detectUnicode(env),
  };
}

export interface Glyphs {
  unicode: boolean;
  box: { h: string; v: string; tl: string; tr: string; bl: string; br: string; teeL: string; teeR: string; teeT: string; teeB: string; cross: string };
  arrow: { up: string; down: string; left: string; right: string };
  bullet: string;
  dot: string;
  ellipsis: string;
  check: string;
  cross: string;
  warn: string;
  /** Sparkline levels, lowest first. */
  spark: readonly string[];
  /** Braille dot characters are available (U+2800 block). */
  braille: boolean;
  /** Horizontal rule piece for in-band markers. */
  rule: string;
  /** Marker for a line continued/wrapped. */
  wrapMark: string;
  /** En dash for time ranges. */
  dash: string;
  selected: string;
  spinner: readonly string[];
  /** Vertical axis tick (y labels) and axis corner, for charts. */
  axisTick: string;
  axisCorner: string;
}

const UNICODE_GLYPHS: Glyphs = {
  unicode: true,
  box: { h: '─', v: '│', tl: '┌', tr: '┐', bl: '└', br: '┘', teeL: '├', teeR: '┤', teeT: '┬', teeB: '┴', cross: '┼' },
  arrow: { up: '↑', down: '↓', left: '←', right: '→' },
  bullet: '•',
  dot: '·',
  ellipsis: '…',
  check: '✓',
  cross: '✗',
  warn: '⚠',
  spark: ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
  braille: true,
  rule: '─',
  wrapMark: '↪',
  dash: '–',
  selected: '▶',
  spinner: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'],
  axisTick: '┤',
  axisCorner: '└',
};

const ASCII_GLYPHS: Glyphs = {
  unicode: false,
  box: { h: '-', v: '|', tl: '+', tr: '+', bl: '+', br: '+', teeL: '+', teeR: '+', teeT: '+', teeB: '+', cross: '+' },
  arrow: { up: '^', down: 'v', left: '<', right: '>' },
  bullet: '*',
  dot: '.',
  ellipsis: '...',
  check: 'v',
  cross: 'x',
  warn: '!',
  spark: ['_', '.', '-', '=', '+', '*', '#'],
  braille: false,
  rule: '-',
  wrapMark: '>',
  dash: '-',
  selected: '>',
  spinner: ['|', '/', '-', '\\'],
  axisTick: '|',
  axisCorner: '+',
};

/** The characters the UI draws with. In ASCII mode every one is < 0x80. */
export function glyphs(unicode: boolean): Glyphs {
  return unicode ? UNICODE_GLYPHS : ASCII_GLYPHS;
}
