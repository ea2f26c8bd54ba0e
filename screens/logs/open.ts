// Opening the log viewer: one environment, several (`:logs shop@test,shop@live`), or every
// environment of an application (key L). Route params carry the environment uuids and labels, so the
// route (and its log session) is the same whichever way it was opened. Loading older history is
// screens/logs/history.ts (it needs the log session's module, which the first frame does not load).
import type { FleetRow } from '../../src/domain/index.js';
import type { AppStore } from '../../src/store/app.js';
import type { LogSessionSpec } from '../../src/store/logsession.js';
import { findRow } from '../../src/store/fleet.js';
import type { EnvTarget } from '../registry.js';

/** The protocol merges at most 16 environments. */
export const MAX_MERGED = 16;

export interface LogTargetRef {
  app: string;
  env: string;
}

/** What the log route needs of a fleet row. */
type LogRow = Pick<FleetRow, 'app' | 'env' | 'envUuid' | 'appUuid' | 'org'>;

/** Route params of the log screen for these fleet rows (first row first). */
export function logParams(rows: readonly LogRow[]): Record<string, string> {
  const first = rows[0]!;
  const apps = [...new Set(rows.map((r) => r.app))];
  const p: Record<string, string> = {
    env: first.envUuid,
    slug: rows.map((r) => (apps.length > 1 ? `${r.app}@${r.env}` : r.env)).join('+'),
    app: apps.join('+'),
    appUuid: first.appUuid,
    // the header names every organisation merged, not the first row's alone
    org: [...new Set(rows.map((r) => r.org))].join('+'),
  };
  if (rows.length > 1) {
    p.envs = rows.map((r) => r.envUuid).join(',');
    p.labels = rows.map((r) => `${r.app}@${r.env}`).join(',');
  }
  return p;
}

/** The session spec of a log route (null when the params name no environment). */
export function logSpecOf(p: Record<string, string>): LogSessionSpec | null {
  const envs = (p.envs ? p.envs.split(',') : p.env ? [p.env] : []).filter(Boolean);
  if (!envs.length) return null;
  const labels = p.labels ? p.labels.split(',') : p.app && p.slug ? [`${p.app}@${p.slug}`] : undefined;
  const services = p.services ? p.services.split(',').filter(Boolean) : undefined;
  const name = p.app && p.slug ? `${p.app}-${p.slug}` : (labels?.join('+') ?? 'logs');
  return { envs: envs.slice(0, MAX_MERGED), labels, services, name };
}

function fleetRows(store: AppStore): readonly FleetRow[] {
  return store.topic('fleet', {})?.data?.rows ?? [];
}

/** Open the logs of several `app@env` targets merged (palette `:logs a@x,a@y`). */
export function openLogsFor(store: AppStore, targets: readonly LogTargetRef[]): void {
  const rows: FleetRow[] = [];
  const missing: string[] = [];
  for (const t of targets) {
    const r = findRow(fleetRows(store), t.app, t.env);
    if (r) {
      if (!rows.includes(r)) rows.push(r);
    } else missing.push(`${t.app}@${t.env}`);
  }
  if (missing.length) {
    store.toast(`no environment ${missing.join(', ')} in the fleet`, 'warn');
    return;
  }
  if (!rows.length) return;
  if (rows.length > MAX_MERGED) {
    store.toast(`at most ${MAX_MERGED} environments can be merged (${rows.length} asked)`, 'warn');
    return;
  }
  store.push('logs', logParams(rows));
}

/** Every environment of the target's application, the target first (key L). */
export function openAppLogs(store: AppStore, target: EnvTarget): void {
  let rows: LogRow[] = fleetRows(store).filter((r) => r.app === target.app);
  if (!rows.length) {
    // No fleet yet: the environment screen's data lists the siblings.
    const env = store.topic('env', { env: target.env })?.data;
    if (env) {
      rows = env.environments.map((e) => ({
        app: target.app,
        env: e.slug,
        envUuid: e.uuid,
        appUuid: target.appUuid,
        org: target.org,
      }));
    }
  }
  const self = rows.find((r) => r.envUuid === target.env);
  const others = rows.filter((r) => r.envUuid !== target.env);
  // live first after the target: test + live is the usual pair
  others.sort((a, b) => (a.env === 'live' ? -1 : b.env === 'live' ? 1 : a.env.localeCompare(b.env)));
  const all = [
    self ?? { app: target.app, env: target.slug, envUuid: target.env, appUuid: target.appUuid, org: target.org },
    ...others,
  ].slice(0, MAX_MERGED);
  if (all.length < 2) store.toast(`${target.app} has only the ${target.slug} environment`, 'info');
  store.push('logs', logParams(all));
}
