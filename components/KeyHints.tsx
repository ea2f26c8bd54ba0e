// The footer: the keys that work here, generated from the (remapped) keymap.
import React from 'react';
import { Box, Text } from 'ink';
import { displayKey, type Scope } from '../src/config/keymap.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { useUi, sx } from './context.js';
import { frameGlyphs } from './glyphs.js';


export function hintText(keymap: ReturnType<typeof useUi>['keymap'], scopes: readonly Scope[], unicode: boolean, isTop: boolean, off: ReadonlySet<string> = new Set()): string {
  const parts: string[] = [];
  for (const b of keymap.forScopes(scopes)) {
    if (!b.action.hint || b.keys.length === 0 || off.has(b.action.id)) continue;
    const k = displayKey(b.keys[0]!, unicode);
    const label = b.action.short ?? b.action.title.split(/[ (]/)[0]!;
    if (b.action.id === 'app.quit' && !isTop) continue;
    if (b.action.id === 'app.back' && isTop) continue;
    parts.push(`${k} ${label}`);
  }
  return parts.join('  ');
}

export function KeyHints({ scopes, width, isTop, off }: { scopes: readonly Scope[]; width: number; isTop: boolean; off?: ReadonlySet<string> }): React.ReactElement {
  const { keymap, theme, unicode } = useUi();
  const g = frameGlyphs(unicode);
  return (
    <Box height={1} width={width}>
      <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
        {truncateToWidth(hintText(keymap, scopes, unicode, isTop, off), width, g.ellipsis)}
      </Text>
    </Box>
  );
}
