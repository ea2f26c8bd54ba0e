// An environment's services (`i` on an environment or a fleet row, `:services APP@ENV`): its service
// instances from Divio's `GET /apps/v3/service-instances/?environment=` (the gateway's services topic):
// type, prefix, the catalogue service's name, region, state. Divio's API gives no plan or size of an
// instance. The environment keys work here (b backups, B backup …); y copies the instance's uuid.
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import { serviceRows, type ServiceRow } from '../src/store/services.js';
import { ListTable, type Column } from '../components/Table.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { Busy } from '../components/Busy.js';
import { clean } from '../components/glyphs.js';
import { toneColor } from '../components/StatusBadge.js';
import { serviceStatusWord, serviceTypeWord } from '../src/domain/words.js';
import { useList } from '../components/list.js';
import { useTopic, useUi, sx, type ActionHandlers } from '../components/context.js';
import { copyText } from './copy.js';
import { runEnvAction } from './actions.js';
import { envActionIds, targetOfParams, type ScreenProps } from './registry.js';

export function Services({ route, width, height }: ScreenProps): React.ReactElement {
  const { store, theme, unicode } = useUi();
  const target = targetOfParams(route.params);
  const slot = useTopic('services', target ? { env: target.env } : null);
  const items = useMemo(() => (slot?.data ? serviceRows(slot.data) : []), [slot?.data]);
  const describe = items.some((r) => r.description);
  const tableHeight = Math.max(3, height - 2);
  const actions: ActionHandlers = {};
  if (target) for (const a of envActionIds()) if (a !== 'env.services') actions[a] = () => runEnvAction(store, a, target);
  actions['copy.id'] = () => copyText(store, 'service instance uuid', list.selectedNow()?.uuid);
  const list = useList<ServiceRow>({
    route,
    items,
    page: Math.max(1, tableHeight - 2),
    haystack: (r) => `${serviceTypeWord(r.type).text} ${r.prefix} ${r.service} ${r.region} ${serviceStatusWord(r.state).text}`,
    actions,
  });
  const columns = useMemo<Column<ServiceRow>[]>(
    () => [
      { id: 'type', title: 'TYPE', width: 10, priority: 0, cell: (r) => serviceTypeWord(r.type).text },
      { id: 'prefix', title: 'PREFIX', width: 10, priority: 0, cell: (r) => r.prefix, color: () => theme.muted },
      { id: 'service', title: 'SERVICE', flex: 1, min: 14, priority: 0, cell: (r) => r.service },
      { id: 'region', title: 'REGION', width: 14, priority: 1, cell: (r) => r.region },
      { id: 'state', title: 'STATE', width: 12, priority: 0, cell: (r) => serviceStatusWord(r.state).text, color: (r) => toneColor(theme, serviceStatusWord(r.state).tone) },
      ...(describe ? [{ id: 'about', title: 'DESCRIPTION', flex: 2, min: 16, priority: 3, cell: (r: ServiceRow) => r.description, color: () => theme.muted }] : []),
      { id: 'uuid', title: 'ID', width: 36, priority: 4, cell: (r) => r.uuid, color: () => theme.muted },
    ],
    [theme, describe],
  );

  if (!target) return <Text {...sx(theme, { color: theme.danger })}>no environment selected</Text>;
  if (!slot?.data) {
    return (
      <Text {...sx(theme, { color: slot?.error ? theme.danger : theme.muted })}>
        {slot?.error ? (
          `services unavailable: ${clean(slot.error, unicode)}`
        ) : (
          <>
            <Busy unicode={unicode} /> loading the services of {target.app}@{target.slug}...
          </>
        )}
      </Text>
    );
  }
  const dot = unicode ? ' · ' : ' - ';
  const kinds = [...new Set(items.map((r) => serviceTypeWord(r.type).text))].join(', ');
  const summary = `${items.length} service instance${items.length === 1 ? '' : 's'} of ${target.app}@${target.slug}${kinds ? ` (${kinds})` : ''}${dot}the state as the zone reports it; no plan or size is offered by Divio's API${slot.error ? `${dot}refresh failed: ${slot.error}` : ''}`;
  return (
    <Box flexDirection="column" height={height} width={width}>
      <ListTable
        list={list}
        columns={columns}
        height={tableHeight}
        width={width}
        rowKey={(r) => r.uuid}
        empty="no service instances"
      />
      <Box flexGrow={1} />
      <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
        {truncateToWidth(clean(summary, unicode), width)}
      </Text>
    </Box>
  );
}
