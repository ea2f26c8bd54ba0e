// divio-tui: argument parsing and wiring. The only place that knows every part (DESIGN.md §4).
// Heavy parts (gateway, sandbox, clients, dockerode) are imported lazily so the first frame is quick.
import { allowFlags, flagBool, flagNumber, flagString, parseArgs, UsageError, type ParsedArgs } from './cli/args.js';
import { VERSION } from './version.js';

const COMMANDS = new Set([
  'sandbox', 'serve', 'apps', 'logs', 'deploy', 'backups', 'backup', 'restore', 'purge', 'ssh', 'jobs',
  'doctor', 'metrics', 'help', 'version',
]);

export const USAGE = `divio-tui ${VERSION} — a terminal operations console for Divio

Usage:
  divio-tui [--sandbox] [--zone Z] [--ascii] [--config FILE]   the console (in-process gateway)
  divio-tui --gateway ws://HOST:PORT [--token T]               the console, attached to a shared gateway
  divio-tui serve [--host H] [--port P] [--token T] [--viewer-token T] [--read-only] [--sandbox]
  divio-tui sandbox [--port P] [--speed N] [--log-rate R] [--seed N] [--ephemeral] [--faults SPEC]

Without the UI (plain text on a terminal, --json for scripts, non-zero exit on failure):
  divio-tui apps [--json]                           every application x environment
  divio-tui logs APP ENV [--follow] [--since 5m] [--service web] [--utc] [--json]
  divio-tui deploy APP ENV [--build-mode AUTO|ADOPT|FORCE] [--confirm APP@live] [--json]
  divio-tui backups APP ENV [--json]                list backups
  divio-tui backup APP ENV [--services db,media] [--notes TEXT] [--json]
  divio-tui backup download APP ENV [--backup ID] [--to DIR] [--json]   the files on stdout, progress on stderr
  divio-tui restore APP --backup ID --to ENV [--db] [--media] [--no-safety-backup] --confirm APP@ENV [--json]
  divio-tui purge APP ENV [--everything --confirm APP@ENV | --url U … | --prefix P … | --purge-host H … | --tag T …]
  divio-tui ssh APP ENV [-- CMD …]                  a shell in the environment (OpenSSH), or run CMD
  divio-tui metrics APP ENV [--json]
  divio-tui jobs [--json]                           running and recent jobs
  divio-tui doctor                                  check config, token, zone, terminal, ssh, docker

Common options:
  --sandbox          use the embedded sandbox even when a Divio token is found
  --zone Z           Divio zone (default divio.com; an http(s) URL is used verbatim); env DIVIO_ZONE
  --gateway URL      use a shared gateway (token: --token or DIVIO_TUI_TOKEN)
  --ephemeral        sandbox without persistence;  --seed N  deterministic sandbox
  --scenario hostile sandbox whose names, notes and logs attack the terminal and leak secrets (tests)
  --ascii            ASCII only (automatic when the locale is not UTF-8); NO_COLOR is honoured
`;

const SESSION_FLAGS = ['sandbox', 'zone', 'gateway', 'token', 'ephemeral', 'seed', 'speed', 'log-rate', 'data-dir', 'faults', 'config', 'scenario'];

function scenarioFlag(a: ParsedArgs): 'default' | 'hostile' | undefined {
  const s = flagString(a, 'scenario');
  if (s === undefined || s === 'default' || s === 'hostile') return s;
  throw new UsageError(`--scenario must be default or hostile, got "${s}"`);
}

export function sessionOptions(a: ParsedArgs, clientName: string) {
  return {
    gateway: flagString(a, 'gateway'),
    token: flagString(a, 'token'),
    sandbox: flagBool(a, 'sandbox'),
    zone: flagString(a, 'zone'),
    seed: flagNumber(a, 'seed'),
    speed: flagNumber(a, 'speed'),
    logRate: flagNumber(a, 'log-rate'),
    ephemeral: flagBool(a, 'ephemeral'),
    dataDir: flagString(a, 'data-dir'),
    faults: flagString(a, 'faults'),
    scenario: scenarioFlag(a),
    clientName,
  };
}

async function runConsole(a: ParsedArgs): Promise<number> {
  allowFlags(a, [...SESSION_FLAGS, 'ascii']);
  if (a.positionals.length) throw new UsageError(`unknown command "${a.positionals[0]}" (see divio-tui --help)`);
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    process.stderr.write(
      'divio-tui: the console needs a terminal (stdin and stdout must be a TTY).\n' +
        'For scripts use the subcommands, e.g. `divio-tui apps --json`, `divio-tui logs APP ENV`; see `divio-tui --help`.\n',
    );
    return 2;
  }
  // The sandbox (when it is the upstream) starts in its own process first, beside everything below.
  const { prestartSandbox } = await import('./cli/session.js');
  const early = await prestartSandbox(sessionOptions(a, `divio-tui/${VERSION}`)).catch(() => null);
  const [{ runTui, screenScopes }, { loadConfig }, { detectCapabilities }] = await Promise.all([
    import('./tui.js'),
    import('./config/index.js'),
    import('./terminal/capabilities.js'),
  ]);
  const loaded = loadConfig({ path: flagString(a, 'config'), views: screenScopes() });
  if (!loaded.ok) {
    early?.dispose();
    process.stderr.write(`divio-tui: ${loaded.error}\n`);
    return 2;
  }
  const caps = detectCapabilities(process.env, true);
  if (flagBool(a, 'ascii') || loaded.config.ui.ascii) caps.unicode = false;
  const opts = { ...sessionOptions(a, `divio-tui/${VERSION}`), cloudflare: loaded.config.cloudflare, sandboxProcess: early?.get };
  const { stateDir } = await import('./cli/paths.js');
  const { join } = await import('node:path');
  let session: Awaited<ReturnType<typeof import('./cli/session.js').openSession>> | null = null;
  try {
    return await runTui({
      config: loaded.config,
      keymap: loaded.keymap,
      historyPath: join(stateDir(), 'history.json'),
      caps,
      connect: async () => {
        const { openSession } = await import('./cli/session.js');
        session = await openSession(opts);
        return Object.assign(session.client, { warning: session.warning });
      },
    });
  } finally {
    const s = session as { close(): Promise<void>; notices(): string[] } | null;
    if (s) {
      // the status line said it at start; said again here, where it stays readable
      for (const n of s.notices()) process.stderr.write(`divio-tui: ${n}\n`);
      await s.close();
    } else early?.dispose();
  }
}

export async function main(argv: string[]): Promise<number> {
  const a = parseArgs(argv, COMMANDS);
  if (a.flags.has('version') || a.command === 'version') {
    process.stdout.write(`divio-tui ${VERSION}\n`);
    return 0;
  }
  // `sandbox --help` is the sandbox's own usage; everything else shows the whole usage.
  if ((a.flags.has('help') && a.command !== 'sandbox') || a.command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  switch (a.command) {
    case null:
      return runConsole(a);
    case 'sandbox': {
      const { runSandboxCommand } = await import('./sandbox/command.js');
      return runSandboxCommand(withoutCommand(argv, 'sandbox'));
    }
    case 'serve': {
      const { runServeCommand } = await import('./gateway/serve.js');
      return runServeCommand(withoutCommand(argv, 'serve'));
    }
    default: {
      const { runTwin } = await import('./cli/twins.js');
      return runTwin(a, sessionOptions);
    }
  }
}

/** argv without the command word itself (an option's value may be spelled like a command). */
function withoutCommand(argv: string[], command: string): string[] {
  const i = argv.indexOf(command);
  return i < 0 ? argv : [...argv.slice(0, i), ...argv.slice(i + 1)];
}

function fail(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`divio-tui: ${err.message}\n`);
    return 2;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`divio-tui: ${msg}\n`);
  if (process.env.DIVIO_TUI_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}

// EPIPE (`divio-tui logs … | head`) ends quietly and successfully.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Sockets and timers of lazily started parts must not keep a finished command alive.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (err) => {
    process.exitCode = fail(err);
    setTimeout(() => process.exit(process.exitCode as number), 50).unref();
  },
);
