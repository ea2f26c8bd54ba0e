// The restore wizard (R on an environment, or from the backups view): seven steps, each reversible
// with Esc until the command is sent. Its state lives in the store (src/store/restore.ts is the
// machine), so it survives an SSH hand-off. After the command, Esc only stops watching: the restore
// runs on in the gateway and the jobs tray shows it.
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import { serviceTypeWord } from '../../src/domain/words.js';
import type { Environment } from '../../src/domain/index.js';
import { envRisk, jobResult } from '../../src/domain/helpers.js';
import { riskColor } from '../../src/config/theme.js';
import { displayWidth, padToWidth, truncateToWidth } from '../../src/terminal/width.js';
import {
  RESTORE_STEPS,
  STEP_TITLES,
  backupContents,
  backupSize,
  backupStateText,
  backupTime,
  backupTrigger,
  backupUsable,
  contentKind,
  directionText,
  filterBackups,
  initialRestore,
  isLiveSlug,
  resolveChoice,
  restoreKey,
  restoreRefused,
  restoreStarted,
  restoreWarnings,
  type RestoreCtx,
  type RestoreState,
} from '../../src/store/restore.js';
import { age } from '../../src/store/fleet.js';
import { useAppState, useMemoNow, useRawKeys, useTopic, useUi } from '../../components/context.js';
import { DIALOG_SCOPES } from '../../src/config/keymap.js';
import { frameGlyphs } from '../../components/glyphs.js';
import { targetOfParams, type ScreenProps } from '../registry.js';
import { SegLine, contentVersionText, jobDone, jobStepLines, keyAction, keyOf, sendCommand, readOnlyText, type Seg } from '../actionui.js';
import { duration } from '../Jobs.js';
import { formatBytes } from '../../src/domain/format.js';

export function RestoreWizard({ route, width, height }: ScreenProps): React.ReactElement {
  const { store, theme, unicode, keymap } = useUi();
  const k = (a: string): string => keyOf(keymap, a, unicode);
  const target = targetOfParams(route.params);
  const vk = store.viewKey(route);
  const saved = useAppState((s) => s.ui[vk]?.restore);
  const state: RestoreState = saved ?? initialRestore(target?.env ?? '', route.params.backup ?? null, route.params.details ? route.params.details.split(',') : []);
  const home = useTopic('env', target ? { env: target.env } : null);
  const backupsSlot = useTopic('backups', state.source ? { env: state.source } : null);
  const destSlot = useTopic('env', state.dest ? { env: state.dest } : null);
  const job = useAppState((s) => (state.jobId ? s.jobs[state.jobId] : undefined));
  const welcome = useAppState((s) => s.welcome);
  const readOnly = !!welcome && (welcome.readOnly || welcome.role === 'viewer');
  const now = useMemoNow(1000);
  const arrow = unicode ? '→' : '->';
  const g = frameGlyphs(unicode);

  const environments: Environment[] = useMemo(() => {
    const d = home?.data;
    if (!d) return [];
    const list = d.environments.length ? d.environments : [d.environment];
    return list.some((e) => e.uuid === d.environment.uuid) ? list : [d.environment, ...list];
  }, [home?.data]);
  const ctx: RestoreCtx = { now, backups: backupsSlot?.data?.backups ?? null, environments, readOnly, readOnlyText: readOnly ? readOnlyText(store) : undefined, app: target?.app ?? '' };

  const set = (next: RestoreState): void => store.updateView({ restore: next }, vk);

  useRawKeys((key, input) => {
    // handled against the store's current state (the step the last key left, drawn or not)
    const cur = store.view(vk).restore ?? state;
    const act = keyAction(keymap, store, route, key);
    if (cur.step === 'progress' && act !== 'app.back' && act !== 'app.quit') return false; // J, ? … work while watching
    const r = step(cur, key, input);
    // a key the wizard has no use for (?, :, J …) goes on to the keymap
    return r.state !== cur || !!r.effect;
  });
  function step(state: RestoreState, key: string | null, input: string): ReturnType<typeof restoreKey> {
    // while it asks whether to leave, its keys are a dialog's
    const act = state.quitAsk ? (key ? keymap.lookup(key, DIALOG_SCOPES) : null) : keyAction(keymap, store, route, key);
    const r = restoreKey(state, act, key, input, ctx);
    if (r.state !== state) set(r.state);
    const eff = r.effect;
    if (eff?.type === 'close') {
      if (state.step === 'progress' && !jobDone(job)) store.toast(`the restore continues in the gateway: ${k('app.jobs')} shows it`, 'info');
      store.pop();
    } else if (eff?.type === 'submit') {
      sendCommand(store, 'restore', { ...eff.params })
        .then((j) => store.updateView((v) => ({ restore: restoreStarted(v.restore ?? r.state, j.id) }), vk))
        .catch((e: unknown) => store.updateView((v) => ({ restore: restoreRefused(v.restore ?? r.state, e instanceof Error ? e.message : String(e)) }), vk));
    }
    return r;
  }

  if (!target) return <Text>no environment selected</Text>;
  const { backup, details, dest, source } = resolveChoice(state, ctx);
  const srcSlug = source?.slug ?? target.slug;
  const destSlug = dest?.slug ?? '?';
  const stepNo = RESTORE_STEPS.indexOf(state.step) + 1;
  const L: Seg[][] = [];
  const add = (...segs: Seg[]): void => void L.push(segs);
  const muted = (t: string): void => add({ text: t, color: theme.muted });

  // step bar
  add(
    { text: `Restore into ${target.app}`, bold: true },
    { text: `   step ${stepNo}/7: ${STEP_TITLES[state.step]}`, color: theme.accent, bold: true },
  );
  add(
    ...RESTORE_STEPS.map((s, i): Seg => ({
      text: `${i ? ' ' + g.sep.trim() + ' ' : ''}${i + 1} ${s}`,
      color: s === state.step ? theme.accent : i < stepNo - 1 ? theme.ok : theme.muted,
      bold: s === state.step,
    })),
  );
  if (readOnly) add({ text: readOnlyText(store), color: theme.danger, bold: true });
  if (state.step !== 'backup' && backup) {
    add(
      { text: 'Backup ', color: theme.muted },
      { text: `${backup.uuid.slice(0, 8)} of ${srcSlug}, ${backupTime(backup) ? age(new Date(backupTime(backup)!).toISOString(), now) + ' ago' : 'time unknown'}` },
      ...(state.step !== 'what' && details.length ? [{ text: `   ${details.map((d) => contentKind(d.service_type)).join(' + ')}`, color: theme.muted }] : []),
      ...(dest && ['safety', 'review', 'confirm', 'progress'].includes(state.step)
        ? [{ text: `   ${directionText(srcSlug, destSlug, arrow)}`, bold: true, color: riskColor(theme, envRisk(destSlug)) }]
        : []),
    );
  }
  L.push([]);

  const hints: string[] = [];
  /** From this line on, what must stay on screen however short it is (the typed confirmation, errors). */
  let mustShow = -1;
  switch (state.step) {
    case 'backup': {
      const all = ctx.backups;
      const list = filterBackups(all ?? [], state, now);
      add(
        { text: `Backups of ${srcSlug}`, bold: true, color: riskColor(theme, envRisk(srcSlug)) },
        { text: `   age: ${state.age}   trigger: ${state.trigger}   content: ${state.content}${all ? `   (${list.length} of ${all.length})` : ''}`, color: theme.muted },
      );
      if (all === null) muted(backupsSlot?.error ? `backups unavailable: ${backupsSlot.error}` : 'loading backups...');
      else if (!list.length) muted(all.length ? 'no backup matches the filters (a, t, c change them)' : `${srcSlug} has no backups yet`);
      const cur = Math.min(state.cursor, Math.max(0, list.length - 1));
      const room = Math.max(3, height - 9);
      const top = Math.max(0, Math.min(cur - Math.floor(room / 2), list.length - room));
      list.slice(top, top + room).forEach((b, i) => {
        const sel = top + i === cur;
        const t = backupTime(b);
        const usable = backupUsable(b);
        add(
          { text: sel ? `${g.selected} ` : '  ', color: theme.accent },
          { text: (t ? age(new Date(t).toISOString(), now) + ' ago' : '-').padEnd(10), inverse: sel },
          { text: ` ${backupTrigger(b).padEnd(9)}` },
          { text: ` ${padToWidth(truncateToWidth(backupStateText(b), 9, g.ellipsis), 9)}`, color: usable ? theme.ok : theme.danger },
          { text: ` ${backupContents(b).join('+').padEnd(9)}` },
          { text: ` ${formatBytes(backupSize(b)).padStart(9)}` },
          { text: `  ${b.uuid.slice(0, 8)}`, color: theme.muted },
          { text: b.notes ? `  ${b.notes}` : '', color: theme.muted },
        );
      });
      hints.push(`${k('wizard.next')} choose`, `${k('wizard.age')} age`, `${k('wizard.trigger')} trigger`, `${k('wizard.content')} content`, ...(environments.length > 1 ? [`${k('wizard.source')} other environment`] : []), `${k('app.back')} cancel`);
      break;
    }
    case 'what': {
      add({ text: `What to restore (${k('wizard.toggle')} toggles, ${k('wizard.all')} all, ${k('wizard.db')} database only, ${k('wizard.media')} media only)`, bold: true });
      if (!backup) muted('loading the backup...');
      backup?.details.forEach((d, i) => {
        const on = state.selected.includes(d.uuid);
        const sel = i === state.whatCursor;
        add(
          { text: sel ? `${g.selected} ` : '  ', color: theme.accent },
          { text: on ? '[x] ' : '[ ] ', bold: on, inverse: sel },
          { text: (contentKind(d.service_type) === 'db' ? 'database' : contentKind(d.service_type) === 'media' ? 'media' : contentKind(d.service_type)).padEnd(10) },
          { text: serviceTypeWord(d.service_type).text.padEnd(12), color: theme.muted },
          { text: formatBytes(d.size ?? null).padStart(10) },
          { text: `  ${d.uuid.slice(0, 8)}`, color: theme.muted },
        );
      });
      add({ text: `Selected: ${details.length ? formatBytes(details.reduce((n, d) => n + (d.size ?? 0), 0)) : 'nothing'}`, color: theme.muted });
      hints.push(`${k('wizard.toggle')} toggle`, `${k('wizard.next')} next`, `${k('app.back')} back`);
      break;
    }
    case 'dest': {
      add({ text: 'Restore into which environment of ' + target.app + '?', bold: true });
      environments.forEach((e, i) => {
        const sel = i === state.destCursor;
        add(
          { text: sel ? `${g.selected} ` : '  ', color: theme.accent },
          { text: e.slug.padEnd(12), bold: true, color: riskColor(theme, envRisk(e.slug)), inverse: sel },
          { text: `  ${directionText(srcSlug, e.slug, arrow)}`, color: e.uuid === state.source ? theme.muted : undefined },
          { text: isLiveSlug(e.slug) ? '   LIVE: the site serves it at once' : '', color: theme.danger },
        );
      });
      if (state.destCursor < 0) add({ text: `Nothing is chosen for you: move to the destination with ${k('list.down')}/${k('list.up')}.`, color: theme.muted });
      hints.push(`${k('list.down')}/${k('list.up')} pick`, `${k('wizard.next')} choose`, `${k('app.back')} back`);
      break;
    }
    case 'safety': {
      add({ text: `Safety backup of ${destSlug} before the restore`, bold: true });
      add(
        { text: state.safety ? '[x] ' : '[ ] ', bold: true, color: state.safety ? theme.ok : theme.danger },
        { text: state.safety ? `ON: a backup of ${destSlug}'s current content is taken first; if it fails, the restore does not start.` : `OFF: ${destSlug}'s current content will NOT be backed up.`, color: state.safety ? undefined : theme.danger },
      );
      muted(`Recommended: keep it on. Turning it off needs ${k('wizard.toggle')} here, on purpose.`);
      hints.push(`${k('wizard.next')} next`, `${k('wizard.toggle')} turn ${state.safety ? 'off' : 'on'}`, `${k('app.back')} back`);
      break;
    }
    case 'review':
    case 'confirm': {
      const cur = destSlot?.data?.contentVersion ?? null;
      add({ text: 'Source       ', color: theme.muted }, { text: `${target.app}@${srcSlug}, backup ${backup?.uuid.slice(0, 8) ?? '?'} (${backup && backupTime(backup) ? new Date(backupTime(backup)!).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '?'})` });
      add({ text: 'Destination  ', color: theme.muted }, { text: `${target.app}@${destSlug}`, bold: true, color: riskColor(theme, envRisk(destSlug)) }, { text: `   ${directionText(srcSlug, destSlug, arrow)}`, bold: true });
      add({ text: 'Overwrites   ', color: theme.muted }, { text: details.map((d) => `${contentKind(d.service_type) === 'db' ? 'database' : contentKind(d.service_type)} (${formatBytes(d.size ?? null)})`).join(', ') || 'nothing' });
      add({ text: 'Now on dest  ', color: theme.muted }, { text: destSlot?.data ? contentVersionText(cur) : 'loading the destination...' });
      const incoming = details
        .map((d) => {
          const cv = (d as { content_version?: { rows?: number; files?: number; checksum?: string } | null }).content_version;
          if (!cv) return null;
          return cv.rows != null ? `database ${cv.rows} rows (${String(cv.checksum ?? '').slice(0, 8)})` : cv.files != null ? `media ${cv.files} files (${String(cv.checksum ?? '').slice(0, 8)})` : null;
        })
        .filter(Boolean);
      if (incoming.length) add({ text: 'Backup holds ', color: theme.muted }, { text: incoming.join('; ') });
      add({ text: 'Safety       ', color: theme.muted }, { text: state.safety ? `a backup of ${destSlug} first (on)` : 'OFF: no safety backup', color: state.safety ? theme.ok : theme.danger, bold: !state.safety });
      // a warning is read whole: wrapped under its bullet, not cut at the screen's edge
      for (const w of restoreWarnings({ sourceSlug: srcSlug, destSlug, details, safety: state.safety, arrow })) {
        wrapWords(w, Math.max(20, width - 2)).forEach((part, i) => add({ text: i ? '  ' : `${g.bullet} `, color: theme.warning }, { text: part, color: theme.warning }));
      }
      L.push([]);
      if (state.step === 'review') hints.push(`${k('wizard.next')} continue to the confirmation`, `${k('app.back')} back`);
      else {
        mustShow = L.length;
        add({ text: `Type ${target.app}@${destSlug} to restore into it (${k('wizard.next')} sends, ${k('app.back')} goes back):`, bold: true, color: isLiveSlug(destSlug) ? theme.danger : theme.accent });
        add({ text: `> ${state.typed}_`, color: theme.accent });
        if (state.submitting) muted('sending...');
        hints.push(`type ${target.app}@${destSlug}`, `${k('wizard.next')} restore`, `${k('app.back')} back`);
      }
      break;
    }
    case 'progress': {
      if (!job) muted('waiting for the job...');
      else {
        add({ text: `Job ${job.id}  `, color: theme.muted }, { text: job.state, bold: true, color: job.state === 'succeeded' ? theme.ok : job.state === 'failed' ? theme.danger : theme.accent }, { text: `   ${duration((job.endedAt ?? now) - job.createdAt)}`, color: theme.muted });
        for (const l of jobStepLines(job, theme, unicode, now)) L.push(l);
        if (job.state === 'succeeded') {
          L.push([]);
          add({ text: `Restored into ${destSlug}. `, bold: true, color: theme.ok }, { text: `New content version: ${contentVersionText(jobResult(job, 'restore')?.contentVersion ?? destSlot?.data?.contentVersion)}` });
          const safety = jobResult(job, 'restore')?.safetyBackup;
          if (safety) muted(`Safety backup ${safety.slice(0, 8)} holds the previous content.`);
        } else if (job.state === 'failed') {
          L.push([]);
          add({ text: job.error ?? 'failed', color: theme.danger, bold: true });
        }
      }
      hints.push(jobDone(job) ? `${k('app.back')} close` : `${k('app.back')} stop watching (the restore continues)`, `${k('app.jobs')} jobs`);
      break;
    }
  }
  if (mustShow < 0 && (state.error || state.quitAsk)) mustShow = L.length;
  if (state.error) add({ text: state.error, color: theme.danger, bold: true });
  if (state.quitAsk) add({ text: `Leave the restore wizard? Nothing has been sent. ${k('dialog.yes')} leaves, ${k('dialog.no')} stays.`, color: theme.warning, bold: true });
  else if (state.step !== 'progress' && state.step !== 'confirm') hints.push('q leave');
  const body = fitLines(L, Math.max(1, height - 1), mustShow, theme.muted);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {body.map((segs, i) => (
        <SegLine key={i} segs={segs} width={width} theme={theme} unicode={unicode} />
      ))}
      <Box flexGrow={1} />
      <SegLine segs={[{ text: hints.join('   '), color: theme.muted }]} width={width} theme={theme} unicode={unicode} />
    </Box>
  );
}

/** Words of `text` in lines of at most `width` columns (a word longer than that gets a line of its own). */
export function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && displayWidth(next) > width) {
      out.push(line);
      line = word;
    } else line = next;
  }
  out.push(line);
  return out;
}

/**
 * The wizard's lines in `rows` rows. When they do not fit, the lines from `mustShow` on (the typed
 * confirmation and what is said about it) stay, under the step bar: the summary between them loses
 * its last lines first, and one line says how many are not shown. A short terminal must never hide
 * the box the person types into.
 */
export function fitLines(lines: Seg[][], rows: number, mustShow: number, muted?: string): Seg[][] {
  if (lines.length <= rows) return lines;
  const note = (n: number): Seg[] => [{ text: `… ${n} more line${n === 1 ? '' : 's'} (a taller terminal shows them)`, color: muted }];
  if (mustShow < 0 || mustShow >= lines.length) return rows < 2 ? lines.slice(0, rows) : [...lines.slice(0, rows - 1), note(lines.length - rows + 1)];
  const tail = lines.slice(mustShow);
  if (tail.length >= rows) return tail.slice(0, rows);
  const room = rows - tail.length - 1; // one line says what is hidden
  if (room < 1) return tail;
  const hidden = mustShow - room;
  return [...lines.slice(0, room), note(hidden), ...tail];
}
