// `divio-tui sandbox [options]` (the options: ./options.ts; its --help: src/cli/commands.ts).
// Prints the URLs, tokens and SSH endpoint, then serves until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { SCENARIO, startSandbox, type SandboxOptions } from './index.js';
import { SCENARIO_APPS, MAX_SCENARIO_APPS } from './scenario.js';
import { FaultSpecError, parseFaultSpec } from './faults.js';
import { SANDBOX_OPTIONS } from './options.js';

class UsageError extends Error {}

function num(name: string, v: string | undefined, int = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (int && !Number.isInteger(n))) throw new UsageError(`--${name} expects ${int ? 'an integer' : 'a number'}, got "${v}"`);
  return n;
}

export function parseSandboxArgs(argv: string[]): SandboxOptions & { json: boolean } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: SANDBOX_OPTIONS,
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
    process.stderr.write(`divio-tui sandbox: ${(e as Error).message}\nSee \`divio-tui sandbox --help\`.\n`);
    return 2;
  }
  const { json, ...sandboxOpts } = opts;
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
