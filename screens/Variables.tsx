// An environment's variables (key e): set, unset and edit them. Sensitive values (and secrets the
// gateway masks inside values) are never drawn unless revealed on a key (r: asked from the gateway,
// which audits it; hidden again with r or on leaving). A change runs as an `env-var` job; on live it
// needs APP@live typed (the gateway checks it too). As on Divio, a change takes effect on the next
// deployment: once it succeeded the console offers to deploy.
import React, { useEffect, useMemo } from 'react';
import { Box, Text } from 'ink';
import type { EnvironmentVariable, Job } from '../src/domain/index.js';
import { envRisk, jobResult } from '../src/domain/helpers.js';
import { keyOf as keyName } from '../src/config/keymap.js';
import { varFormKey, type VarForm } from '../src/store/forms.js';
import type { AppStore } from '../src/store/app.js';
import { ListTable, type Column } from '../components/Table.js';
import { useList } from '../components/list.js';
import { useAppState, useMemoNow, useTopic, useUi, sx, type ActionHandlers } from '../components/context.js';
import { clean } from '../components/glyphs.js';
import { targetOfParams, type EnvTarget, type ScreenProps } from './registry.js';
import { SegLine, isReadOnly, jobStepLines, sendCommand, keyAction, readOnlyText, type Seg, jobHeadLine } from './actionui.js';

const MASK = '****';

function hidden(v: EnvironmentVariable): boolean {
  return v.is_sensitive || (v.value ?? '').includes(MASK);
}

/** Offer the deploy that makes changes take effect (typed APP@live on live); `keyOf` names an action's key. */
export function offerDeploy(store: AppStore, target: EnvTarget, why: string, keyOf: (action: string) => string): void {
  const name = `${target.app}@${target.slug}`;
  const live = envRisk(target.slug) === 'live';
  store.openDialog({
    title: `Deploy ${name} now?`,
    lines: [why, 'Variables take effect on the next deployment (as on Divio).', live ? 'This is a LIVE environment.' : `${keyOf('dialog.no')} / ${keyOf('app.back')}: not now (${keyOf('vars.deploy')} deploys later).`],
    danger: live,
    confirmWord: live ? name : undefined,
    confirmLabel: 'deploy',
    onConfirm: () =>
      void sendCommand(store, 'deploy', { env: target.env, buildMode: 'AUTO', ...(live ? { confirm: name } : {}) }).then(
        (j) => store.toast(`deploy ${j.target}: started (${keyOf('app.jobs')} shows it)`, 'ok', j.id),
        (e: unknown) => store.toast(`deploy refused: ${(e as Error).message}`, 'error'),
      ),
  });
}

export function Variables({ route, width, height }: ScreenProps): React.ReactElement {
  const { store, theme, unicode, keymap } = useUi();
  const keyOf = (a: string): string => keyName(keymap, a, unicode);
  const target = targetOfParams(route.params);
  const slot = useTopic('env', target ? { env: target.env } : null);
  const vk = store.viewKey(route);
  const view = useAppState((s) => s.ui[vk]);
  const form = view?.varForm;
  const revealed = view?.revealed ?? {};
  const jobId = view?.job as string | undefined;
  const job: Job | undefined = useAppState((s) => (jobId ? s.jobs[jobId] : undefined));
  const now = useMemoNow(job && job.state !== 'succeeded' && job.state !== 'failed' ? 1000 : 60_000);
  const vars = useMemo(() => [...(slot?.data?.variables ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [slot?.data]);
  const name = target ? `${target.app}@${target.slug}` : '';
  const live = target ? envRisk(target.slug) === 'live' : false;

  // once a change succeeded: say when it takes effect, and offer the deploy (once per job)
  useEffect(() => {
    if (!target || !job || job.state !== 'succeeded' || view?.offered === job.id) return;
    store.updateView({ offered: job.id }, vk);
    const r = jobResult(job, 'env-var') ?? {};
    const what = r.action === 'unset' ? 'unset' : r.created ? 'created' : 'changed';
    offerDeploy(store, target, `${String(r.name ?? 'the variable')} ${what} on ${name}.`, keyOf);
  }, [job?.state, job?.id]);

  const formH = form ? 6 : 0;
  const jobH = job ? job.steps.length + 3 : 0;
  const tableH = Math.max(3, height - formH - jobH - 1);
  const handlers: ActionHandlers = {};
  const current = (): EnvironmentVariable[] => {
    const d = target ? store.topic('env', { env: target.env })?.data?.variables : undefined;
    return [...(d ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  };
  const setForm = (f: VarForm | undefined): void => store.updateView({ varForm: f }, vk);
  const editSelected = (v: EnvironmentVariable | undefined): void => {
    if (!target || !v) return;
    if (isReadOnly(store)) return void store.toast(readOnlyText(store), 'warn');
    const shown = store.view(vk).revealed;
    const known = shown?.[v.name] ?? (hidden(v) ? null : (v.value ?? ''));
    setForm({ kind: 'edit', name: v.name, value: known ?? '', sensitive: v.is_sensitive, field: 'value', hiddenBefore: known === null });
  };
  const list = useList({
    route,
    items: vars,
    current,
    key: (v) => v.name,
    page: () => tableH - 2,
    haystack: (v) => v.name,
    open: (v) => editSelected(v),
    actions: handlers,
    raw: form ? (key0, input0) => formKey(key0, input0) : null,
  });

  const send = (params: Record<string, unknown>, what: string): void => {
    sendCommand(store, 'env-var', params).then(
      (j) => {
        store.updateView({ job: j.id }, vk);
        store.toast(`${what}: started`, 'ok', j.id);
      },
      (e: unknown) => store.toast(`${what} refused: ${(e as Error).message}`, 'error'),
    );
  };
  const submit = (f: VarForm): void => {
    if (!target) return;
    setForm(undefined);
    const params = { action: 'set', env: target.env, name: f.name, value: f.value, sensitive: f.sensitive };
    const what = `set ${f.name} on ${name}`;
    if (!live) return send(params, what);
    store.openDialog({
      title: `Set ${f.name} on ${name}?`,
      lines: [`${f.kind === 'new' ? 'A new variable' : 'A new value'}${f.sensitive ? ' (sensitive)' : ''}: it takes effect`, 'on the next deployment.', 'This is a LIVE environment.'],
      danger: true,
      confirmWord: name,
      confirmLabel: 'set',
      onConfirm: () => send({ ...params, confirm: name }, what),
    });
  };
  const formKey = (key: string | null, input: string): boolean => {
    const f = store.view(vk).varForm;
    if (!f) return false;
    const r = varFormKey(f, keyAction(keymap, store, route, key), key, input);
    if (r === 'cancel') setForm(undefined);
    else if (r === 'submit') submit(f);
    else setForm(r);
    return true;
  };

  handlers['vars.new'] = () => {
    if (isReadOnly(store)) return void store.toast(readOnlyText(store), 'warn');
    setForm({ kind: 'new', name: '', value: '', sensitive: false, field: 'name' });
  };
  handlers['vars.edit'] = () => editSelected(list.selectedNow());
  handlers['vars.unset'] = () => {
    if (!target) return;
    if (isReadOnly(store)) return void store.toast(readOnlyText(store), 'warn');
    const v = list.selectedNow();
    if (!v) return;
    store.openDialog({
      title: `Unset ${v.name} on ${name}?`,
      lines: ['The variable is removed; the running containers', 'keep it until the next deployment.', live ? 'This is a LIVE environment.' : `${keyOf('dialog.yes')} unsets, ${keyOf('app.back')} keeps it.`],
      danger: live,
      confirmWord: live ? name : undefined,
      confirmLabel: 'unset',
      onConfirm: () => send({ action: 'unset', env: target.env, name: v.name, ...(live ? { confirm: name } : {}) }, `unset ${v.name} on ${name}`),
    });
  };
  handlers['vars.reveal'] = () => {
    if (!target) return;
    const v = list.selectedNow();
    if (!v) return;
    const shown = { ...((store.view(vk).revealed) ?? {}) };
    if (v.name in shown) {
      delete shown[v.name];
      return void store.updateView({ revealed: shown }, vk);
    }
    if (!hidden(v)) return void store.toast(`${v.name} is not hidden`, 'info');
    const c = store.client;
    if (!c?.reveal) return void store.toast('this gateway client cannot reveal values', 'warn');
    c.reveal(target.env, v.name).then(
      (value) => store.updateView({ revealed: { ...((store.view(vk).revealed) ?? {}), [v.name]: value ?? '' } }, vk),
      (e: unknown) => store.toast(`reveal ${v.name}: ${(e as Error).message}`, 'error'),
    );
  };
  handlers['vars.deploy'] = () => {
    if (!target) return;
    if (isReadOnly(store)) return void store.toast(readOnlyText(store), 'warn');
    offerDeploy(store, target, `Deploy ${name} so that its variables as listed take effect.`, keyOf);
  };

  const mask = unicode ? '••••••' : '******';
  const shownValue = (v: EnvironmentVariable): string => (v.name in revealed ? revealed[v.name]! : v.is_sensitive ? mask : (v.value ?? ''));
  const columns: Column<EnvironmentVariable>[] = [
    { id: 'name', title: 'NAME', flex: 1, min: 12, priority: 0, cell: (v) => v.name },
    { id: 'value', title: 'VALUE', flex: 3, min: 10, priority: 0, cell: shownValue, color: (v) => (v.name in revealed ? theme.warning : v.is_sensitive ? theme.muted : undefined) },
    { id: 'sensitive', title: 'SENSITIVE', width: 9, priority: 1, cell: (v) => (v.is_sensitive ? 'yes' : ''), color: () => theme.warning },
  ];
  if (!target) return <Text>no environment selected</Text>;
  const formLines: Seg[][] = [];
  if (form) {
    const cursor = (f: VarForm['field']) => (form.field === f ? '_' : '');
    const label = (f: VarForm['field'], t: string): Seg => ({ text: t, color: form.field === f ? theme.accent : theme.muted, bold: form.field === f });
    const valueText = form.sensitive ? (unicode ? '•' : '*').repeat(Array.from(form.value).length) : form.value;
    formLines.push([{ text: form.kind === 'new' ? `New variable of ${name}` : `Change ${form.name} of ${name}`, bold: true, color: theme.accent }]);
    formLines.push([label('name', 'Name:      '), { text: form.name }, { text: form.kind === 'new' ? cursor('name') : '' }]);
    formLines.push([label('sensitive', 'Sensitive: '), { text: form.sensitive ? '[x] yes (never shown, not in the logs)' : '[ ] no' }]);
    formLines.push([label('value', 'Value:     '), { text: valueText }, { text: cursor('value') }, { text: form.hiddenBefore && !form.value ? `  (the current value is hidden: type the new one, or ${keyOf('app.back')} and ${keyOf('vars.reveal')} to reveal it first)` : '', color: theme.muted }]);
    formLines.push([{ text: form.error ?? `${keyOf('form.field')} next field   ${keyOf('wizard.toggle')} toggles sensitive   ${keyOf('wizard.next')} ${live ? 'set (asks for ' + name + ')' : 'set'}   ${keyOf('app.back')} cancel`, color: form.error ? theme.danger : theme.muted }]);
    formLines.push([{ text: 'A change takes effect on the next deployment, as on Divio.', color: theme.muted }]);
  }
  const jobLines: Seg[][] = [];
  if (job) {
    jobLines.push(jobHeadLine(job, theme, { text: job.error ? `  ${job.error}` : '', color: theme.danger }));
    jobLines.push(...jobStepLines(job, theme, unicode, now));
    if (job.state === 'succeeded') jobLines.push([{ text: `Takes effect on the next deployment of ${name}: ${keyOf('vars.deploy')} deploys.`, color: theme.ok }]);
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      <ListTable
        list={list}
        columns={columns}
        height={tableH}
        width={width}
        rowKey={(v) => v.name}
        empty={slot?.data ? `${name} has no environment variables: ${keyOf('vars.new')} adds one` : slot?.error ? `variables unavailable: ${clean(slot.error, unicode)}` : 'loading variables...'}
      />
      {formLines.map((l, i) => (
        <SegLine key={`f${i}`} segs={l} width={width} theme={theme} unicode={unicode} />
      ))}
      {jobLines.map((l, i) => (
        <SegLine key={`j${i}`} segs={l} width={width} theme={theme} unicode={unicode} />
      ))}
      <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
        {`sensitive values stay hidden unless revealed (${keyOf('vars.reveal')}, audited); a change takes effect on the next deployment`}
      </Text>
    </Box>
  );
}
