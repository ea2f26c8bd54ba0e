// The deployment log of an environment (key d): the newest deployment by default, `[`/`]` step to
// older/newer ones. While a deployment runs its log streams with the stage and percent; when it
// failed, the view opens at the first error line and names the failing stage.
//
// `DeploymentLogPane` is the reusable part (stage line, failure line, the log window with scrolling
// state kept in the store's view state): the deploy cockpit can embed it.
import React, { useEffect, useMemo } from 'react';
import { Box, Text } from 'ink';
import { NEVER_DEPLOYED, deploymentWord } from '../src/domain/words.js';
import type { Deployment } from '../src/domain/index.js';
import { deployWatch, stageViews, type DeployWatch } from '../src/store/deploy.js';
import { LogQuery } from '../src/store/logquery.js';
import type { AppStore } from '../src/store/app.js';
import { LogView, FOLLOW, makeLayout, scrollLog, scrollToTop, revealIndex, type LogScroll, type LogViewOptions, type LogLayout } from '../components/LogView.js';
import { useActions, useAppState, useTopic, useUi, sx } from '../components/context.js';
import { moment } from '../src/domain/format.js';
import { targetOfParams, type ScreenProps } from './registry.js';
import { SegLine, type Seg } from '../components/SegLine.js';

const queries = new WeakMap<object, LogQuery>();
function queryOf(w: DeployWatch): LogQuery {
  let q = queries.get(w.buffer);
  if (!q) queries.set(w.buffer, (q = new LogQuery(w.buffer)));
  return q;
}

/** Stage, percent and state of a deployment as one line (pure). */
export function deploymentStatus(d: Deployment | null, w: DeployWatch | null): { text: string; state: 'running' | 'ok' | 'failed' | 'unknown'; failingStage: string | null } {
  if (!d) return { text: 'no deployment', state: 'unknown', failingStage: null };
  const info = w?.info ?? { lines: 0, stages: [], firstError: null, firstErrorText: null, failingStage: null };
  const stages = stageViews(d, info);
  const failedStage = stages.find((s) => s.state === 'failed')?.title ?? info.failingStage ?? d.stage ?? null;
  if (!d.ended_at) {
    const stage = d.stage ?? stages.find((s) => s.state === 'running')?.title ?? info.stages[info.stages.length - 1] ?? '';
    return { text: `${deploymentWord(d).text}${stage ? ` - stage: ${stage}` : ''}`, state: 'running', failingStage: null };
  }
  if (d.success === false) return { text: `FAILED${failedStage ? ` in stage "${failedStage}"` : ''}`, state: 'failed', failingStage: failedStage };
  if (d.success === true) return { text: 'succeeded', state: 'ok', failingStage: null };
  return { text: 'ended without a result', state: 'unknown', failingStage: null };
}

export interface DeploymentLogPaneProps {
  deployment: Deployment | null;
  /** The whole deployment log so far. */
  log: string;
  width: number;
  height: number;
  /** Store view key where the scroll state is kept. */
  viewKey: string;
}

/** Scroll state, layout and jump helpers of a pane (for the hosting screen's key handlers). */
export function usePaneState(store: AppStore, viewKey: string, w: DeployWatch | null, width: number, logH: number, unicode: boolean, color: boolean) {
  const view = useAppState((s) => s.ui[viewKey]);
  const scroll = ((view?.scroll as LogScroll | undefined) ?? FOLLOW) as LogScroll;
  const q = w ? queryOf(w) : null;
  const opts: LogViewOptions = { timestamps: 'off', wrap: false, prefix: false, json: 'compact', keepSgr: false, unicode, color };
  const layout: LogLayout | null = q && w ? makeLayout(w.buffer, q, width, logH, opts) : null;
  const setScroll = (s: LogScroll): void => store.updateView({ scroll: s }, viewKey);
  return {
    q,
    opts,
    layout,
    scroll,
    scrollBy: (n: number): void => {
      if (q && layout) setScroll(scrollLog(q, scroll, n, layout));
    },
    top: (): void => {
      if (q && layout) setScroll(scrollToTop(q, layout));
    },
    follow: (): void => setScroll(FOLLOW),
    /** Jump to the first error line; false when there is none. */
    firstError: (): boolean => {
      if (!q || !layout || !w || w.info.firstError === null) return false;
      q.sync();
      // The deployment buffer holds one entry per log line (no grouping, no markers).
      const idx = Math.min(w.info.firstError, Math.max(0, q.count - 1));
      setScroll(revealIndex(q, { follow: false, topId: q.idAt(idx), row: 0 }, idx, layout));
      return true;
    },
  };
}

/** The reusable pane: a status line (stage, percent, failing stage, first error) and the log. */
export function DeploymentLogPane({ deployment, log, width, height, viewKey }: DeploymentLogPaneProps): React.ReactElement {
  const { store, theme, unicode, now, config } = useUi();
  const w = deployment ? deployWatch(deployment.uuid) : null;
  if (w && deployment) w.update(deployment, log, Date.now());
  const logH = Math.max(1, height - 2);
  const pane = usePaneState(store, viewKey, w, width, logH, unicode, theme.color);
  const st = deploymentStatus(deployment, w);
  // A failed deployment opens at its first error (once per deployment and view).
  const opened = useAppState((s) => s.ui[viewKey]?.openedAt as string | undefined);
  useEffect(() => {
    if (!deployment || st.state !== 'failed' || opened === deployment.uuid || !w || w.info.firstError === null) return;
    if (pane.firstError()) store.updateView({ openedAt: deployment.uuid }, viewKey);
  }, [deployment?.uuid, st.state, w?.info.firstError, opened]);
  const info = w?.info;
  const head: Seg[] = [
    { text: deployment ? `deployment ${deployment.uuid.slice(0, 8)}  ` : '', color: theme.muted },
    { text: st.text, bold: true, color: st.state === 'failed' ? theme.danger : st.state === 'ok' ? theme.ok : theme.warning },
  ];
  if (deployment?.started_at) head.push({ text: `  started ${moment(deployment.started_at, now(), config.ui.utc)}`, color: theme.muted });
  if (deployment?.commit) head.push({ text: `  commit ${deployment.commit.slice(0, 8)}`, color: theme.muted });
  const foot: Seg[] = [];
  if (info && info.firstError !== null) {
    foot.push({ text: `first error on line ${info.firstError + 1}${st.failingStage ? ` (stage "${st.failingStage}")` : ''}: `, color: theme.danger, bold: true });
    foot.push({ text: info.firstErrorText ?? '', color: theme.danger });
  } else foot.push({ text: `${info?.lines ?? 0} log lines${deployment && !deployment.ended_at ? ', streaming' : ''}`, color: theme.muted });
  return (
    <Box flexDirection="column" width={width} height={height}>
      <SegLine segs={head} width={width} theme={theme} unicode={unicode} />
      {w && pane.q ? (
        <LogView buffer={w.buffer} query={pane.q} width={width} height={logH} scroll={pane.scroll} options={pane.opts} emptyText={deployment ? 'waiting for the deployment log...' : ' '} />
      ) : (
        <Box height={logH}>
          <Text {...sx(theme, { color: theme.muted })}>no deployment to show</Text>
        </Box>
      )}
      <SegLine segs={foot} width={width} theme={theme} unicode={unicode} />
    </Box>
  );
}

function byNewest(a: Deployment, b: Deployment): number {
  return String(b.started_at ?? '').localeCompare(String(a.started_at ?? ''));
}

/** Screen 'deployments': the environment's deployments, one log at a time. */
export function DeploymentLog({ route, width, height }: ScreenProps): React.ReactElement {
  const { store, theme, unicode } = useUi();
  const target = targetOfParams(route.params);
  const vk = store.viewKey(route);
  const list = useTopic('deployments', target ? { env: target.env } : null);
  const deployments = useMemo(() => [...(list?.data?.deployments ?? [])].sort(byNewest), [list?.data]);
  const chosen = useAppState((s) => s.ui[vk]?.deployment as string | undefined) ?? route.params.deployment;
  const idx = Math.max(0, chosen ? deployments.findIndex((d) => d.uuid === chosen) : 0);
  const listed = deployments[idx] ?? null;
  const uuid = listed?.uuid ?? chosen ?? null;
  const slot = useTopic('deployment', uuid ? { deployment: uuid } : null);
  const d = slot?.data?.deployment ?? listed;
  const paneKey = `${vk}#${uuid ?? ''}`;
  const logH = Math.max(1, height - 3);
  const w = d ? deployWatch(d.uuid) : null;
  const pane = usePaneState(store, paneKey, w, width, logH, unicode, theme.color);
  const pick = (i: number): void => {
    const next = deployments[i];
    if (next) store.updateView({ deployment: next.uuid }, vk);
  };
  useActions({
    'list.up': () => pane.scrollBy(-1),
    'list.down': () => pane.scrollBy(1),
    'list.pageUp': () => pane.scrollBy(-Math.max(1, logH - 1)),
    'list.pageDown': () => pane.scrollBy(Math.max(1, logH - 1)),
    'list.top': () => pane.top(),
    'list.bottom': () => pane.follow(),
    'deployments.follow': () => pane.follow(),
    'deployments.error': () => {
      if (!pane.firstError()) store.toast('no error line in this deployment log', 'info');
    },
    'deployments.older': () => (idx + 1 < deployments.length ? pick(idx + 1) : store.toast('this is the oldest deployment', 'info')),
    'deployments.newer': () => (idx > 0 ? pick(idx - 1) : store.toast('this is the newest deployment', 'info')),
    'deployments.logs': () => {
      if (target) store.push('logs', { env: target.env, slug: target.slug, app: target.app, appUuid: target.appUuid, org: target.org });
    },
  });
  if (!target) return <Text {...sx(theme, { color: theme.danger })}>no environment selected</Text>;
  const title: Seg[] = [
    { text: `${target.app}@${target.slug} `, bold: true },
    { text: deployments.length ? `deployment ${idx + 1} of ${deployments.length} (newest first)` : list?.error ? `deployments unavailable: ${list.error}` : list?.data ? NEVER_DEPLOYED : 'loading deployments...', color: theme.muted },
  ];
  return (
    <Box flexDirection="column" width={width} height={height}>
      <SegLine segs={title} width={width} theme={theme} unicode={unicode} />
      <DeploymentLogPane deployment={d} log={slot?.data?.log ?? ''} width={width} height={Math.max(3, height - 1)} viewKey={paneKey} />
    </Box>
  );
}
