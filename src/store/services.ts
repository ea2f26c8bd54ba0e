// An environment's services (the services screen, `:services APP@ENV`, and `divio-tui services`): its
// service instances with the names of their catalogue service and region where the zone gave them
// (else the start of the uuid). Pure.
import type { ServicesData } from '../protocol/messages.js';

export interface ServiceRow {
  uuid: string;
  /** DATABASE, STORAGE … */
  type: string;
  /** DEFAULT, or the prefix of a second instance of a type (its variables: `<PREFIX>_DATABASE_URL`). */
  prefix: string;
  /** The catalogue service's name (`PostgreSQL 15`), or what the zone sent. */
  service: string;
  /** The catalogue's description, when known. */
  description: string;
  /** The region's name (`eu-central`), or what the zone sent. */
  region: string;
  /** `service_status` as the zone says it ('-' when it says nothing); the API's values, as `--json` prints them: the screens and the CLI's table show words (src/domain/words.ts). */
  state: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A name for a uuid where one is known; an unknown uuid shortened to its first 8 characters. */
const named = (v: string | null | undefined, names: Record<string, string>): string => (!v ? '-' : (names[v] ?? (UUID.test(v) ? v.slice(0, 8) : v)));

export function serviceRows(d: ServicesData): ServiceRow[] {
  const serviceNames = Object.fromEntries(Object.entries(d.services).map(([k, v]) => [k, v.name]));
  return d.serviceInstances
    .map((s) => ({
      uuid: s.uuid,
      type: s.type,
      prefix: s.prefix,
      service: named(s.service, serviceNames),
      description: (s.service && d.services[s.service]?.description) || '',
      region: named(s.region, d.regions),
      state: s.service_status ?? '-',
    }))
    .sort((a, b) => a.type.localeCompare(b.type) || a.prefix.localeCompare(b.prefix) || a.uuid.localeCompare(b.uuid));
}
