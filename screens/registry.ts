// The screen table's types and lookups. The table itself is screens/screens.ts: one entry per screen
// (id, component, title, keymap scopes, the environment actions that open it). Keys on a fleet row
// or the environment screen (l, d, b, m, s, D, B, R, P) run the environment action of that id: the
// screen whose entry names it in `opens`, or a handler of ENV_HANDLERS (ssh, backup).
import type React from 'react';
import type { FleetRow } from '../src/domain/index.js';
import { DIALOG_SCOPES, PALETTE_SCOPES, TEXT_BOX_SCOPES, type Scope } from '../src/config/keymap.js';
import type { AppStore, Route, ViewUi } from '../src/store/app.js';

export interface ScreenProps {
  route: Route;
  width: number;
  height: number;
}

/** Route params of every environment screen. */
export interface EnvTarget {
  /** Environment uuid. */
  env: string;
  /** Environment slug (live, test …). */
  slug: string;
  /** Application slug. */
  app: string;
  appUuid: string;
  org: string;
  [k: string]: string;
}

export function targetOfRow(r: FleetRow): EnvTarget {
  return { env: r.envUuid, slug: r.env, app: r.app, appUuid: r.appUuid, org: r.org };
}

export function targetOfParams(p: Record<string, string>): EnvTarget | null {
  const { env, slug, app } = p;
  if (!env || !slug || !app) return null;
  return { appUuid: '', org: '', ...p, env, slug, app };
}

export interface ActionContext {
  store: AppStore;
  target: EnvTarget;
  row?: FleetRow;
}
export type EnvActionHandler = (ctx: ActionContext) => void | Promise<void>;

export type ScreenComponent = React.ComponentType<ScreenProps>;

/**
 * A screen component whose module is imported when first needed (issue 16): the first frame loads
 * the fleet screen only. `preloadScreens()` imports them all (after the fleet's rows are drawn).
 */
export interface LazyScreen {
  readonly lazy: true;
  load(): Promise<ScreenComponent>;
}

/** A screen component imported on first use: `lazyScreen(() => import('./X.js').then((m) => m.X))`. */
export function lazyScreen(load: () => Promise<ScreenComponent>): LazyScreen {
  return { lazy: true, load };
}

export interface ScreenDef {
  id: string;
  /** Breadcrumb label of the view. */
  title: string | ((params: Record<string, string>) => string);
  /** Keymap scopes active on this screen (help, footer and conflict checks come from them). */
  scopes: Scope[];
  /**
   * The screen's modes (a wizard's steps, an open form): the scopes active instead of `scopes`
   * while `mode(view)` names it. The mode is read from the store's current view state.
   */
  modes?: Record<string, Scope[]>;
  mode?: (view: ViewUi) => string | null | undefined;
  /** The component, or how to import it (a screen the first frame does not show: lazyScreen). */
  component: ScreenComponent | LazyScreen;
  /**
   * Actions that cannot run here now, with the reason (a read-only token, this is live already …),
   * from the store's current state: the footer leaves them out and the key says why instead.
   */
  unavailable?: (store: AppStore, route: Route) => Record<string, string>;
  /**
   * Environment actions (keymap ids of scope 'target': keys on a fleet row or the environment screen,
   * palette commands with APP@ENV) that open this screen: `true` pushes it with the environment as
   * its params; a function runs instead (e.g. a wizard that starts from a fresh state).
   */
  opens?: Record<string, true | EnvActionHandler>;
}

const screens = new Map<string, ScreenDef>();
const envActions = new Map<string, EnvActionHandler>();

/** Add (or replace) a screen of the table, with the environment actions that open it. */
export function defineScreen(def: ScreenDef): void {
  screens.set(def.id, def);
  for (const [action, how] of Object.entries(def.opens ?? {})) {
    envActions.set(action, how === true ? ({ store, target }) => store.push(def.id, { ...target }) : how);
  }
}

/** An environment action that is not a screen (ssh hands the terminal over; backup asks first). */
export function defineEnvAction(actionId: string, handler: EnvActionHandler): void {
  envActions.set(actionId, handler);
}

type Loaded = { state: 'loading'; done: Promise<void> } | { state: 'ready'; component: ScreenComponent } | { state: 'failed'; error: Error };
const loaded = new Map<LazyScreen, Loaded>();

function isLazy(c: ScreenComponent | LazyScreen): c is LazyScreen {
  return (c as Partial<LazyScreen>).lazy === true;
}

/** Import a screen's module (once; later calls share it). Resolves when it is ready (true) or has failed (false). */
export function loadScreen(def: ScreenDef): Promise<boolean> {
  const c = def.component;
  if (!isLazy(c)) return Promise.resolve(true);
  const have = loaded.get(c);
  if (have) return have.state === 'loading' ? have.done.then(() => loaded.get(c)?.state === 'ready') : Promise.resolve(have.state === 'ready');
  const done = c.load().then(
    (component) => void loaded.set(c, { state: 'ready', component }),
    (e: unknown) => void loaded.set(c, { state: 'failed', error: e instanceof Error ? e : new Error(String(e)) }),
  );
  loaded.set(c, { state: 'loading', done });
  return done.then(() => loaded.get(c)?.state === 'ready');
}

/**
 * A screen's component when its module is there (null while it is imported: call loadScreen). A
 * module that failed to import throws its error here, in the pane's error boundary.
 */
export function screenComponent(def: ScreenDef): ScreenComponent | null {
  const c = def.component;
  if (!isLazy(c)) return c;
  const l = loaded.get(c);
  if (l?.state === 'failed') throw new Error(`the ${def.id} screen could not be loaded: ${l.error.message}`);
  return l?.state === 'ready' ? l.component : null;
}

/** Whether the screen can take keys now (its module imported, or failed: then the frame's keys). */
export function screenReady(id: string): boolean {
  const d = screens.get(id);
  if (!d || !isLazy(d.component)) return true;
  const l = loaded.get(d.component);
  return !!l && l.state !== 'loading';
}

/**
 * Import every screen of the table (after the fleet's first rows are drawn; tests await it before
 * they navigate): one screen per turn of the event loop, so that keys and data go on being handled.
 */
export function preloadScreens(): Promise<void> {
  return (preloading ??= (async () => {
    for (const d of [...screens.values()]) {
      await loadScreen(d);
      await new Promise<void>((r) => setImmediate(r));
    }
  })());
}
let preloading: Promise<void> | undefined;

export function getScreen(id: string): ScreenDef | undefined {
  return screens.get(id);
}
export function listScreens(): ScreenDef[] {
  return [...screens.values()];
}
export function getEnvAction(actionId: string): EnvActionHandler | undefined {
  return envActions.get(actionId);
}
/** Every environment action with a screen or handler (the keys a fleet row and the environment screen take). */
export function envActionIds(): string[] {
  return [...envActions.keys()];
}
/** Scopes per screen id (and per mode, "restore:what"), for the keymap's conflict check. */
export function screenScopes(): Record<string, Scope[]> {
  const out: Record<string, Scope[]> = {};
  for (const d of screens.values()) {
    out[d.id] = d.scopes;
    for (const [m, scopes] of Object.entries(d.modes ?? {})) out[`${d.id} (${m})`] = scopes;
  }
  // a confirmation dialog over any screen, the palette, a text box
  out.dialog = [...DIALOG_SCOPES];
  out.palette = [...PALETTE_SCOPES];
  out['text box'] = [...TEXT_BOX_SCOPES];
  return out;
}

/** The scopes active on a screen now: its mode's (from the store's view state) or its own. */
export function activeScopes(id: string, view: ViewUi | undefined): Scope[] {
  const d = screens.get(id);
  if (!d) return ['global'];
  const m = view && d.mode ? d.mode(view) : null;
  return (m && d.modes?.[m]) || d.scopes;
}

/** Every scope of a screen, its modes' included, in order (for help). */
export function allScopes(id: string): Scope[] {
  const d = screens.get(id);
  if (!d) return ['global'];
  const out: Scope[] = [];
  for (const s of [d.scopes, ...Object.values(d.modes ?? {})].flat()) if (!out.includes(s)) out.push(s);
  return out;
}

export function screenTitle(route: Route): string {
  const d = screens.get(route.screen);
  if (!d) return route.screen;
  return typeof d.title === 'function' ? d.title(route.params) : d.title;
}

/** The actions a screen says cannot run now, with the reason. */
export function unavailableActions(store: AppStore, route: Route): Record<string, string> {
  return screens.get(route.screen)?.unavailable?.(store, route) ?? {};
}
