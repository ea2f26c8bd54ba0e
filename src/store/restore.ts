// The restore wizard as a pure state machine: keys in, state (and at most one effect) out. The screen
// only renders it and performs the effect (close, send the restore command). Every step is
// reversible with Esc until the command is sent; after that Esc only stops watching.
import type { Environment, ServiceInstanceBackup } from '../domain/index.js';
import { confirmationWord } from '../domain/outcomes.js';
import type { BackupWithDetail } from '../protocol/messages.js';
import { backupTriggerWord, backupWord } from '../domain/words.js';
import { editText } from './textinput.js';
import { isTextKey } from './forms.js';

export type RestoreStep = 'backup' | 'what' | 'dest' | 'safety' | 'review' | 'confirm' | 'progress';
export const RESTORE_STEPS: readonly RestoreStep[] = ['backup', 'what', 'dest', 'safety', 'review', 'confirm', 'progress'];
export const STEP_TITLES: Record<RestoreStep, string> = {
  backup: 'choose the backup',
  what: 'choose what to restore',
  dest: 'choose the destination',
  safety: 'safety backup of the destination',
  review: 'review',
  confirm: 'confirm',
  progress: 'progress',
};

export type AgeFilter = 'all' | '1d' | '7d' | '30d';
export type TriggerFilter = 'all' | 'manual' | 'scheduled';
export type ContentFilter = 'all' | 'db' | 'media';
const AGES: AgeFilter[] = ['all', '1d', '7d', '30d'];
const TRIGGERS: TriggerFilter[] = ['all', 'manual', 'scheduled'];
const CONTENTS: ContentFilter[] = ['all', 'db', 'media'];
const AGE_MS: Record<Exclude<AgeFilter, 'all'>, number> = { '1d': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

export interface RestoreState {
  step: RestoreStep;
  /** Environment uuid whose backups are listed (the wizard opens on its own environment). */
  source: string;
  cursor: number;
  age: AgeFilter;
  trigger: TriggerFilter;
  content: ContentFilter;
  backup: string | null;
  /** Chosen service-instance backup uuids. */
  selected: string[];
  whatCursor: number;
  dest: string | null;
  destCursor: number;
  safety: boolean;
  typed: string;
  error: string | null;
  submitting: boolean;
  jobId: string | null;
  /** `q` was pressed: leaving waits for y (n or Esc stays). */
  quitAsk?: boolean;
}

export interface RestoreCtx {
  now: number;
  /** Backups of `state.source`, newest first (null while loading). */
  backups: BackupWithDetail[] | null;
  /** Every environment of the application. */
  environments: Environment[];
  readOnly: boolean;
  /** Why it is read-only (a viewer token, or a session started with --read-only): said when Enter is pressed. */
  readOnlyText?: string;
  /** The application's slug (the confirmation names it: `shop@live`). */
  app: string;
}

export interface RestoreParams {
  backup: string;
  to: string;
  siBackups: string[];
  safetyBackup: boolean;
  confirm: string;
}

export type RestoreEffect = { type: 'close' } | { type: 'submit'; params: RestoreParams } | null;

export function initialRestore(source: string, backup?: string | null, details?: string[]): RestoreState {
  return {
    step: backup ? 'what' : 'backup',
    source,
    cursor: 0,
    age: 'all',
    trigger: 'all',
    content: 'all',
    backup: backup ?? null,
    selected: details ?? [],
    whatCursor: 0,
    dest: null,
    destCursor: 0,
    safety: true,
    typed: '',
    error: null,
    submitting: false,
    jobId: null,
  };
}

// ------------------------------------------------------------------ helpers (also used by the screens)

/** 'db' for databases, 'media' for storage, else the lower-cased service type. */
export function contentKind(serviceType: string | null | undefined): string {
  const t = String(serviceType ?? '').toUpperCase();
  if (t.includes('DATABASE') || t.includes('POSTGRES') || t.includes('MYSQL')) return 'db';
  if (t.includes('STORAGE') || t.includes('MEDIA') || t.includes('S3')) return 'media';
  return t ? t.toLowerCase() : '?';
}

export function backupUsable(b: BackupWithDetail): boolean {
  return String(b.state).toUpperCase() === 'COMPLETED' && b.success === 'SUCCESS';
}

/** A backup's state in the console's words (src/domain/words.ts): ok, failed, partly failed, queued, running … */
export function backupStateText(b: BackupWithDetail): string {
  return backupWord(b).text;
}

/** manual, scheduled, system (or `unknown: …`): what the TRIGGER column shows and the trigger filter matches. */
export function backupTrigger(b: BackupWithDetail): string {
  return backupTriggerWord(b.trigger).text;
}

export function backupTime(b: BackupWithDetail): number | null {
  const t = Date.parse(String(b.created_at ?? b.started_at ?? ''));
  return Number.isFinite(t) ? t : null;
}

export function backupSize(b: BackupWithDetail): number {
  return b.details.reduce((n, d) => n + (typeof d.size === 'number' ? d.size : 0), 0);
}

export function backupContents(b: BackupWithDetail): string[] {
  return [...new Set(b.details.map((d) => contentKind(d.service_type)))];
}

export function filterBackups(backups: readonly BackupWithDetail[], s: Pick<RestoreState, 'age' | 'trigger' | 'content'>, now: number): BackupWithDetail[] {
  return backups.filter((b) => {
    if (s.age !== 'all') {
      const t = backupTime(b);
      if (t === null || now - t > AGE_MS[s.age]) return false;
    }
    if (s.trigger !== 'all' && backupTrigger(b) !== s.trigger) return false;
    if (s.content !== 'all' && !backupContents(b).includes(s.content)) return false;
    return true;
  });
}

/** "live → test", or "test (in place)". */
export function directionText(sourceSlug: string, destSlug: string, arrow = '→'): string {
  return sourceSlug === destSlug ? `${destSlug} ${arrow} ${destSlug} (in place)` : `${sourceSlug} ${arrow} ${destSlug}`;
}

export function isLiveSlug(slug: string): boolean {
  return slug === 'live' || slug === 'production' || slug === 'prod';
}

/** Platform warnings for the review step. */
export function restoreWarnings(o: { sourceSlug: string; destSlug: string; details: readonly ServiceInstanceBackup[]; safety: boolean; arrow?: string }): string[] {
  const w: string[] = [];
  if (o.details.some((d) => contentKind(d.service_type) === 'media'))
    w.push('Media: restored files become publicly readable (public-read), whatever their permissions were before.');
  if (o.sourceSlug !== o.destSlug) w.push(`Cross-environment restore ${directionText(o.sourceSlug, o.destSlug, o.arrow)}: ${o.destSlug} gets ${o.sourceSlug}'s data (which may include personal data).`);
  if (isLiveSlug(o.destSlug)) w.push(`The destination is LIVE: ${o.destSlug} serves the restored content as soon as the restore ends.`);
  if (!o.safety) w.push(`NO safety backup: the current content of ${o.destSlug} cannot be recovered afterwards.`);
  if (o.details.some((d) => contentKind(d.service_type) === 'db')) w.push('Database: everything written to the destination database since the backup is lost.');
  return w;
}

/** The chosen backup, its chosen details, the destination environment (resolved against ctx). */
export function resolveChoice(s: RestoreState, ctx: RestoreCtx): { backup: BackupWithDetail | null; details: ServiceInstanceBackup[]; dest: Environment | null; source: Environment | null } {
  const backup = ctx.backups?.find((b) => b.uuid === s.backup) ?? null;
  const details = backup ? backup.details.filter((d) => s.selected.includes(d.uuid)) : [];
  const dest = ctx.environments.find((e) => e.uuid === (s.dest ?? s.source)) ?? null;
  const source = ctx.environments.find((e) => e.uuid === s.source) ?? null;
  return { backup, details, dest, source };
}

// ------------------------------------------------------------------ the machine

function cycle<T>(list: readonly T[], cur: T): T {
  return list[(list.indexOf(cur) + 1) % list.length]!;
}

function clamp(n: number, len: number): number {
  return Math.max(0, Math.min(n, Math.max(0, len - 1)));
}

const PREV: Partial<Record<RestoreStep, RestoreStep>> = { what: 'backup', dest: 'what', safety: 'dest', review: 'safety', confirm: 'review' };

/**
 * One key, handled against the wizard's current state. `act` is the keymap action the key is bound
 * to in the step's scopes (wizard.next, wizard.toggle, app.back, app.quit, list.up …), so remapped
 * keys work here as everywhere; `key` is the canonical key name (keyFromInk) and `input` the raw
 * text, for the typed confirmation and the y/n answer to "leave the wizard?".
 */
export function restoreKey(s: RestoreState, act: string | null, key: string | null, input: string, ctx: RestoreCtx): { state: RestoreState; effect: RestoreEffect } {
  const same = { state: s, effect: null };
  const to = (patch: Partial<RestoreState>, effect: RestoreEffect = null) => ({ state: { ...s, error: null, ...patch }, effect });
  if (s.step === 'progress') return act === 'app.back' || act === 'app.quit' ? { state: s, effect: { type: 'close' } } : same;
  if (s.submitting) return same; // the command is on its way
  if (s.quitAsk) {
    // a question as a dialog asks it: its keys are the dialog's (dialog.yes, dialog.no)
    if (act === 'dialog.yes') return { state: { ...s, quitAsk: false }, effect: { type: 'close' } };
    if (act === 'dialog.no' || act === 'app.back' || act === 'app.quit') return to({ quitAsk: false });
    return same;
  }
  // q leaves from any step (after a y), except while the confirmation is typed (q may be in a name)
  if (act === 'app.quit' && !(s.step === 'confirm' && isTextKey(key, input))) return to({ quitAsk: true });
  if (s.step === 'confirm' && isTextKey(key, input)) {
    const typed = editText(s.typed, key, input, 100);
    return typed === null ? same : to({ typed });
  }
  if (act === 'app.back') {
    const prev = PREV[s.step];
    if (!prev) return { state: s, effect: { type: 'close' } };
    return to({ step: prev, typed: '' });
  }
  if (ctx.readOnly && (act === 'wizard.next' || act === 'wizard.toggle')) {
    return { state: { ...s, error: ctx.readOnlyText ?? 'read-only: this gateway token may look but not restore (ask for an operator token)' }, effect: null };
  }
  switch (s.step) {
    case 'backup': {
      const list = filterBackups(ctx.backups ?? [], s, ctx.now);
      if (act === 'list.up') return to({ cursor: clamp(s.cursor - 1, list.length) });
      if (act === 'list.down') return to({ cursor: clamp(s.cursor + 1, list.length) });
      if (act === 'list.top') return to({ cursor: 0 });
      if (act === 'list.bottom') return to({ cursor: clamp(list.length - 1, list.length) });
      if (act === 'wizard.age') return to({ age: cycle(AGES, s.age), cursor: 0 });
      if (act === 'wizard.trigger') return to({ trigger: cycle(TRIGGERS, s.trigger), cursor: 0 });
      if (act === 'wizard.content') return to({ content: cycle(CONTENTS, s.content), cursor: 0 });
      if (act === 'wizard.source' && ctx.environments.length > 1) {
        const i = ctx.environments.findIndex((e) => e.uuid === s.source);
        const next = ctx.environments[(i + 1) % ctx.environments.length]!;
        return to({ source: next.uuid, cursor: 0, backup: null, selected: [] });
      }
      if (act === 'wizard.next') {
        const b = list[clamp(s.cursor, list.length)];
        if (!b) return { state: { ...s, error: ctx.backups === null ? 'the backups are still loading' : 'no backup matches the filters' }, effect: null };
        if (!backupUsable(b)) return { state: { ...s, error: `backup ${b.uuid.slice(0, 8)} is ${backupStateText(b)}: only completed, successful backups can be restored` }, effect: null };
        if (!b.details.length) return { state: { ...s, error: `backup ${b.uuid.slice(0, 8)} holds no service-instance backups` }, effect: null };
        const keep = s.backup === b.uuid && s.selected.length ? s.selected : b.details.map((d) => d.uuid);
        return to({ step: 'what', backup: b.uuid, selected: keep, whatCursor: 0 });
      }
      return same;
    }
    case 'what': {
      const backup = ctx.backups?.find((b) => b.uuid === s.backup);
      const details = backup?.details ?? [];
      if (act === 'list.up') return to({ whatCursor: clamp(s.whatCursor - 1, details.length) });
      if (act === 'list.down') return to({ whatCursor: clamp(s.whatCursor + 1, details.length) });
      if (act === 'wizard.toggle') {
        const d = details[s.whatCursor];
        if (!d) return same;
        return to({ selected: s.selected.includes(d.uuid) ? s.selected.filter((u) => u !== d.uuid) : [...s.selected, d.uuid] });
      }
      if (act === 'wizard.all') return to({ selected: s.selected.length === details.length ? [] : details.map((d) => d.uuid) });
      if (act === 'wizard.db' || act === 'wizard.media') {
        const kind = act === 'wizard.db' ? 'db' : 'media';
        return to({ selected: details.filter((d) => contentKind(d.service_type) === kind).map((d) => d.uuid) });
      }
      if (act === 'wizard.next') {
        if (!backup) return { state: { ...s, error: 'the backup is no longer listed' }, effect: null };
        const chosen = s.selected.filter((u) => details.some((d) => d.uuid === u));
        if (!chosen.length) return { state: { ...s, error: 'choose at least one: database and/or media' }, effect: null };
        // no default destination: the person picks one (coming back keeps the earlier choice)
        const destIdx = s.dest ? ctx.environments.findIndex((e) => e.uuid === s.dest) : -1;
        return to({ step: 'dest', selected: chosen, destCursor: destIdx, dest: destIdx >= 0 ? s.dest : null });
      }
      return same;
    }
    case 'dest': {
      const envs = ctx.environments;
      if (act === 'list.up') {
        const c = s.destCursor < 0 ? 0 : clamp(s.destCursor - 1, envs.length);
        return to({ destCursor: c, dest: envs[c]?.uuid ?? s.dest });
      }
      if (act === 'list.down') {
        const c = clamp(s.destCursor + 1, envs.length);
        return to({ destCursor: c, dest: envs[c]?.uuid ?? s.dest });
      }
      if (act === 'wizard.next') {
        if (s.destCursor < 0 || !s.dest) return { state: { ...s, error: envs.length ? 'choose the destination: move to it (nothing is chosen for you), then go on' : 'no destination environment known yet' }, effect: null };
        const e = envs[clamp(s.destCursor, envs.length)];
        if (!e) return { state: { ...s, error: 'no destination environment known yet' }, effect: null };
        return to({ step: 'safety', dest: e.uuid });
      }
      return same;
    }
    case 'safety':
      if (act === 'wizard.toggle') return to({ safety: !s.safety });
      if (act === 'wizard.next') return to({ step: 'review' });
      return same;
    case 'review':
      if (act === 'wizard.next') return to({ step: 'confirm', typed: '' });
      return same;
    case 'confirm': {
      const dest = ctx.environments.find((e) => e.uuid === s.dest);
      if (act === 'wizard.next') {
        if (!dest || !s.backup) return { state: { ...s, error: 'the destination or the backup is unknown' }, effect: null };
        const word = confirmationWord(ctx.app, dest.slug);
        if (s.typed !== word) {
          return { state: { ...s, error: `"${s.typed}" does not name the destination: type ${word} exactly`, typed: '' }, effect: null };
        }
        const params: RestoreParams = { backup: s.backup, to: dest.uuid, siBackups: s.selected, safetyBackup: s.safety, confirm: s.typed };
        return { state: { ...s, error: null, submitting: true }, effect: { type: 'submit', params } };
      }
      const typed = editText(s.typed, key, input, 100);
      return typed === null ? same : to({ typed });
    }
  }
  return same;
}

/** The command was accepted: watch the job. */
export function restoreStarted(s: RestoreState, jobId: string): RestoreState {
  return { ...s, step: 'progress', submitting: false, jobId, error: null };
}

/** The command was refused: stay on the confirmation with the reason. */
export function restoreRefused(s: RestoreState, reason: string): RestoreState {
  return { ...s, submitting: false, typed: '', error: `refused: ${reason}` };
}
