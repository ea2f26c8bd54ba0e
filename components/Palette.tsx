// The command palette (`:`): fuzzy completion over commands and app@env targets, history on ↑/↓,
// Tab cycles the completions, Enter runs, Esc closes — as the keymap binds them (palette.complete,
// list.up / list.down, wizard.next, app.back; printable keys are text).
import React, { useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { FleetRow } from '../src/domain/index.js';
import { complete, parseCommand, type ParsedCommand } from '../src/store/palette.js';
import { editText } from '../src/store/textinput.js';
import { isTextKey } from '../src/store/forms.js';
import { PALETTE_SCOPES } from '../src/config/keymap.js';
import { truncateToWidth, padToWidth } from '../src/terminal/width.js';
import { useAppState, useOverlayKeys, useUi, sx } from './context.js';
import { frameGlyphs, clean } from './glyphs.js';

export interface PaletteProps {
  rows: readonly FleetRow[];
  width: number;
  onRun: (cmd: ParsedCommand, text: string) => void;
}

export function Palette({ rows, width, onRun }: PaletteProps): React.ReactElement {
  const { theme, unicode, store, keymap } = useUi();
  const g = frameGlyphs(unicode);
  const history = useAppState((s) => s.paletteHistory);
  // Keys can arrive several per render (a fast typist, a paste): the editing state lives in a ref
  // that every key updates at once, and a counter re-renders.
  const st = useRef({ text: '', sel: -1, hist: -1, error: null as string | null });
  const [, bump] = useState(0);
  const set = (p: Partial<typeof st.current>): void => {
    st.current = { ...st.current, ...p };
    bump((n) => n + 1);
  };
  const { text, sel, error } = st.current;
  const zones = useMemo(() => store.services.zones?.list().map((z) => z.name) ?? [], [store]);
  const comps = useMemo(() => complete(text, rows, 8, zones), [text, rows, zones]);
  const compsOf = (t: string) => (t === text ? comps : complete(t, rows, 8, zones));

  const run = (line: string): void => {
    const r = parseCommand(line);
    if (!r.ok) {
      set({ error: r.error });
      return;
    }
    store.rememberCommand(line.trim());
    store.setPalette(false);
    onRun(r.value, line.trim());
  };

  useOverlayKeys((key, input) => {
    if (!store.getState().paletteOpen) return false;
    const cur = st.current;
    if (cur.error) set({ error: null });
    const act = key && !isTextKey(key, input) ? keymap.lookup(key, PALETTE_SCOPES) : null;
    if (act === 'app.back') {
      store.setPalette(false);
      return true;
    }
    const cs = compsOf(cur.text);
    if (act === 'wizard.next') {
      const direct = parseCommand(cur.text);
      if (direct.ok && cur.sel < 0) run(cur.text);
      else if (cur.sel >= 0 && cs[cur.sel]) run(cs[cur.sel]!.text);
      else if (!direct.ok && cs[0] && parseCommand(cs[0].text).ok) run(cs[0].text);
      else run(cur.text);
      return true;
    }
    if (act === 'list.up' || act === 'list.down') {
      if (!history.length) return true;
      const next = act === 'list.up' ? Math.min(history.length - 1, cur.hist + 1) : Math.max(-1, cur.hist - 1);
      set({ hist: next, text: next < 0 ? '' : history[history.length - 1 - next]!, sel: -1 });
      return true;
    }
    if (act === 'palette.complete') {
      if (!cs.length) return true;
      const n = (cur.sel + 1) % cs.length;
      set({ sel: n, text: cs[n]!.text });
      return true;
    }
    const next = editText(cur.text, key, input, 200);
    if (next !== null) set({ text: next, sel: -1, ...(key === 'backspace' || key === 'ctrl+u' || key === 'ctrl+w' ? {} : { hist: -1 }) });
    return true;
  });

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
