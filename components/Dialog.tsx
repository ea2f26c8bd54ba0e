// Confirmation dialog. Destructive actions never run on a key alone: y/Enter confirms a plain
// dialog; a typed confirmation (the environment's slug) is required for production and irreversible
// actions. Esc or n cancels. The keys are the keymap's (dialog.yes, dialog.no, wizard.next, app.back),
// so a remapping changes what the dialog says and what it does.
import React, { useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { DialogSpec } from '../src/store/app.js';
import { editText } from '../src/store/textinput.js';
import { isTextKey } from '../src/store/forms.js';
import { DIALOG_SCOPES, keyOf } from '../src/config/keymap.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { useOverlayKeys, useUi, sx } from './context.js';
import { frameGlyphs, clean } from './glyphs.js';

export function Dialog({ spec, width }: { spec: DialogSpec; width: number }): React.ReactElement {
  const { theme, unicode, store, keymap } = useUi();
  const k = (a: string): string => keyOf(keymap, a, unicode);
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
    const act = key ? keymap.lookup(key, DIALOG_SCOPES) : null;
    if (spec.confirmWord !== undefined) {
      // a typed confirmation: printable keys are text (q may be in the name)
      if (!isTextKey(key, input) && act === 'app.back') store.closeDialog();
      else if (!isTextKey(key, input) && act === 'wizard.next') {
        if (typedRef.current === spec.confirmWord) confirm();
        else setError(`type "${spec.confirmWord}" exactly to confirm (${k('app.back')} cancels)`);
      } else {
        const next = editText(typedRef.current, key, input, 100);
        if (next !== null) setTyped(() => next);
      }
      return true;
    }
    if (act === 'dialog.yes' || (act === 'wizard.next' && !spec.yOnly)) confirm();
    else if (act === 'wizard.next') setError(`press ${k('dialog.yes')} to ${spec.confirmLabel ?? 'confirm'} (${k('wizard.next')} does not confirm this one), ${k('dialog.no')} or ${k('app.back')} cancels`);
    else if (act === 'dialog.no' || act === 'app.back' || act === 'app.quit') store.closeDialog();
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
