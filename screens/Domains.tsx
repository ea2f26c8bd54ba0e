// `:domains`: every domain of every environment of the fleet, from one listing of Divio's
// `GET /apps/v3/domains/` (the gateway's domains topic, read again every 5 minutes while watched),
// named by the fleet's rows: domain (an OSC 8 link), APP@ENV, primary or not, custom or Divio's own.
// Enter opens the environment; the environment keys act on the row's environment.
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import { cdnWord } from '../src/domain/words.js';
import { envRisk } from '../src/domain/helpers.js';
import { riskColor } from '../src/config/theme.js';
import { domainKind, domainRows, type DomainRow } from '../src/store/domains.js';
import { ListTable, type Column } from '../components/Table.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { Busy } from '../components/Busy.js';
import { clean } from '../components/glyphs.js';
import { useList, type ListState } from '../components/list.js';
import { useTopic, useUi, sx, type ActionHandlers } from '../components/context.js';
import { copyText } from './copy.js';
import { runEnvAction } from './actions.js';
import { envActionIds, targetOfRow, type ScreenProps } from './registry.js';

export function Domains({ route, width, height }: ScreenProps): React.ReactElement {
  const { store, theme, unicode } = useUi();
  const fleet = useTopic('fleet', {});
  const slot = useTopic('domains', {});
  const fleetRows = fleet?.data?.rows;
  const domains = slot?.data?.domains;
  const items = useMemo(() => (domains ? domainRows(domains, fleetRows ?? []) : []), [domains, fleetRows]);
  const tableHeight = Math.max(3, height - 1);
  const envActions: ActionHandlers = {};
  for (const a of envActionIds()) {
    envActions[a] = () => {
      const r = list.selectedNow();
      if (r?.row) runEnvAction(store, a, targetOfRow(r.row), r.row);
      else store.toast(r ? `${r.name}: its environment is not in the fleet` : 'select a domain first');
    };
  }
  const list: ListState<DomainRow> = useList<DomainRow>({
    route,
    items,
    page: Math.max(1, tableHeight - 2),
    haystack: (r) => `${r.name} ${r.app}@${r.env} ${domainKind(r)} ${r.org}`,
    open: (r) => (r.row ? store.push('env', targetOfRow(r.row)) : store.toast(`${r.name}: its environment is not in the fleet`)),
    actions: {
      ...envActions,
      'copy.id': () => copyText(store, 'domain', list.selectedNow()?.name),
      'copy.url': () => copyText(store, 'URL', list.selectedNow()?.url),
    },
  });
  const withCdn = items.some((r) => r.cdn);
  const columns = useMemo<Column<DomainRow>[]>(
    () => [
      { id: 'domain', title: 'DOMAIN', flex: 2, min: 20, priority: 0, cell: (r) => r.name, link: (r) => r.url },
      { id: 'app', title: 'APP', flex: 1, min: 12, priority: 0, cell: (r) => r.app },
      { id: 'env', title: 'ENV', width: 9, priority: 0, cell: (r) => r.env, color: (r) => riskColor(theme, envRisk(r.env)) },
      { id: 'kind', title: 'KIND', width: 16, priority: 0, cell: domainKind, color: (r) => (r.primary ? theme.ok : r.custom ? undefined : theme.muted) },
      ...(withCdn ? [{ id: 'cdn', title: 'CDN', width: 20, priority: 2, cell: (r: DomainRow) => cdnWord(r.cdn)?.text ?? '-', color: () => theme.muted }] : []),
      { id: 'org', title: 'ORGANISATION', flex: 1, min: 12, priority: 3, cell: (r) => r.org, color: () => theme.muted },
    ],
    [theme, withCdn],
  );

  if (!slot?.data) {
    return (
      <Text {...sx(theme, { color: slot?.error ? theme.danger : theme.muted })}>
        {slot?.error ? (
          `domains unavailable: ${clean(slot.error, unicode)}`
        ) : (
          <>
            <Busy unicode={unicode} /> loading the domains...
          </>
        )}
      </Text>
    );
  }
  const dot = unicode ? ' · ' : ' - ';
  const envs = new Set(items.map((r) => `${r.app}@${r.env}`)).size;
  const summary = `${items.length} domains on ${envs} environments${dot}${items.filter((r) => r.custom).length} custom${dot}${items.filter((r) => r.primary).length} primary${fleetRows ? '' : `${dot}naming environments when the fleet is in`}`;
  const notes = [...(slot.data.notes ?? []), ...(slot.error ? [`refresh failed: ${slot.error}`] : [])];
  return (
    <Box flexDirection="column" height={height} width={width}>
      <ListTable
        list={list}
        columns={columns}
        height={tableHeight}
        width={width}
        rowKey={(r) => r.uuid}
        empty="no domains"
      />
      <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
        {truncateToWidth(clean(`${summary}${notes.length ? dot + notes.join(dot) : ''}`, unicode), width)}
      </Text>
    </Box>
  );
}
