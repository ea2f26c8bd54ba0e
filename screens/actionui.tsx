// Small pieces shared by the action screens (deploy cockpit, backups, restore wizard, purge): lines of
// coloured segments, job steps with state and elapsed time, the read-only check, sending a command.
import React from 'react';
import { Text } from 'ink';
import type { ContentVersion, Job, JobKind } from '../src/domain/index.js';
import type { AppStore, Route } from '../src/store/app.js';
import type { Keymap } from '../src/config/keymap.js';
import { activeScopes } from './registry.js';
import type { Theme } from '../src/config/theme.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { toneColor } from '../components/StatusBadge.js';
import { jobStateWord, jobStepWord } from '../src/domain/words.js';
import { clean, frameGlyphs } from '../components/glyphs.js';
import { sx } from '../components/context.js';
import { Busy } from '../components/Busy.js';
import { duration } from './Jobs.js';
import { readOnly, readOnlyText } from './actions.js';

export interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
  inverse?: boolean;
  /** A spinner (one column) before the text: work under way. */
  spin?: boolean;
}

/** One terminal row of segments, cut to the width. */
export function SegLine({ segs, width, theme, unicode }: { segs: Seg[]; width: number; theme: Theme; unicode: boolean }): React.ReactElement {
  let left = width;
  const ell = frameGlyphs(unicode).ellipsis;
  const parts: React.ReactElement[] = [];
  segs.forEach((s, i) => {
    if (left <= 0) return;
    const spin = s.spin && left > 1;
    if (spin) left -= 1;
    const t = truncateToWidth(clean(s.text, unicode), left, ell);
    left -= t.length;
    parts.push(
      <Text key={i} {...sx(theme, { color: s.color, bold: s.bold, inverse: s.inverse })}>
        {spin ? <Busy unicode={unicode} /> : null}
        {t}
      </Text>,
    );
  });
  return <Text wrap="truncate">{parts.length ? parts : ' '}</Text>;
}

/** The read-only check and its words (screens/actions.ts: the opening of the restore wizard needs them without this module). */
export { readOnly as isReadOnly, readOnlyText };

/** Send a command; the job is put into the store at once. Throws the gateway's reason. */
export async function sendCommand(store: AppStore, kind: JobKind, params: Record<string, unknown>): Promise<Job> {
  const c = store.client;
  if (!c) throw new Error('not connected to the gateway');
  if (readOnly(store)) throw new Error(readOnlyText(store));
  const job = await c.command(kind, params);
  store.setState((s) => (s.jobs[job.id] && s.jobs[job.id]!.updatedAt >= job.updatedAt ? {} : { jobs: { ...s.jobs, [job.id]: job } }));
  return job;
}

/** A job's first line: what and where, its state (coloured), then `tail` (a stage, a percentage, an error). */
export function jobHeadLine(job: Job, theme: Theme, tail: Seg): Seg[] {
  const w = jobStateWord(job.state);
  return [{ text: `${job.kind} ${job.target}: `, bold: true }, { text: w.text, bold: true, color: toneColor(theme, w.tone) }, tail];
}

/** The steps of a job as lines: glyph, state, name, elapsed, detail. */
export function jobStepLines(job: Job, theme: Theme, unicode: boolean, now: number): Seg[][] {
  const g = frameGlyphs(unicode);
  return job.steps.map((s) => {
    const glyph = s.state === 'succeeded' ? g.check : s.state === 'failed' ? g.cross : s.state === 'running' ? g.bullet : s.state === 'skipped' ? '-' : g.ring;
    const el = s.startedAt ? duration((s.endedAt ?? now) - s.startedAt) : '';
    const w = jobStepWord(s.state);
    const color = toneColor(theme, w.tone);
    return [
      ...(s.state === 'running'
        ? [{ text: '  ' }, { text: ' ', spin: true, color }]
        : [{ text: `  ${glyph} `, color }]),
      { text: w.text.padEnd(10), color },
      { text: s.name.padEnd(16), bold: s.state === 'running' },
      { text: el.padEnd(8), color: theme.muted },
      { text: s.detail ?? '', color: theme.muted },
    ];
  });
}

export function jobDone(j: Job | undefined | null): boolean {
  return !!j && (j.state === 'succeeded' || j.state === 'failed');
}

export function contentVersionText(c: ContentVersion | null | undefined): string {
  if (!c) return 'not offered by this zone';
  const db = c.database ? `database ${c.database.rows ?? '?'} rows (${String(c.database.checksum ?? '').slice(0, 8)})` : 'no database';
  const media = c.media ? `media ${c.media.files ?? '?'} files${c.media.checksum ? ` (${String(c.media.checksum).slice(0, 8)})` : ''}` : 'no media';
  return `${db}; ${media}`;
}

/**
 * The keymap action a key means on this screen now: looked up in the scopes of the screen's current
 * mode (an open form, a wizard step), as the store says, so a form obeys remapped keys.
 */
export function keyAction(keymap: Keymap, store: AppStore, route: Route, key: string | null): string | null {
  return key ? keymap.lookup(key, activeScopes(route.screen, store.view(store.viewKey(route)))) : null;
}

// How an action's first key is shown (the keymap module's, re-exported for the screens)
export { keyOf } from '../src/config/keymap.js';
