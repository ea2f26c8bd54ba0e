// The deploy cockpit (D on an environment): build mode, deploy (live asks for its slug), attach to a
// running deployment, stages, percent, elapsed, heartbeat age, the live deployment log. When it ends:
// the verdict from the API's success and the HTTP probe; on failure the log opens at the first error
// with the failing stage named, and the runtime logs are one key away; after a successful test
// deploy, "deploy live" is one key (and the live slug).
import React, { useEffect, useMemo } from 'react';
import { Box, Text } from 'ink';
import { NEVER_DEPLOYED, deploymentWord } from '../src/domain/words.js';
import { toneColor } from '../components/StatusBadge.js';
import type { Deployment, Environment as Env } from '../src/domain/index.js';
import { envRisk, jobResult } from '../src/domain/helpers.js';
import { confirmationWord } from '../src/domain/outcomes.js';
import { riskColor } from '../src/config/theme.js';
import { BUILD_MODES, BUILD_MODE_HELP, deployVerdict, deployWatch, stageViews, isErrorLine, type BuildMode } from '../src/store/deploy.js';
import { routeKey, type AppStore } from '../src/store/app.js';
import { LogQuery } from '../src/store/logquery.js';
import { LogView, FOLLOW, makeLayout, revealIndex, scrollLog, type LogScroll, type LogViewOptions } from '../components/LogView.js';
import { useActions, useAppState, useMemoNow, useTopic, useUi, sx } from '../components/context.js';
import { frameGlyphs } from '../components/glyphs.js';
import { targetOfParams, type EnvTarget, type ScreenProps } from './registry.js';
import { SegLine, isReadOnly, jobStepLines, sendCommand, readOnlyText, type Seg } from './actionui.js';
import { duration } from './Jobs.js';
import { getScreen } from './registry.js';

const queries = new WeakMap<object, LogQuery>();

/** Start a deployment of `target` (a dialog first; live needs its slug typed). */
export function confirmDeploy(store: AppStore, target: EnvTarget, mode: BuildMode, opts: { branch?: string | null; onStarted?: (jobId: string) => void } = {}): void {
  if (isReadOnly(store)) {
    store.toast(readOnlyText(store), 'warn');
    return;
  }
  const live = envRisk(target.slug) === 'live';
  store.openDialog({
    title: `Deploy ${target.app}@${target.slug}${live ? ' (LIVE)' : ''}?`,
    lines: [`Build mode ${mode}: ${BUILD_MODE_HELP[mode]}.${opts.branch ? ` Branch ${opts.branch}.` : ''}`, live ? 'This is the LIVE environment: its visitors get the new release.' : 'A running deployment is attached to, never started twice.'],
    danger: live,
    confirmWord: live ? confirmationWord(target.app, target.slug) : undefined,
    confirmLabel: 'deploy',
    onConfirm: async () => {
      try {
        const j = await sendCommand(store, 'deploy', { env: target.env, buildMode: mode, ...(live ? { confirm: confirmationWord(target.app, target.slug) } : {}) });
        store.toast(`deploy ${j.target}: started`, 'ok', j.id);
        opts.onStarted?.(j.id);
      } catch (e) {
        store.toast(`deploy refused: ${(e as Error).message}`, 'error');
      }
    },
  });
}

function targetOfEnv(base: EnvTarget, e: Env): EnvTarget {
  return { ...base, env: e.uuid, slug: e.slug };
}

export function Deploy({ route, width, height }: ScreenProps): React.ReactElement {
  const { store, theme, unicode } = useUi();
  const target = targetOfParams(route.params) as EnvTarget;
  const vk = store.viewKey(route);
  const view = useAppState((s) => s.ui[vk]);
  const envSlot = useTopic('env', target ? { env: target.env } : null);
  const jobId = (view?.job as string | undefined) ?? route.params.job;
  const job = useAppState((s) => (jobId ? s.jobs[jobId] : undefined));
  const mode = ((view?.mode as BuildMode | undefined) ?? 'AUTO') as BuildMode;
  const scroll = ((view?.scroll as LogScroll | undefined) ?? FOLLOW) as LogScroll;
  const env = envSlot?.data;
  const latest: Deployment | null = env?.deployments[0] ?? null;
  // What to show: the job's deployment, else a running one (attached), else the last one.
  const depUuid = jobResult(job, 'deploy', 'redeploy')?.deployment ?? (job ? null : (latest?.uuid ?? null));
  const depSlot = useTopic('deployment', depUuid ? { deployment: depUuid } : null);
  const now = useMemoNow(1000);
  const g = frameGlyphs(unicode);
  const d = depSlot?.data?.deployment ?? (latest && latest.uuid === depUuid ? latest : null);
  const watch = depUuid ? deployWatch(depUuid) : null;
  if (watch && depSlot?.data) watch.update(depSlot.data.deployment, depSlot.data.log, Date.now());
  const query = useMemo(() => {
    if (!watch) return null;
    let q = queries.get(watch.buffer);
    if (!q) queries.set(watch.buffer, (q = new LogQuery(watch.buffer)));
    return q;
  }, [watch]);
  const info = watch?.info;
  const verdict = deployVerdict(d, job);
  const stages = stageViews(d, info ?? { lines: 0, stages: [], firstError: null, firstErrorText: null, failingStage: null });
  const failed = verdict.kind === 'failed';
  const siblings = env?.environments ?? [];
  const liveEnv = siblings.find((e) => envRisk(e.slug) === 'live' && e.uuid !== target?.env) ?? null;
  const canPromote = !!liveEnv && envRisk(target?.slug ?? '') !== 'live' && verdict.kind === 'ok' && !!d && d.ended_at !== null;

  const headLines: Seg[][] = [];
  const add = (...s: Seg[]): void => void headLines.push(s);
  const opts: LogViewOptions = { timestamps: 'off', wrap: false, prefix: false, json: 'compact', keepSgr: false, unicode, color: theme.color };

  if (target) {
    add(
      { text: `${target.app} ${g.sep.trim()} `, bold: true },
      { text: target.slug, bold: true, color: riskColor(theme, envRisk(target.slug)) },
      { text: `   build mode: `, color: theme.muted },
      ...BUILD_MODES.map((m): Seg => ({ text: m === mode ? `[${m}]` : ` ${m} `, bold: m === mode, color: m === mode ? theme.accent : theme.muted })),
      { text: `  ${BUILD_MODE_HELP[mode]}`, color: theme.muted },
    );
  }
  if (!d) add({ text: env ? (latest ? 'loading the deployment...' : `${NEVER_DEPLOYED}: D deploys it`) : envSlot?.error ? `environment unavailable: ${envSlot.error}` : 'loading...', color: theme.muted });
  else {
    const started = d.started_at ? Date.parse(d.started_at) : null;
    const ended = d.ended_at ? Date.parse(d.ended_at) : null;
    const hb = watch ? watch.heartbeatAgeMs(now) : 0;
    const dw = deploymentWord(d);
    add(
      { text: `Deployment ${d.uuid.slice(0, 8)}${job ? '' : d.ended_at ? ' (last)' : ' (attached: running)'}  `, color: theme.muted },
      { text: d.ended_at ? dw.text : ` ${dw.text}`, spin: !d.ended_at, bold: true, color: toneColor(theme, dw.tone) },
      { text: `   elapsed ${started ? duration((ended ?? now) - started) : '-'}`, color: theme.muted },
      { text: d.ended_at ? '' : `   heartbeat ${duration(hb)} ago`, color: hb > 60_000 ? theme.danger : hb > 20_000 ? theme.warning : theme.muted },
      { text: d.commit ? `   commit ${String(d.commit).slice(0, 8)}` : '', color: theme.muted },
      { text: d.build_mode ? `  ${d.build_mode}` : '', color: theme.muted },
    );
    if (stages.length)
      add(
        ...stages.map((s, i): Seg => ({
          text: `${i ? '  ' : ''}${s.state === 'done' ? g.check : s.state === 'failed' ? g.cross : s.state === 'running' ? g.bullet : g.ring} ${s.name}`,
          color: s.state === 'done' ? theme.ok : s.state === 'failed' ? theme.danger : s.state === 'running' ? theme.warning : theme.muted,
          bold: s.state === 'running' || s.state === 'failed',
        })),
      );
    add({ text: 'Verdict: ', color: theme.muted }, { text: verdict.text, bold: true, color: verdict.kind === 'ok' ? theme.ok : verdict.kind === 'failed' || verdict.kind === 'degraded' ? theme.danger : theme.warning });
    if (failed && info) {
      add(
        { text: `Failed at stage ${stages.find((s) => s.state === 'failed')?.name ?? info.failingStage ?? '?'}`, bold: true, color: theme.danger },
        { text: info.firstError !== null ? `; first error on log line ${info.firstError + 1}: ${info.firstErrorText}` : '', color: theme.danger },
      );
    }
  }
  if (job) {
    for (const l of jobStepLines(job, theme, unicode, now)) headLines.push(l);
    if (job.state === 'failed' && job.error && !failed) add({ text: job.error, color: theme.danger });
  }
  const actions: string[] = ['D deploy', 'm mode', 'l runtime logs'];
  if (failed) actions.push('e first error');
  if (canPromote) actions.push(`p deploy ${liveEnv!.slug}`);
  const logH = Math.max(3, height - headLines.length - 2);
  const layout = query && watch ? makeLayout(watch.buffer, query, width, logH, opts) : null;

  // On failure the log opens at the first error (once per deployment).
  const firstErrorIndex = (): number => {
    if (!query) return -1;
    query.sync();
    for (let i = 0; i < query.count; i++) {
      const e = query.entryAt(i);
      if (e && e.kind === 'line' && !/^==>/.test(e.text) && isErrorLine(e.text)) return i;
    }
    return -1;
  };
  const jumpToError = (silent = false): boolean => {
    if (!query || !layout) return false;
    const i = firstErrorIndex();
    if (i < 0) {
      if (silent) store.updateView({ errorShown: d?.uuid }, vk);
      else store.toast('no error line in this deployment log', 'info');
      return false;
    }
    store.updateView({ scroll: revealIndex(query, { follow: true }, i, layout), errorShown: d?.uuid }, vk);
    return true;
  };
  useEffect(() => {
    if (failed && d && view?.errorShown !== d.uuid && watch && watch.info.firstError !== null) jumpToError(true);
  });

  const handlers: Record<string, () => boolean | void> = {
    'deploy.mode': () => store.updateView({ mode: BUILD_MODES[(BUILD_MODES.indexOf(mode) + 1) % BUILD_MODES.length] }, vk),
    'deploy.start': () => confirmDeploy(store, target, mode, { branch: env?.environment.branch ?? null, onStarted: (id) => store.updateView({ job: id, scroll: FOLLOW, errorShown: undefined }, vk) }),
    'deploy.logs': () => {
      if (getScreen('logs')) store.push('logs', { ...target });
      else store.toast('the runtime log viewer is not available in this build', 'warn');
    },
    'deploy.error': () => void jumpToError(),
    'deploy.follow': () => store.updateView({ scroll: FOLLOW }, vk),
    'deploy.promote': () => {
      if (!canPromote || !liveEnv) {
        store.toast(liveEnv ? `deploy live is offered after a successful deploy of ${target.slug}` : `${target.app} has no live environment`, 'info');
        return;
      }
      const liveTarget = targetOfEnv(target, liveEnv);
      confirmDeploy(store, liveTarget, 'AUTO', {
        branch: liveEnv.branch ?? null,
        onStarted: (id) => {
          store.push('deploy', liveTarget);
          store.updateView({ job: id }, routeKey({ screen: 'deploy', params: liveTarget }));
        },
      });
    },
    'list.open': () => handlers['deploy.start']!(),
  };
  const scrollBy = (n: number): void => {
    if (query && layout) store.updateView({ scroll: scrollLog(query, scroll, n, layout) }, vk);
  };
  handlers['list.up'] = () => scrollBy(-1);
  handlers['list.down'] = () => scrollBy(1);
  handlers['list.pageUp'] = () => scrollBy(-(logH - 1));
  handlers['list.pageDown'] = () => scrollBy(logH - 1);
  handlers['list.bottom'] = () => store.updateView({ scroll: FOLLOW }, vk);
  handlers['list.top'] = () => scrollBy(-1_000_000);
  useActions(handlers);

  if (!target) return <Text>no environment selected</Text>;
  return (
    <Box flexDirection="column" width={width} height={height}>
      {headLines.map((l, i) => (
        <SegLine key={i} segs={l} width={width} theme={theme} unicode={unicode} />
      ))}
      <Box height={logH} width={width} borderStyle={undefined}>
        {watch && query ? (
          <LogView buffer={watch.buffer} query={query} width={width} height={logH} scroll={scroll} options={opts} emptyText={d ? 'waiting for the deployment log...' : ' '} />
        ) : (
          <Text {...sx(theme, { color: theme.muted })}>{' '}</Text>
        )}
      </Box>
      <SegLine segs={[{ text: actions.join('   ') + (scroll.follow ? '' : '   (paused: f follows)'), color: theme.muted }]} width={width} theme={theme} unicode={unicode} />
    </Box>
  );
}
