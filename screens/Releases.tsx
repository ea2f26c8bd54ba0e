// An environment's deployments (key d): start (date and 24-hour time, and its age), duration, result,
// commit, branch, who; newest first. Enter opens the deployment's log; r redeploys the selected one:
// Divio deploys the head of the environment's branch (its API names no commit), so the dialog says
// so, and the job's verdict says which commit ran. A redeploy restores no data.
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import type { Deployment, Job } from '../src/domain/index.js';
import { envRisk } from '../src/domain/helpers.js';
import { deploymentRow, newestFirst, resultText, type DeploymentRow } from '../src/store/releases.js';
import { keyOf as keyName } from '../src/config/keymap.js';
import { ListTable, type Column } from '../components/Table.js';
import { useList } from '../components/list.js';
import { copyText } from './copy.js';
import { useAppState, useMemoNow, useTopic, useUi, sx, type ActionHandlers } from '../components/context.js';
import { clean } from '../components/glyphs.js';
import { targetOfParams, type ScreenProps } from './registry.js';
import { SegLine, isReadOnly, jobStepLines, sendCommand, readOnlyText, type Seg, jobHeadLine } from './actionui.js';

interface Row extends DeploymentRow {
  d: Deployment;
}

export function Releases({ route, width, height }: ScreenProps): React.ReactElement {
  const { store, theme, unicode, config, keymap } = useUi();
  const keyOf = (a: string): string => keyName(keymap, a, unicode);
  const target = targetOfParams(route.params);
  const slot = useTopic('deployments', target ? { env: target.env } : null);
  const vk = store.viewKey(route);
  const jobId = useAppState((s) => s.ui[vk]?.job as string | undefined);
  const job: Job | undefined = useAppState((s) => (jobId ? s.jobs[jobId] : undefined));
  const running = (slot?.data?.deployments ?? []).some((d) => d.ended_at === null);
  const now = useMemoNow(running || (job && job.state !== 'succeeded' && job.state !== 'failed') ? 1000 : 30_000);
  const utc = config.ui.utc;
  const rows: Row[] = useMemo(() => [...(slot?.data?.deployments ?? [])].sort(newestFirst).map((d) => ({ ...deploymentRow(d, now, utc), d })), [slot?.data, now, utc]);
  const handlers: ActionHandlers = {};
  const current = (): Row[] => {
    const d = target ? store.topic('deployments', { env: target.env })?.data?.deployments : undefined;
    return [...(d ?? [])].sort(newestFirst).map((x) => ({ ...deploymentRow(x, Date.now(), utc), d: x }));
  };
  const jobH = job ? job.steps.length + 2 : 0;
  const tableH = Math.max(3, height - jobH - 1);
  const list = useList({
    route,
    items: rows,
    current,
    key: (r) => r.uuid,
    page: () => tableH - 2,
    haystack: (r) => `${r.commit} ${r.branch} ${r.who} ${r.result} ${r.uuid}`,
    open: (r) => {
      if (target) store.push('deployments', { ...target, deployment: r.uuid });
    },
    actions: handlers,
  });

  handlers['copy.id'] = () => copyText(store, 'deployment id', list.selectedNow()?.uuid);
  handlers['releases.logs'] = () => {
    if (target) store.push('logs', { env: target.env, slug: target.slug, app: target.app, appUuid: target.appUuid, org: target.org });
  };
  handlers['releases.redeploy'] = () => {
    if (!target) return;
    if (isReadOnly(store)) return void store.toast(readOnlyText(store), 'warn');
    const r = list.selectedNow();
    if (!r) return;
    const name = `${target.app}@${target.slug}`;
    const live = envRisk(target.slug) === 'live';
    if (current().some((x) => x.result === 'deploying' || x.result === 'queued')) return void store.toast(`a deployment of ${name} is running: redeploy once it has ended`, 'warn');
    const head = current()[0];
    store.openDialog({
      title: `Redeploy ${name}?`,
      lines: [
        `Chosen: ${r.uuid.slice(0, 8)} of ${r.started}, commit ${r.commit}.`,
        `Divio deploys the head of the branch${r.branch !== '-' ? ` ${r.branch}` : ''} as it is now;`,
        `if it moved past ${r.commit}${head && head.commit !== '-' && head.commit !== r.commit ? ` (last deployed: ${head.commit})` : ''}, newer code runs.`,
        'The result says which commit ran.',
        'A redeploy restores no data: a backup restore does.',
        live ? 'This is a LIVE environment.' : `Progress shows here and in the jobs tray (${keyOf('app.jobs')}).`,
      ],
      danger: live,
      confirmWord: live ? name : undefined,
      confirmLabel: 'redeploy',
      onConfirm: () =>
        void sendCommand(store, 'redeploy', { env: target.env, deployment: r.uuid, buildMode: 'AUTO', ...(live ? { confirm: name } : {}) }).then(
          (j) => {
            store.updateView({ job: j.id }, vk);
            store.toast(`redeploy ${j.target}: started`, 'ok', j.id);
          },
          (e: unknown) => store.toast(`redeploy refused: ${(e as Error).message}`, 'error'),
        ),
    });
  };

  const resultColor = (r: Row) => (r.result === 'ok' ? theme.ok : r.result === 'FAILED' ? theme.danger : theme.warning);
  const columns: Column<Row>[] = [
    { id: 'started', title: 'STARTED', width: utc ? 17 : 16, priority: 0, cell: (r) => r.started },
    { id: 'age', title: 'AGE', width: 5, priority: 1, align: 'right', cell: (r) => r.age },
    { id: 'duration', title: 'DURATION', width: 8, priority: 1, align: 'right', cell: (r) => r.duration },
    { id: 'result', title: 'RESULT', width: 12, priority: 0, cell: resultText, color: resultColor },
    { id: 'commit', title: 'COMMIT', width: 7, priority: 0, cell: (r) => r.commit },
    { id: 'branch', title: 'BRANCH', flex: 1, min: 8, priority: 2, cell: (r) => r.branch },
    { id: 'who', title: 'BY', flex: 2, min: 8, priority: 3, cell: (r) => r.who },
    { id: 'id', title: 'ID', width: 8, priority: 4, cell: (r) => r.uuid.slice(0, 8) },
  ];
  if (!target) return <Text>no environment selected</Text>;
  const jobLines: Seg[][] = [];
  if (job) {
    jobLines.push(jobHeadLine(job, theme, { text: job.error ? `  ${job.error}` : job.stage ? `  ${job.stage}` : '', color: job.error ? theme.danger : theme.muted }));
    jobLines.push(...jobStepLines(job, theme, unicode, now));
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      <ListTable
        list={list}
        columns={columns}
        height={tableH}
        width={width}
        rowKey={(r) => r.uuid}
        empty={slot?.data ? `${target.app}@${target.slug} has never been deployed` : slot?.error ? `deployments unavailable: ${clean(slot.error, unicode)}` : 'loading deployments...'}
      />
      {jobLines.map((l, i) => (
        <SegLine key={`j${i}`} segs={l} width={width} theme={theme} unicode={unicode} />
      ))}
      <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
        {`newest first, times ${utc ? 'UTC' : 'local'} (ui.utc)   ${keyOf('list.open')} the deployment's log   ${keyOf('releases.redeploy')} redeploy: Divio deploys the branch head`}
      </Text>
    </Box>
  );
}
