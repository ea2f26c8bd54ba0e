// Non-interactive twins of every action: plain text on a terminal, --json for scripts, non-zero exit
// on failure. Mutations run as gateway jobs (the same path as the console's keys).
import type { GatewayClient } from '../client/index.js';
import { confirmationWord, divioCdnCandidate, domainName, envRisk, isDeployed, type FleetRow, type Job } from '../domain/index.js';
import type { BackupWithDetail, TopicDataOf, TopicName, TopicParamsIn } from '../protocol/index.js';
import { flagBool, flagList, flagString, UsageError, type ParsedArgs } from './args.js';
import { sessionOptions } from './connect-options.js';
import { jsonText, renderTextTable } from './format.js';
import { ageAgo, formatBytes } from '../domain/format.js';
import { backupTriggerWord, backupWord, jobStateWord, serviceStatusWord, serviceTypeWord } from '../domain/words.js';

/** The commands that go through a gateway session (their options: src/cli/commands.ts). */
export async function runTwin(a: ParsedArgs): Promise<number> {
  const cmd = a.command!;
  const { openSession } = await import('./session.js');
  const { loadConfig } = await import('../config/index.js');
  const loaded = loadConfig({ path: flagString(a, 'config') });
  if (!loaded.ok) throw new UsageError(loaded.error);
  // No whoami: a command has no header to show it in, and the first poll finds a bad token or zone anyway.
  const o = sessionOptions(a, `divio-tui/${cmd}`);
  // --zone may name a zone of the config file (its API and token); else as resolveUpstream decides
  const { startUpstream } = await import('./zones.js');
  const upstream = startUpstream(loaded.config.zones, { zone: o.zone, sandbox: o.sandbox, gateway: o.gateway, gatewayToken: o.token });
  const session = await openSession({ ...o, upstream, cloudflare: loaded.config.cloudflare, whoami: false });
  if (session.warning) process.stderr.write(`divio-tui: ${session.warning}\n`);
  try {
    await connected(session.client);
    // e.g. "another divio-tui is using the sandbox state …; started a private sandbox instead"
    for (const n of session.notices()) process.stderr.write(`divio-tui: ${n}\n`);
    const json = flagBool(a, 'json');
    switch (cmd) {
      case 'apps':
        return await apps(session.client, json);
      case 'jobs':
        return await jobs(session.client, json);
      case 'backups':
        return await backups(session.client, a, json);
      case 'domains':
        return await domains(session.client, a, json);
      case 'services':
        return await services(session.client, a, json);
      case 'metrics':
        return await metrics(session.client, a, json);
      case 'ssh':
        return await ssh(session.client, a);
      case 'backup download': {
        const { backupDownload } = await import('./download.js');
        return await backupDownload(session.client, a, json, flagString(a, 'gateway') ?? null);
      }
      case 'deployments': {
        const { deploymentsCommand } = await import('./ops.js');
        return await deploymentsCommand(session.client, a, json);
      }
      case 'env-vars': {
        const { envVarsCommand } = await import('./ops.js');
        return await envVarsCommand(session.client, a, json);
      }
      default:
        return await mutation(session.client, cmd, a, json);
    }
  } finally {
    await session.close();
  }
}

// ------------------------------------------------------------------ helpers

export function out(s: string) {
  process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
}

/**
 * Upstream failures that retrying will not mend, in the Divio client's words: a one-shot command
 * reports them at once instead of waiting for a snapshot that cannot come.
 */
const PERMANENT = /token rejected|permission denied|no Divio token|host not found|connection refused|refusing to send|not found: /i;

/**
 * The first snapshot (that `accept` takes, when given). A `status` frame that says the upstream
 * failed for good (token rejected, host not found, connection refused: the Divio client has already
 * retried what is worth retrying) ends the wait at once with the gateway's own words; a passing
 * failure (a time-out, a 503) is retried by the gateway, and named if the wait runs out.
 */
export function firstData<K extends TopicName>(
  c: Pick<GatewayClient, 'subscribe'>,
  topic: K,
  params: TopicParamsIn<K>,
  timeoutMs = 20_000,
  accept: (d: TopicDataOf<K>) => boolean = () => true,
): Promise<TopicDataOf<K>> {
  return new Promise((resolve, reject) => {
    let lastError: string | null = null;
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`no answer from the gateway within ${timeoutMs / 1000} s${lastError ? `: ${lastError}` : ''}`));
    }, timeoutMs);
    const fail = (m: string) => {
      clearTimeout(timer);
      sub.unsubscribe();
      reject(new Error(m));
    };
    const sub = c.subscribe(topic, params, {
      onSnapshot: (d) => {
        if (!accept(d)) return;
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(d);
      },
      onError: fail,
      onStatus: (h) => {
        if (h.ok) return;
        lastError = h.error ?? 'the upstream failed';
        if (PERMANENT.test(lastError)) fail(lastError);
      },
    });
  });
}

/**
 * Wait for the gateway's welcome. A first connection that fails (nothing listening, wrong host,
 * token refused) is reported at once: a person typed a command and waits for its answer.
 */
function connected(c: GatewayClient, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error(`the gateway did not answer within ${timeoutMs / 1000} s${c.state.error ? `: ${c.state.error}` : ''}`));
    }, timeoutMs);
    const off = c.onState((s) => {
      if (s.status === 'reconnecting' || (s.status === 'offline' && s.error)) {
        clearTimeout(t);
        off();
        reject(new Error(`cannot reach the gateway: ${s.error ?? 'connection lost'}`));
      }
    });
    c.waitLive(timeoutMs).then(
      () => {
        clearTimeout(t);
        off();
        resolve();
      },
      (e: Error) => {
        clearTimeout(t);
        off();
        reject(e);
      },
    );
  });
}

export async function fleet(c: GatewayClient): Promise<FleetRow[]> {
  // the whole listing (not a snapshot of the applications that answered first), with no row whose
  // last deployment is still loading
  const d = await firstData(c, 'fleet', {}, 20_000, (x) => !x.loading && !x.rows.some((r) => r.pending));
  // the slugs shell completion offers (`divio-tui completion`)
  const { writeSlugCache } = await import('./slugcache.js');
  await writeSlugCache(d.rows);
  return d.rows;
}

/** APP and ENV as typed by a person: slugs (or uuids), with close matches on a miss. */
export function resolveTarget(rows: FleetRow[], app: string | undefined, env: string | undefined): FleetRow {
  if (!app) throw new UsageError('name the application (its slug), e.g. `shop`');
  const appRows = rows.filter((r) => r.app === app || r.appUuid === app);
  if (!appRows.length) {
    const near = [...new Set(rows.map((r) => r.app))].filter((s) => s.includes(app) || app.includes(s)).slice(0, 5);
    throw new UsageError(`no application "${app}"${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`);
  }
  if (!env) throw new UsageError(`name the environment of ${app}: ${appRows.map((r) => r.env).join(', ')}`);
  const row = appRows.find((r) => r.env === env || r.envUuid === env);
  if (!row) throw new UsageError(`${app} has no environment "${env}" (it has ${appRows.map((r) => r.env).join(', ')})`);
  return row;
}

/** What a destructive command must be confirmed with: the application and the environment, `shop@live`. */
function confirmationOf(row: FleetRow): string {
  return confirmationWord(row.app, row.env);
}

function appEnvTarget(rows: FleetRow[], a: ParsedArgs): FleetRow {
  return resolveTarget(rows, a.positionals[0], a.positionals[1]);
}

// ------------------------------------------------------------------ read commands

async function apps(c: GatewayClient, json: boolean): Promise<number> {
  const [rows, { stateText }] = await Promise.all([fleet(c), import('../store/fleet.js')]);
  if (json) {
    out(jsonText(rows));
    return 0;
  }
  out(
    renderTextTable(
      ['APP', 'ORG', 'ENV', 'BRANCH', 'STATE', 'LAST DEPLOY', 'BACKUP'],
      rows.map((r) => [
        r.app,
        r.org,
        r.env,
        r.branch ?? '-',
        stateText(r),
        r.lastDeployment
          ? r.lastDeployment.endedAt
            ? `${r.lastDeployment.success ? 'ok' : 'FAILED'} ${ageAgo(r.lastDeployment.endedAt)}`
            : `deploying ${r.lastDeployment.percent ?? 0} %`
          : 'never',
        r.lastBackupAt ? ageAgo(r.lastBackupAt) : '-',
      ]),
    ),
  );
  return 0;
}

async function jobs(c: GatewayClient, json: boolean): Promise<number> {
  const d = await firstData(c, 'jobs', {});
  if (json) {
    out(jsonText(d.jobs));
    return 0;
  }
  if (!d.jobs.length) out('no jobs');
  else
    out(
      renderTextTable(
        ['JOB', 'KIND', 'TARGET', 'STATE', 'PROGRESS', 'STARTED'],
        d.jobs.map((j) => [j.id, j.kind, j.target, jobStateWord(j.state).text, j.percent != null ? `${j.percent} %` : (j.stage ?? ''), ageAgo(new Date(j.createdAt).toISOString())]),
      ),
    );
  return 0;
}

/** `divio-tui domains [APP [ENV]]`: the rows of the console's `:domains`, narrowed to APP (and ENV). */
async function domains(c: GatewayClient, a: ParsedArgs, json: boolean): Promise<number> {
  const [app, env] = a.positionals;
  const rows = await fleet(c);
  const only = app ? (env ? [resolveTarget(rows, app, env)] : rows.filter((r) => r.app === app || r.appUuid === app)) : null;
  if (only && !only.length) resolveTarget(rows, app, undefined); // names the close matches
  const { domainRows, domainKind } = await import('../store/domains.js');
  const d = await firstData(c, 'domains', {});
  const list = domainRows(d.domains, rows).filter((r) => !only || (r.row ? only.includes(r.row) : only.some((o) => o.app === r.app) && !env));
  for (const n of d.notes ?? []) process.stderr.write(`note: ${n}\n`);
  if (json) {
    out(jsonText(list.map(({ row: _row, ...r }) => r)));
    return 0;
  }
  const what = app ? (env ? `${app}@${env}` : app) : 'the fleet';
  if (!list.length) out(`no domains of ${what}`);
  else out(renderTextTable(['DOMAIN', 'APP', 'ENV', 'KIND', 'URL'], list.map((r) => [r.name, r.app, r.env, domainKind(r), r.url])));
  return 0;
}

/** `divio-tui services APP ENV`: the rows of the console's services view. */
async function services(c: GatewayClient, a: ParsedArgs, json: boolean): Promise<number> {
  const row = appEnvTarget(await fleet(c), a);
  const { serviceRows } = await import('../store/services.js');
  const list = serviceRows(await firstData(c, 'services', { env: row.envUuid }));
  if (json) {
    out(jsonText(list));
    return 0;
  }
  if (!list.length) out(`no service instances of ${row.app}@${row.env}`);
  else out(renderTextTable(['TYPE', 'PREFIX', 'SERVICE', 'REGION', 'STATE', 'ID'], list.map((r) => [serviceTypeWord(r.type).text, r.prefix, r.service, r.region, serviceStatusWord(r.state).text, r.uuid])));
  return 0;
}

async function backups(c: GatewayClient, a: ParsedArgs, json: boolean): Promise<number> {
  const row = appEnvTarget(await fleet(c), a);
  const d = await firstData(c, 'backups', { env: row.envUuid });
  if (json) {
    out(jsonText(d.backups));
    return 0;
  }
  if (!d.backups.length) out(`no backups of ${row.app}@${row.env}`);
  else
    out(
      renderTextTable(
        ['BACKUP', 'CREATED', 'TRIGGER', 'STATE', 'CONTENT', 'SIZE', 'NOTES'],
        d.backups.map((b) => [
          b.uuid,
          b.created_at ? ageAgo(b.created_at) : '-',
          backupTriggerWord(b.trigger).text,
          backupWord(b).text,
          b.details.map((s) => serviceTypeWord(s.service_type).text).join('+') || '-',
          formatBytes(b.details.reduce((n, s) => n + (s.size ?? 0), 0)),
          b.notes ?? '',
        ]),
      ),
    );
  return 0;
}

async function metrics(c: GatewayClient, a: ParsedArgs, json: boolean): Promise<number> {
  const row = appEnvTarget(await fleet(c), a);
  const minutes = flagString(a, 'minutes');
  const d = await firstData(c, 'metrics', { env: row.envUuid, ...(minutes ? { minutes: Number(minutes) } : {}) });
  if (json) {
    out(jsonText(d));
    return 0;
  }
  const last = d.samples?.[d.samples.length - 1];
  out(`${row.app}@${row.env}`);
  if (last) {
    const inst = last.instances ?? 1;
    const perInst = last.cpu_percent / Math.max(1, inst);
    const cpuLvl = perInst >= 90 ? '  CRITICAL' : perInst >= 70 ? '  warn' : '';
    const ratio = last.memory_nominal_mb ? last.memory_mb / last.memory_nominal_mb : null;
    const memLvl = ratio === null ? '' : ratio >= 2 ? '  CRITICAL' : ratio >= 1 ? '  warn' : '';
    out(
      `  CPU ${perInst.toFixed(1)} % per instance (${inst} instance${inst === 1 ? '' : 's'})${cpuLvl}   ` +
        `memory ${Math.round(last.memory_mb)} MB${last.memory_nominal_mb ? ` of ${last.memory_nominal_mb} MB nominal (${Math.round((ratio ?? 0) * 100)} %)` : ''}${memLvl}   (sample from ${ageAgo(last.timestamp)})`,
    );
  } else out(d.samples === null ? '  CPU/memory: not offered by this zone' : '  CPU/memory: no samples in this window');
  if (d.access) {
    const mins = Math.max(1, Math.round((d.access.windowEnd - d.access.windowStart) / 60_000));
    const rate = (v: number) => (v >= 10 ? v.toFixed(1) : v >= 0.1 ? v.toFixed(2) : v.toFixed(4));
    const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)} ms`);
    out(
      `  requests ${rate(d.access.requestRate)}/s (${d.access.requests} in the last ${mins} min of logs)   5xx ${rate(d.access.errorRate)}/s (${(d.access.errorFraction * 100).toFixed(1)} %)   ` +
        `latency p50 ${ms(d.access.p50)}  p95 ${ms(d.access.p95)}  p99 ${ms(d.access.p99)}`,
    );
  } else out('  request metrics: no access lines seen yet (derived from the runtime logs)');
  return 0;
}

async function ssh(c: GatewayClient, a: ParsedArgs): Promise<number> {
  const row = appEnvTarget(await fleet(c), a);
  const d = await firstData(c, 'env', { env: row.envUuid });
  const ep = d.environment.ssh_endpoint;
  if (!isDeployed(d.environment) || !ep) {
    process.stderr.write(`divio-tui: ${row.app}@${row.env} has never been deployed: there is nothing to SSH into\n`);
    return 1;
  }
  const [{ sshArgs, sshBanner, runSsh }, { stateDir }, { join }] = await Promise.all([
    import('../terminal/ssh.js'),
    import('../statefile/index.js'),
    import('node:path'),
  ]);
  // `ssh APP ENV -- CMD …` runs CMD (as `ssh HOST CMD` and `fly ssh console -C` do): its output
  // streams, its exit status is ours. Without a command: an interactive shell.
  const words = a.positionals.slice(2);
  const command = words.length ? words.join(' ') : undefined;
  const knownHostsFile = join(stateDir(), 'known_hosts');
  if (command === undefined) process.stderr.write(sshBanner(row.app, row.env, ep));
  const r = await runSsh(sshArgs(ep, { knownHostsFile, command }));
  if (r.code === 127) return r.code; // runSsh said why
  if (r.code === 255) process.stderr.write(`divio-tui: ssh ${row.app}@${row.env} failed${r.reason ? `: ${r.reason}` : ' (exit 255: connection or authentication)'}\n`);
  else if (r.code !== 0 && command === undefined) process.stderr.write(`divio-tui: ssh exited with ${r.code}\n`);
  return r.code;
}

// ------------------------------------------------------------------ mutations (jobs)

/**
 * An action on a read-only session (`--read-only`, a gateway started with --read-only, a viewer
 * token) is refused before anything is asked or checked: the reason, exit 1. The gateway refuses it too.
 */
export function refusedReadOnly(c: GatewayClient, what: string): number | null {
  const w = c.welcome;
  if (!w || !(w.readOnly || w.role === 'viewer')) return null;
  const why = w.readOnly ? 'this session is read-only (--read-only, or a gateway started with --read-only)' : 'the gateway token has the viewer role';
  process.stderr.write(`divio-tui: ${what} refused: ${why}; nothing was changed\n`);
  return 1;
}

async function mutation(c: GatewayClient, cmd: string, a: ParsedArgs, json: boolean): Promise<number> {
  const refused = refusedReadOnly(c, cmd);
  if (refused !== null) return refused;
  const rows = await fleet(c);
  let job: Job;
  let failHint: ((j: Job) => string | undefined) | undefined;
  if (cmd === 'deploy') {
    const row = appEnvTarget(rows, a);
    const mode = flagString(a, 'build-mode') ?? 'AUTO';
    const confirm = flagString(a, 'confirm');
    if (envRisk(row.env) === 'live' && confirm !== confirmationOf(row)) throw new UsageError(`deploying ${confirmationOf(row)} needs --confirm ${confirmationOf(row)}`);
    job = await c.command('deploy', { env: row.envUuid, buildMode: mode as 'AUTO', ...(confirm ? { confirm } : {}) });
  } else if (cmd === 'backup') {
    const row = appEnvTarget(rows, a);
    const env = await firstData(c, 'env', { env: row.envUuid });
    const wanted = flagList(a, 'services');
    const services = wanted.length
      ? env.serviceInstances.filter((s) => wanted.some((w) => matchesService(s, w))).map((s) => s.uuid)
      : undefined;
    if (wanted.length && !services?.length) throw new UsageError(`no service of ${row.app}@${row.env} matches ${wanted.join(',')}`);
    job = await c.command('backup', { env: row.envUuid, services, notes: flagString(a, 'notes') });
  } else if (cmd === 'restore') {
    const app = a.positionals[0];
    const backupId = flagString(a, 'backup');
    const to = flagString(a, 'to');
    if (!backupId) throw new UsageError('restore needs --backup ID (see `divio-tui backups APP ENV`)');
    if (!to) throw new UsageError('restore needs --to ENV (the destination environment)');
    const dest = resolveTarget(rows, app, to);
    const confirm = flagString(a, 'confirm');
    if (confirm !== confirmationOf(dest)) throw new UsageError(`a restore overwrites ${confirmationOf(dest)}: name it with --confirm ${confirmationOf(dest)}`);
    // Find the backup among the app's environments.
    let found: BackupWithDetail | null = null;
    for (const r of rows.filter((x) => x.appUuid === dest.appUuid)) {
      const d = await firstData(c, 'backups', { env: r.envUuid });
      found = d.backups.find((b) => b.uuid === backupId || b.uuid.startsWith(backupId)) ?? null;
      if (found) break;
    }
    if (!found) throw new UsageError(`no backup "${backupId}" in any environment of ${dest.app}`);
    const wantDb = flagBool(a, 'db');
    const wantMedia = flagBool(a, 'media');
    const chosen = found.details.filter((s) => {
      if (!wantDb && !wantMedia) return true;
      const t = String(s.service_type ?? '').toUpperCase();
      return (wantDb && t.includes('DATABASE')) || (wantMedia && (t.includes('STORAGE') || t.includes('MEDIA')));
    });
    const siBackups = chosen.length ? chosen.map((s) => s.uuid) : found.service_instance_backups;
    if (!siBackups.length) throw new UsageError('that backup holds nothing to restore with the chosen --db/--media');
    job = await c.command('restore', {
      backup: found.uuid,
      to: dest.envUuid,
      siBackups,
      safetyBackup: !flagBool(a, 'no-safety-backup'),
      confirm: confirm!,
    });
  } else if (cmd === 'purge') {
    const row = appEnvTarget(rows, a);
    const kinds = {
      everything: flagBool(a, 'everything'),
      files: flagList(a, 'url'),
      prefixes: flagList(a, 'prefix'),
      hosts: flagList(a, 'purge-host'),
      tags: flagList(a, 'tag'),
    };
    const given = [kinds.everything, kinds.files.length, kinds.prefixes.length, kinds.hosts.length, kinds.tags.length].filter(Boolean).length;
    if (given === 0) {
      // Divio's CDN: the gateway clears every domain of the environment that is on it (Divio's
      // default domains and domains Divio answers "not processed" for are skipped, not failures).
      const env = await firstData(c, 'env', { env: row.envUuid });
      const candidates = env.domains.filter((d) => divioCdnCandidate(d).candidate);
      if (!candidates.length) {
        const why = env.domains.map((d) => `${domainName(d)}: ${(divioCdnCandidate(d) as { reason?: string }).reason}`).join('; ');
        process.stderr.write(
          `divio-tui: ${row.app}@${row.env} has no domain on Divio's CDN${why ? ` (${why})` : ''}: nothing to clear.\n` +
            `${customerZoneHint(row)}\n`,
        );
        return 1;
      }
      job = await c.command('cdn-clear', { env: row.envUuid });
      // without the sandbox-only `cdn` flag, Divio's "not processed" answer is what tells that no
      // domain is on its CDN: the job fails then, and the flags for a zone of one's own are named
      failHint = (j) => (/no domain on Divio's CDN/.test(j.error ?? '') ? customerZoneHint(row) : undefined);
    } else {
      if (given > 1) throw new UsageError('one kind per purge: --everything, --url, --prefix, --purge-host or --tag');
      if (kinds.everything && flagString(a, 'confirm') !== confirmationOf(row)) throw new UsageError(`purging everything cached for ${confirmationOf(row)} needs --confirm ${confirmationOf(row)}`);
      // validated here, before anything is sent (no scheme in prefixes/hosts, URLs with one …)
      const { parsePurgeInput } = await import('../store/purge.js');
      for (const [k, flag] of [['files', '--url'], ['prefixes', '--prefix'], ['hosts', '--purge-host'], ['tags', '--tag']] as const) {
        if (!kinds[k].length) continue;
        const v = parsePurgeInput(k, kinds[k].join(' '));
        if (v.errors.length) throw new UsageError(`${flag}: ${v.errors.join('; ')}`);
      }
      job = await c.command('cloudflare-purge', {
        env: row.envUuid,
        ...(kinds.everything ? { everything: true, confirm: flagString(a, 'confirm') } : {}),
        ...(kinds.files.length ? { files: kinds.files } : {}),
        ...(kinds.prefixes.length ? { prefixes: kinds.prefixes } : {}),
        ...(kinds.hosts.length ? { hosts: kinds.hosts } : {}),
        ...(kinds.tags.length ? { tags: kinds.tags } : {}),
      });
    }
  } else throw new UsageError(`unknown command "${cmd}"`);
  if (flagBool(a, 'no-wait')) {
    out(json ? jsonText(job) : `${job.kind} job ${job.id} ${jobStateWord(job.state).text}: the gateway runs it on`);
    return 0;
  }
  return followJob(c, job, json, failHint);
}

/** The flags that purge a Cloudflare zone of the customer's own (when Divio's CDN has none of the domains). */
function customerZoneHint(row: { app: string; env: string }): string {
  return `  A Cloudflare zone of your own is purged with --url U, --prefix P, --purge-host H, --tag T or --everything --confirm ${row.app}@${row.env}`;
}

function matchesService(s: { type: string; prefix: string; uuid: string }, w: string): boolean {
  const x = w.toLowerCase();
  if (s.uuid === w) return true;
  if (['db', 'database', 'postgres'].includes(x)) return s.type.toUpperCase().includes('DATABASE');
  if (['media', 'storage', 'files'].includes(x)) return s.type.toUpperCase().includes('STORAGE');
  return s.prefix.toLowerCase() === x;
}

/** How long a followed job waits for a gateway that went away to come back before giving up. */
export const GATEWAY_GRACE_MS = 15_000;

/**
 * Follow a job to its end, printing progress; exit code 0 only when it succeeded. When the gateway
 * goes away the client reconnects; back within GATEWAY_GRACE_MS, the job is looked up again (it may
 * have ended meanwhile); not back, the command says so and exits 1 (the job runs on in the gateway).
 */
export function followJob(
  c: GatewayClient,
  job: Job,
  json: boolean,
  failHint?: (j: Job) => string | undefined,
  /** What a succeeded job prints instead of its summary line, and the exit status it gives. */
  succeeded?: (j: Job) => Promise<number>,
): Promise<number> {
  return new Promise((resolve) => {
    let last = '';
    let finished = false;
    let lost: NodeJS.Timeout | null = null;
    const print = (j: Job) => {
      if (json) return;
      const step = j.steps.find((s) => s.state === 'running');
      const line = `${j.kind} ${j.target}: ${jobStateWord(j.state).text}${j.stage ? ` · ${j.stage}` : ''}${j.percent != null ? ` ${j.percent} %` : ''}${step ? ` · ${step.name}` : ''}`;
      if (line !== last) process.stderr.write(`${line}\n`);
      last = line;
    };
    const stop = () => {
      finished = true;
      off();
      offState();
      if (lost) clearTimeout(lost);
    };
    const done = (j: Job) => {
      if (finished) return;
      stop();
      if (j.state === 'succeeded' && succeeded) {
        succeeded(j).then(resolve, (e: Error) => {
          process.stderr.write(`divio-tui: ${e.message}\n`);
          resolve(1);
        });
        return;
      }
      if (json) out(jsonText(j));
      else if (j.state === 'succeeded') out(`${j.kind} ${j.target}: succeeded${j.result ? ` ${summariseResult(j.result)}` : ''}`);
      else {
        process.stderr.write(`divio-tui: ${j.kind} ${j.target} failed: ${j.error ?? 'unknown error'}\n`);
        const hint = failHint?.(j);
        if (hint) process.stderr.write(`${hint}\n`);
      }
      resolve(j.state === 'succeeded' ? 0 : 1);
    };
    const ended = (j: Job) => j.state === 'succeeded' || j.state === 'failed';
    print(job);
    const off = c.onJob((j) => {
      if (j.id !== job.id) return;
      print(j);
      if (ended(j)) done(j);
    });
    const offState = c.onState((st) => {
      if (finished) return;
      if (st.status === 'live') {
        if (!lost) return;
        clearTimeout(lost);
        lost = null;
        process.stderr.write('gateway back: following the job again\n');
        // it may have ended while we were away: ask for it
        firstData(c, 'jobs', {}).then(
          (d) => {
            const j = d.jobs.find((x) => x.id === job.id);
            if (j && ended(j)) done(j);
          },
          () => {},
        );
        return;
      }
      if (lost) return;
      process.stderr.write(`lost the gateway (${st.error ?? 'connection lost'}): reconnecting…\n`);
      lost = setTimeout(() => {
        if (finished) return;
        stop();
        process.stderr.write(
          `divio-tui: lost the gateway for ${GATEWAY_GRACE_MS / 1000} s (${c.state.error ?? 'connection lost'}); ` +
            `${job.kind} job ${job.id} (${job.target}) may still be running there: see \`divio-tui jobs\`\n`,
        );
        resolve(1);
      }, GATEWAY_GRACE_MS);
    });
    // frames of the job that came in the same read as the command's answer reached no listener
    const seen = c.latestJob(job.id);
    const now = seen && seen.updatedAt >= job.updatedAt ? seen : job;
    if (now !== job) print(now);
    if (ended(now)) done(now);
  });
}

function summariseResult(r: Record<string, unknown>): string {
  return Object.entries(r)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** GET /iam/v3/me/ with the token, once, within 10 s: who it belongs to, or why it is refused. */
async function verifyToken(token: string, zone: string): Promise<string> {
  const [{ DivioClient }, { resolveZone }] = await Promise.all([import('../divio/client.js'), import('../divio/auth.js')]);
  const divio = new DivioClient({ baseUrl: resolveZone(zone).baseUrl, token, retry: { maxAttempts: 1 }, timeouts: { deadlineMs: 10_000 } });
  try {
    const me = await divio.me();
    return me.email ?? '';
  } finally {
    await divio.close().catch(() => {});
  }
}

export async function doctor(a: ParsedArgs): Promise<number> {
  const [{ runDoctor }, { screenScopes }, { loadConfig }, { doctorZone }] = await Promise.all([import('../config/doctor.js'), import('../tui.js'), import('../config/index.js'), import('./zones.js')]);
  const configPath = flagString(a, 'config');
  const views = screenScopes();
  // a zone's name (--zone or DIVIO_ZONE) is one of the config file's "zones", as for the console
  const loaded = loadConfig({ path: configPath, views });
  const named = doctorZone(loaded.ok ? loaded.config.zones : {}, { zone: flagString(a, 'zone') });
  const r = await runDoctor({ configPath, views, zone: flagString(a, 'zone'), named, verifyToken });
  if (flagBool(a, 'json')) out(jsonText(r));
  else for (const c of r.checks) out(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.name.padEnd(12)} ${c.detail}`);
  return r.checks.every((c) => c.ok) ? 0 : 1;
}
