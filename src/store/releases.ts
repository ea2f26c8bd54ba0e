// An environment's deployments as rows (the deployments screen and `divio-tui deployments`): start
// as an absolute 24-hour time with its date and as an age, duration, result, commit, branch, who.
import type { Deployment } from '../domain/index.js';
import { deploymentOutcome } from '../domain/outcomes.js';
import { deploymentWord } from '../domain/words.js';

export interface DeploymentRow {
  uuid: string;
  /** `2026-12-06 07:31` (local) or `2026-12-06 07:31Z` (UTC); '-' when it has not started. */
  started: string;
  /** `3m`, `5h`, `2d` ('-' when not started). */
  age: string;
  /** `2m04s`; a running one counts up to now. */
  duration: string;
  /** The RESULT column's short words: ok, FAILED, deploying (the console's word for a running deployment), queued. */
  result: 'ok' | 'FAILED' | 'deploying' | 'queued';
  /** The running one: its percent. */
  percent: number | null;
  commit: string;
  branch: string;
  who: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM`, local time, or UTC with a `Z`. */
export function absoluteTime(ms: number, utc: boolean): string {
  const d = new Date(ms);
  if (utc) return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}Z`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `45s`, `2m04s`, `1h05m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}

/** `3m`, `5h`, `2d`. */
export function shortAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

const time = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
};

export function deploymentRow(d: Deployment, now: number, utc = false): DeploymentRow {
  const start = time(d.started_at) ?? time((d as { created_at?: string | null }).created_at);
  const end = time(d.ended_at);
  const o = deploymentOutcome(d);
  const result: DeploymentRow['result'] = o.done ? (o.ok ? 'ok' : 'FAILED') : d.started_at ? 'deploying' : 'queued';
  return {
    uuid: d.uuid,
    started: start === null ? '-' : absoluteTime(start, utc),
    age: start === null ? '-' : shortAge(now - start),
    duration: start === null ? '-' : formatDuration((end ?? now) - start),
    result,
    percent: o.done ? null : (d.percent ?? null),
    commit: d.commit ? d.commit.slice(0, 7) : '-',
    branch: d.branch ?? '-',
    who: d.author ?? '-',
  };
}

/** The RESULT cell: the result, with the percent of a running deployment ("deploying 42 %", as everywhere else). */
export function resultText(r: DeploymentRow): string {
  return r.result === 'deploying' ? deploymentWord({ ended_at: null, percent: r.percent }).text : r.result;
}

/** Newest first (by start, then creation). */
export function newestFirst(a: Deployment, b: Deployment): number {
  const k = (d: Deployment) => d.started_at ?? (d as { created_at?: string | null }).created_at ?? '';
  return String(k(b)).localeCompare(String(k(a)));
}
