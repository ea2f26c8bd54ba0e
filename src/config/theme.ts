// Themes are semantic tokens: screens ask for "danger" or "live", never for "red". With NO_COLOR (or
// colour depth 'none') every token is undefined and no colour prop is rendered at all.
import type { ThemeName } from './config.js';

export type ColorDepth = 'none' | '16' | '256' | 'truecolor';

export interface Theme {
  /** false: render no colour, no inverse, no dim (NO_COLOR / dumb terminals). */
  color: boolean;
  accent?: string;
  danger?: string;
  warning?: string;
  ok?: string;
  muted?: string;
  live?: string;
  test?: string;
  other?: string;
  sandbox?: string;
  info?: string;
  /** Selected row: background colour (with `selectionFg`), or inverse when undefined. */
  selectionBg?: string;
  selectionFg?: string;
  header?: string;
}

const SIXTEEN: Theme = {
  color: true,
  accent: 'cyan',
  danger: 'red',
  warning: 'yellow',
  ok: 'green',
  muted: 'gray',
  live: 'red',
  test: 'yellow',
  other: 'cyan',
  sandbox: 'magenta',
  info: 'blue',
  selectionBg: 'blue',
  selectionFg: 'white',
  header: 'white',
};

const RICH: Theme = {
  ...SIXTEEN,
  accent: '#5fafff',
  danger: '#ff5f5f',
  warning: '#ffaf00',
  ok: '#5fd75f',
  muted: '#8a8a8a',
  live: '#ff3030',
  test: '#ffd75f',
  other: '#87d7ff',
  sandbox: '#d787ff',
  info: '#87afff',
  selectionBg: '#303a5a',
  selectionFg: '#ffffff',
};

const HIGH_CONTRAST: Theme = {
  ...SIXTEEN,
  accent: 'whiteBright',
  muted: 'white',
  selectionBg: undefined,
  selectionFg: undefined,
};

const NONE: Theme = { color: false };

export function makeTheme(depth: ColorDepth, name: ThemeName = 'default'): Theme {
  if (depth === 'none' || name === 'mono') return NONE;
  if (name === 'high-contrast') return HIGH_CONTRAST;
  return depth === '16' ? SIXTEEN : RICH;
}

/** The colour token for an environment slug's risk. */
export function riskColor(theme: Theme, risk: 'live' | 'test' | 'other'): string | undefined {
  return risk === 'live' ? theme.live : risk === 'test' ? theme.test : theme.other;
}
