// When a job ends: what the console tells the user, and whether the ending job is what they are
// looking at. Pure; the store calls it on each job state transition it sees, the terminal side
// (src/tui.tsx with src/terminal/osc.ts) turns it into a bell and a desktop notification.
import type { Job, JobKind, JobState } from '../domain/index.js';
import type { Route } from './app.js';

/** The jobs whose end is announced (a Local container restart ends in a second: not worth a bell). */
export const NOTIFIED_KINDS: ReadonlySet<JobKind> = new Set<JobKind>(['deploy', 'backup', 'restore', 'download', 'cdn-clear', 'cloudflare-purge']);

const ENDED: ReadonlySet<JobState> = new Set<JobState>(['succeeded', 'failed']);

/** The job has ended (succeeded or failed). */
export function jobOver(job: Pick<Job, 'state'>): boolean {
  return ENDED.has(job.state);
}

/**
 * A job went from queued/running to succeeded/failed (between two states this client has seen). Jobs
 * the gateway adopted at start (found running upstream, started elsewhere: actor "upstream") are not
 * announced: the console did not start them.
 */
export function jobEnded(prev: Job | undefined, next: Job): boolean {
  return !!prev && !ENDED.has(prev.state) && ENDED.has(next.state) && next.actor !== 'upstream';
}

/** The user sees the job's end where they are: the jobs tray, or any view of the job's environment. */
export function lookingAt(route: Route, job: Job): boolean {
  if (route.screen === 'jobs') return true;
  const p = route.params;
  if (!p.app || !p.slug) return false;
  return `${p.app}@${p.slug}` === job.target || (job.app === p.app && job.env === p.slug);
}

const LABEL: Record<JobKind, string> = {
  deploy: 'deploy',
  redeploy: 'redeploy',
  'env-var': 'variable change',
  backup: 'backup',
  restore: 'restore',
  download: 'download',
  'cdn-clear': 'CDN purge',
  'cloudflare-purge': 'Cloudflare purge',
  'local-action': 'container action',
};

export interface JobNotice {
  job: Job;
  /** The ending job is on screen (no bell). */
  looking: boolean;
  /** "divio-tui", for the notification's title. */
  title: string;
  /** "deploy shop@test succeeded" / "restore shop@live failed: …". */
  body: string;
  ok: boolean;
}

export function jobNotice(job: Job, route: Route): JobNotice {
  const ok = job.state === 'succeeded';
  const err = !ok && job.error ? `: ${job.error}` : '';
  return { job, looking: lookingAt(route, job), title: 'divio-tui', body: `${LABEL[job.kind]} ${job.target} ${ok ? 'succeeded' : 'failed'}${err}`, ok };
}
