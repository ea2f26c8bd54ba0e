// The fleet: every application × environment the token can see, windowed, sortable, filterable,
// grouped by organisation on request. Enter opens the environment; l/d/b/m/s/D/B/R/P act on the row.
import React, { useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { FleetRow } from '../src/domain/index.js';
import { keyWord } from '../src/config/keymap.js';
import { envRisk } from '../src/domain/helpers.js';
import { riskColor } from '../src/config/theme.js';
import { FLEET_SORTS, age, errorRateText, fleetItems, lastDeployText, stateText, stateWord, type FleetItem } from '../src/store/fleet.js';
import { ListTable, shownItems, type Column } from '../components/Table.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { FilterLine } from '../components/FilterLine.js';
import { toneColor } from '../components/StatusBadge.js';
import { renderSparkline } from '../components/Sparkline.js';
import { crashIfForced } from '../components/ErrorBoundary.js';
import { Busy } from '../components/Busy.js';
import { useList } from '../components/list.js';
import { copyText } from './copy.js';
import { useAppState, useTopic, useUi, useVisible, sx, type ActionHandlers } from '../components/context.js';
import { runEnvAction } from './actions.js';
import { envActionIds, targetOfRow, type ScreenProps } from './registry.js';
import { isLocalRow, localProjectOf, withLocalRows } from './localfleet.js';

/** After the fleet's first rows arrive: a commit (≤ 83 ms) and a throttled frame (≤ 50 ms) later they are drawn. */
const LOCAL_AFTER_MS = 400;

const SORT_TITLE: Record<string, string> = { app: 'app', org: 'organisation', env: 'environment', state: 'state', deployed: 'last deploy', backup: 'last backup', errors: 'error rate' };

export function Fleet({ route, width, height }: ScreenProps): React.ReactElement {
  crashIfForced('fleet');
  const { store, theme, unicode, config, now, keymap } = useUi();
  const openKey = keyWord(keymap, 'list.open');
  const slot = useTopic('fleet', {});
  // compose projects linked to an application of the fleet: a "local" row beside test and live.
  // Watched only once the fleet's rows are on the screen: finding the Docker engine loads dockerode
  // (~200 ms of the one thread), which otherwise held back the frame with the first rows (issue 16).
  // Quietly: without a Docker engine the fleet shows no line about it (no rows, no status); the
  // Local view explains.
  const fleetIn = !!slot?.data;
  const [localOn, setLocalOn] = useState(() => !!store.topic('local', {})?.data);
  useEffect(() => {
    if (!fleetIn || localOn) return;
    const t = setTimeout(() => setLocalOn(true), LOCAL_AFTER_MS);
    return () => clearTimeout(t);
  }, [fleetIn, localOn]);
  const localSlot = useTopic('local', localOn ? {} : null, { quiet: true });
  const view = useAppState((s) => s.ui[store.viewKey(route)]);
  const grouped = view?.grouped ?? config.ui.groupByOrg;
  const rows = withLocalRows(slot?.data?.rows, localSlot?.data);
  const items = useMemo(
    () => fleetItems(rows ?? [], { sort: view?.sort, desc: view?.desc, filter: view?.filter, grouped, collapsed: view?.collapsed }),
    [rows, view?.sort, view?.desc, view?.filter, grouped, view?.collapsed],
  );
  const filterShown = !!view?.filtering || !!view?.filter;
  const tableHeight = Math.max(2, height - 1 - (filterShown ? 1 : 0));

  // Keys can arrive between a store update and the render that shows it: act on the store's
  // current rows and view, not on this render's.
  const cache = useRef<{ rows: unknown; key: string; items: FleetItem[] }>({ rows: null, key: '', items: [] });
  const itemsNow = (): FleetItem[] => {
    const r = withLocalRows(store.topic('fleet', {})?.data?.rows, store.topic('local', {})?.data) ?? [];
    const v = store.view(store.viewKey(route));
    const g = v.grouped ?? config.ui.groupByOrg;
    const key = `${v.sort}|${v.desc}|${v.filter}|${g}|${v.collapsed?.join('\n')}`;
    if (cache.current.rows !== r || cache.current.key !== key) cache.current = { rows: r, key, items: fleetItems(r, { sort: v.sort, desc: v.desc, filter: v.filter, grouped: g, collapsed: v.collapsed }) };
    return cache.current.items;
  };
  const envActions: ActionHandlers = {};
  for (const a of envActionIds()) {
    envActions[a] = () => {
      const it = list.selectedNow();
      if (it?.kind === 'row' && isLocalRow(it.row)) store.toast(`${it.row.app}@local is the compose project ${localProjectOf(it.row)}: ${openKey} opens it (logs, shell, restart are there)`);
      else if (it?.kind === 'row') runEnvAction(store, a, targetOfRow(it.row), it.row);
      else store.toast('select an environment first');
    };
  }
  const list = useList<FleetItem>({
    route,
    items,
    current: itemsNow,
    page: Math.max(1, tableHeight - 2),
    filter: true,
    sorts: FLEET_SORTS,
    onSort: (col, desc) => store.toast(`sorted by ${SORT_TITLE[col]}${desc ? ' (reversed)' : ''}`),
    open: (it) => {
      if (it.kind === 'row' && isLocalRow(it.row)) store.push('local', { project: localProjectOf(it.row) });
      else if (it.kind === 'row') store.push('env', targetOfRow(it.row));
      // Enter on an organisation's header folds (or unfolds) that organisation only
      else store.updateView((v) => ({ collapsed: v.collapsed?.includes(it.org) ? v.collapsed.filter((o) => o !== it.org) : [...(v.collapsed ?? []), it.org] }), store.viewKey(route));
    },
    actions: {
      ...envActions,
      'fleet.group': () => store.updateView((v) => ({ grouped: !(v.grouped ?? config.ui.groupByOrg), cursor: 0, offset: 0 }), store.viewKey(route)),
      'fleet.local': () => store.push('local', {}),
      'copy.id': () => {
        const it = list.selectedNow();
        copyText(store, 'environment', it?.kind === 'row' ? `${it.row.app}@${it.row.env}` : null);
      },
      'copy.url': () => {
        const it = list.selectedNow();
        copyText(store, 'URL', it?.kind === 'row' ? it.row.url : null);
      },
    },
  });

  const t = now();
  const columns = useMemo<Column<FleetItem>[]>(() => {
    const r = (f: (row: FleetRow) => string) => (it: FleetItem) => (it.kind === 'row' ? f(it.row) : '');
    const c = (f: (row: FleetRow) => string | undefined) => (it: FleetItem) => (it.kind === 'row' ? f(it.row) : undefined);
    return [
      { id: 'app', title: 'APP', flex: 2, min: 16, priority: 0, cell: r((x) => x.app) },
      { id: 'org', title: 'ORGANISATION', flex: 1, min: 12, priority: 4, cell: r((x) => x.org), color: c(() => theme.muted) },
      { id: 'env', title: 'ENV', width: 9, priority: 0, cell: r((x) => x.env), color: c((x) => riskColor(theme, envRisk(x.env))) },
      { id: 'branch', title: 'BRANCH', flex: 1, min: 8, priority: 5, cell: r((x) => x.branch ?? '-') },
      {
        id: 'deployed',
        title: 'LAST DEPLOY',
        width: 14,
        priority: 1,
        cell: r((x) => lastDeployText(x, t)),
        color: c((x) => (x.lastDeployment && !x.lastDeployment.endedAt ? theme.warning : x.lastDeployment?.success === false ? theme.danger : undefined)),
      },
      { id: 'state', title: 'STATE', width: 15, priority: 0, cell: r(stateText), color: c((x) => toneColor(theme, stateWord(x).tone)) },
      { id: 'backup', title: 'BACKUP', width: 7, priority: 2, align: 'right', cell: r((x) => (x.backupKnown === false ? '?' : age(x.lastBackupAt, t))) },
      { id: 'errors', title: 'ERR', width: 7, priority: 3, align: 'right', cell: r(errorRateText), color: c((x) => ((x.errorRate ?? 0) > 5 ? theme.danger : (x.errorRate ?? 0) > 0 ? theme.warning : undefined)) },
      {
        id: 'trend',
        title: 'TREND',
        width: 10,
        priority: 6,
        cell: r((x) => (x.errorHistory.length ? renderSparkline(x.errorHistory, 10, unicode, { min: 0 }) : '')),
        color: c(() => theme.accent),
      },
    ];
  }, [theme, unicode, t]);

  // the rows on screen, for the gateway to refresh first (a big fleet refreshes the others in turn)
  useVisible('fleet', {}, shownItems(list, tableHeight).flatMap((it) => (it.kind === 'row' && !isLocalRow(it.row) ? [it.row.envUuid] : [])));

  if (!slot?.data) {
    return (
      <Box flexDirection="column" height={height}>
        <Text {...sx(theme, { color: slot?.error ? theme.danger : theme.muted })}>
          {slot?.error ? (
            `fleet unavailable: ${slot.error}`
          ) : (
            <>
              <Busy unicode={unicode} /> loading the fleet...
            </>
          )}
        </Text>
      </Box>
    );
  }
  const count = items.filter((i) => i.kind === 'row').length;
  return (
    <Box flexDirection="column" height={height} width={width}>
      <ListTable
        list={list}
        columns={columns}
        height={tableHeight}
        width={width}
        rowKey={(it) => (it.kind === 'row' ? it.row.envUuid : `org:${it.org}`)}
        special={(it) => (it.kind === 'group' ? `${it.collapsed ? (unicode ? '▸' : '+') : unicode ? '▾' : '-'} ${it.org} (${it.count}${it.collapsed ? `, folded: ${openKey} unfolds` : ''})` : null)}
        empty={view?.filter ? 'no environment matches the filter' : 'no applications visible to this token'}
      />
      {filterShown ? <FilterLine text={view?.filter ?? ''} editing={!!view?.filtering} matches={count} total={rows?.length ?? 0} width={width} /> : null}
      <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
        {truncateToWidth(
          `${count} environment${count === 1 ? '' : 's'}, sorted by ${SORT_TITLE[view?.sort ?? 'app']}${view?.desc ? ' (reversed)' : ''}${grouped ? ', grouped by organisation' : ''}${slot.data.notes?.length ? `${unicode ? ' · ' : ' - '}${slot.data.notes.join(unicode ? ' · ' : ' - ')}` : ''}`,
          width,
        )}
      </Text>
    </Box>
  );
}
