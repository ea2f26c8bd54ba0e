// The domain's functions that need no schema: the console's UI imports them from here, so its
// first frame loads no zod (issue 16; scripts/bundle.mjs checks it). The modules that define the
// schemas re-export them, so other callers keep importing from src/domain/index.ts.
import type { Domain, Environment } from './divio.js';
import type { Job, JobKind, JobOf, JobResultOf } from './console.js';

/** One item of an upstream `errors` list (divio.ts upstreamErrors) as text: a string as it is, anything else as JSON. */
export function upstreamErrorText(e: unknown): string {
  return typeof e === 'string' ? e : (JSON.stringify(e) ?? String(e));
}

/** The uuid of the environment's last finished deployment, or null when it was never deployed. */
export function lastFinishedUuid(e: Pick<Environment, 'last_finished_deployment'>): string | null {
  return e.last_finished_deployment?.uuid ?? null;
}
/** Divio's CLI refuses ssh and logs on an environment without a finished deployment ("not deployed yet"). */
export function isDeployed(e: Pick<Environment, 'last_finished_deployment'>): boolean {
  return lastFinishedUuid(e) !== null;
}

export function domainName(d: Domain): string {
  return d.domain ?? d.name ?? d.uuid;
}

/** The result of `job` when it is of one of `kinds` (null otherwise, or while it has none). */
export function jobResult<K extends JobKind>(job: Job | null | undefined, ...kinds: K[]): JobResultOf<K> | null {
  if (!job || !kinds.some((k) => k === job.kind)) return null;
  // job.kind is one of K: the union member of that kind, whose result is JobResultOf<K>.
  return (job as JobOf<K>).result as JobResultOf<K> | null;
}

/** Environment risk, for colour: live is red everywhere. */
export function envRisk(slug: string): 'live' | 'test' | 'other' {
  // Several environments shown together ("test+live"): the riskiest one counts.
  if (slug.includes('+')) {
    const risks = slug.split('+').map((s) => envRisk(s.includes('@') ? s.slice(s.lastIndexOf('@') + 1) : s));
    return risks.includes('live') ? 'live' : risks.includes('test') ? 'test' : 'other';
  }
  if (slug === 'live' || slug === 'production' || slug === 'prod') return 'live';
  if (slug === 'test' || slug === 'staging' || slug === 'local') return 'test';
  return 'other';
}

/** Lowercase letters, digits and hyphens: Divio's slugs, where code-point order is the collation's order. */
const PLAIN = /^[a-z0-9-]*$/;
/**
 * `a.localeCompare(b)`, without the collator where it is not needed: for two slugs (lowercase
 * ASCII letters, digits, hyphens) code-point order is the same order, and the process's first
 * localeCompare loads ICU's collation data (~10 ms, on the way to the fleet's first rows: issue 16).
 * Anything else (names, mixed case, accents) is compared by localeCompare as before.
 */
export function compareText(a: string, b: string): number {
  if (PLAIN.test(a) && PLAIN.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return a.localeCompare(b);
}
