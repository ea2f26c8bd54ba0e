// The frame: header, the current screen (each pane in its own error boundary), dialog, palette,
// status line and key hints. One key dispatcher routes every key: ctrl-c → quit; the dialog or
// palette on top; a screen's raw handler (text fields); then the keymap (screen actions first, then
// the frame's global actions).
import React, { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Box, Text, useApp, useInput, useStdin, useStdout } from 'ink';
import type { FleetRow } from '../src/domain/index.js';
import { DIALOG_SCOPES, PALETTE_SCOPES, displayKey, inputKeys, keyFromInk, keyOf, keyWord, type InkKeyLike, type Scope } from '../src/config/keymap.js';
import { routeKey, type AppState, type AppStore } from '../src/store/app.js';
import { findRow } from '../src/store/fleet.js';
import { paletteKey, type ParsedCommand } from '../src/store/palette.js';
import { dialogKey } from '../src/store/dialog.js';
import { Header, type Crumb } from '../components/Header.js';
import { KeyHints } from '../components/KeyHints.js';
import { ErrorBoundary } from '../components/ErrorBoundary.js';
import { Dialog } from '../components/Dialog.js';
import { Palette } from '../components/Palette.js';
import { loadSpinner } from '../components/Busy.js';
import { clean } from '../components/glyphs.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { CLEAR_SCREEN } from '../src/terminal/altscreen.js';
import {
  KeyRouterContext,
  UiContext,
  useAppState,
  useTerminalSize,
  useTopic,
  useWatch,
  useUi,
  sx,
  type ActionHandlers,
  type KeyRouter,
  type RawKeyHandler,
  type Ui,
} from '../components/context.js';
import { activeScopes, getScreen, loadScreen, preloadScreens, screenComponent, screenReady, screenTitle, targetOfRow, unavailableActions, type ScreenDef } from './registry.js';
import { runEnvAction } from './actions.js';
import { openLogsFor } from './logs/open.js';
import { switchZone } from './Zones.js';
import './screens.js';

export function App({ ui }: { ui: Ui }): React.ReactElement {
  // messages formed outside a screen (the store's toasts, a dialog's lines) name the keys as bound
  ui.store.services.keyWord = (a) => keyWord(ui.keymap, a);
  const actions = useRef<ActionHandlers>({});
  const raw = useRef<RawKeyHandler | null>(null);
  const scopes = useRef<Scope[]>(['global']);
  const router = useMemo<KeyRouter>(() => ({ actions, raw, scopes }), []);
  return (
    <UiContext.Provider value={ui}>
      <KeyRouterContext.Provider value={router}>
        <Frame router={router} />
      </KeyRouterContext.Provider>
    </UiContext.Provider>
  );
}

export function quit(store: AppStore, exit: () => void): void {
  if (store.services.quit) store.services.quit();
  else exit();
}

function PaletteHost({ width }: { width: number }): React.ReactElement {
  // The fleet is watched while the palette is open: its rows are the completion targets.
  const slot = useTopic('fleet', {});
  const rows: readonly FleetRow[] = slot?.data?.rows ?? [];
  return <Palette rows={rows} width={width} />;
}

function crumbsFor(route: { screen: string; params: Record<string, string> }): Crumb[] {
  const p = route.params;
  const out: Crumb[] = [];
  if (p.org) out.push({ text: p.org, kind: 'org' });
  if (p.app) out.push({ text: p.app, kind: 'app' });
  if (p.slug) out.push({ text: p.slug, kind: 'env' });
  out.push({ text: screenTitle(route), kind: 'view' });
  return out;
}

/** The first upstream problem among the watched topics, prefixed "!" (error) or "~" (missed updates). */
function topicProblem(keys: Iterable<string>, topics: AppState['topics']): string {
  let out = '';
  for (const key of keys) {
    const h = topics[key]?.health;
    if (h && !h.ok) return `!${key.split(':')[0]}: upstream ${h.error ?? 'error'}${h.retryInMs != null ? `, retrying in ${Math.ceil(h.retryInMs / 1000)} s` : ''}`;
    const g = topics[key]?.gaps;
    if (g) out = `~${key.split(':')[0]}: ${g} update(s) missed after a reconnect; showing the latest state`;
  }
  return out;
}

function StatusLine({ width }: { width: number }): React.ReactElement {
  const { theme, store, unicode } = useUi();
  const toast = useAppState((s) => s.toast);
  // The line as a string (not the topics map): data updates that leave it unchanged do not redraw.
  const problem = useAppState((s) => topicProblem(store.reportedWatches(), s.topics));
  let text = '';
  let color: string | undefined;
  if (toast) {
    text = toast.text;
    color = toast.kind === 'error' ? theme.danger : toast.kind === 'warn' ? theme.warning : toast.kind === 'ok' ? theme.ok : theme.info;
  } else if (problem) {
    text = problem.slice(1);
    color = problem[0] === '!' ? theme.warning : theme.muted;
  }
  return (
    <Box height={1} width={width}>
      <Text wrap="truncate" {...sx(theme, { color })}>
        {truncateToWidth(clean(text || ' ', unicode), width, unicode ? '…' : '...')}
      </Text>
    </Box>
  );
}

/**
 * What decides which handler takes the next key: the screen on top and its mode (an open form, a
 * wizard step), the filter line, the palette, the dialog.
 */
export function keyMode(s: AppState): readonly unknown[] {
  const top = s.stack[s.stack.length - 1]!;
  const view = s.ui[routeKey(top)];
  const mode = view ? (getScreen(top.screen)?.mode?.(view) ?? null) : null;
  return [top, s.paletteOpen, s.dialog, !!view?.filtering, mode];
}

function sameMode(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Repaints the whole frame after every resize and on demand (Ctrl-L). Ink 6.8 draws each frame as
 * the difference to the frame before, relative to where it believes the cursor is; a resize lets the
 * terminal re-wrap or shift what is on screen, and the header and status rows then keep stale text
 * for good. Ink's own stdout write (`useStdout().write`) erases its frame, writes our bytes and
 * draws the last frame again in full: with "erase the screen, cursor home" as our bytes, that is a
 * full repaint, after which every diff again starts from what is really on screen.
 */
function useRepaint(columns: number, rows: number): () => void {
  const { write } = useStdout();
  const repaint = useCallback(() => write(CLEAR_SCREEN), [write]);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    // After the frame for the new size has been drawn (Ink draws at most every 50 ms): a repaint
    // of the old frame would wrap its too-long lines. A drag of the window repaints once, at the end.
    const t = setTimeout(repaint, 120);
    return () => clearTimeout(t);
  }, [columns, rows, repaint]);
  return repaint;
}

/**
 * The screen on top, once its module is imported (screens/screens.ts: only the fleet's is part of
 * the first frame). Until then the pane is empty and the frame holds the keys typed (see `dispatch`);
 * `onReady` runs when the screen is mounted (its key handlers are set) or its module failed.
 */
function ScreenPane({ def, route, width, height, onReady }: { def: ScreenDef; route: AppState['stack'][number]; width: number; height: number; onReady: () => void }): React.ReactElement {
  const [, loaded] = useState(0);
  const Screen = screenComponent(def); // a module that failed to load throws: the pane's boundary says so
  useEffect(() => {
    if (Screen) {
      onReady();
      return;
    }
    let live = true;
    void loadScreen(def).then((ok) => {
      if (!live) return;
      loaded((n) => n + 1);
      if (!ok) onReady();
    });
    return () => {
      live = false;
    };
  }, [def, Screen]);
  return Screen ? <Screen route={route} width={width} height={height} /> : <Box height={height} />;
}

/**
 * The other screens' modules (and ink-spinner) are imported once the fleet's first whole listing is
 * on screen (or it failed), or 3 s after the first frame at the latest: opening a screen then waits
 * for nothing.
 */
function usePreloadScreens(): void {
  const { store } = useUi();
  const settled = useAppState(() => {
    const f = store.topic('fleet', {});
    return !!f && ((!!f.data && !f.data.loading) || !!f.error);
  });
  const connectError = useAppState((s) => !!s.connectError);
  useEffect(() => {
    // after this commit's frame is written (a topic's first data is drawn at once: src/terminal/inkthrottle.ts)
    const t = setTimeout(() => void preloadScreens().then(loadSpinner), settled || connectError ? 0 : 3000);
    return () => clearTimeout(t);
  }, [settled || connectError]);
}

function Frame({ router }: { router: KeyRouter }): React.ReactElement {
  const ui = useUi();
  const { store, keymap, theme, unicode } = ui;
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const repaint = useRepaint(columns, rows);
  const stack = useAppState((s) => s.stack);
  const paletteOpen = useAppState((s) => s.paletteOpen);
  const dialog = useAppState((s) => s.dialog);
  const route = stack[stack.length - 1]!;
  const def = getScreen(route.screen);
  // the mode this render shows (read from the store as this render reads it)
  const rendered = useRef<readonly unknown[]>([]);
  rendered.current = keyMode(store.getState());
  // the scopes of the screen's current mode (an open form, a wizard step), as the store says
  const scopes: Scope[] = useAppState((s) => activeScopes(route.screen, s.ui[routeKey(route)]));
  router.scopes.current = scopes;
  // what cannot run here now and why (from the store's state): the footer shows it apart, dimmed
  const offKey = useAppState(() => JSON.stringify(unavailableActions(store, store.current())));
  const off = useMemo(() => unavailableActions(store, store.current()), [offKey]);
  // The header's job count is always on screen: keep the jobs topic watched (without the frame
  // re-rendering on every progress tick of a job: the header selects just the count).
  useWatch('jobs', {});
  usePreloadScreens();

  // `:logs … --since D`: the history of the last D, once the log screen the command opened is on top
  const sinceOnTop = (sinceMs: number | undefined, depth: number): void => {
    if (!sinceMs) return;
    void import('./logs/history.js').then((m) => m.loadSinceOnTop(store, sinceMs, depth));
  };

  const runPalette = (c: ParsedCommand): void => {
    const a = c.command.action;
    if (!c.target) {
      if (a === 'app.fleet') store.reset('fleet');
      else if (a === 'app.jobs') store.push('jobs');
      else if (a === 'app.local') store.push('local');
      else if (a === 'app.zones') {
        if (c.arg) void switchZone(store, c.arg);
        else store.push('zones');
      }
      else if (a === 'fleet.backups') store.push('fleet-wide', { kind: 'backups' });
      else if (a === 'fleet.deployments') store.push('fleet-wide', { kind: 'deployments' });
      else if (a === 'fleet.domains') store.push('domains');
      else if (a === 'app.help') store.push('help', { for: store.current().screen });
      else if (a === 'app.quit') quit(store, exit);
      return;
    }
    const target = c.target;
    if (a === 'env.logs' && c.targets && c.targets.length > 1) {
      // `:logs shop@test,shop@live`: several environments merged in time order
      const targets = c.targets;
      const open = (): void => {
        const depth = store.getState().stack.length;
        openLogsFor(store, targets);
        sinceOnTop(c.sinceMs, depth);
      };
      if (store.topic('fleet', {})?.data?.rows) open();
      else void store.load('fleet', {}).then(open);
      return;
    }
    const go = (rows: readonly FleetRow[] | null): void => {
      const row = rows ? findRow(rows, target.app, target.env) : undefined;
      if (!row) {
        store.toast(rows ? `no environment ${target.app}@${target.env} in the fleet` : 'the fleet is not loaded yet (no answer from the gateway)', 'warn');
        return;
      }
      const depth = store.getState().stack.length;
      if (a === 'env.open') store.push('env', targetOfRow(row));
      else runEnvAction(store, a, targetOfRow(row), row);
      if (a === 'env.logs') sinceOnTop(c.sinceMs, depth);
    };
    const loaded = store.topic('fleet', {})?.data?.rows;
    if (loaded) go(loaded);
    else {
      store.toast(`looking up ${target.app}@${target.env}...`);
      void store.load('fleet', {}).then((d) => go(d?.rows ?? null));
    }
  };

  const overlayKey = (k: string | null, input: string): boolean => {
    const s = store.getState();
    if (s.dialog) {
      const spec = s.dialog;
      const act = k ? keymap.lookup(k, DIALOG_SCOPES) : null;
      const r = dialogKey(spec, s.dialogInput, act, k, input, (a) => keyOf(keymap, a, unicode));
      if (r.effect) store.closeDialog();
      else if (r.state !== s.dialogInput) store.setState({ dialogInput: r.state });
      if (r.effect?.type === 'confirm') {
        void Promise.resolve()
          .then(() => spec.onConfirm())
          .catch((e: unknown) => store.toast(`failed: ${(e as Error).message}`, 'error'));
      }
      return true;
    }
    if (s.paletteOpen) {
      const act = k ? keymap.lookup(k, PALETTE_SCOPES) : null;
      const ctx = { history: s.paletteHistory, rows: store.topic('fleet', {})?.data?.rows ?? [], zones: store.services.zones?.list().map((z) => z.name) ?? [] };
      const r = paletteKey(s.paletteInput, act, k, input, ctx);
      if (r.effect) store.setPalette(false);
      else if (r.state !== s.paletteInput) store.setState({ paletteInput: r.state });
      if (r.effect?.type === 'run') {
        store.rememberCommand(r.effect.text);
        runPalette(r.effect.command);
      }
      return true;
    }
    return false;
  };

  const quitAskedAt = useRef(0);
  // Keys typed while the screen on top is still being imported (ScreenPane): handled, in order, as
  // soon as it is mounted, by the handlers the user then sees. None is dropped.
  const held = useRef<Array<{ input: string; key: InkKeyLike }>>([]);
  const dispatch = (input: string, key: InkKeyLike): void => {
    const k = keyFromInk(input, key);
    if (k && keymap.keys['app.quit']?.includes(k) && k.startsWith('ctrl+')) {
      quit(store, exit);
      return;
    }
    // Redraw works everywhere, text fields and dialogs included (it changes nothing else).
    if (k && keymap.keys['app.redraw']?.includes(k)) {
      repaint();
      return;
    }
    if (held.current.length || !screenReady(store.current().screen)) {
      held.current.push({ input, key });
      return;
    }
    handle(k, input);
  };
  const replayHeld = (): void => {
    while (held.current.length && screenReady(store.current().screen)) {
      const { input, key } = held.current.shift()!;
      catchUp();
      const k = keyFromInk(input, key);
      handle(k, input);
    }
  };

  const handle = (k: string | null, input: string): void => {
    // The dialog, then the palette, on top: they take every key, handled against their input in the store.
    if (overlayKey(k, input)) return;
    if (router.raw.current && router.raw.current(k, input)) return;
    if (!k) return;
    // looked up in the scopes the store's current state gives the screen, not the last render's
    const action = keymap.lookup(k, activeScopes(store.current().screen, store.view()));
    if (!action) return;
    // an action the screen says cannot run now (read-only token, already live …) says why instead
    const off = unavailableActions(store, store.current())[action];
    if (off) {
      store.toast(`${keymap.actions[action]?.short ?? action}: not available (${off})`, 'warn');
      return;
    }
    const h = router.actions.current[action];
    if (h && h() !== false) return;
    const cur = store.current();
    switch (action) {
      case 'app.quit':
        // q goes back; on the fleet it quits only when pressed again (ctrl-c quits at once)
        if (store.pop()) break;
        if (quitAskedAt.current && Date.now() - quitAskedAt.current < 3000) quit(store, exit);
        else {
          quitAskedAt.current = Date.now();
          store.toast(`press ${displayKey(k, unicode)} again to quit (ctrl-c quits at once)`, 'warn');
        }
        break;
      case 'app.back':
        store.pop();
        break;
      case 'app.help':
        if (cur.screen === 'help') store.pop();
        else store.push('help', { for: cur.screen });
        break;
      case 'app.palette':
        store.setPalette(true);
        break;
      case 'app.jobs':
        if (cur.screen === 'jobs') store.pop();
        else store.push('jobs');
        break;
      case 'app.fleet':
        store.reset('fleet');
        break;
      case 'app.zones':
        if (cur.screen === 'zones') store.pop();
        else store.push('zones');
        break;
    }
  };

  // Every key is handled against the store's current state. The handler that takes a key is the
  // one of the mode the store is in (the screen on top and its form or wizard step, the filter line,
  // the palette, the dialog): when a key has changed that mode and the frame does not show it yet
  // (within one read — "/shop", ":fleet⏎", a paste — or before the store's next redraw), the frame
  // draws the store's state at once, so the next key reaches the handler the user now sees. Nothing
  // is held back or reordered.
  const catchUp = (): void => {
    if (sameMode(rendered.current, keyMode(store.getState()))) return;
    store.flush();
    ui.renderNow();
  };

  // The raw text of the read Ink is handing over (Ink strips the Escape in front of a key).
  const { internal_eventEmitter: inputEvents } = useStdin();
  const raw = useRef('');
  useEffect(() => {
    // registered before useInput's listener: called first for the same read
    const on = (data: string): void => {
      raw.current = data;
    };
    inputEvents.on('input', on);
    return () => {
      inputEvents.off('input', on);
    };
  }, [inputEvents]);

  useInput((input, key) => {
    const read = raw.current;
    raw.current = '';
    for (const k of inputKeys(read, input, key, (km) => Object.values(keymap.keys).some((ks) => ks.includes(km)))) {
      catchUp();
      dispatch(k.input, k.key);
    }
  });

  const height = Math.max(6, rows - 1);
  const width = Math.max(20, columns);
  const paletteH = paletteOpen ? 10 : 0;
  const dialogH = dialog ? dialog.lines.length + 4 + (dialog.confirmWord !== undefined ? 2 : dialog.yOnly ? 1 : 0) : 0;
  const bodyH = Math.max(1, height - 2 - 2 - paletteH - dialogH);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <ErrorBoundary name="header">
        <Header crumbs={crumbsFor(route)} width={width} />
      </ErrorBoundary>
      <Box height={bodyH} width={width} flexDirection="column" overflow="hidden">
        <ErrorBoundary name={route.screen} resetKey={routeKey(route)}>
          {def ? (
            <ScreenPane key={routeKey(route)} def={def} route={route} width={width} height={bodyH} onReady={replayHeld} />
          ) : (
            <Text {...sx(theme, { color: theme.danger })}>{clean(`unknown screen "${route.screen}"`, unicode)}</Text>
          )}
        </ErrorBoundary>
      </Box>
      {dialog ? (
        <ErrorBoundary name="dialog">
          <Box height={dialogH} justifyContent="center">
            <Dialog spec={dialog} width={width} />
          </Box>
        </ErrorBoundary>
      ) : null}
      {paletteOpen ? (
        <ErrorBoundary name="palette">
          <Box height={paletteH} flexDirection="column" justifyContent="flex-end">
            <PaletteHost width={width} />
          </Box>
        </ErrorBoundary>
      ) : null}
      <StatusLine width={width} />
      <KeyHints scopes={scopes} width={width} isTop={stack.length <= 1} off={off} />
    </Box>
  );
}
