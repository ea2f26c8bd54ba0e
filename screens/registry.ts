// Screens and environment actions register here. Another screen is one call:
//   registerScreen({ id: 'backups', title: 'backups', scopes: ['global', 'list'], component: Backups })
// in screens/index.ts. Its route params for environment screens are an EnvTarget (see below).
// Keys on a fleet row or the environment screen (l, d, b, m, s, D, B, R, P) open the screen with the
// same id as the action (env.logs → 'logs', env.restore → 'restore' …) or run a registered handler.
import type React from 'react';
import type { FleetRow } from '../src/domain/index.js';
import type { Scope } from '../src/config/keymap.js';
import type { AppStore, Route } from '../src/store/app.js';

export interface ScreenProps {
  route: Route;
  width: number;
  height: number;
}

export interface ScreenDef {
  id: string;
  /** Breadcrumb label of the view. */
  title: string | ((params: Record<string, string>) => string);
  /** Keymap scopes active on this screen (help and footer come from them). */
  scopes: Scope[];
  component: React.ComponentType<ScreenProps>;
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
  if (!p.env || !p.slug || !p.app) return null;
  return { appUuid: '', org: '', ...p } as EnvTarget;
}

export interface ActionContext {
  store: AppStore;
  target: EnvTarget;
  row?: FleetRow;
}
export type EnvActionHandler = (ctx: ActionContext) => void | Promise<void>;

const screens = new Map<string, ScreenDef>();
const handlers = new Map<string, EnvActionHandler>();

export function registerScreen(def: ScreenDef): void {
  screens.set(def.id, def);
}
export function getScreen(id: string): ScreenDef | undefined {
  return screens.get(id);
}
export function listScreens(): ScreenDef[] {
  return [...screens.values()];
}
/** Run `handler` for an environment action (e.g. 'env.ssh') instead of opening a screen. */
export function registerEnvAction(actionId: string, handler: EnvActionHandler): void {
  handlers.set(actionId, handler);
}
export function getEnvAction(actionId: string): EnvActionHandler | undefined {
  return handlers.get(actionId);
}

export function screenTitle(route: Route): string {
  const d = screens.get(route.screen);
  if (!d) return route.screen;
  return typeof d.title === 'function' ? d.title(route.params) : d.title;
}
