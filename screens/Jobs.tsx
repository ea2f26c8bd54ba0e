// The jobs tray (J from anywhere): running and recent jobs with state, progress, steps and elapsed
// time. Jobs run in the gateway: leaving this view never stops one.
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import type { Job } from '../src/domain/index.js';
import { jobsNewestFirst } from '../src/store/app.js';
import { ListTable, type Column } from '../components/Table.js';
import { toneColor } from '../components/StatusBadge.js';
import { jobStateWord, jobStepWord } from '../src/domain/words.js';
import { crashIfForced } from '../components/ErrorBoundary.js';
import { useList, type ListState } from '../components/list.js';
import { copyText } from './copy.js';
import { clean, frameGlyphs } from '../components/glyphs.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { useAppState, useMemoNow, useUi, sx } from '../components/context.js';
import type { ScreenProps } from './registry.js';

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function progress(j: Job): string {
  const p = j.percent != null ? `${Math.round(j.percent)} %` : '';
  return [p, j.stage ?? ''].filter(Boolean).join(' ') || (j.state === 'succeeded' ? 'done' : j.state === 'failed' ? (j.error ?? 'failed') : '');
}

export function Jobs({ route, width, height }: ScreenProps): React.ReactElement {
  crashIfForced('jobs');
  const { theme, unicode, store } = useUi();
  const g = frameGlyphs(unicode);
  const jobsMap = useAppState((s) => s.jobs);
  const jobs = useMemo(() => jobsNewestFirst({ jobs: jobsMap } as never), [jobsMap]);
  const list: ListState<Job> = useList({ route, items: jobs, key: (j) => j.id, page: () => tableH - 2, actions: { 'copy.id': () => void copyText(store, 'job id', list.selectedNow()?.id) } });
  const anyRunning = jobs.some((j) => j.state === 'running' || j.state === 'queued');
  const now = useMemoNow(anyRunning ? 1000 : 60_000);
  const sel = list.selected;
  const detailH = sel ? Math.min(sel.steps.length + 3, Math.floor(height / 2)) : 0;
  const tableH = Math.max(3, height - detailH - 1);
  const columns: Column<Job>[] = [
    { id: 'state', title: 'STATE', width: 10, priority: 0, cell: (j) => jobStateWord(j.state).text, color: (j) => toneColor(theme, jobStateWord(j.state).tone) },
    { id: 'kind', title: 'KIND', width: 16, priority: 0, cell: (j) => j.kind },
    { id: 'target', title: 'TARGET', flex: 2, min: 12, priority: 0, cell: (j) => j.target },
    { id: 'progress', title: 'PROGRESS', flex: 2, min: 12, priority: 1, cell: progress, color: (j) => (j.state === 'failed' ? theme.danger : undefined) },
    { id: 'elapsed', title: 'ELAPSED', width: 8, priority: 1, align: 'right', cell: (j) => duration((j.endedAt ?? now) - j.createdAt) },
    { id: 'actor', title: 'BY', flex: 1, min: 8, priority: 3, cell: (j) => j.actor ?? '' },
  ];
  return (
    <Box flexDirection="column" width={width} height={height}>
      <ListTable list={list} columns={columns} height={tableH} width={width} rowKey={(j) => j.id} empty="no jobs yet: deploys, backups, restores and purges show up here" />
      {sel ? (
        <Box flexDirection="column" height={detailH}>
          <Text wrap="truncate" {...sx(theme, { bold: true, color: theme.accent })}>
            {truncateToWidth(clean(`${sel.kind} ${sel.target}  (${sel.id})`, unicode), width, g.ellipsis)}
          </Text>
          {sel.steps.map((s, i) => (
            <Text key={i} wrap="truncate">
              <Text {...sx(theme, { color: toneColor(theme, jobStepWord(s.state).tone) })}>{`  ${s.state === 'succeeded' ? g.check : s.state === 'failed' ? g.cross : s.state === 'running' ? g.bullet : g.ring} ${jobStepWord(s.state).text.padEnd(9)}`}</Text>
              {truncateToWidth(clean(` ${s.name}${s.startedAt ? '  ' + duration((s.endedAt ?? now) - s.startedAt) : ''}${s.detail ? '  ' + s.detail : ''}`, unicode), Math.max(0, width - 14), g.ellipsis)}
            </Text>
          ))}
          {sel.error ? <Text wrap="truncate" {...sx(theme, { color: theme.danger })}>{truncateToWidth(clean(`  error: ${sel.error}`, unicode), width, g.ellipsis)}</Text> : null}
        </Box>
      ) : null}
      <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
        Jobs run in the gateway: leaving this view (or the console) does not stop them.
      </Text>
    </Box>
  );
}
