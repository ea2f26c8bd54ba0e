// Help (?): the keys of the view it was opened from, generated from the keymap (so remapped keys
// show as remapped). Actions that cannot run there now say so, with the reason, dimmed.
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import { displayKey, keyWord, type Scope } from '../src/config/keymap.js';
import { padToWidth, truncateToWidth } from '../src/terminal/width.js';
import { useList } from '../components/list.js';
import { frameGlyphs } from '../components/glyphs.js';
import { useAppState, useUi, sx } from '../components/context.js';
import { allScopes, unavailableActions, type ScreenProps } from './registry.js';

const SCOPE_TITLE: Partial<Record<Scope, string>> = {
  deploy: 'Deploy',
  backups: 'Backups',
  wizard: 'Wizard and forms',
  pick: 'Restore: choosing the backup',
  parts: 'Restore: what to restore',
  form: 'Forms: new backup, variable',
  rows: 'Rows',
  purge: 'Purge',
  global: 'Everywhere',
  list: 'Lists',
  copy: 'Copy',
  target: 'On an environment',
  fleet: 'Fleet',
  env: 'Environment',
  jobs: 'Jobs',
  logs: 'Logs',
  deployments: 'Deployment log',
};

interface HelpLine {
  text: string;
  heading?: boolean;
  /** An action that cannot run now. */
  off?: boolean;
}

export function helpLines(keymap: ReturnType<typeof useUi>['keymap'], scopes: readonly Scope[], unicode: boolean, off: Readonly<Record<string, string>> = {}): HelpLine[] {
  const out: HelpLine[] = [];
  // the notes and titles name the keys bound, as the lines do
  const k = (a: string): string => keyWord(keymap, a);
  // a title that names another action's key says it as {action.id}: the key bound now
  const titled = (t: string): string => t.replace(/\{([a-z]+\.[a-zA-Z.]+)\}/g, (_m, id: string) => k(id));
  // in a text box a printable key is text: the box's own key is the first one that is not
  const boxKey = (a: string): string => {
    const key = keymap.keys[a]?.find((x) => x.length > 1 && x !== 'space');
    return key ? displayKey(key, unicode) : '(unbound)';
  };
  const title: Partial<Record<Scope, string>> = {
    ...SCOPE_TITLE,
    dialog: `Confirmation dialogs (${k('wizard.next')} and ${k('app.back')} as in the wizard and forms)`,
    palette: `Command palette (${k('wizard.next')} runs, ${k('app.back')} closes, ${boxKey('list.up')}/${boxKey('list.down')} history)`,
  };
  for (const scope of scopes) {
    const bs = keymap.forScopes([scope]);
    if (!bs.length) continue;
    out.push({ text: title[scope] ?? scope, heading: true });
    for (const b of bs) {
      const keys = b.keys.length ? b.keys.map((k) => displayKey(k, unicode)).join(', ') : '(unbound)';
      const reason = off[b.action.id];
      const t = titled(b.action.title);
      out.push(reason === undefined ? { text: `  ${padToWidth(keys, 18)} ${t}` } : { text: `  ${padToWidth(keys, 18)} (not now: ${reason}) ${t}`, off: true });
    }
    out.push({ text: '' });
  }
  out.push({ text: 'Notes', heading: true });
  out.push({ text: `  ${k('app.back')} goes back. ${k('app.quit')} goes back on inner screens and quits on the fleet (pressed twice); ctrl-c always quits.` });
  out.push({ text: `  Filter (${k('list.filter')}): substring, case-insensitive; a leading ! shows what does NOT match.` });
  if (scopes.includes('logs')) {
    out.push({ text: `  Logs: ${k('list.filter')} filters the whole buffer: substring, /regex/, ! inverts, @level:error @status>=500 @path:/api @service:web.` });
    out.push({ text: `  ${k('logs.search')} searches it (highlights, ${k('logs.next')}/${k('logs.prev')} step, "3/17"); ${k('app.back')} clears the search, then the filter.` });
    out.push({ text: `  Scrolling up pauses; ${k('logs.follow')} or ${k('list.bottom')} returns to the tail.` });
  }
  out.push({ text: `  Palette (${k('app.palette')}): env APP@ENV, logs APP@ENV, deploy APP@ENV, fleet, jobs ... ${k('palette.complete')} completes, ${boxKey('list.up')}/${boxKey('list.down')} history.` });
  out.push({ text: '  Keys are remappable in the config file ("keys": {"fleet.sort": "s"}); action ids are shown by divio-tui doctor.' });
  return out;
}

export function Help({ route, width, height }: ScreenProps): React.ReactElement {
  const { theme, unicode, keymap, store } = useUi();
  const g = frameGlyphs(unicode);
  const forId = route.params.for ?? 'fleet';
  // every view can ask for a confirmation
  const scopes = useMemo((): Scope[] => [...allScopes(forId), 'dialog', 'palette'], [forId]);
  // the view help was opened from (below it), and what cannot run there now
  const under = useAppState((s) => {
    const r = s.stack[s.stack.indexOf(route) - 1];
    return r?.screen === forId ? r : undefined;
  });
  const offKey = useAppState(() => (under ? JSON.stringify(unavailableActions(store, under)) : ''));
  const off = useMemo(() => (under ? unavailableActions(store, under) : {}), [under, offKey]);
  const lines = useMemo(() => helpLines(keymap, scopes, unicode, off), [keymap, scopes, unicode, off]);
  const bodyH = Math.max(1, height - 1);
  const list = useList({ route, items: lines, mode: 'scroll', height: bodyH, page: bodyH - 1 });
  const top = list.cursor;
  const maxTop = list.maxTop;
  return (
    <Box flexDirection="column" width={width} height={height}>
      {lines.slice(top, top + bodyH).map((l, i) => (
        <Text key={top + i} wrap="truncate" {...sx(theme, l.heading ? { bold: true, color: theme.accent } : l.off ? { color: theme.muted, dimColor: true } : {})}>
          {truncateToWidth(l.text || ' ', width, g.ellipsis)}
        </Text>
      ))}
      <Box flexGrow={1} />
      <Text {...sx(theme, { color: theme.muted })}>{`${top > 0 ? g.up : ' '}${top < maxTop ? g.down : ' '} ${keyWord(keymap, 'app.back')} closes help`}</Text>
    </Box>
  );
}
