// The Local environment: containers of the developer's Docker (or Podman) engine, grouped by compose
// project, each project linked to its cloud application through .divio/config.json. State, health,
// image, uptime, ports, CPU % and memory with their sparklines over the last minutes (the gateway keeps
// the history; stats streams run only while this screen is open), and below the table the selected
// container's CPU and memory over the whole history the gateway keeps. Enter or
// l opens a container's logs in the log viewer; R/S/U restart/stop/start it (confirmed, as jobs);
// s opens a shell in it through the same terminal hand-off as SSH (only when the gateway runs on this
// machine: the shell runs here).
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import type { LocalContainerData, LocalData, LocalProjectData } from '../src/protocol/messages.js';
import { compactAge, compactBytes } from '../src/domain/format.js';
import { cpuLevel } from '../src/domain/metrics.js';
import type { AppStore } from '../src/store/app.js';
import { ListTable, layoutColumns, type Column } from '../components/Table.js';
import { fitSeries, renderSparkline } from '../components/Sparkline.js';
import { toneColor } from '../components/StatusBadge.js';
import { containerStateWord } from '../src/domain/words.js';
import { crashIfForced } from '../components/ErrorBoundary.js';
import { useList } from '../components/list.js';
import { clean } from '../components/glyphs.js';
import { useMemoNow, useTopic, useUi, sx, type ActionHandlers } from '../components/context.js';
import { displayWidth, truncateToWidth } from '../src/terminal/width.js';
import { readOnly } from './actions.js';
import type { ScreenProps } from './registry.js';

export type LocalItem = { kind: 'project'; project: LocalProjectData } | { kind: 'container'; c: LocalContainerData; project: string | null } | { kind: 'standalone' };

/** Rows of the table: a header per project, its containers, then containers outside any project. */
export function localItems(d: LocalData | null | undefined): LocalItem[] {
  if (!d) return [];
  const out: LocalItem[] = [];
  for (const p of d.projects) {
    out.push({ kind: 'project', project: p });
    for (const c of p.containers) out.push({ kind: 'container', c, project: p.project });
  }
  if (d.standalone.length) {
    out.push({ kind: 'standalone' });
    for (const c of d.standalone) out.push({ kind: 'container', c, project: null });
  }
  return out;
}

export function portsText(c: LocalContainerData): string {
  if (!c.ports.length) return '-';
  return c.ports
    .map((p) => (p.publicPort ? `${p.publicPort}->${p.privatePort}` : `${p.privatePort}`) + (p.type && p.type !== 'tcp' ? `/${p.type}` : ''))
    .join(',');
}

export function engineLine(d: LocalData): string {
  const e = d.engine;
  if (e.status === 'unavailable') return e.reason ?? 'no Docker engine';
  const what = `${e.product ?? 'engine'} ${e.version ?? ''}`.trim();
  const state = e.status === 'live' ? 'connected (events)' : e.status === 'reconnecting' ? `reconnecting${e.reason ? ': ' + e.reason : ''}` : 'connecting';
  const n = d.projects.reduce((a, p) => a + p.containers.length, 0) + d.standalone.length;
  return `${what} at ${e.address ?? '?'}  ${state}  ${d.projects.length} project${d.projects.length === 1 ? '' : 's'}, ${n} container${n === 1 ? '' : 's'}`;
}

/** The gateway's URL when the client exposes one (GatewayClient keeps it in its options). */
export function gatewayUrlOf(store: AppStore): string | null {
  const c = store.client as unknown as { url?: unknown; opts?: { url?: unknown } } | null;
  const u = c?.url ?? c?.opts?.url;
  return typeof u === 'string' ? u : null;
}

function isLoopbackUrl(url: string): boolean {
  try {
    const h = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return h === 'localhost' || h === '::1' || /^127\./.test(h);
  } catch {
    return false;
  }
}

export interface ShellRunner {
  run(argv: string[], env: Record<string, string>): Promise<number>;
  write(s: string): void;
}

const defaultShellRunner: ShellRunner = {
  async run(argv, env) {
    const { runAttached } = await import('../src/terminal/attached.js');
    const r = await runAttached(argv[0]!, argv.slice(1), { env });
    if (r.startError) process.stderr.write(`divio-tui: ${argv[0]} failed to start: ${r.startError.code === 'ENOENT' ? 'not found' : r.startError.message}\n`);
    return r.code;
  },
  write: (s) => void process.stdout.write(s),
};

/** Shell into a local container through the terminal hand-off; refuses (with a reason) when it cannot. */
export async function shellInto(store: AppStore, d: LocalData, c: LocalContainerData, opts: { unicode?: boolean; runner?: ShellRunner } = {}): Promise<number | null> {
  const name = clean(c.name, opts.unicode !== false);
  if (c.state !== 'running') {
    store.toast(`shell ${name}: the container is ${c.state}; start it first (U)`, 'warn');
    return null;
  }
  const url = gatewayUrlOf(store);
  if (!url || !isLoopbackUrl(url)) {
    store.toast(`shell ${name}: the gateway runs on another machine (${url ? new URL(url).host : 'unknown'}); the shell would start here, not beside its engine. Run there: docker exec -it ${name} sh`, 'warn');
    return null;
  }
  const sh = d.engine.shell;
  if (!sh) {
    store.toast(`shell ${name}: ${d.engine.shellReason ?? 'no docker or podman CLI to open a shell'}`, 'warn');
    return null;
  }
  if (!store.services.suspend) {
    store.toast(`shell ${name}: the terminal cannot be handed over here; run: docker exec -it ${name} sh`, 'warn');
    return null;
  }
  const argv = sh.argv.map((a) => (a === '{container}' ? c.id : a));
  const runner = opts.runner ?? defaultShellRunner;
  const dash = opts.unicode === false ? '-' : '─';
  const code = await store.services.suspend(async () => {
    runner.write(`${dash.repeat(60)}\n Shell in ${name} (${c.image}) on the local engine\n Type exit (or press Ctrl-D) to come back to divio-tui.\n${dash.repeat(60)}\n`);
    return runner.run(argv, sh.env);
  });
  if (code === 0) store.toast(`shell ${name}: session ended`, 'info');
  else store.toast(`shell ${name}: exited with code ${code}${code === 127 ? ` (${argv[0]} not found or no shell in the image)` : ''}`, 'error');
  return code;
}

function peak(values: ReadonlyArray<number | null>): number | null {
  let m: number | null = null;
  for (const v of values) if (v !== null && (m === null || v > m)) m = v;
  return m;
}

/** CPU sparkline: 0 at the bottom, the peak (at least 1 %) at the top, so idle noise stays low. */
export function cpuSpark(values: ReadonlyArray<number | null>, width: number, unicode: boolean): string {
  const tail = values.slice(Math.max(0, values.length - width));
  return renderSparkline(tail, width, unicode, { min: 0, max: Math.max(1, peak(tail) ?? 0) });
}

/** Memory sparkline: 0 at the bottom, the peak at the top. */
export function memSpark(values: ReadonlyArray<number | null>, width: number, unicode: boolean): string {
  return renderSparkline(values, width, unicode, { min: 0 });
}

/** "4m", "50s": how far back `n` history values of `stepMs` reach. */
export function spanText(n: number, stepMs: number): string {
  const s = Math.round((n * stepMs) / 1000);
  return s >= 120 ? `${Math.round(s / 60)}m` : `${s}s`;
}

/**
 * The line under the table: the selected container's CPU and memory over the whole history the
 * gateway keeps (several values per character when it is longer than the room), latest figure and peak.
 */
export function historyLine(c: LocalContainerData, stepMs: number, width: number, unicode: boolean): { label: string; cpu: string; cpuText: string; mem: string; memText: string; span: string } | null {
  if (!c.cpuHistory.length && !c.memHistory.length) return null;
  const n = Math.max(c.cpuHistory.length, c.memHistory.length);
  const span = `last ${spanText(n, stepMs)}`;
  const label = truncateToWidth(clean(c.service ?? c.name, unicode), 16);
  const cpuPeak = peak(c.cpuHistory);
  const memPeak = peak(c.memHistory);
  const cpuText = ` ${c.cpuPercent === null ? '-' : `${c.cpuPercent.toFixed(1)}%`} peak ${cpuPeak === null ? '-' : `${cpuPeak.toFixed(1)}%`}`;
  const memText = ` ${compactBytes(c.memoryUsed)} peak ${compactBytes(memPeak)}`;
  // label  CPU <spark><cpuText>  MEM <spark><memText>  <span>
  const fixed = label.length + 2 + 4 + cpuText.length + 2 + 4 + memText.length + 2 + span.length;
  const each = Math.floor((width - fixed) / 2);
  if (each < 4) return null;
  const fc = fitSeries(c.cpuHistory, each);
  const fm = fitSeries(c.memHistory, each);
  return { label, cpu: cpuSpark(fc.values, each, unicode), cpuText, mem: memSpark(fm.values, each, unicode), memText, span };
}

const SPARK_WIDTH = 10;
const SPARK_COLUMNS = new Set(['cpuHistory', 'memHistory']);

/**
 * The sparkline columns are a bonus: they are shown only where the name column still holds the
 * longest name (up to 40 columns) with them, so they never cut a container's name short.
 */
export function withoutTruncatingNames(columns: Column<LocalItem>[], items: readonly LocalItem[], width: number): Column<LocalItem>[] {
  const name = columns.find((c) => c.id === 'name');
  if (!name) return columns;
  let longest = 0;
  for (const it of items) if (it.kind === 'container') longest = Math.max(longest, displayWidth(name.cell(it)));
  const laid = layoutColumns(columns, width);
  const nameWidth = laid.find((l) => l.col.id === 'name')?.width ?? 0;
  return nameWidth >= Math.min(longest, 40) ? columns : columns.filter((c) => !SPARK_COLUMNS.has(c.id));
}

const VERB: Record<'restart' | 'stop' | 'start', string> = { restart: 'Restart', stop: 'Stop', start: 'Start' };

export function Local({ route, width, height }: ScreenProps): React.ReactElement {
  crashIfForced('local');
  const { store, theme, unicode } = useUi();
  const now = useMemoNow(1000);
  const project = route.params.project;
  const slot = useTopic('local', project ? { project, stats: true } : { stats: true });
  const d = slot?.data ?? null;
  const stepMs = d?.historyStepMs ?? 2000;
  const items = useMemo(() => localItems(d), [d]);
  // the table, then one line with the selected container's history
  const tableHeight = Math.max(2, height - 2);
  const handlers: ActionHandlers = {};
  const list = useList({ route, items, page: Math.max(1, tableHeight - 2), actions: handlers });
  const cursor = list.cursor;

  const needContainer = (): Extract<LocalItem, { kind: 'container' }> | null => {
    const it = list.selectedNow();
    const sel = it?.kind === 'container' ? it : null;
    if (!sel) store.toast('select a container first', 'info');
    return sel;
  };
  const openLogs = (): void => {
    const sel = needContainer();
    if (!sel) return;
    const c = sel.c;
    store.push('logs', { env: `local:${c.id}`, slug: 'local', app: c.project ? `${c.project}/${c.service ?? c.name}` : c.name, appUuid: '', org: '' });
  };
  const act = (action: 'restart' | 'stop' | 'start'): void => {
    const sel = needContainer();
    if (!sel) return;
    if (readOnly(store)) {
      store.toast(`read-only: this gateway token cannot ${action} containers`, 'warn');
      return;
    }
    const c = sel.c;
    if (action === 'start' && c.state === 'running') return store.toast(`${clean(c.name, unicode)} is already running`, 'info');
    if (action === 'stop' && c.state !== 'running') return store.toast(`${clean(c.name, unicode)} is not running (${c.state})`, 'info');
    const name = clean(c.name, unicode);
    store.openDialog({
      title: `${VERB[action]} ${name}?`,
      lines: [
        clean(`Local container ${c.shortId} (${c.image})${sel.project ? `, service ${c.service ?? '?'} of ${sel.project}` : ''}.`, unicode),
        action === 'start' ? 'It starts with its existing configuration.' : 'Its processes get SIGTERM, then SIGKILL after 10 s.',
      ],
      confirmLabel: action,
      onConfirm: () => void store.runCommand('local-action', { container: c.id, action }),
    });
  };

  handlers['list.open'] = openLogs;
  handlers['local.logs'] = openLogs;
  handlers['local.restart'] = () => act('restart');
  handlers['local.stop'] = () => act('stop');
  handlers['local.start'] = () => act('start');
  handlers['local.shell'] = () => {
    const sel = needContainer();
    if (sel && d) void shellInto(store, d, sel.c, { unicode }).catch((e: unknown) => store.toast(`shell: ${(e as Error).message}`, 'error'));
  };

  const allColumns = useMemo<Column<LocalItem>[]>(() => {
    const cc = (f: (c: LocalContainerData) => string) => (it: LocalItem) => (it.kind === 'container' ? f(it.c) : '');
    const col = (f: (c: LocalContainerData) => string | undefined) => (it: LocalItem) => (it.kind === 'container' ? f(it.c) : undefined);
    return [
      { id: 'name', title: 'SERVICE / CONTAINER', flex: 2, min: 18, priority: 0, cell: cc((c) => `${c.service ?? '-'}  ${c.name}`) },
      { id: 'state', title: 'STATE', width: 12, priority: 0, cell: cc((c) => containerStateWord(c.state, c.exitCode).text), color: col((c) => toneColor(theme, containerStateWord(c.state, c.exitCode).tone)) },
      {
        id: 'health',
        title: 'HEALTH',
        width: 9,
        priority: 2,
        cell: cc((c) => (c.health === 'none' ? '-' : c.health)),
        color: col((c) => (c.health === 'unhealthy' ? theme.danger : c.health === 'starting' ? theme.warning : c.health === 'healthy' ? theme.ok : theme.muted)),
      },
      { id: 'image', title: 'IMAGE', flex: 1, min: 10, priority: 4, cell: cc((c) => c.image), color: col(() => theme.muted) },
      { id: 'uptime', title: 'UP', width: 5, priority: 1, align: 'right', cell: cc((c) => (c.state === 'running' && c.startedAt ? compactAge(c.startedAt, now) : '-')) },
      { id: 'ports', title: 'PORTS', width: 14, priority: 5, cell: cc(portsText), color: col(() => theme.muted) },
      { id: 'cpu', title: 'CPU%', width: 6, priority: 1, align: 'right', cell: cc((c) => (c.cpuPercent === null ? '-' : c.cpuPercent.toFixed(1))), color: col((c) => (c.cpuPercent === null ? theme.muted : cpuLevel(c.cpuPercent) === 'critical' ? theme.danger : cpuLevel(c.cpuPercent) === 'warn' ? theme.warning : undefined)) },
      { id: 'cpuHistory', title: `CPU ${spanText(SPARK_WIDTH, stepMs)}`, width: SPARK_WIDTH, priority: 6, cell: cc((c) => (c.cpuHistory.length ? cpuSpark(c.cpuHistory, SPARK_WIDTH, unicode) : '')), color: col(() => theme.accent) },
      {
        id: 'mem',
        title: 'MEM',
        width: 12,
        priority: 3,
        align: 'right',
        cell: cc((c) => (c.memoryUsed === null ? '-' : c.memoryLimit ? `${compactBytes(c.memoryUsed)}/${compactBytes(c.memoryLimit)}` : compactBytes(c.memoryUsed))),
        color: col((c) => (c.memoryUsed !== null && c.memoryLimit && c.memoryUsed / c.memoryLimit >= 0.9 ? theme.danger : undefined)),
      },
      { id: 'memHistory', title: `MEM ${spanText(SPARK_WIDTH, stepMs)}`, width: SPARK_WIDTH, priority: 6, cell: cc((c) => (c.memHistory.length ? memSpark(c.memHistory, SPARK_WIDTH, unicode) : '')), color: col(() => theme.accent) },
    ];
  }, [theme, now, unicode, stepMs]);
  const columns = useMemo(() => withoutTruncatingNames(allColumns, items, width), [allColumns, items, width]);

  if (!d) {
    return <Text {...sx(theme, { color: slot?.error ? theme.danger : theme.muted })}>{slot?.error ? `Local environment unavailable: ${clean(slot.error, unicode)}` : 'looking for the local Docker engine...'}</Text>;
  }
  const unavailable = d.engine.status === 'unavailable';
  const selected = items[cursor];
  const hist = selected?.kind === 'container' ? historyLine(selected.c, d.historyStepMs, width, unicode) : null;
  const head = `Local ${unicode ? '·' : '-'} ${engineLine(d)}`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate" {...sx(theme, { color: unavailable ? theme.danger : d.engine.status === 'live' ? theme.ok : theme.warning, bold: unavailable })}>
        {truncateToWidth(clean(head, unicode), width)}
      </Text>
      {unavailable ? (
        <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
          {truncateToWidth('Start Docker (or `podman system service`), or set DOCKER_HOST; this view retries by itself.', width)}
        </Text>
      ) : (
        <ListTable
          list={list}
          columns={columns}
          height={tableHeight}
          width={width}
          rowKey={(it) => (it.kind === 'container' ? it.c.id : it.kind === 'project' ? `p:${it.project.project}` : 'standalone')}
          special={(it) =>
            it.kind === 'project'
              ? `${it.project.project}${it.project.app ? `  ${unicode ? '→' : '->'} ${it.project.app.slug ?? it.project.app.uuid ?? `app #${it.project.app.id}`} (Local)` : it.project.appError ? `  (.divio/config.json: ${it.project.appError})` : '  (not linked to a Divio application)'}`
              : it.kind === 'standalone'
                ? 'containers outside any compose project'
                : null
          }
          empty="no containers on this engine"
        />
      )}
      {!unavailable && hist ? (
        <Text wrap="truncate">
          <Text {...sx(theme, { bold: true })}>{hist.label}</Text>
          <Text {...sx(theme, { color: theme.muted })}>{'  CPU '}</Text>
          <Text {...sx(theme, { color: theme.accent })}>{hist.cpu}</Text>
          <Text>{hist.cpuText}</Text>
          <Text {...sx(theme, { color: theme.muted })}>{'  MEM '}</Text>
          <Text {...sx(theme, { color: theme.accent })}>{hist.mem}</Text>
          <Text>{hist.memText}</Text>
          <Text {...sx(theme, { color: theme.muted })}>{`  ${hist.span}`}</Text>
        </Text>
      ) : !unavailable && selected?.kind === 'container' && selected.c.state === 'running' ? (
        <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
          {truncateToWidth('CPU and memory history: waiting for the first samples...', width)}
        </Text>
      ) : null}
    </Box>
  );
}
