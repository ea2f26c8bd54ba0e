// The console's words for the platform's enumerations, in one place: every API value that reaches a
// screen or the CLI's text output (an environment's status, a deployment's status and success, a
// backup's state, success and trigger, a service instance's type and status, a domain's CDN, a job's and a job step's state) goes through this module. Each value gets a word and, for
// colour, a tone. A value this console does not know (real Divio may add one at any time) is shown as
// it came, cleaned and marked `unknown: <value>`, never dropped and never a crash.
// JSON output (`--json`) keeps the raw API values: that is the machine interface.
import { cleanField } from './text.js';

/** How a word is coloured: the screens turn a tone into the theme's colour. */
export type Tone = 'ok' | 'warn' | 'danger' | 'muted' | 'plain';

export interface Word {
  text: string;
  tone: Tone;
  /** false: the value is not one this console knows (the text says `unknown: <value>`). */
  known: boolean;
}

type Entry = readonly [text: string, tone: Tone];
/** One enumeration: its values as the API spells them → the console's word and tone. */
export type WordTable = Readonly<Record<string, Entry>>;

/** The longest part of an unknown value that is shown (the rest is cut with `…`). */
const UNKNOWN_MAX = 32;

/** A value this console does not know: as it came, on one line, cut short, marked. */
export function unknownWord(raw: unknown): Word {
  const s = cleanField(String(raw ?? ''))
    .replace(/\s+/g, ' ')
    .trim();
  const shown = s.length > UNKNOWN_MAX ? `${s.slice(0, UNKNOWN_MAX - 1)}…` : s;
  return { text: shown ? `unknown: ${shown}` : 'unknown', tone: 'muted', known: false };
}

/** Looks `raw` up in `table`, case-insensitively (Divio spells some enums in upper case, others in lower). */
export function lookup(table: WordTable, raw: unknown): Word {
  if (typeof raw === 'string') {
    // own keys only: a value such as "constructor" is not a word
    const key = [raw, raw.toUpperCase(), raw.toLowerCase()].find((k) => Object.hasOwn(table, k));
    const e = key === undefined ? undefined : table[key];
    if (e) return { text: e[0], tone: e[1], known: true };
  }
  return unknownWord(raw);
}

// ------------------------------------------------------------------ environments

/**
 * `environment.status` (unverified: not in Divio's documented fields; the sandbox serves it). `live`
 * is the environment that serves the public, so a running environment is "up", never "live".
 */
export const ENV_STATUS: WordTable = {
  live: ['up', 'ok'],
  sleeping: ['asleep', 'muted'],
  not_deployed: ['never deployed', 'muted'],
};
export function envStatusWord(status: string | null | undefined): Word | null {
  return status ? lookup(ENV_STATUS, status) : null;
}

/** The console's state of a fleet row (`EnvState`, src/domain/console.ts), worked out by the gateway. */
export const ENV_STATE: WordTable = {
  live: ['up', 'ok'],
  deploying: ['deploying', 'warn'],
  // the last deployment failed; the one before it keeps serving
  failed: ['deploy failed', 'danger'],
  sleeping: ['asleep', 'muted'],
  'never-deployed': ['never deployed', 'muted'],
  unknown: ['not known yet', 'muted'],
};
/** The fleet's STATE cell: the state's word, with the deployment's percent while it deploys. */
export function envStateWord(state: string, percent?: number | null): Word {
  const w = lookup(ENV_STATE, state);
  return state === 'deploying' && percent != null ? { ...w, text: `${w.text} ${Math.round(percent)} %` } : w;
}
/** What an environment without a finished deployment is called everywhere. */
export const NEVER_DEPLOYED = ENV_STATE['never-deployed']![0];

// ------------------------------------------------------------------ deployments

/** `deployment.status` (enum unverified; the sandbox: queued, running, success, failure). */
export const DEPLOYMENT_STATUS: WordTable = {
  queued: ['queued', 'warn'],
  running: ['deploying', 'warn'],
  success: ['succeeded', 'ok'],
  failure: ['failed', 'danger'],
};

/**
 * A deployment in a word: ended (`ended_at` set) → succeeded / failed by `success` (null after the
 * end: "ended", the API did not say); running → its status's word and percent ("deploying 42 %").
 */
export function deploymentWord(d: { ended_at?: string | null; success?: boolean | null; status?: string | null; percent?: number | null }): Word {
  if (d.ended_at) {
    if (d.success === true) return { text: 'succeeded', tone: 'ok', known: true };
    if (d.success === false) return { text: 'failed', tone: 'danger', known: true };
    return { text: 'ended', tone: 'muted', known: true };
  }
  // running until `ended_at` is set, whatever the status says; a status we do not know is shown beside
  const s = d.status ? lookup(DEPLOYMENT_STATUS, d.status) : null;
  if (s?.known && s.text === 'queued') return s;
  const pct = d.percent != null ? ` ${Math.round(d.percent)} %` : '';
  return s && !s.known ? { text: `deploying${pct} (${s.text})`, tone: 'warn', known: false } : { text: `deploying${pct}`, tone: 'warn', known: true };
}

// ------------------------------------------------------------------ backups

/** `backup.state` (… → COMPLETED; Divio's CLI polls until COMPLETED and knows WORKING; the sandbox: QUEUED, RUNNING). */
export const BACKUP_STATE: WordTable = {
  QUEUED: ['queued', 'warn'],
  RUNNING: ['running', 'warn'],
  WORKING: ['running', 'warn'],
  COMPLETED: ['completed', 'ok'],
  // not seen, but handled by backupOutcome (src/domain/outcomes.ts) as ended
  FAILED: ['failed', 'danger'],
  ERROR: ['failed', 'danger'],
  CANCELLED: ['cancelled', 'danger'],
  CANCELED: ['cancelled', 'danger'],
};

/** `backup.success` and `backup-restore.success`: "SUCCESS" or another word (Divio's CLI knows FAILURE, PARTIAL). */
export const BACKUP_SUCCESS: WordTable = {
  SUCCESS: ['ok', 'ok'],
  FAILURE: ['failed', 'danger'],
  PARTIAL: ['partly failed', 'danger'],
};

/**
 * A backup in a word: once ended, its success ("ok", "failed", "partly failed", a word we do not
 * know as `failed (unknown: …)`); before, its state ("queued", "running").
 */
export function backupWord(b: { state?: string | null; success?: string | null; ended_at?: string | null }): Word {
  const state = lookup(BACKUP_STATE, b.state ?? '');
  const ended = String(b.state ?? '').toUpperCase() === 'COMPLETED' || !!b.ended_at || state.tone === 'danger';
  if (!ended) return b.state ? state : unknownWord(b.state);
  if (!b.success) return state.tone === 'danger' ? state : { text: 'failed', tone: 'danger', known: true };
  const s = lookup(BACKUP_SUCCESS, b.success);
  return s.known ? s : { text: `failed (${s.text})`, tone: 'danger', known: false };
}

/** A restore once `finished`: "ok" only with success SUCCESS (Divio's CLI), else the success's word ("failed" when it says none). */
export function restoreWord(r: { finished: boolean; success?: string | null }): Word {
  if (!r.finished) return { text: 'running', tone: 'warn', known: true };
  if (!r.success) return { text: 'failed', tone: 'danger', known: true };
  const s = lookup(BACKUP_SUCCESS, r.success);
  return s.known ? s : { text: `failed (${s.text})`, tone: 'danger', known: false };
}

/** A deployment's status alone (the stage a job shows while Divio gives no stage): its word, or `unknown: …`. */
export function deploymentStatusWord(status: string): Word {
  return lookup(DEPLOYMENT_STATUS, status);
}

/** `backup.trigger` (the documented POST sends MANUAL; the sandbox also SCHEDULED, SYSTEM). */
export const BACKUP_TRIGGER: WordTable = {
  MANUAL: ['manual', 'plain'],
  SCHEDULED: ['scheduled', 'plain'],
  SYSTEM: ['system', 'plain'],
};
export function backupTriggerWord(trigger: string | null | undefined): Word {
  // no trigger: taken on demand (the documented POST is the only way to make one without a schedule)
  return trigger ? lookup(BACKUP_TRIGGER, trigger) : { text: 'manual', tone: 'plain', known: true };
}

// ------------------------------------------------------------------ services

/** `service_instance.type` (DATABASE, STORAGE …). */
export const SERVICE_TYPE: WordTable = {
  DATABASE: ['database', 'plain'],
  STORAGE: ['storage', 'plain'],
};
export function serviceTypeWord(type: string | null | undefined): Word {
  return lookup(SERVICE_TYPE, type ?? '');
}

/** `service_instance.service_status` (the sandbox: READY; Divio's CLI treats NEW as not there yet). */
export const SERVICE_STATUS: WordTable = {
  READY: ['ready', 'ok'],
  NEW: ['not provisioned', 'muted'],
};
/** The word for a service instance's status; '-' (muted) when the zone says nothing. */
export function serviceStatusWord(status: string | null | undefined): Word {
  return status && status !== '-' ? lookup(SERVICE_STATUS, status) : { text: '-', tone: 'muted', known: true };
}

// ------------------------------------------------------------------ domains

/** `domain.cdn` (a sandbox extension: which CDN serves the domain). */
export const CDN_KIND: WordTable = {
  'divio-cloudflare': ["Divio's Cloudflare", 'plain'],
  'customer-cloudflare': ['own Cloudflare zone', 'plain'],
  none: ['no CDN', 'muted'],
};
/** The CDN of a domain; null when the zone does not say which (the API's domain has no such field). */
export function cdnWord(cdn: string | null | undefined): Word | null {
  return cdn ? lookup(CDN_KIND, cdn) : null;
}

// ------------------------------------------------------------------ jobs (the console's own)

/** `Job.state` (src/domain/console.ts). */
export const JOB_STATE: WordTable = {
  queued: ['queued', 'warn'],
  running: ['running', 'warn'],
  succeeded: ['succeeded', 'ok'],
  failed: ['failed', 'danger'],
};
/** `JobStep.state`. */
export const JOB_STEP_STATE: WordTable = {
  pending: ['pending', 'muted'],
  running: ['running', 'warn'],
  succeeded: ['succeeded', 'ok'],
  failed: ['failed', 'danger'],
  skipped: ['skipped', 'muted'],
};
export function jobStateWord(state: string): Word {
  return lookup(JOB_STATE, state);
}
export function jobStepWord(state: string): Word {
  return lookup(JOB_STEP_STATE, state);
}

// ------------------------------------------------------------------ local containers (Docker Engine API)

/** A container's `State` (Docker Engine API: created, restarting, running, removing, paused, exited, dead). */
export const CONTAINER_STATE: WordTable = {
  created: ['created', 'muted'],
  restarting: ['restarting', 'warn'],
  running: ['running', 'ok'],
  removing: ['removing', 'warn'],
  paused: ['paused', 'warn'],
  exited: ['exited', 'plain'],
  dead: ['dead', 'danger'],
};
/** "exited(1)" when the exit code is known, else the state's word. */
export function containerStateWord(state: string, exitCode?: number | null): Word {
  const w = lookup(CONTAINER_STATE, state);
  return state === 'exited' && exitCode != null ? { ...w, text: `${w.text}(${exitCode})`, tone: exitCode === 0 ? 'plain' : 'danger' } : w;
}

/** Every table, by name (the tests check each value of each has a word). */
export const WORD_TABLES = {
  ENV_STATUS,
  ENV_STATE,
  DEPLOYMENT_STATUS,
  BACKUP_STATE,
  BACKUP_SUCCESS,
  BACKUP_TRIGGER,
  SERVICE_TYPE,
  SERVICE_STATUS,
  CDN_KIND,
  JOB_STATE,
  JOB_STEP_STATE,
  CONTAINER_STATE,
} as const;
