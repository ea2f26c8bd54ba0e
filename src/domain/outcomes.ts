// When an upstream operation is finished and whether it succeeded, and which domains a CDN purge
// concerns: defined once, next to the nouns (src/domain/divio.ts), for the jobs, the topics and the
// screens alike.
import type { Backup, BackupRestore, Deployment, Domain } from './divio.js';
import { domainName } from './helpers.js';

/**
 * The confirmation a destructive action needs (a restore, a deploy to live, purging everything):
 * the application's slug and the environment's, `shop@live`, never a word every application shares.
 */
export function confirmationWord(app: string, env: string): string {
  return `${app}@${env}`;
}

/** The verdict of an upstream operation: still running, or ended with success or failure. */
export type Outcome = { done: false } | { done: true; ok: true } | { done: true; ok: false; reason: string };

/**
 * A backup has ended when its state is COMPLETED (what Divio's CLI waits for), when it has an end
 * time, or when its state says it failed (a FAILED backup may never get an `ended_at`: it must not be
 * polled forever). It succeeded only with `success == "SUCCESS"`. While it runs, `success` says
 * nothing: Divio's CLI polls on through `success` "PARTIAL" or even "SUCCESS" until COMPLETED (its
 * tests: WORKING/PARTIAL then COMPLETED/SUCCESS is a success, WORKING/SUCCESS then COMPLETED/FAILURE
 * a failure).
 */
export function backupOutcome(b: Pick<Backup, 'state' | 'success' | 'ended_at'>): Outcome {
  const state = String(b.state ?? '').toUpperCase();
  const success = b.success ?? null;
  const failedState = state === 'FAILED' || state === 'ERROR' || state === 'CANCELLED' || state === 'CANCELED';
  if (state === 'COMPLETED' || b.ended_at || failedState) {
    if (success === 'SUCCESS' && !failedState) return { done: true, ok: true };
    return { done: true, ok: false, reason: success ? String(success) : state || 'no success' };
  }
  return { done: false };
}

/** When a backup that ended with SUCCESS was taken (its end, else its creation); null for any other. */
export function backupSucceededAt(b: Pick<Backup, 'state' | 'success' | 'ended_at' | 'created_at'>): string | null {
  const o = backupOutcome(b);
  return o.done && o.ok ? (b.ended_at ?? b.created_at ?? null) : null;
}

/** A restore is done when `finished` is true, and succeeded only when `success == "SUCCESS"` (Divio's CLI). */
export function restoreOutcome(r: Pick<BackupRestore, 'finished' | 'success'>): Outcome {
  if (!r.finished) return { done: false };
  if (r.success === 'SUCCESS') return { done: true, ok: true };
  return { done: true, ok: false, reason: r.success ? String(r.success) : 'no success' };
}

/** A deployment has ended when `ended_at` is set; `success` false is a failure (null after the end: unknown, not a failure). */
export function deploymentOutcome(d: Pick<Deployment, 'ended_at' | 'success' | 'status'>): Outcome {
  if (!d.ended_at) return { done: false };
  if (d.success === false) return { done: true, ok: false, reason: d.status ? String(d.status) : 'failed' };
  return { done: true, ok: true };
}

/**
 * Divio's own default domains (`<app>-stage.eu.aldryn.io`, `<app>.us.aldryn.io`, `*.divio.app` …)
 * are not behind Divio's CDN: clearing their cache is refused ("not processed").
 */
export function isDivioDefaultDomain(name: string): boolean {
  return /(^|\.)(aldryn\.io|divio\.app|divio-app\.com|aldryn\.me)\.?$/i.test(name.trim());
}

/**
 * Whether a domain may be served by Divio's CDN, from what the API gives: Divio's default domains
 * never are; a domain that says which CDN serves it (`cdn`, an extension some upstreams add) is
 * believed; otherwise it may be, and the clear-cdn-cache call decides (400 = not on Divio's CDN).
 */
export function divioCdnCandidate(d: Domain): { candidate: true } | { candidate: false; reason: string } {
  if (isDivioDefaultDomain(domainName(d))) return { candidate: false, reason: "Divio's default domain, not on its CDN" };
  if (d.cdn === 'customer-cloudflare') return { candidate: false, reason: 'in a Cloudflare zone of your own (purge it by URL, prefix, host, tag or everything)' };
  if (d.cdn === 'none') return { candidate: false, reason: 'not served through a CDN' };
  return { candidate: true };
}
