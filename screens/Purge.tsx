// CDN purge (P on an environment). A domain on Divio-managed Cloudflare: clear its cache through
// Divio (a confirmation first). A customer-owned zone: purge URLs, prefixes, hosts or tags (validated
// before sending: no scheme in prefixes, ≤100 per request, split and paced by the gateway), or
// everything (type the environment's slug). The rate-limit state of the last purge is shown.
import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import type { Domain } from '../src/domain/index.js';
import { domainName, jobResult } from '../src/domain/helpers.js';
import { confirmationWord, divioCdnCandidate } from '../src/domain/outcomes.js';
import { purgeFormKey, type PurgeForm } from '../src/store/forms.js';
import { PURGE_KIND_EXAMPLE, PURGE_KIND_LABEL, parsePurgeInput, type PurgeKind } from '../src/store/purge.js';
import { useAppState, useMemoNow, useTopic, useUi, sx, type ActionHandlers } from '../components/context.js';
import { frameGlyphs } from '../components/glyphs.js';
import { useList } from '../components/list.js';
import { targetOfParams, type EnvTarget, type ScreenProps } from './registry.js';
import { SegLine, isReadOnly, jobStepLines, keyAction, keyOf, sendCommand, readOnlyText, type Seg, jobHeadLine } from './actionui.js';

interface PurgeRow {
  kind: 'divio' | 'zone';
  domain?: Domain;
  zone?: string;
  label: string;
}

export function purgeRows(domains: readonly Domain[]): PurgeRow[] {
  const rows: PurgeRow[] = domains.filter((d) => divioCdnCandidate(d).candidate).map((d) => ({ kind: 'divio' as const, domain: d, label: domainName(d) }));
  const own = domains.filter((d) => d.cdn === 'customer-cloudflare');
  if (own.length) rows.push({ kind: 'zone', zone: own[0]!.cloudflare_zone ?? undefined, label: own.map(domainName).join(', ') });
  return rows;
}

export function Purge({ route, width, height }: ScreenProps): React.ReactElement {
  const { store, theme, unicode, keymap } = useUi();
  const target = targetOfParams(route.params) as EnvTarget;
  const slot = useTopic('env', target ? { env: target.env } : null);
  const vk = store.viewKey(route);
  const view = useAppState((s) => s.ui[vk]);
  const form = view?.purgeForm;
  const jobId = view?.job as string | undefined;
  const job = useAppState((s) => (jobId ? s.jobs[jobId] : undefined));
  const now = useMemoNow(1000);
  const g = frameGlyphs(unicode);
  const rows = useMemo(() => purgeRows(slot?.data?.domains ?? []), [slot?.data?.domains]);
  const handlers: ActionHandlers = {};
  const list = useList({
    route,
    items: rows,
    current: () => (target ? purgeRows(store.topic('env', { env: target.env })?.data?.domains ?? []) : []),
    page: 5,
    open: (r) => openRow(r),
    actions: handlers,
    raw: form ? (key0, input0) => formKey(key0, input0) : null,
  });
  const cursor = list.cursor;
  const setForm = (f: PurgeForm | undefined): void => store.updateView({ purgeForm: f }, vk);
  const started = (id: string): void => store.updateView({ job: id }, vk);

  const submitZone = (f: PurgeForm): void => {
    const input = parsePurgeInput(f.kind, f.text);
    if (input.errors.length) return setForm({ ...f, error: input.errors.join('; ') });
    const send = (extra: Record<string, unknown>): void => {
      sendCommand(store, 'cloudflare-purge', { env: target.env, ...extra })
        .then((j) => {
          setForm(undefined);
          started(j.id);
        })
        .catch((e: unknown) => setForm({ ...f, error: `refused: ${(e as Error).message}` }));
    };
    if (f.kind === 'everything') {
      store.openDialog({
        title: `Purge EVERYTHING cached for ${target.app}@${target.slug}?`,
        lines: ['Every cached file of the zone is dropped; the origin gets the full load until the cache is warm again.'],
        danger: true,
        confirmWord: confirmationWord(target.app, target.slug),
        confirmLabel: 'purge everything',
        onConfirm: () => send({ everything: true, confirm: confirmationWord(target.app, target.slug) }),
      });
      return;
    }
    send({ [f.kind]: input.items });
  };

  const formKey = (key: string | null, input: string): boolean => {
    const f = store.view(vk).purgeForm;
    if (!f) return false;
    const r = purgeFormKey(f, keyAction(keymap, store, route, key), key, input);
    if (r === 'cancel') setForm(undefined);
    else if (r === 'submit') submitZone(f);
    else setForm(r);
    return true;
  };

  const openRow = (r: PurgeRow): void => {
    if (isReadOnly(store)) return void store.toast(readOnlyText(store), 'warn');
    if (r.kind === 'zone') return setForm({ kind: 'files', text: '', error: null });
    store.openDialog({
      title: `Clear the CDN cache of ${r.label}?`,
      lines: [`Divio's Cloudflare drops every cached file of ${r.label}; the next requests go to ${target.app}@${target.slug}.`],
      confirmLabel: 'clear',
      yOnly: true,
      onConfirm: () =>
        sendCommand(store, 'cdn-clear', { domain: r.domain!.uuid })
          .then((j) => started(j.id))
          .catch((e: unknown) => store.toast(`cdn-clear refused: ${(e as Error).message}`, 'error')),
    });
  };
  handlers['purge.kind'] = () => {
    if (list.selectedNow()?.kind === 'zone') setForm({ kind: 'files', text: '', error: null });
  };

  if (!target) return <Text>no environment selected</Text>;
  const L: Seg[][] = [];
  L.push([{ text: `CDN purge for ${target.app}@${target.slug}`, bold: true }]);
  if (!slot?.data) L.push([{ text: slot?.error ? `environment unavailable: ${slot.error}` : 'loading...', color: theme.muted }]);
  else if (!rows.length) L.push([{ text: 'no domain of this environment is behind a CDN: nothing to purge', color: theme.muted }]);
  rows.forEach((r, i) =>
    L.push([
      { text: i === cursor ? `${g.selected} ` : '  ', color: theme.accent },
      { text: r.label.padEnd(32), inverse: i === cursor, bold: true },
      { text: r.kind === 'divio' ? `  Divio-managed Cloudflare: ${keyOf(keymap, 'list.open', unicode)} clears the whole domain` : `  own Cloudflare zone${r.zone ? ' ' + r.zone.slice(0, 8) : ''}: ${keyOf(keymap, 'list.open', unicode)} purges URLs, prefixes, hosts, tags or everything`, color: theme.muted },
    ]),
  );
  if (form) {
    const input = parsePurgeInput(form.kind, form.text);
    L.push([]);
    L.push([{ text: 'Purge: ', bold: true }, ...(['files', 'prefixes', 'hosts', 'tags', 'everything'] as PurgeKind[]).map((k): Seg => ({ text: k === form.kind ? `[${PURGE_KIND_LABEL[k]}] ` : ` ${PURGE_KIND_LABEL[k]}  `, bold: k === form.kind, color: k === form.kind ? theme.accent : theme.muted })), { text: `(${keyOf(keymap, 'purge.kind', unicode)})`, color: theme.muted }]);
    if (form.kind === 'everything') L.push([{ text: `Everything cached for the zone. ${keyOf(keymap, 'wizard.next', unicode)} asks for APP@ENV typed.`, color: theme.danger }]);
    else {
      L.push([{ text: `e.g. ${PURGE_KIND_EXAMPLE[form.kind]}`, color: theme.muted }]);
      L.push([{ text: '> ', color: theme.accent }, { text: form.text.length > width - 4 ? g.ellipsis + form.text.slice(-(width - 5)) : form.text }, { text: '_' }]);
      L.push([{ text: `${input.items.length} item(s), ${input.requests} request(s) of at most 100, paced under the plan's rate limit`, color: theme.muted }]);
    }
    if (form.error) L.push([{ text: form.error, color: theme.danger, bold: true }]);
  }
  if (job) {
    L.push([]);
    L.push(jobHeadLine(job, theme, { text: job.percent != null ? `  ${job.percent} %` : '', color: theme.muted }));
    for (const l of jobStepLines(job, theme, unicode, now)) L.push(l);
    const rl = jobResult(job, 'cloudflare-purge')?.rateLimit;
    if (rl) L.push([{ text: 'Rate limit: ', color: theme.muted }, { text: `${rl.tokens}/${rl.capacity} purge requests available (${rl.plan} plan, refills ${rl.perSecond}/s)${rl.waitMs ? `, next in ${Math.ceil(rl.waitMs / 100) / 10} s` : ''}` }]);
    if (job.state === 'running' && job.stage) L.push([{ text: job.stage, color: theme.muted }]);
    if (job.error) L.push([{ text: job.error, color: theme.danger }]);
  }
  return (
    <Box flexDirection="column" width={width} height={height}>
      {L.slice(0, height).map((l, i) => (
        <SegLine key={i} segs={l} width={width} theme={theme} unicode={unicode} />
      ))}
      <Box flexGrow={1} />
      <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
        {form
          ? `${keyOf(keymap, 'wizard.next', unicode)} purge   ${keyOf(keymap, 'purge.kind', unicode)} kind   ${keyOf(keymap, 'app.back', unicode)} cancel`
          : // nothing to purge: no key offers to
            `${rows.length ? `${keyOf(keymap, 'list.open', unicode)} purge the selected domain/zone   ` : ''}${keyOf(keymap, 'app.jobs', unicode)} jobs   ${keyOf(keymap, 'app.back', unicode)} back`}
      </Text>
    </Box>
  );
}
