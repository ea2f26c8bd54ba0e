// The fleet-wide domains view (`:domains`) and its twin (`divio-tui domains`): every domain of the
// account joined with the fleet's rows (application and environment by uuid), sorted by application,
// environment (live first), primary first; unknown applications last. Pure.
import type { Domain, FleetRow } from '../domain/index.js';
import { domainName, envRisk } from '../domain/helpers.js';
import { isDivioDefaultDomain } from '../domain/outcomes.js';

export interface DomainRow {
  uuid: string;
  /** The host name (`shop.example.com`). */
  name: string;
  /** `https://NAME/`. */
  url: string;
  /** Application slug (the start of its uuid when the fleet does not know it). */
  app: string;
  /** Environment slug ('-' when the domain names none, the start of its uuid when unknown). */
  env: string;
  org: string;
  /** The fleet's row of the environment (the environment keys act on it), when known. */
  row: FleetRow | null;
  /** Marked as the primary domain (Divio: the `DOMAIN` variable of the environment). */
  primary: boolean;
  /** A customer's own domain, not one of Divio's (`*.aldryn.io`, `*.divio.app` …). */
  custom: boolean;
  /** Which CDN serves it, where the zone says (an extension: Divio's API does not), as the API spells it (`--json`); the screens show its word (src/domain/words.ts). */
  cdn: string | null;
}

/** Live first, then test, then the others by name. */
function envRank(slug: string): number {
  return envRisk(slug) === 'live' ? 0 : slug === 'test' ? 1 : 2;
}

export function domainRows(domains: readonly Domain[], rows: readonly FleetRow[]): DomainRow[] {
  const byEnv = new Map(rows.map((r) => [r.envUuid, r]));
  const appOf = new Map(rows.map((r) => [r.appUuid, r]));
  const known = new Set<string>();
  const out = domains.map((d): DomainRow => {
    const name = domainName(d);
    const row = d.environment ? (byEnv.get(d.environment) ?? null) : null;
    const appRow = row ?? (d.application ? (appOf.get(d.application) ?? null) : null);
    if (appRow) known.add(d.uuid);
    return {
      uuid: d.uuid,
      name,
      url: `https://${name}/`,
      app: appRow?.app ?? (d.application ? d.application.slice(0, 8) : '?'),
      env: row?.env ?? (d.environment ? d.environment.slice(0, 8) : '-'),
      org: appRow?.org ?? '',
      row,
      primary: d.is_primary === true,
      custom: !isDivioDefaultDomain(name),
      cdn: d.cdn ?? null,
    };
  });
  // applications the fleet does not know (the start of a uuid) after the known ones
  return out.sort(
    (a, b) =>
      Number(known.has(b.uuid)) - Number(known.has(a.uuid)) ||
      a.app.localeCompare(b.app) ||
      envRank(a.env) - envRank(b.env) ||
      a.env.localeCompare(b.env) ||
      Number(b.primary) - Number(a.primary) ||
      Number(b.custom) - Number(a.custom) ||
      a.name.localeCompare(b.name),
  );
}

/** `primary, custom` / `custom` / `Divio's`: what the KIND column and the twin print. */
export function domainKind(r: DomainRow): string {
  return `${r.primary ? 'primary, ' : ''}${r.custom ? 'custom' : "Divio's"}`;
}
