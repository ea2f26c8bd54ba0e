// The header on every screen: where you are (SANDBOX or the Divio zone and user), whether the data is
// connected, how many jobs run, and the breadcrumbs with the environment coloured by risk (live in red).
import React from 'react';
import { Box, Text } from 'ink';
import { envRisk } from '../src/domain/helpers.js';
import { riskColor } from '../src/config/theme.js';
import { truncateToWidth } from '../src/terminal/width.js';
import { runningJobs } from '../src/store/app.js';
import { useAppState, useMemoNow, useUi, sx } from './context.js';
import { frameGlyphs, clean } from './glyphs.js';

export interface Crumb {
  text: string;
  /** 'env' crumbs are coloured by the environment's risk. */
  kind?: 'org' | 'app' | 'env' | 'view';
}

function Countdown({ at }: { at: number }): React.ReactElement {
  const now = useMemoNow(500);
  const s = Math.max(0, Math.ceil((at - now) / 1000));
  return <>{`reconnecting in ${s} s`}</>;
}

export function Header({ crumbs, width }: { crumbs: Crumb[]; width: number }): React.ReactElement {
  const { theme, unicode } = useUi();
  const g = frameGlyphs(unicode);
  const welcome = useAppState((s) => s.welcome);
  // the zone's name when the console can switch zones (it names the zone before the gateway answers, too)
  const zone = useAppState((s) => s.zone);
  const conn = useAppState((s) => s.conn);
  const connectError = useAppState((s) => s.connectError);
  // A number, not the jobs map: a job's progress ticking does not redraw the frame (idle CPU).
  const running = useAppState((s) => runningJobs(s).length);

  let upstream: React.ReactElement;
  if (!welcome) upstream = zone ? <Text {...sx(theme, { color: theme.accent, bold: true })}>{clean(`zone ${zone}`, unicode)}</Text> : <Text {...sx(theme, { color: theme.muted })}>divio-tui</Text>;
  else if (welcome.upstream.kind === 'sandbox') {
    upstream = (
      <Text {...sx(theme, { color: theme.sandbox, bold: true })}>
        {theme.color ? ' SANDBOX ' : '[SANDBOX]'}
        {zone && zone !== 'sandbox' ? clean(` ${zone}`, unicode) : ''}
      </Text>
    );
  } else {
    // a configured zone by its name, then the zone (domain or API URL) when the name is not it
    const named = zone && zone !== welcome.upstream.zone ? `${zone} (${welcome.upstream.zone})` : welcome.upstream.zone;
    upstream = (
      <Text {...sx(theme, { color: theme.accent, bold: true })}>
        {clean(`${named}${welcome.upstream.user ? ' ' + welcome.upstream.user : ''}`, unicode)}
      </Text>
    );
  }
  const role = welcome && (welcome.readOnly || welcome.role === 'viewer') ? ' read-only' : '';

  let connEl: React.ReactElement;
  if (connectError) connEl = <Text {...sx(theme, { color: theme.danger })}>{`${g.ring} offline: ${truncateToWidth(clean(connectError, unicode), 40, g.ellipsis)}`}</Text>;
  else if (conn.status === 'live') connEl = <Text {...sx(theme, { color: theme.ok })}>{`${g.bullet} connected`}</Text>;
  else if (conn.status === 'reconnecting')
    connEl = (
      <Text {...sx(theme, { color: theme.warning })}>
        {g.ring + ' '}
        {conn.retryAt ? <Countdown at={conn.retryAt} /> : 'reconnecting'}
      </Text>
    );
  else if (conn.status === 'offline') connEl = <Text {...sx(theme, { color: theme.danger })}>{`${g.ring} offline`}</Text>;
  else connEl = <Text {...sx(theme, { color: theme.muted })}>{`${g.ring} connecting...`}</Text>;

  const sep = <Text {...sx(theme, { color: theme.muted })}>{unicode ? ' │ ' : ' | '}</Text>;
  return (
    <Box flexDirection="column" width={width} height={2}>
      <Box flexDirection="row" height={1}>
        {upstream}
        {role ? <Text {...sx(theme, { color: theme.warning })}>{role}</Text> : null}
        {sep}
        {connEl}
        {sep}
        <Text {...sx(theme, { color: running ? theme.accent : theme.muted })}>{running ? `${running} job${running === 1 ? '' : 's'} running` : 'no jobs running'}</Text>
      </Box>
      <Box flexDirection="row" height={1}>
        {crumbs.map((c, i) => {
          const text = truncateToWidth(clean(c.text, unicode), Math.max(8, Math.floor(width / Math.max(1, crumbs.length)) - 3), g.ellipsis);
          const color = c.kind === 'env' ? riskColor(theme, envRisk(text)) : c.kind === 'view' ? theme.accent : undefined;
          return (
            <Text key={i} wrap="truncate">
              {i > 0 ? <Text {...sx(theme, { color: theme.muted })}>{g.sep}</Text> : null}
              <Text {...sx(theme, { color, bold: c.kind === 'env' || c.kind === 'view' })}>{c.kind === 'env' && envRisk(text) === 'live' && !theme.color ? text.toUpperCase() : text}</Text>
            </Text>
          );
        })}
      </Box>
    </Box>
  );
}
