// The `/` filter line under a list, and its key handling (Backspace arrives as key.delete in Ink 6.8).
import React from 'react';
import { Text } from 'ink';
import { truncateToWidth } from '../src/terminal/width.js';
import type { AppStore } from '../src/store/app.js';
import { editText } from '../src/store/textinput.js';
import { isTextKey } from '../src/store/forms.js';
import { keyWord, TEXT_BOX_SCOPES, type Keymap } from '../src/config/keymap.js';
import { useUi, sx } from './context.js';
import { clean } from './glyphs.js';

export function FilterLine({ text, editing, matches, total, width }: { text: string; editing: boolean; matches: number; total: number; width: number }): React.ReactElement {
  const { theme, unicode, keymap } = useUi();
  const k = (a: string): string => keyWord(keymap, a);
  const inv = text.startsWith('!');
  const label = `/${clean(text, unicode)}${editing ? '_' : ''}`;
  const info = `  ${matches} of ${total}${inv ? ' (inverted)' : ''}${editing ? `  ${k('wizard.next')} keep, ${k('app.back')} clear` : `  ${k('list.filter')} edit, ${k('app.back')} clear`}`;
  return (
    <Text wrap="truncate" {...sx(theme, { color: editing ? theme.accent : theme.muted })}>
      {truncateToWidth(label + info, width)}
    </Text>
  );
}

/** Key handling while the filter line is being edited (the store says so). Returns true when the key was used. */
export function filterKey(store: AppStore, keymap: Keymap, viewKey: string, key: string | null, input: string): boolean {
  const v = store.view(viewKey);
  if (!v.filtering) return false;
  const cur = v.filter ?? '';
  const act = key && !isTextKey(key, input) ? keymap.lookup(key, TEXT_BOX_SCOPES) : null;
  if (act === 'wizard.next') store.updateView({ filtering: false }, viewKey);
  else if (act === 'app.back') store.updateView({ filtering: false, filter: '', cursor: 0, offset: 0 }, viewKey);
  else if (act === 'list.up' || act === 'list.down') {
    store.updateView({ filtering: false }, viewKey);
    return false;
  } else {
    const next = editText(cur, key, input, 200);
    if (next !== null) store.updateView({ filter: next, cursor: 0, offset: 0 }, viewKey);
  }
  return true;
}
