// Runtime logs: one environment or several merged in time order. The lines live in the session's ring
// buffer (src/store/logsession.ts), never in React state; this screen renders only the visible window
// and re-renders on the buffer's throttled notifications (≈12/s) and on keys.
//
// Top line: follow state or PAUSED with "N new lines", sources (colour, muted), levels, filter, search
// "3/17", timestamp mode. Bottom line: the filter/search being typed, the mute picker, or usage
// (lines and bytes of the caps, evicted, lost) and upstream problems.
import React, { useEffect, useMemo, useSyncExternalStore } from 'react';
import { Box, Text } from 'ink';
import type { LogLevel } from '../src/domain/console.js';
import { displayKey, keyWord, TEXT_BOX_SCOPES, type Keymap } from '../src/config/keymap.js';
import { sourceColor } from '../src/store/logbuffer.js';
import { ALL_LEVELS, formatEntryPlain } from '../src/store/logquery.js';
import { copyText } from './copy.js';
import { logSessionFor, type LogSession } from '../src/store/logsession.js';
import { editText } from '../src/store/textinput.js';
import { isTextKey } from '../src/store/forms.js';
import { LogView, makeLayout, revealIndex, scrollLog, scrollToTop, useLogVersion, windowFor, FOLLOW, type LogLayout, type LogViewOptions } from '../components/LogView.js';
import { useActions, useAppState, useRawKeys, useUi, sx, type RawKeyHandler } from '../components/context.js';
import type { AppStore } from '../src/store/app.js';
import type { Theme } from '../src/config/theme.js';
import { logSpecOf } from './logs/open.js';
import { loadOlderHistory } from './logs/history.js';
import type { ScreenProps } from './registry.js';
import { SegLine, type Seg } from '../components/SegLine.js';
import { formatBytes } from '../src/domain/format.js';

const LEVEL_LETTER: Record<LogLevel, string> = { error: 'E', warning: 'W', info: 'I', debug: 'D' };

function fmtCount(n: number): string {
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return n.toLocaleString('en-US');
}

/** "12,345 lines of 100k · 2.1 MB of 64.0 MB · evicted 0 · lost 12" */
export function usageText(session: LogSession, unicode = true): string {
  const u = session.buffer.usage();
  const sep = unicode ? ' \u00b7 ' : ' | ';
  return `${u.lines.toLocaleString('en-US')} lines of ${fmtCount(u.capLines)}${sep}${formatBytes(u.bytes)} of ${formatBytes(u.capBytes)}${sep}evicted ${u.evicted.toLocaleString('en-US')}${sep}lost ${u.lost.toLocaleString('en-US')}`;
}

function statusSegs(session: LogSession, theme: Theme, unicode: boolean, newLines: number, keyOf: (a: string) => string, asleep = false): Seg[] {
  const q = session.query;
  const segs: Seg[] = [];
  // a sleeping environment writes nothing: "follow" would promise lines that will not come
  if (session.scroll.follow && asleep) segs.push({ text: `${unicode ? '\u25cc' : 'o'} asleep: no new lines until it wakes`, color: theme.muted, bold: true });
  else if (session.scroll.follow) segs.push({ text: `${unicode ? '\u25cf' : '*'} FOLLOW`, color: theme.ok, bold: true });
  else {
    segs.push({ text: `${unicode ? '\u2016' : '||'} PAUSED`, color: theme.warning, bold: true });
    segs.push({ text: ` ${newLines.toLocaleString('en-US')} new line${newLines === 1 ? '' : 's'}`, color: newLines ? theme.warning : theme.muted, inverse: newLines > 0 && theme.color });
    segs.push({ text: ` (${keyOf('logs.follow')}: tail)`, color: theme.muted });
  }
  segs.push({ text: '  ' });
  const sources = session.sources();
  sources.forEach((s, i) => {
    const muted = session.buffer.isMuted(s);
    segs.push({ text: `${i ? ' ' : ''}${s}${muted ? ' (muted)' : ''}`, color: theme.color ? sourceColor(s) : undefined, dim: muted, strike: muted });
  });
  const lv = q.getLevels();
  if (lv.size < ALL_LEVELS.length) segs.push({ text: `  levels ${ALL_LEVELS.map((l) => (lv.has(l) ? LEVEL_LETTER[l] : '-')).join('')}`, color: theme.accent, bold: true });
  if (q.filterText) segs.push({ text: `  /${q.filterText} (${q.count.toLocaleString('en-US')} shown)`, color: theme.accent });
  if (q.searchText) segs.push({ text: `  search "${q.searchText}" ${q.searchStatus()}`, color: theme.warning, bold: true });
  segs.push({ text: `  ts ${session.prefs.timestamps === 'utc' ? 'UTC' : session.prefs.timestamps}`, color: theme.muted });
  if (session.prefs.wrap) segs.push({ text: ' wrap', color: theme.muted });
  if (session.prefs.json === 'pretty') segs.push({ text: ' json', color: theme.muted });
  if (session.prefs.keepSgr) segs.push({ text: ' colour', color: theme.muted });
  return segs;
}

function bottomSegs(session: LogSession, theme: Theme, unicode: boolean, keymap: Keymap): Seg[] {
  const k = (a: string): string => keyWord(keymap, a);
  if (session.edit === 'filter' || session.edit === 'search') {
    const label = session.edit === 'filter' ? '/' : 'search: ';
    const q = session.query;
    const info =
      session.edit === 'filter'
        ? `  ${q.count.toLocaleString('en-US')} shown${q.filterText.startsWith('!') ? ' (inverted)' : ''}  ${k('wizard.next')} keep, ${k('app.back')} clear  (@level:error @status>=500 @path:/api, /regex/, ! inverts)`
        : `  ${q.searchStatus() || '0/0'}  ${k('wizard.next')}: first match, then ${k('logs.next')}/${k('logs.prev')}  ${k('app.back')} clear`;
    return [
      { text: `${label}${session.draft}_`, color: theme.accent, bold: true },
      session.draftError ? { text: `  ${session.draftError}${session.draftRefused ? `: fix it, or ${k('app.back')} clears` : ''}`, color: theme.danger } : { text: info, color: theme.muted },
    ];
  }
  if (session.edit === 'mute') {
    const segs: Seg[] = [{ text: 'mute: ', color: theme.accent, bold: true }];
    session.sources().slice(0, 9).forEach((s, i) => {
      const muted = session.buffer.isMuted(s);
      segs.push({ text: `${i + 1} `, bold: true }, { text: `${s}${muted ? ' (muted)' : ''}  `, color: theme.color ? sourceColor(s) : undefined, dim: muted });
    });
    segs.push({ text: ` digits toggle, ${k('app.back')} done`, color: theme.muted });
    return segs;
  }
  const problem = session.problem();
  const segs: Seg[] = [];
  if (problem) segs.push({ text: `${problem}  `, color: theme.warning, bold: true });
  else if (!session.loaded) segs.push({ text: `connecting to the log stream${unicode ? '\u2026' : '...'}  `, color: theme.muted });
  segs.push({ text: usageText(session, unicode), color: theme.muted });
  return segs;
}

/**
 * Key handling while the filter or search line, or the mute picker, is open (as the session says
 * now). Keys as the keymap binds them: wizard.next keeps the text, app.back drops it; in the picker
 * a digit toggles a source and wizard.next, app.back or logs.mute close it.
 */
export function editKey(session: LogSession, keymap: Keymap, key: string | null, input: string, onSearchDone: () => void): boolean {
  const mode = session.edit;
  if (!mode) return false;
  if (mode === 'mute') {
    const act = key ? keymap.lookup(key, ['global', 'wizard', 'logs']) : null;
    if (/^[1-9]$/.test(input)) {
      const src = session.sources()[Number(input) - 1];
      if (src) session.toggleMute(src);
    } else if (act === 'app.back' || act === 'wizard.next' || act === 'logs.mute') session.endEdit(true);
    return true;
  }
  const act = key && !isTextKey(key, input) ? keymap.lookup(key, TEXT_BOX_SCOPES) : null;
  if (act === 'wizard.next') {
    if (session.endEdit(true) && mode === 'search') onSearchDone();
  } else if (act === 'app.back') session.endEdit(false);
  else {
    const next = editText(session.draft, key, input, 500);
    if (next !== null) session.setDraft(next);
  }
  return true;
}

function useSession(store: AppStore, params: Record<string, string>): LogSession | null {
  const spec = useMemo(() => logSpecOf(params), [JSON.stringify(params)]);
  const session = useMemo(() => (spec ? logSessionFor(store, spec) : null), [store, spec]);
  useEffect(() => (session ? session.show(store) : undefined), [session, store]);
  return session;
}

export function Logs({ route, width, height }: ScreenProps): React.ReactElement {
  const { store, theme, unicode, keymap } = useUi();
  const session = useSession(store, route.params);
  if (!session) return <Text {...sx(theme, { color: theme.danger })}>no environment selected for the log viewer</Text>;
  return <LogScreen session={session} store={store} width={width} height={height} theme={theme} unicode={unicode} keyOf={(a) => displayKey(keymap.keys[a]?.[0] ?? '?', unicode)} envUuid={route.params.labels ? undefined : route.params.env} />;
}

function LogScreen({
  session,
  store,
  width,
  height,
  theme,
  unicode,
  keyOf,
  envUuid,
}: {
  envUuid?: string;
  session: LogSession;
  store: AppStore;
  width: number;
  height: number;
  theme: Theme;
  unicode: boolean;
  keyOf: (a: string) => string;
}): React.ReactElement {
  const { keymap } = useUi();
  useSyncExternalStore(session.subscribe, session.getUiVersion);
  useLogVersion(session.buffer);
  const q = session.query;
  const bodyH = Math.max(1, height - 2);
  const opts: LogViewOptions = { ...session.prefs, unicode, color: theme.color };
  q.sync();
  const layout: LogLayout = makeLayout(session.buffer, q, width, bodyH, opts);
  // Follow is on exactly when the last line is visible (the content shrank, or fits).
  if (!session.scroll.follow && windowFor(q, session.scroll, layout).atBottom) session.setScroll(FOLLOW, { silent: true });
  const scroll = session.scroll;

  const scrollBy = (n: number): void => session.setScroll(scrollLog(q, session.scroll, n, layout));
  const topId = (): number | undefined => {
    const w = windowFor(q, session.scroll, layout);
    return q.count ? q.idAt(w.start) : undefined;
  };
  const step = (dir: 1 | -1): void => {
    if (!q.searchText) {
      store.toast(`no search: ${keyOf('logs.search')} searches the whole buffer`, 'info');
      return;
    }
    const idx = dir > 0 ? q.nextMatch(topId()) : q.prevMatch(topId());
    if (idx === null) {
      store.toast(`no match for "${q.searchText}" in the buffer`, 'info');
      session.setScroll(session.scroll);
      return;
    }
    session.setScroll(revealIndex(q, session.scroll, idx, layout));
  };
  const toggleLevel = (l: LogLevel) => () => session.toggleLevel(l);
  /** The line `y` copies: the current search match, else the bottom line on screen (as shown, without colour). */
  const lineToCopy = (): string | null => {
    const w = windowFor(q, session.scroll, layout);
    const id = q.currentMatchId ?? (w.end > 0 ? q.idAt(w.end - 1) : null);
    const e = id !== null ? session.buffer.get(id) : undefined;
    if (!e) return null;
    const p = session.prefs;
    return formatEntryPlain(e, { timestamps: p.timestamps !== 'off', utc: p.timestamps === 'utc', prefix: p.prefix }).join('\n');
  };

  useActions({
    'list.up': () => scrollBy(-1),
    'list.down': () => scrollBy(1),
    'list.pageUp': () => scrollBy(-Math.max(1, bodyH - 1)),
    'list.pageDown': () => scrollBy(Math.max(1, bodyH - 1)),
    'list.top': () => session.setScroll(scrollToTop(q, layout)),
    'list.bottom': () => session.follow(),
    'list.open': () => true,
    'list.filter': () => session.beginEdit('filter'),
    'logs.follow': () => session.follow(),
    'logs.search': () => session.beginEdit('search'),
    'logs.next': () => step(1),
    'logs.prev': () => step(-1),
    'logs.timestamps': () => void session.cycleTimestamps(),
    'logs.wrap': () => session.setPrefs({ wrap: !session.prefs.wrap }),
    'logs.prefix': () => session.setPrefs({ prefix: !session.prefs.prefix }),
    'logs.json': () => session.setPrefs({ json: session.prefs.json === 'pretty' ? 'compact' : 'pretty' }),
    'logs.color': () => session.setPrefs({ keepSgr: !session.prefs.keepSgr }),
    'logs.errors': () => session.toggleErrorsOnly(),
    'logs.level.error': toggleLevel('error'),
    'logs.level.warning': toggleLevel('warning'),
    'logs.level.info': toggleLevel('info'),
    'logs.level.debug': toggleLevel('debug'),
    'logs.level.all': () => session.allLevels(),
    'logs.mute': () => session.beginEdit('mute'),
    'logs.older': () => loadOlderHistory(store, session),
    'copy.id': () => copyText(store, 'log line', lineToCopy()),
    'copy.url': () => copyText(store, 'URL in the line', /https?:\/\/[^\s"'<>]+/.exec(lineToCopy() ?? '')?.[0]),
    'logs.save': () => {
      // nothing shown, nothing written (an empty file would only look like a saved log)
      if (q.count === 0) return void store.toast(`nothing to save: ${q.filterText ? 'the filter matches no line' : 'no line held yet'}`, 'warn');
      store.toast(`saving ${q.count.toLocaleString('en-US')} entries${unicode ? '\u2026' : '...'}`, 'info');
      session
        .save()
        .then((r) => store.toast(`saved ${r.lines.toLocaleString('en-US')} lines${q.filterText ? ' (filtered)' : ''} to ${r.path}`, 'ok'))
        .catch((e: unknown) => store.toast(`save failed: ${(e as Error).message}`, 'error'));
    },
    // Esc clears the search, then the filter, then goes back.
    'app.back': () => {
      if (q.searchText) session.setSearch('');
      else if (q.filterText) session.setFilter('');
      else return false;
    },
  });
  // Always registered, and it reads the session at key time: keys typed (or pasted) right after `/`
  // reach the filter line even before React has rendered it.
  const raw: RawKeyHandler = (k, input) =>
    editKey(session, keymap, k, input, () => {
      const idx = q.nextMatch(topId());
      if (idx !== null) session.setScroll(revealIndex(q, session.scroll, idx, layout));
    });
  useRawKeys(raw);

  const newLines = session.newLines();
  // the fleet knows whether this environment sleeps (one environment, not a merged view)
  const asleep = useAppState(() => !!envUuid && !!store.topic('fleet', {})?.data?.rows.some((r) => r.envUuid === envUuid && r.state === 'sleeping'));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <SegLine segs={statusSegs(session, theme, unicode, newLines, keyOf, asleep)} width={width} theme={theme} unicode={unicode} />
      <LogView buffer={session.buffer} query={q} width={width} height={bodyH} scroll={scroll} options={opts} />
      <SegLine segs={bottomSegs(session, theme, unicode, keymap)} width={width} theme={theme} unicode={unicode} />
    </Box>
  );
}
