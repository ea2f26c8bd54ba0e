// `divio-tui logs APP ENV [-f|--follow] [--since 5m] [--service web] [--utc] [--json]`
// Without --follow: the lines of the window (default the last 5 minutes), then exit 0. With it: streams
// until Ctrl-C (exit 130); exits cleanly on `| head` (EPIPE); non-zero on errors.
import { flagBool, flagString, UsageError, type ParsedArgs } from './args.js';
import { sessionOptions } from './connect-options.js';
import { jsonText, parseDuration } from './format.js';
import type { FollowedLogPage } from '../divio/ops.js';

/** The window `logs APP ENV` prints without --follow and without --since. */
export const DEFAULT_SINCE = '5m';

export function formatLogTime(iso: string, utc: boolean): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (utc) return d.toISOString().replace('T', ' ').replace('Z', 'Z');
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export async function runLogsCommand(a: ParsedArgs): Promise<number> {
  if (a.values.gateway !== undefined) throw new UsageError('logs reads the API directly; --gateway is not supported here (use the console)');
  const [appSlug, envSlug] = a.positionals as [string, string];
  const follow = flagBool(a, 'follow');
  const json = flagBool(a, 'json');
  const utc = flagBool(a, 'utc');
  const service = flagString(a, 'service');
  const sinceArg = flagString(a, 'since');
  let since: Date | undefined;
  if (sinceArg) {
    try {
      since = new Date(Date.now() - parseDuration(sinceArg));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const { openUpstream } = await import('./session.js');
  const [{ resolveApp, resolveEnv, followRuntimeLogs, runtimeLogWindow }, { sanitize }, { logGapText }] = await Promise.all([
    import('../divio/ops.js'),
    import('../terminal/sanitize.js'),
    import('../domain/loggap.js'),
  ]);
  const o = sessionOptions(a, 'divio-tui/logs');
  // --zone may name a zone of the config file
  const [{ loadConfig }, { startUpstream }] = await Promise.all([import('../config/index.js'), import('./zones.js')]);
  const loaded = loadConfig({ path: flagString(a, 'config') });
  if (!loaded.ok) throw new UsageError(loaded.error);
  const up = await openUpstream({ ...o, upstream: startUpstream(loaded.config.zones, { zone: o.zone, sandbox: o.sandbox }) });
  const ac = new AbortController();
  // Ctrl-C ends a follow as a shell expects of an interrupted command: 130 (SIGTERM: 143).
  let signalled: NodeJS.Signals | null = null;
  const stopOn = (sig: NodeJS.Signals) => () => {
    signalled ??= sig;
    ac.abort();
  };
  const onInt = stopOn('SIGINT');
  const onTerm = stopOn('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  const exitCode = () => (signalled === 'SIGINT' ? 130 : signalled === 'SIGTERM' ? 143 : 0);
  const tty = Boolean(process.stdout.isTTY);
  // the log's own colours on a terminal that has colour: not under NO_COLOR, --no-color, TERM=dumb
  const { detectColor } = await import('../terminal/capabilities.js');
  const colour = tty && detectColor(process.env, true) !== 'none';
  try {
    const app = await resolveApp(up.divio, appSlug);
    const env = await resolveEnv(up.divio, app, envSlug);
    let printed = 0;
    // Without --follow: the window asked for (default the last DEFAULT_SINCE), then exit.
    const pages = follow
      ? followRuntimeLogs(up.divio, env.uuid, { signal: ac.signal, since })
      : runtimeLogWindow(up.divio, env.uuid, { signal: ac.signal, from: since ?? new Date(Date.now() - parseDuration(DEFAULT_SINCE)) });
    for await (const page of pages) {
      const gap = (page as FollowedLogPage).gap;
      if (gap) {
        // in-band in the text stream; on stderr beside JSON lines (every stdout line stays one log entry)
        const text = `── ${logGapText(gap, `${app.slug}@${env.slug}`)} ──\n`;
        if (json) process.stderr.write(`divio-tui: ${text}`);
        else process.stdout.write(text);
      }
      for (const l of page.results) {
        if (service && l.service !== service) continue;
        if (json) {
          process.stdout.write(`${jsonText({ timestamp: l.timestamp, service: l.service, message: l.message }, 0)}\n`);
        } else {
          // Hostile control sequences never reach the terminal; colour only on a TTY with colour.
          const msg = sanitize(l.message, { keepSgr: colour });
          process.stdout.write(`${formatLogTime(l.timestamp, utc)} ${l.service.padEnd(7)} ${msg}\n`);
        }
        printed++;
      }
    }
    if (!follow && printed === 0 && !json)
      process.stderr.write(`no log lines for ${app.slug}@${env.slug} in the last ${sinceArg ?? DEFAULT_SINCE}${service ? ` (service ${service})` : ''}\n`);
    return exitCode();
  } catch (e) {
    if (ac.signal.aborted) return exitCode();
    throw e;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    await up.close();
  }
}
