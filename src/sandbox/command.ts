// `divio-tui sandbox [--port P] [--host H] [--speed N] [--log-rate R] [--seed N] [--ephemeral]
//  [--apps N] [--data-dir D] [--faults SPEC] [--token T] [--cloudflare-token T] [--cloudflare-port P]
//  [--cloudflare-plan free|pro|business|enterprise] [--no-ssh] [--ssh-session-limit SECONDS] [--extensions] [--json]`
// Prints the URLs, tokens and SSH endpoint, then serves until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { SCENARIO, startSandbox, type SandboxOptions } from './index.js';
import { SCENARIO_APPS, MAX_SCENARIO_APPS } from './scenario.js';
import { FaultSpecError, parseFaultSpec } from './faults.js';

export const SANDBOX_USAGE = `Usage: divio-tui sandbox [options]
  --port P               Divio API port (default 8765; 0 = random)
  --host H               listen address (default 127.0.0.1)
  --speed N              clock multiplier for deployments, backups, restores (default 1)
  --log-rate R           runtime log lines per second per environment (default 2; 0 = none)
  --seed N               deterministic scenario
  --apps N               scenario size: N applications, 3 environments each on average
                         (default 9, the named scenario; at most 5000; e.g. --apps 500: 1,500 environments)
  --scenario hostile     names, notes and logs full of terminal escape sequences and secrets (tests; ephemeral)
  --ephemeral            keep nothing on disk
  --data-dir D           state directory (default $XDG_STATE_HOME/divio-tui/sandbox)
  --faults SPEC          fault injection, e.g. "/apps/v3/environments/*/logs/ 503@50%; ** latency=100"
  --token T              Divio API token to accept (default: random)
  --cloudflare-token T   Cloudflare API token to accept (default: random)
  --cloudflare-port P    serve the Cloudflare API on its own port (default: same port)
  --cloudflare-plan P    free | pro | business | enterprise (default per scenario: pro)
  --no-ssh               do not start the SSH endpoint
  --ssh-session-limit S  SSH session limit in seconds (default 1800)
  --extensions           also serve what Divio's API does not offer: metrics, content version,
                         sleeping state, site URL, cdn on domains, SSH host_key (default: off)
  --json                 print the endpoints as one JSON line
`;

class UsageError extends Error {}

function num(name: string, v: string | undefined, int = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (int && !Number.isInteger(n))) throw new UsageError(`--${name} expects ${int ? 'an integer' : 'a number'}, got "${v}"`);
  return n;
}

export function parseSandboxArgs(argv: string[]): SandboxOptions & { json: boolean; help: boolean } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        port: { type: 'string' }, host: { type: 'string' }, speed: { type: 'string' }, 'log-rate': { type: 'string' },
        seed: { type: 'string' }, apps: { type: 'string' }, ephemeral: { type: 'boolean' }, 'data-dir': { type: 'string' }, faults: { type: 'string' },
        token: { type: 'string' }, 'cloudflare-token': { type: 'string' }, 'cloudflare-port': { type: 'string' },
        'cloudflare-plan': { type: 'string' }, 'no-ssh': { type: 'boolean' }, 'ssh-session-limit': { type: 'string' },
        extensions: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, scenario: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const str = (k: string) => values[k] as string | undefined;
  const plan = str('cloudflare-plan');
  if (plan !== undefined && !['free', 'pro', 'business', 'enterprise'].includes(plan)) throw new UsageError(`--cloudflare-plan must be free, pro, business or enterprise, got "${plan}"`);
  const faults = str('faults');
  if (faults !== undefined) {
    try { parseFaultSpec(faults); } catch (e) { if (e instanceof FaultSpecError) throw new UsageError(`--faults: ${e.message}`); throw e; }
  }
  const scenario = str('scenario');
  if (scenario !== undefined && scenario !== 'default' && scenario !== 'hostile') throw new UsageError(`--scenario must be default or hostile, got "${scenario}"`);
  const port = num('port', str('port'), true);
  if (port !== undefined && (port < 0 || port > 65535)) throw new UsageError('--port must be 0–65535');
  const speed = num('speed', str('speed'));
  if (speed !== undefined && speed <= 0) throw new UsageError('--speed must be > 0');
  const logRate = num('log-rate', str('log-rate'));
  if (logRate !== undefined && logRate < 0) throw new UsageError('--log-rate must be ≥ 0');
  const apps = num('apps', str('apps'), true);
  if (apps !== undefined && (apps < SCENARIO_APPS || apps > MAX_SCENARIO_APPS)) throw new UsageError(`--apps must be ${SCENARIO_APPS}–${MAX_SCENARIO_APPS} (the named scenario holds ${SCENARIO_APPS})`);
  const limit = num('ssh-session-limit', str('ssh-session-limit'));
  if (limit !== undefined && limit <= 0) throw new UsageError('--ssh-session-limit must be > 0');
  return {
    port: port ?? 8765,
    host: str('host'),
    speed, logRate,
    seed: num('seed', str('seed'), true),
    apps,
    ...(scenario ? { scenario: scenario as 'default' | 'hostile' } : {}),
    ephemeral: values.ephemeral === true,
    dataDir: str('data-dir'),
    faults,
    token: str('token'),
    cloudflareToken: str('cloudflare-token'),
    cloudflarePort: num('cloudflare-port', str('cloudflare-port'), true),
    cloudflarePlan: plan as SandboxOptions['cloudflarePlan'],
    ssh: values['no-ssh'] !== true,
    sshSessionLimitMs: limit !== undefined ? Math.round(limit * 1000) : undefined,
    extensions: values.extensions === true,
    json: values.json === true,
    help: values.help === true,
  };
}

/** Serves until SIGINT/SIGTERM; resolves with the exit status (2: usage error, 1: could not start). */
export async function runSandboxCommand(argv: string[]): Promise<number> {
  if (argv.includes('--ipc')) {
    // the console's own sandbox, in a child process (src/sandbox/child.ts)
    const { runSandboxChild } = await import('./child.js');
    await runSandboxChild();
    return 0;
  }
  let opts: ReturnType<typeof parseSandboxArgs>;
  try {
    opts = parseSandboxArgs(argv);
  } catch (e) {
    process.stderr.write(`divio-tui sandbox: ${(e as Error).message}\n\n${SANDBOX_USAGE}`);
    return 2;
  }
  if (opts.help) { process.stdout.write(SANDBOX_USAGE); return 0; }
  const { json, help: _h, ...sandboxOpts } = opts;
  let sb;
  try {
    sb = await startSandbox(sandboxOpts);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const msg = err.code === 'EADDRINUSE' ? `port ${sandboxOpts.port} is already in use (try --port 0)` : err.message;
    process.stderr.write(`divio-tui sandbox: ${msg}\n`);
    return 1;
  }
  for (const n of sb.notices) process.stderr.write(`divio-tui sandbox: ${n}\n`);
  if (json) {
    process.stdout.write(JSON.stringify({ divioUrl: sb.divioUrl, token: sb.token, cloudflareUrl: sb.cloudflareUrl, cloudflareToken: sb.cloudflareToken, ssh: sb.ssh, dataDir: sb.dataDir, extensions: sandboxOpts.extensions === true }) + '\n');
  } else {
    const lines = [
      'Divio sandbox running',
      `  Divio API     ${sb.divioUrl}          (DIVIO_ZONE=${sb.divioUrl})`,
      `  Divio token   ${sb.token}             (header: Authorization: Token <token>)`,
      `  Cloudflare    ${sb.cloudflareUrl}/client/v4`,
      `  CF token      ${sb.cloudflareToken}   (header: Authorization: Bearer <token>)`,
      `  SSH           ${sb.ssh ? `${sb.ssh.host}:${sb.ssh.port}  (known hosts: ${sb.ssh.knownHostsPath}; user <app>-<env>, e.g. ${SCENARIO.healthyApp}-live)` : 'off'}`,
      `  Scenario      ${sb.state.applications.length} applications, ${sb.state.environments.length} environments`,
      `  State         ${sb.dataDir ?? 'ephemeral (nothing kept)'}`,
      `  Extensions    ${sandboxOpts.extensions ? 'on (metrics, content version, sleeping state, site URL, cdn, host_key)' : 'off: answers as Divio does (--extensions adds metrics, content version, …)'}`,
      `  Try           curl -H "Authorization: Token ${sb.token}" ${sb.divioUrl}/apps/v3/applications/`,
      'Press Ctrl-C to stop.',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  await new Promise<void>((resolve) => {
    const stop = () => { process.off('SIGINT', stop); process.off('SIGTERM', stop); resolve(); };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sb.close();
  if (!json) process.stdout.write('Sandbox stopped.\n');
  return 0;
}
