// One status line built from coloured segments, truncated to the width (segments past it are dropped,
// the last one cut with an ellipsis). All text passes the sanitiser via clean().
import React from 'react';
import { Text } from 'ink';
import type { Theme } from '../src/config/theme.js';
import { displayWidth, truncateToWidth } from '../src/terminal/width.js';
import { frameGlyphs, clean } from './glyphs.js';
import { sx } from './context.js';

export interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

export function SegLine({ segs, width, theme, unicode }: { segs: Seg[]; width: number; theme: Theme; unicode: boolean }): React.ReactElement {
  const g = frameGlyphs(unicode);
  let room = width;
  const out: Seg[] = [];
  for (const s of segs) {
    if (room <= 0) break;
    const t = truncateToWidth(clean(s.text, unicode), room, g.ellipsis);
    if (!t) continue;
    out.push({ ...s, text: t });
    room -= displayWidth(t);
  }
  return (
    <Text wrap="truncate">
      {out.length ? null : ' '}
      {out.map((s, i) => (
        <Text key={i} {...sx(theme, { color: s.color, bold: s.bold, dimColor: s.dim, inverse: s.inverse })} strikethrough={theme.color ? s.strike : undefined}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}
