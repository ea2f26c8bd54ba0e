// Fleet-wide resources from the palette: `:backups` (every environment, the oldest successful backup
// first, a newest backup that failed flagged) and `:deployments` (running, and failed last time). The
// rows come from the fleet topic, which the gateway's one fleet scheduler keeps (at most one upstream
// request a second for the whole fleet, the rows on someone's screen first): this screen tells it
// which rows it shows and makes no request of its own, whatever keys are pressed.
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import type { FleetRow } from '../src/domain/index.js';
import { envRisk } from '../src/domain/helpers.js';
import { riskColor } from '../src/config/theme.js';
import { age, lastDeployText, stateText, stateWord } from '../src/store/fleet.js';
import { ListTable, shownItems, type Column } from '../components/Table.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { toneColor } from '../components/StatusBadge.js';
import { Busy } from '../components/Busy.js';
import { useList, type ListState } from '../components/list.js';
import { useTopic, useUi, useVisible, sx, type ActionHandlers } from '../components/context.js';
import { copyText } from './copy.js';
import { runEnvAction } from './actions.js';
import { envActionIds, targetOfRow, type ScreenProps } from './registry.js';
import { isLocalRow } from './localfleet.js';

export type FleetWideKind = 'backups' | 'deployments';

const time = (iso: string | null | undefined): number => (iso ? Date.parse(iso) || 0 : 0);

/**
 * `:backups`: none at all first (the most stale), then the oldest successful backup first; not
 * known yet (`?`) last. Ties: application, environment.
 */
export function backupOrder(rows: readonly FleetRow[]): FleetRow[] {
  const rank = (r: FleetRow): number => (r.backupKnown === false ? 2 : r.lastBackupAt ? 1 : 0);
  return rows
    .filter((r) => !isLocalRow(r))
    .sort((a, b) => rank(a) - rank(b) || time(a.lastBackupAt) - time(b.lastBackupAt) || a.app.localeCompare(b.app) || a.env.localeCompare(b.env));
}

/** `:deployments`: running ones first (by start), then those whose last deployment failed (newest first). */
export function deploymentOrder(rows: readonly FleetRow[]): FleetRow[] {
  const running = (r: FleetRow): boolean => r.state === 'deploying' || (!!r.lastDeployment && !r.lastDeployment.endedAt);
  const failed = (r: FleetRow): boolean => !running(r) && r.lastDeployment?.success === false;
  return rows
    .filter((r) => !isLocalRow(r) && (running(r) || failed(r)))
    .sort(
      (a, b) =>
        Number(running(b)) - Number(running(a)) ||
        (running(a) ? time(a.lastDeployment?.startedAt) - time(b.lastDeployment?.startedAt) : time(b.lastDeployment?.endedAt) - time(a.lastDeployment?.endedAt)) ||
        a.app.localeCompare(b.app),
    );
}

export function FleetWide({ route, width, height }: ScreenProps): React.ReactElement {
  const { store, theme, unicode, now } = useUi();
  const kind: FleetWideKind = route.params.kind === 'deployments' ? 'deployments' : 'backups';
  const slot = useTopic('fleet', {});
  const rows = slot?.data?.rows;
  const items = useMemo(() => (rows ? (kind === 'backups' ? backupOrder(rows) : deploymentOrder(rows)) : []), [rows, kind]);
  const tableHeight = Math.max(3, height - 1);
  const envActions: ActionHandlers = {};
  for (const a of envActionIds()) {
    envActions[a] = () => {
      const r = list.selectedNow();
      if (r) runEnvAction(store, a, targetOfRow(r), r);
      else store.toast('select an environment first');
    };
  }
  const list: ListState<FleetRow> = useList<FleetRow>({
    route,
    items,
    page: Math.max(1, tableHeight - 2),
    haystack: (r) => `${r.app}@${r.env} ${r.org}`,
    open: (r) => runEnvAction(store, kind === 'backups' ? 'env.backups' : 'env.deployments', targetOfRow(r), r),
    actions: {
      ...envActions,
      'copy.id': (): void => {
        const r = list.selectedNow();
        copyText(store, 'environment', r ? `${r.app}@${r.env}` : null);
      },
      'copy.url': () => copyText(store, 'URL', list.selectedNow()?.url),
    },
  });
  const t = now();
  const columns = useMemo<Column<FleetRow>[]>(() => {
    const common: Column<FleetRow>[] = [
      { id: 'app', title: 'APP', flex: 2, min: 14, priority: 0, cell: (r) => r.app },
      { id: 'env', title: 'ENV', width: 9, priority: 0, cell: (r) => r.env, color: (r) => riskColor(theme, envRisk(r.env)) },
    ];
    if (kind === 'backups') {
      return [
        ...common,
        {
          id: 'ok',
          title: 'LAST SUCCESSFUL',
          width: 16,
          priority: 0,
          cell: (r) => (r.backupKnown === false ? '? not read yet' : r.lastBackupAt ? `${age(r.lastBackupAt, t)} ago` : 'none'),
          color: (r) => (r.backupKnown === false ? theme.muted : !r.lastBackupAt ? theme.danger : t - time(r.lastBackupAt) > 86_400_000 ? theme.warning : undefined),
        },
        {
          id: 'failed',
          title: 'NEWEST',
          width: 16,
          priority: 1,
          cell: (r) => (r.lastBackupFailedAt ? `FAILED ${age(r.lastBackupFailedAt, t)} ago` : ''),
          color: () => theme.danger,
        },
        { id: 'state', title: 'STATE', width: 15, priority: 2, cell: stateText, color: (r) => toneColor(theme, stateWord(r).tone) },
        { id: 'org', title: 'ORGANISATION', flex: 1, min: 12, priority: 3, cell: (r) => r.org, color: () => theme.muted },
      ];
    }
    return [
      ...common,
      { id: 'state', title: 'STATE', width: 15, priority: 0, cell: stateText, color: (r) => toneColor(theme, stateWord(r).tone) },
      {
        id: 'deployed',
        title: 'LAST DEPLOY',
        width: 16,
        priority: 0,
        cell: (r) => lastDeployText(r, t),
        color: (r) => (r.lastDeployment && !r.lastDeployment.endedAt ? theme.warning : theme.danger),
      },
      { id: 'branch', title: 'BRANCH', flex: 1, min: 8, priority: 2, cell: (r) => r.branch ?? '-' },
      { id: 'org', title: 'ORGANISATION', flex: 1, min: 12, priority: 3, cell: (r) => r.org, color: () => theme.muted },
    ];
  }, [theme, kind, t]);

  // the rows on screen, for the fleet scheduler to refresh first (the only cost of this view)
  useVisible('fleet', {}, shownItems(list, tableHeight).map((r) => r.envUuid));

  if (!slot?.data) {
    return (
      <Text {...sx(theme, { color: slot?.error ? theme.danger : theme.muted })}>
        {slot?.error ? `fleet unavailable: ${slot.error}` : <><Busy unicode={unicode} /> loading the fleet...</>}
      </Text>
    );
  }
  const dot = unicode ? ' · ' : ' - ';
  const all = rows?.filter((r) => !isLocalRow(r)) ?? [];
  const summary =
    kind === 'backups'
      ? `${all.length} environments, oldest successful backup first${dot}${all.filter((r) => r.backupKnown !== false && !r.lastBackupAt).length} without one${dot}${all.filter((r) => r.lastBackupFailedAt).length} whose newest failed${dot}${all.filter((r) => r.backupKnown === false).length} not read yet`
      : `${list.items.length} of ${all.length} environments deploying or failed last time`;
  const notes = slot.data.notes?.length ? dot + slot.data.notes.join(dot) : '';
  return (
    <Box flexDirection="column" height={height} width={width}>
      <ListTable
        list={list}
        columns={columns}
        height={tableHeight}
        width={width}
        rowKey={(r) => r.envUuid}
        empty={kind === 'backups' ? 'no environments' : 'no deployment running, none failed last time'}
      />
      <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
        {truncateToWidth(`${summary}${notes}`, width)}
      </Text>
    </Box>
  );
}
