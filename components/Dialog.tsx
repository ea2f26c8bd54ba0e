// Confirmation dialog. Destructive actions never run on a key alone: y/Enter confirms a plain
// dialog; a typed confirmation (the environment's slug) is required for production and irreversible
// actions. Esc or n cancels.
import React, { useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { DialogSpec } from '../src/store/app.js';
import { editText } from '../src/store/textinput.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { useOverlayKeys, useUi, sx } from './context.js';
import { frameGlyphs, clean } from './glyphs.js';

export function Dialog({ spec, width }: { spec: DialogSpec; width: number }): React.ReactElement {
  const { theme, unicode, store } = useUi();
  const g = frameGlyphs(unicode);
  // typed text in a ref: several keys can arrive before the next render
  const typedRef = useRef('');
  const [typed, setTypedState] = useState('');
  const setTyped = (f: (t: string) => string): void => {
    typedRef.current = f(typedRef.current);
    setTypedState(typedRef.current);
  };
  const [error, setError] = useState<string | null>(null);
  const confirm = (): void => {
    store.closeDialog();
    void Promise.resolve()
      .then(() => spec.onConfirm())
      .catch((e: unknown) => store.toast(`failed: ${(e as Error).message}`, 'error'));
  };
  useOverlayKeys((key, input) => {
    // closed already (a second key before the re-render): never confirm twice
    if (store.getState().dialog !== spec) return false;
    if (key === 'esc') {
      store.closeDialog();
      return true;
    }
    if (spec.confirmWord !== undefined) {
      if (key === 'enter') {
        if (typedRef.current === spec.confirmWord) confirm();
        else setError(`type "${spec.confirmWord}" exactly to confirm (Esc cancels)`);
      } else {
        const next = editText(typedRef.current, key, input, 100);
        if (next !== null) setTyped(() => next);
      }
      return true;
    }
    if (key === 'y' || key === 'Y' || (key === 'enter' && !spec.yOnly)) confirm();
    else if (key === 'enter') setError(`press y to ${spec.confirmLabel ?? 'confirm'} (Enter does not confirm this one), n or Esc cancels`);
    else if (key === 'n' || key === 'N' || key === 'q') store.closeDialog();
    return true;
  });
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
          <Text>{`Type ${spec.confirmWord} to ${spec.confirmLabel ?? 'confirm'}, Esc to cancel:`}</Text>
          <Text {...sx(theme, { color: theme.accent })}>{`> ${truncateToWidth(clean(typed, unicode), inner - 3, g.ellipsis)}_`}</Text>
          {error ? <Text {...sx(theme, { color: theme.danger })}>{error}</Text> : null}
        </>
      ) : (
        <>
          <Text {...sx(theme, { color: theme.muted })}>{`${spec.yOnly ? 'y' : 'y / Enter'}: ${spec.confirmLabel ?? 'confirm'}    n / Esc: cancel`}</Text>
          {error ? <Text {...sx(theme, { color: theme.danger })}>{error}</Text> : null}
        </>
      )}
    </Box>
  );
}
