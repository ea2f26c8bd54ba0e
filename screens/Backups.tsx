// Backups of one environment: scheduled and on-demand, time, content (database, media per service
// instance), size, notes, state. n creates an on-demand backup (choose services, add a note), w
// prepares and downloads one to a file (the path is shown), R / Enter opens the restore wizard on it.
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import { toneColor } from '../components/StatusBadge.js';
import { backupWord, serviceTypeWord } from '../src/domain/words.js';
import type { BackupWithDetail } from '../src/protocol/messages.js';
import { jobResult } from '../src/domain/helpers.js';
import { backupContents, backupSize, backupStateText, backupTime, backupTrigger, backupUsable, contentKind } from '../src/store/restore.js';
import { formatBytes, moment } from '../src/domain/format.js';
import { backupFormKey, type BackupForm } from '../src/store/forms.js';
import { ListTable, type Column } from '../components/Table.js';
import { useList } from '../components/list.js';
import { copyText } from './copy.js';
import { useAppState, useMemoNow, useTopic, useUi, sx, type ActionHandlers } from '../components/context.js';
import { clean, frameGlyphs } from '../components/glyphs.js';
import { targetOfParams, type ScreenProps } from './registry.js';
import { SegLine, isReadOnly, jobStepLines, keyAction, keyOf, sendCommand, readOnlyText, type Seg, jobHeadLine } from './actionui.js';
import { openRestore } from './restore/open.js';

export function Backups({ route, width, height }: ScreenProps): React.ReactElement {
  const { store, theme, unicode, keymap, config } = useUi();
  const target = targetOfParams(route.params);
  const slot = useTopic('backups', target ? { env: target.env } : null);
  const vk = store.viewKey(route);
  const view = useAppState((s) => s.ui[vk]);
  const form = view?.backupForm;
  const jobId = view?.job as string | undefined;
  const job = useAppState((s) => (jobId ? s.jobs[jobId] : undefined));
  const now = useMemoNow(1000);
  const g = frameGlyphs(unicode);
  const backups: BackupWithDetail[] = useMemo(() => slot?.data?.backups ?? [], [slot?.data]);
  const handlers: ActionHandlers = {};
  const list = useList({
    route,
    items: backups,
    key: (b) => b.uuid,
    current: () => (target ? (store.topic('backups', { env: target.env })?.data?.backups ?? []) : []),
    page: () => tableH - 2,
    open: (b) => restore(b),
    actions: handlers,
    raw: form ? (key0, input0) => formKey(key0, input0) : null,
  });
  const sel = list.selected;
  const formH = form ? form.items.length + 4 : 0;
  const jobH = job ? job.steps.length + 3 : 0;
  const detailH = sel && !form ? Math.min(sel.details.length + 2, 8) : 0;
  const tableH = Math.max(3, height - formH - jobH - detailH - 1);

  const setForm = (f: BackupForm | undefined): void => store.updateView({ backupForm: f }, vk);
  const submit = (f: BackupForm): void => {
    if (!target) return;
    setForm(undefined);
    const p =
      f.kind === 'create'
        ? sendCommand(store, 'backup', { env: target.env, services: f.selected, ...(f.text.trim() ? { notes: f.text.trim() } : {}) })
        : sendCommand(store, 'download', { backup: f.backup!, siBackups: f.selected });
    p.then((j) => {
      store.updateView({ job: j.id }, vk);
      store.toast(`${j.kind} ${j.target}: started`, 'ok', j.id);
    }).catch((e: unknown) => store.toast(`${f.kind === 'create' ? 'backup' : 'download'} refused: ${(e as Error).message}`, 'error'));
  };

  const formKey = (key: string | null, input: string): boolean => {
    const f = store.view(vk).backupForm;
    if (!f) return false;
    const r = backupFormKey(f, keyAction(keymap, store, route, key), key, input);
    if (r === 'cancel') setForm(undefined);
    else if (r === 'submit') submit(f);
    else setForm(r);
    return true;
  };

  const restore = (sel: BackupWithDetail | undefined): void => {
    if (!target || !sel) return;
    if (!backupUsable(sel)) {
      store.toast(`backup ${sel.uuid.slice(0, 8)} is ${backupStateText(sel)}: it cannot be restored`, 'warn');
      return;
    }
    openRestore(store, { ...target, backup: sel.uuid, details: sel.details.map((d) => d.uuid).join(',') });
  };
  handlers['backups.restore'] = () => restore(list.selectedNow());
  handlers['copy.id'] = () => copyText(store, 'backup id', list.selectedNow()?.uuid);
  handlers['backups.new'] = () => {
    if (isReadOnly(store)) return void store.toast(readOnlyText(store), 'warn');
    const sis = slot?.data?.serviceInstances ?? [];
    if (!sis.length) return void store.toast('this environment has no service instances to back up', 'warn');
    setForm({
      kind: 'create',
      items: sis.map((s) => ({ id: s.uuid, label: `${contentKind(s.type) === 'db' ? 'database' : contentKind(s.type)}  ${serviceTypeWord(s.type).text} ${s.prefix}${s.service ? ' ' + s.service : ''}` })),
      selected: sis.map((s) => s.uuid),
      cursor: 0,
      text: '',
      field: 'items',
    });
  };
  handlers['backups.download'] = () => {
    if (isReadOnly(store)) return void store.toast(readOnlyText(store), 'warn');
    const sel = list.selectedNow();
    if (!sel) return;
    if (!backupUsable(sel)) return void store.toast(`backup ${sel.uuid.slice(0, 8)} is ${backupStateText(sel)}: nothing to download`, 'warn');
    setForm({
      kind: 'download',
      backup: sel.uuid,
      items: sel.details.map((d) => ({ id: d.uuid, label: `${contentKind(d.service_type)}  ${serviceTypeWord(d.service_type).text}`, size: d.size ?? null })),
      selected: sel.details.map((d) => d.uuid),
      cursor: 0,
      text: '',
      field: 'items',
    });
  };

  const columns: Column<BackupWithDetail>[] = [
    { id: 'time', title: 'TAKEN', width: 26, priority: 0, cell: (b) => moment(backupTime(b), now, config.ui.utc) },
    { id: 'trigger', title: 'TRIGGER', width: 9, priority: 1, cell: (b) => backupTrigger(b) },
    { id: 'state', title: 'STATE', width: 10, priority: 0, cell: (b) => backupStateText(b), color: (b) => toneColor(theme, backupWord(b).tone) },
    { id: 'content', title: 'CONTENT', width: 10, priority: 0, cell: (b) => backupContents(b).join('+') || '-' },
    { id: 'size', title: 'SIZE', width: 9, priority: 1, align: 'right', cell: (b) => formatBytes(backupSize(b)) },
    { id: 'notes', title: 'NOTES', flex: 2, min: 10, priority: 2, cell: (b) => b.notes ?? '' },
    { id: 'id', title: 'ID', width: 8, priority: 3, cell: (b) => b.uuid.slice(0, 8) },
  ];
  if (!target) return <Text>no environment selected</Text>;
  const formLines: Seg[][] = [];
  if (form) {
    formLines.push([{ text: form.kind === 'create' ? `New backup of ${target.app}@${target.slug}: which services?` : `Download backup ${form.backup?.slice(0, 8)}: which parts?`, bold: true, color: theme.accent }]);
    form.items.forEach((it, i) =>
      formLines.push([
        { text: form.field === 'items' && i === form.cursor ? `${g.selected} ` : '  ', color: theme.accent },
        { text: form.selected.includes(it.id) ? '[x] ' : '[ ] ', bold: true },
        { text: it.label },
        { text: it.size != null ? `  ${formatBytes(it.size)}` : '', color: theme.muted },
      ]),
    );
    formLines.push([
      { text: form.kind === 'create' ? 'Note: ' : 'Save to: ', color: form.field === 'text' ? theme.accent : theme.muted, bold: form.field === 'text' },
      { text: form.kind === 'download' ? "the gateway's download folder, under a name it chooses" : form.text || (form.field === 'text' ? '' : '(none)'), color: form.text ? undefined : theme.muted },
      { text: form.field === 'text' ? '_' : '' },
    ]);
    const k = (a: string): string => keyOf(keymap, a, unicode);
    const hint = `${k('wizard.toggle')} toggle   ${form.kind === 'create' ? `${k('form.field')} note   ` : ''}${k('wizard.next')} ${form.kind === 'create' ? 'create the backup' : 'download'}   ${k('app.back')} cancel`;
    formLines.push([{ text: form.error ? `${form.error} (${k('wizard.toggle')} toggles)` : hint, color: form.error ? theme.danger : theme.muted }]);
  }
  const jobLines: Seg[][] = [];
  if (job) {
    jobLines.push(jobHeadLine(job, theme, { text: job.stage ? `  ${job.stage}` : '', color: theme.muted }));
    jobLines.push(...jobStepLines(job, theme, unicode, now));
    const files = jobResult(job, 'download')?.files ?? [];
    if (files.length) jobLines.push([{ text: 'Saved to ', color: theme.ok }, { text: files.map((f) => `${f.path} (${formatBytes(f.bytes)})`).join(', '), bold: true }]);
    else if (job.error) jobLines.push([{ text: job.error, color: theme.danger }]);
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      <ListTable
        list={list}
        columns={columns}
        height={tableH}
        width={width}
        rowKey={(b) => b.uuid}
        empty={slot?.data ? `no backups of ${target.app}@${target.slug} yet: n creates one` : slot?.error ? `backups unavailable: ${clean(slot.error, unicode)}` : 'loading backups...'}
      />
      {sel && !form ? (
        <Box flexDirection="column" height={detailH}>
          <SegLine segs={[{ text: `Backup ${sel.uuid}`, bold: true, color: theme.accent }, { text: sel.notes ? `  "${sel.notes}"` : '', color: theme.muted }]} width={width} theme={theme} unicode={unicode} />
          {sel.details.slice(0, detailH - 1).map((d) => (
            <SegLine
              key={d.uuid}
              segs={[
                { text: `  ${contentKind(d.service_type).padEnd(6)}` },
                { text: ` ${serviceTypeWord(d.service_type).text.padEnd(10)}`, color: theme.muted },
                { text: ` ${formatBytes(d.size ?? null).padStart(9)}` },
                ...(d.ended_at ? [{ text: '  taken', color: theme.ok }] : [{ text: '  ' }, { text: ' in progress', spin: true, color: theme.warning }]),
                { text: d.errors?.length ? `  ${String(d.errors[0])}` : '', color: theme.danger },
              ]}
              width={width}
              theme={theme}
              unicode={unicode}
            />
          ))}
        </Box>
      ) : null}
      {formLines.map((l, i) => (
        <SegLine key={`f${i}`} segs={l} width={width} theme={theme} unicode={unicode} />
      ))}
      {jobLines.map((l, i) => (
        <SegLine key={`j${i}`} segs={l} width={width} theme={theme} unicode={unicode} />
      ))}
      <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
        {`${keyOf(keymap, 'backups.new', unicode)} new backup   ${keyOf(keymap, 'backups.download', unicode)} download   ${keyOf(keymap, 'backups.restore', unicode)}/${keyOf(keymap, 'list.open', unicode)} restore   ${keyOf(keymap, 'app.jobs', unicode)} jobs`}
      </Text>
    </Box>
  );
}
