// The zone list (`:zone` or Z): the zones of the config file, the zone the console started in and
// the embedded sandbox, with where each one's token comes from (never the token). Enter switches:
// the console leaves the zone shown (its subscriptions end; its gateway's jobs keep running) and
// shows the fleet of the other. `:zone NAME` does the same from anywhere.
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import type { AppStore, ZoneItem } from '../src/store/app.js';
import { ListTable, type Column } from '../components/Table.js';
import { crashIfForced } from '../components/ErrorBoundary.js';
import { useList } from '../components/list.js';
import { clean } from '../components/glyphs.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { keyWord } from '../src/config/keymap.js';
import { useAppState, useUi, sx } from '../components/context.js';
import type { ScreenProps } from './registry.js';

/** Switch the console to zone `name` (palette and zone list); false when it did not. */
export async function switchZone(store: AppStore, name: string): Promise<boolean> {
  const zones = store.services.zones;
  if (!zones) {
    store.toast('zones: this console cannot switch zones', 'warn');
    return false;
  }
  if (store.getState().zone === name) {
    store.toast(`zone ${name} is the one shown`, 'info');
    return false;
  }
  return zones.switchTo(name);
}

export function Zones({ route, width, height }: ScreenProps): React.ReactElement {
  crashIfForced('zones');
  const { store, theme, unicode, keymap } = useUi();
  const current = useAppState((s) => s.zone);
  const items = useMemo<ZoneItem[]>(() => store.services.zones?.list() ?? [], [store, current]);
  const list = useList({
    route,
    items,
    page: Math.max(1, height - 4),
    actions: {
      'list.open': () => {
        const z = list.selectedNow();
        if (z) void switchZone(store, z.name);
      },
    },
  });
  const columns: Column<ZoneItem>[] = [
    { id: 'name', title: 'ZONE', flex: 1, min: 12, priority: 0, cell: (z) => `${z.name === current ? (unicode ? '● ' : '* ') : '  '}${z.name}`, color: (z) => (z.name === current ? theme.accent : undefined) },
    { id: 'kind', title: 'KIND', width: 8, priority: 2, cell: (z) => z.kind },
    { id: 'target', title: 'API / GATEWAY', flex: 2, min: 16, priority: 1, cell: (z) => z.target, color: () => theme.muted },
    { id: 'token', title: 'TOKEN', flex: 2, min: 16, priority: 0, cell: (z) => z.token, color: (z) => (z.usable ? undefined : theme.danger) },
  ];
  if (!store.services.zones) {
    return <Text {...sx(theme, { color: theme.muted })}>This console cannot switch zones.</Text>;
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      <ListTable list={list} columns={columns} height={Math.max(3, height - 2)} width={width} rowKey={(z) => z.name} empty="no zones" />
      <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
        {truncateToWidth(clean(`${keyWord(keymap, 'list.open')} switches (also :zone NAME). Zones come from the config file's "zones"; jobs keep running in the zone you leave.`, unicode), width)}
      </Text>
    </Box>
  );
}
