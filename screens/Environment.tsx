// One environment: URL, branch, SSH endpoint, services, domains and their CDN, environment variables
// (sensitive values never shown; e edits them), last deployments, content version. The keys open its logs,
// deployments, backups, metrics and actions.
import React, { useMemo } from 'react';
import { Busy } from '../components/Busy.js';
import { Box, Text } from 'ink';
import { domainName, isDeployed } from '../src/domain/helpers.js';
import { NEVER_DEPLOYED, cdnWord, deploymentWord, envStatusWord, serviceStatusWord, serviceTypeWord, type Word } from '../src/domain/words.js';
import { envRisk } from '../src/domain/helpers.js';
import { riskColor, type Theme } from '../src/config/theme.js';
import { displayKey } from '../src/config/keymap.js';
import type { EnvData } from '../src/protocol/messages.js';
import { age } from '../src/store/fleet.js';
import { truncateToWidth, padToWidth, displayWidth } from '../src/terminal/width.js';
import { crashIfForced } from '../components/ErrorBoundary.js';
import { toneColor } from '../components/StatusBadge.js';
import { useList } from '../components/list.js';
import { copyText } from './copy.js';
import { hyperlink } from '../src/terminal/osc.js';
import { frameGlyphs, clean } from '../components/glyphs.js';
import { useTopic, useUi, sx, type ActionHandlers } from '../components/context.js';
import { runEnvAction } from './actions.js';
import { envActionIds, targetOfParams, type EnvTarget, type ScreenProps } from './registry.js';
import { formatBytes } from '../src/domain/format.js';

interface Seg {
  text: string;
  color?: string;
  bold?: boolean;
  /** Drawn as an OSC 8 hyperlink to this URL (where the terminal shows them). */
  link?: string;
}
type Line = Seg[];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The environment as lines of coloured segments (pure; tested through the screen). */
export function envLines(d: EnvData, theme: Theme, unicode: boolean, now: number, keyOf: (action: string) => string): Line[] {
  const g = frameGlyphs(unicode);
  const mask = unicode ? '••••••' : '******';
  const env = d.environment;
  const L: Line[] = [];
  // the zone's status where it gives one (an extension), else what the last deployment tells
  const status: Word | null = envStatusWord(env.status) ?? (isDeployed(env) ? null : { text: NEVER_DEPLOYED, tone: 'muted', known: true });
  const label = (k: string, v: string, color?: string, link?: string): void => void L.push([{ text: padToWidth(k, 10), color: theme.muted }, { text: v, color, link }]);
  const section = (t: string): void => {
    L.push([]);
    L.push([{ text: t, bold: true, color: theme.accent }]);
  };
  L.push([
    { text: d.application.slug, bold: true },
    { text: ` (${d.application.name})`, color: theme.muted },
    { text: ' ' + g.sep.trim() + ' ' },
    { text: env.slug, bold: true, color: riskColor(theme, envRisk(env.slug)) },
    ...(status ? [{ text: `   status: ${status.text}`, color: toneColor(theme, status.tone) }] : []),
  ]);
  label('URL', env.url ?? 'not offered by this zone', env.url ? undefined : theme.muted, env.url ?? undefined);
  label('Branch', env.branch ?? '-');
  const ssh = env.ssh_endpoint;
  label('SSH', ssh ? `ssh -p ${ssh.port} ${ssh.user}@${ssh.host}   (${keyOf('env.ssh')} opens a shell)` : isDeployed(env) ? 'not offered by this zone' : `not available: ${NEVER_DEPLOYED}`, ssh ? undefined : theme.muted);
  if (d.contentVersion) {
    const cv = d.contentVersion;
    const db = cv.database ? `database ${cv.database.rows} rows (${cv.database.checksum.slice(0, 8)})` : 'no database';
    const media = cv.media ? `media ${cv.media.files} files, ${formatBytes(cv.media.bytes)}` : 'no media';
    label('Content', `${db}; ${media}`);
  } else label('Content', 'content version not offered by this zone', theme.muted);
  section(`Services (${d.serviceInstances.length})`);
  L[L.length - 1]!.push({ text: `   ${keyOf('env.services')}: service names, regions`, color: theme.muted });
  if (!d.serviceInstances.length) L.push([{ text: '  none', color: theme.muted }]);
  // the type's column fits its longest word (an unknown type reads `unknown: <TYPE>`)
  const typeW = Math.min(28, Math.max(10, ...d.serviceInstances.map((s) => displayWidth(serviceTypeWord(s.type).text))));
  for (const s of d.serviceInstances) {
    const st = serviceStatusWord(s.service_status);
    L.push([
      { text: '  ' + padToWidth(serviceTypeWord(s.type).text, typeW) + ' ' },
      { text: padToWidth(s.prefix, 10) + ' ', color: theme.muted },
      // Divio sends the catalogue service's uuid: its name is on the services screen
      { text: padToWidth(!s.service || UUID.test(s.service) ? '' : s.service, 22) + ' ' },
      { text: st.text, color: toneColor(theme, st.tone) },
    ]);
  }
  section(`Domains (${d.domains.length})`);
  if (!d.domains.length) L.push([{ text: '  none', color: theme.muted }]);
  for (const dm of d.domains) {
    const w = cdnWord(dm.cdn);
    const cdn = !w ? 'CDN unknown' : dm.cdn === 'none' ? w.text : `CDN: ${w.text}${dm.cdn === 'customer-cloudflare' && dm.cloudflare_zone ? ' ' + dm.cloudflare_zone : ''}`;
    L.push([{ text: '  ' }, { text: domainName(dm), link: `https://${domainName(dm)}/` }, { text: ' '.repeat(Math.max(1, 33 - displayWidth(domainName(dm)))) }, { text: cdn, color: theme.muted }, { text: dm.is_primary ? '  primary' : '', color: theme.ok }]);
  }
  section(`Environment variables (${d.variables.length})`);
  if (!d.variables.length) L.push([{ text: '  none', color: theme.muted }]);
  const nameW = Math.min(32, Math.max(8, ...d.variables.map((v) => v.name.length)));
  for (const v of d.variables) {
    // A sensitive value is never drawn, whatever the gateway sent (which masks every secret value).
    if (v.is_sensitive) L.push([{ text: '  ' + padToWidth(v.name, nameW) + ' ' }, { text: mask, color: theme.muted }, { text: '  sensitive', color: theme.warning }]);
    else L.push([{ text: '  ' + padToWidth(v.name, nameW) + ' ' }, { text: v.value ?? '' }]);
  }
  section(`Last deployments (${d.deployments.length})`);
  if (!d.deployments.length) L.push([{ text: `  ${NEVER_DEPLOYED}`, color: theme.muted }]);
  for (const dep of d.deployments.slice(0, 10)) {
    const w = deploymentWord(dep);
    const state = `${w.text}${!dep.ended_at && dep.stage ? ' ' + dep.stage : ''}`;
    L.push([
      { text: '  ' + padToWidth(age(dep.ended_at ?? dep.started_at ?? null, now) + ' ago', 10) },
      { text: padToWidth(state, 24), color: toneColor(theme, w.tone) },
      { text: `${dep.commit ? 'commit ' + dep.commit.slice(0, 8) + '  ' : ''}${dep.build_mode ?? ''}`, color: theme.muted },
    ]);
  }
  return L;
}

export function Environment({ route, width, height }: ScreenProps): React.ReactElement {
  crashIfForced('env');
  const { store, theme, unicode, keymap, now, links } = useUi();
  const target = targetOfParams(route.params) as EnvTarget;
  const slot = useTopic('env', target ? { env: target.env } : null);
  const g = frameGlyphs(unicode);
  const keyOf = (a: string): string => displayKey(keymap.keys[a]?.[0] ?? '?', unicode);
  const lines = useMemo(() => (slot?.data ? envLines(slot.data, theme, unicode, now(), keyOf) : []), [slot?.data, theme, unicode]);
  const bodyH = Math.max(1, height - 2);
  const envActions: ActionHandlers = {};
  for (const a of envActionIds()) envActions[a] = () => runEnvAction(store, a, target);
  envActions['copy.id'] = () => copyText(store, 'environment uuid', target?.env);
  envActions['copy.url'] = () => copyText(store, 'URL', store.topic('env', { env: target.env })?.data?.environment.url);
  const list = useList({ route, items: lines, mode: 'scroll', height: bodyH, page: bodyH - 1, actions: envActions });
  const top = list.cursor;
  const maxTop = list.maxTop;

  if (!target) return <Text {...sx(theme, { color: theme.danger })}>no environment selected</Text>;
  if (!slot?.data) {
    return (
      <Text {...sx(theme, { color: slot?.error ? theme.danger : theme.muted })}>
        {slot?.error ? (
          `environment unavailable: ${clean(slot.error, unicode)}`
        ) : (
          <>
            <Busy unicode={unicode} /> loading {target.app}@{target.slug}...
          </>
        )}
      </Text>
    );
  }
  // Fit every line to the width ourselves: Ink's own truncation would draw a Unicode ellipsis.
  const fit = (line: Line): Line => {
    let room = width;
    const out: Line = [];
    for (const s of line) {
      if (room <= 0) break;
      const t = clean(s.text, unicode);
      const cut = truncateToWidth(t, room, g.ellipsis);
      out.push({ ...s, text: cut });
      room -= displayWidth(cut);
    }
    return out;
  };
  const visible = lines.slice(top, top + bodyH).map(fit);
  const actions = ['env.logs', 'env.deployments', 'env.vars', 'env.backups', 'env.services', 'env.metrics', 'env.ssh', 'env.deploy', 'env.backup', 'env.restore', 'env.purge']
    .map((a) => `${keyOf(a)} ${keymap.actions[a]!.short ?? a}`)
    .join('  ');
  return (
    <Box flexDirection="column" width={width} height={height}>
      {visible.map((line, i) => (
        <Text key={top + i} wrap="truncate">
          {line.length === 0 ? ' ' : null}
          {line.map((s, j) => (
            <Text key={j} {...sx(theme, { color: s.color, bold: s.bold })}>
              {s.link && links ? hyperlink(s.link, s.text) : s.text}
            </Text>
          ))}
        </Text>
      ))}
      <Box flexGrow={1} />
      <Text wrap="truncate" {...sx(theme, { color: theme.muted })}>
        {truncateToWidth(`${top > 0 ? g.up : ' '}${top < maxTop ? g.down : ' '} ${actions}`, width, g.ellipsis)}
      </Text>
    </Box>
  );
}
