// Fleet view logic (pure): filter, sort, group, and the human text of each cell.
import type { FleetRow } from '../domain/index.js';
import { parseFilter } from './list.js';
import { compactAge } from '../domain/format.js';
import { compareText } from '../domain/helpers.js';
import { envStateWord, type Word } from '../domain/words.js';

export { parseFilter };

export const FLEET_SORTS = ['app', 'org', 'env', 'state', 'deployed', 'backup', 'errors'] as const;
export type FleetSort = (typeof FLEET_SORTS)[number];

export type FleetItem = { kind: 'group'; org: string; count: number; collapsed: boolean } | { kind: 'row'; row: FleetRow };

export interface FleetViewOpts {
  sort?: string;
  desc?: boolean;
  filter?: string;
  grouped?: boolean;
  /** Organisations folded to their header (grouped only). */
  collapsed?: readonly string[];
}

function haystack(r: FleetRow): string {
  return [r.app, r.appName, r.org, r.env, `${r.app}@${r.env}`, r.branch ?? '', stateText(r)].join(' ').toLowerCase();
}

function time(s: string | null | undefined): number {
  if (!s) return 0;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : 0;
}

const ENV_ORDER: Record<string, number> = { live: 0, production: 0, prod: 0, test: 1, staging: 1 };

function compare(a: FleetRow, b: FleetRow, sort: string): number {
  switch (sort) {
    case 'org':
      return compareText(a.org, b.org) || compareText(a.app, b.app);
    case 'env':
      return compareText(a.env, b.env);
    case 'state':
      return compareText(a.state, b.state);
    case 'deployed':
      return time(b.lastDeployment?.endedAt ?? b.lastDeployment?.startedAt) - time(a.lastDeployment?.endedAt ?? a.lastDeployment?.startedAt);
    case 'backup':
      // by age of the last backup: the oldest (or none at all) first, where the risk is
      return time(a.lastBackupAt) - time(b.lastBackupAt);
    case 'errors':
      return (b.errorRate ?? -1) - (a.errorRate ?? -1);
    case 'app':
    default:
      return compareText(a.app, b.app) || (ENV_ORDER[a.env] ?? 2) - (ENV_ORDER[b.env] ?? 2) || compareText(a.env, b.env);
  }
}

export function fleetItems(rows: readonly FleetRow[], o: FleetViewOpts = {}): FleetItem[] {
  const f = parseFilter(o.filter);
  let list = f ? rows.filter((r) => haystack(r).includes(f.text) !== f.invert) : [...rows];
  const sort = o.sort ?? 'app';
  list = list.sort((a, b) => {
    const c = compare(a, b, sort) || compareText(a.app, b.app) || compareText(a.env, b.env);
    return o.desc ? -c : c;
  });
  if (!o.grouped) return list.map((row) => ({ kind: 'row', row }));
  const byOrg = new Map<string, FleetRow[]>();
  for (const r of list) byOrg.set(r.org, [...(byOrg.get(r.org) ?? []), r]);
  const out: FleetItem[] = [];
  for (const org of [...byOrg.keys()].sort((a, b) => compareText(a, b))) {
    const rs = byOrg.get(org)!;
    const folded = !!o.collapsed?.includes(org);
    out.push({ kind: 'group', org, count: rs.length, collapsed: folded });
    if (!folded) for (const row of rs) out.push({ kind: 'row', row });
  }
  return out;
}

/** "3m", "5h", "2d" — compact ages. */
export function age(iso: string | null | undefined, now: number): string {
  return compactAge(time(iso), now);
}

/** The STATE of a fleet row in the console's words (src/domain/words.ts): "up", "asleep", "never deployed", "deploying 42 %" … */
export function stateWord(r: FleetRow): Word {
  if (r.pending) return { text: 'loading', tone: 'muted', known: true };
  return envStateWord(r.state, r.lastDeployment?.percent);
}

export function stateText(r: FleetRow): string {
  return stateWord(r).text;
}

/** Last deployment as a cell: "deploying 42 %", "ok 3h", "FAILED 20m", "-". */
export function lastDeployText(r: FleetRow, now: number): string {
  const d = r.lastDeployment;
  if (r.pending) return '...';
  if (!d) return '-';
  if (!d.endedAt) return d.percent != null ? `deploying ${Math.round(d.percent)} %` : 'deploying';
  const a = age(d.endedAt, now);
  if (d.success === false) return `failed ${a}`;
  if (d.success === true) return `ok ${a}`;
  return a;
}

export function errorRateText(r: FleetRow): string {
  if (r.errorRate == null) return '-';
  return r.errorRate >= 10 ? `${Math.round(r.errorRate)}/m` : `${r.errorRate.toFixed(1)}/m`;
}

/** Parse "app@env" into its parts (the palette's target syntax). */
export function parseTarget(s: string): { app: string; env: string } | null {
  const m = /^([^@\s]+)@([^@\s]+)$/.exec(s.trim());
  return m ? { app: m[1]!, env: m[2]! } : null;
}

export function findRow(rows: readonly FleetRow[], app: string, env: string): FleetRow | undefined {
  return rows.find((r) => (r.app === app || r.appUuid === app) && (r.env === env || r.envUuid === env));
}
