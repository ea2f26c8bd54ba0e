// Local beside Test and Live on the fleet: a compose project linked (through .divio/config.json) to
// an application of the fleet becomes one more row of that application, env "local". Enter on it
// opens the Local view of the project; the cloud actions (deploy, backup …) do not apply to it.
import type { FleetRow } from '../src/domain/index.js';
import type { LocalData, LocalProjectData } from '../src/protocol/messages.js';

export const LOCAL_ROW_PREFIX = 'local-project:';

export function isLocalRow(r: Pick<FleetRow, 'envUuid'>): boolean {
  return r.envUuid.startsWith(LOCAL_ROW_PREFIX);
}

export function localProjectOf(r: Pick<FleetRow, 'envUuid'>): string {
  return r.envUuid.slice(LOCAL_ROW_PREFIX.length);
}

function projectState(p: LocalProjectData): FleetRow['state'] {
  const cs = p.containers;
  if (!cs.length) return 'unknown';
  if (cs.some((c) => c.health === 'unhealthy' || (c.state === 'exited' && c.exitCode !== null && c.exitCode !== 0 && c.exitCode !== 143 && c.exitCode !== 137))) return 'failed';
  if (cs.every((c) => c.state === 'running')) return 'live';
  if (cs.every((c) => c.state !== 'running')) return 'sleeping';
  return 'unknown';
}

/** One fleet row per linked compose project whose application is in the fleet (by uuid, else slug). */
export function localFleetRows(rows: readonly FleetRow[], d: LocalData | null | undefined): FleetRow[] {
  if (!d || d.engine.status === 'unavailable') return [];
  const out: FleetRow[] = [];
  for (const p of d.projects) {
    if (!p.app) continue;
    const app = p.app;
    const twin = rows.find((r) => (app.uuid && r.appUuid === app.uuid) || (app.slug && r.app === app.slug));
    if (!twin) continue;
    const running = p.containers.filter((c) => c.state === 'running').length;
    out.push({
      appUuid: twin.appUuid,
      app: twin.app,
      appName: twin.appName,
      orgUuid: twin.orgUuid,
      org: twin.org,
      envUuid: `${LOCAL_ROW_PREFIX}${p.project}`,
      env: 'local',
      branch: `${running}/${p.containers.length} up`,
      state: projectState(p),
      url: null,
      lastDeployment: null,
      lastBackupAt: null,
      errorRate: null,
      errorHistory: [],
    });
  }
  return out;
}

let memo: { rows: readonly FleetRow[] | undefined; local: LocalData | null | undefined; out: FleetRow[] | undefined } | null = null;

/** The fleet's rows plus the linked Local rows (same array for the same inputs: cheap on every key). */
export function withLocalRows(rows: readonly FleetRow[] | undefined, local: LocalData | null | undefined): FleetRow[] | undefined {
  if (memo && memo.rows === rows && memo.local === local) return memo.out;
  const extra = rows ? localFleetRows(rows, local) : [];
  const out = rows ? (extra.length ? [...rows, ...extra] : (rows as FleetRow[])) : undefined;
  memo = { rows, local, out };
  return out;
}
