// The footer: the keys that work here, generated from the (remapped) keymap. Actions that cannot run
// now (a read-only token, this is live already …) are not hidden: they keep their place, dimmed, with
// the reason ("D deploy (read-only token)").
import React from 'react';
import { Box, Text } from 'ink';
import { displayKey, type Scope } from '../src/config/keymap.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { useUi, sx } from './context.js';
import { frameGlyphs } from './glyphs.js';

export interface HintPart {
  text: string;
  /** The action cannot run now (the reason is in the text). */
  off: boolean;
}

/** The footer's entries in keymap order; `off` names the actions that cannot run now, with the reason. */
export function hintParts(keymap: ReturnType<typeof useUi>['keymap'], scopes: readonly Scope[], unicode: boolean, isTop: boolean, off: Readonly<Record<string, string>> = {}): HintPart[] {
  const parts: HintPart[] = [];
  for (const b of keymap.forScopes(scopes)) {
    if (!b.action.hint || b.keys.length === 0) continue;
    if (b.action.id === 'app.quit' && !isTop) continue;
    if (b.action.id === 'app.back' && isTop) continue;
    const text = `${displayKey(b.keys[0]!, unicode)} ${b.action.short ?? b.action.title.split(/[ (]/)[0]!}`;
    const reason = off[b.action.id];
    parts.push(reason === undefined ? { text, off: false } : { text: `${text} (${reason})`, off: true });
  }
  return parts;
}

export function hintText(keymap: ReturnType<typeof useUi>['keymap'], scopes: readonly Scope[], unicode: boolean, isTop: boolean, off: Readonly<Record<string, string>> = {}): string {
  return hintParts(keymap, scopes, unicode, isTop, off)
    .map((p) => p.text)
    .join('  ');
}

export function KeyHints({ scopes, width, isTop, off }: { scopes: readonly Scope[]; width: number; isTop: boolean; off?: Readonly<Record<string, string>> }): React.ReactElement {
  const { keymap, theme, unicode } = useUi();
  const g = frameGlyphs(unicode);
  const parts = hintParts(keymap, scopes, unicode, isTop, off);
  // cut to the width as one line, then coloured part by part
  const line = truncateToWidth(parts.map((p) => p.text).join('  '), width, g.ellipsis);
  const segs: React.ReactElement[] = [];
  let at = 0;
  parts.forEach((p, i) => {
    if (at >= line.length) return;
    const text = line.slice(at, at + p.text.length + (i < parts.length - 1 ? 2 : 0));
    at += text.length;
    segs.push(
      <Text key={i} {...sx(theme, { color: theme.muted, dimColor: p.off })}>
        {text}
      </Text>,
    );
  });
  return (
    <Box height={1} width={width}>
      <Text wrap="truncate">{segs.length ? segs : ' '}</Text>
    </Box>
  );
}
