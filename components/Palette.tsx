// The command palette (`:`): fuzzy completion over commands and app@env targets, history on ↑/↓,
// Tab cycles the completions, Enter runs, Esc closes — as the keymap binds them (palette.complete,
// list.up / list.down, wizard.next, app.back; printable keys are text). It draws the store's palette
// input; the frame handles the keys against it (paletteKey, src/store/palette.ts).
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import type { FleetRow } from '../src/domain/index.js';
import { complete, PALETTE_COMPLETIONS } from '../src/store/palette.js';
import { truncateToWidth, padToWidth } from '../src/terminal/width.js';
import { useAppState, useUi, sx } from './context.js';
import { frameGlyphs, clean } from './glyphs.js';

export interface PaletteProps {
  rows: readonly FleetRow[];
  width: number;
}

export function Palette({ rows, width }: PaletteProps): React.ReactElement {
  const { theme, unicode, store } = useUi();
  const g = frameGlyphs(unicode);
  const { text, sel, error } = useAppState((s) => s.paletteInput);
  const zones = useMemo(() => store.services.zones?.list().map((z) => z.name) ?? [], [store]);
  const comps = useMemo(() => complete(text, rows, PALETTE_COMPLETIONS, zones), [text, rows, zones]);

  const inner = Math.max(10, width - 2);
  return (
    <Box flexDirection="column" width={width}>
      {comps.map((c, i) => (
        <Text key={c.text} wrap="truncate" {...sx(theme, { inverse: i === sel, color: i === sel ? undefined : theme.muted })}>
          {(i === sel ? g.selected + ' ' : '  ') + padToWidth(truncateToWidth(clean(c.text, unicode), 28, g.ellipsis), 28) + ' ' + truncateToWidth(clean(c.title, unicode), Math.max(0, inner - 31), g.ellipsis)}
        </Text>
      ))}
      {error ? <Text {...sx(theme, { color: theme.danger })}>{truncateToWidth(clean(error, unicode), inner, g.ellipsis)}</Text> : null}
      <Text {...sx(theme, { color: theme.accent, bold: true })}>
        {':' + truncateToWidth(clean(text, unicode), inner - 2, g.ellipsis)}
        <Text {...sx(theme, { inverse: true })}>{theme.color ? ' ' : '_'}</Text>
      </Text>
    </Box>
  );
}
