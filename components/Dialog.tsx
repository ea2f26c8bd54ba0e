// Confirmation dialog. Destructive actions never run on a key alone: y/Enter confirms a plain dialog;
// a typed confirmation (the environment's slug) is required for production and irreversible actions.
// Esc or n cancels. It draws the store's dialog and its input; the keys are handled against them by
// dialogKey (src/store/dialog.ts) in the frame, as the keymap binds them (dialog.yes, dialog.no,
// wizard.next, app.back), so a remapping changes what the dialog says and what it does.
import React from 'react';
import { Box, Text } from 'ink';
import type { DialogSpec } from '../src/store/app.js';
import { keyOf } from '../src/config/keymap.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { useAppState, useUi, sx } from './context.js';
import { frameGlyphs, clean } from './glyphs.js';

export function Dialog({ spec, width }: { spec: DialogSpec; width: number }): React.ReactElement {
  const { theme, unicode, keymap } = useUi();
  const k = (a: string): string => keyOf(keymap, a, unicode);
  const g = frameGlyphs(unicode);
  const { typed, error } = useAppState((s) => s.dialogInput);
  const w = Math.min(width - 2, 72);
  const inner = w - 4;
  const color = spec.danger ? theme.danger : theme.accent;
  return (
    <Box flexDirection="column" borderStyle={g.border} {...sx(theme, { borderColor: color } as never)} width={w} paddingX={1}>
      <Text {...sx(theme, { color, bold: true })}>{truncateToWidth(clean(spec.title, unicode), inner, g.ellipsis)}</Text>
      {spec.lines.map((l, i) => (
        <Text key={i} wrap="truncate">
          {truncateToWidth(clean(l, unicode), inner, g.ellipsis)}
        </Text>
      ))}
      {spec.confirmWord !== undefined ? (
        <>
          <Text>{`Type ${spec.confirmWord} to ${spec.confirmLabel ?? 'confirm'}, ${k('app.back')} to cancel:`}</Text>
          <Text {...sx(theme, { color: theme.accent })}>{`> ${truncateToWidth(clean(typed, unicode), inner - 3, g.ellipsis)}_`}</Text>
          {error ? <Text {...sx(theme, { color: theme.danger })}>{error}</Text> : null}
        </>
      ) : (
        <>
          <Text {...sx(theme, { color: theme.muted })}>{`${spec.yOnly ? k('dialog.yes') : `${k('dialog.yes')} / ${k('wizard.next')}`}: ${spec.confirmLabel ?? 'confirm'}    ${k('dialog.no')} / ${k('app.back')}: cancel`}</Text>
          {error ? <Text {...sx(theme, { color: theme.danger })}>{error}</Text> : null}
        </>
      )}
    </Box>
  );
}
