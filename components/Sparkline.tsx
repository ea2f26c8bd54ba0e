// A one-row sparkline: values → block characters (▁…█), ASCII fallback `_.-=+*#`.
import React from 'react';
import { Text } from 'ink';
import { glyphs } from '../src/terminal/capabilities.js';

export interface SparklineScale {
  /** Bottom of the scale. Default 0 (or the smallest value when negative). */
  min?: number;
  /** Top of the scale. Default the largest value. */
  max?: number;
}

/**
 * Render the last `width` values as one string of exactly `width` characters (left-padded with spaces
 * when there are fewer values). Null/NaN values are blanks. In ASCII mode every char is < 0x80.
 */
export function renderSparkline(values: ReadonlyArray<number | null>, width: number, unicode: boolean, scale: SparklineScale = {}): string {
  if (width <= 0) return '';
  const levels = glyphs(unicode).spark;
  const tail = values.slice(Math.max(0, values.length - width));
  const finite = tail.filter((v): v is number => v !== null && Number.isFinite(v));
  const min = scale.min ?? Math.min(0, ...finite);
  const max = scale.max ?? (finite.length ? Math.max(...finite) : 0);
  const range = max - min;
  let out = ' '.repeat(width - tail.length);
  for (const v of tail) {
    if (v === null || !Number.isFinite(v)) {
      out += ' ';
      continue;
    }
    let idx = range > 0 ? Math.round(((v - min) / range) * (levels.length - 1)) : 0;
    if (range <= 0 && v > min) idx = levels.length - 1;
    // A non-zero value never draws as the lowest level when the scale has room: small errors stay visible.
    if (idx === 0 && v > min && levels.length > 1) idx = 1;
    out += levels[Math.max(0, Math.min(levels.length - 1, idx))];
  }
  return out;
}

/**
 * Fit a series into `width` characters: when longer, each character stands for `ceil(len / width)`
 * consecutive values and shows their largest (a spike is never averaged away); a group with no value
 * is a gap (null). Shorter series are returned as they are.
 */
export function fitSeries(values: ReadonlyArray<number | null>, width: number): { values: Array<number | null>; per: number } {
  if (width <= 0) return { values: [], per: 1 };
  if (values.length <= width) return { values: [...values], per: 1 };
  const per = Math.ceil(values.length / width);
  const out: Array<number | null> = [];
  // groups end at the newest value: the last character is always the latest
  const lead = values.length % per;
  for (let i = lead ? lead - per : 0; i < values.length; i += per) {
    let m: number | null = null;
    for (let j = Math.max(0, i); j < i + per; j++) {
      const v = values[j];
      if (v !== null && v !== undefined && Number.isFinite(v) && (m === null || v > m)) m = v;
    }
    out.push(m);
  }
  return { values: out, per };
}

export interface SparklineProps {
  values: ReadonlyArray<number | null>;
  width: number;
  unicode: boolean;
  color?: string;
  scale?: SparklineScale;
}

export function Sparkline({ values, width, unicode, color, scale }: SparklineProps): React.JSX.Element {
  return <Text color={color}>{renderSparkline(values, width, unicode, scale)}</Text>;
}
