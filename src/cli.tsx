// divio-tui: argument parsing and wiring. The only place that knows every part (DESIGN.md §4).
// Heavy parts (gateway, sandbox, clients, dockerode) are imported lazily so the first frame is quick.
import './cli/compilecache.js';
import { didYouMean, findCommand, GLOBAL_OPTIONS, optionLines, optionsOf, parseWords, renderCommandHelp, UsageError, type CommandSpec, type Options } from './cli/args.js';
import { COMMANDS, CONSOLE } from './cli/commands.js';
import { SESSION_OPTIONS } from './cli/connect-options.js';
import { VERSION } from './version.js';

/** `divio-tui --help`: the console's usage and every command of the table. */
export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `divio-tui ${VERSION} — a terminal operations console for Divio

Usage:
  divio-tui [options]                 the console (in-process gateway; the sandbox when no Divio token is found)
  divio-tui --gateway ws://HOST:PORT  the console, attached to a shared gateway (token: DIVIO_TUI_TOKEN)
  divio-tui COMMAND [ARGS] [options]  one command, without the UI: plain text, --json for scripts,
                                      exit 0 on success, 1 on failure, 2 on a usage error

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

\`divio-tui COMMAND --help\` (or \`divio-tui help COMMAND\`) shows a command's options and examples.

Console options:
${optionLines(CONSOLE.options).join('\n')}

Where the console and the commands connect:
${optionLines(SESSION_OPTIONS.gateway).join('\n')}

Every command:
${optionLines(GLOBAL_OPTIONS).join('\n')}

Examples:
${[...CONSOLE.examples, 'divio-tui logs shop live -f', 'divio-tui deploy shop live --confirm shop@live'].map((e) => `  ${e}`).join('\n')}
`;
}

/** Option names that take a value, in any command (to find the command word among the words). */
const VALUE_OPTIONS = new Set(
  [CONSOLE, ...COMMANDS].flatMap((c) => Object.entries(optionsOf(c, SESSION_OPTIONS)).filter(([, o]) => o.type === 'string').map(([k]) => k)),
);

function helpFor(words: string[]): string {
  const name = words.join(' ');
  const spec = COMMANDS.find((c) => c.name === name) ?? COMMANDS.find((c) => c.name === words[0]);
  if (!spec) throw new UsageError(`unknown command "${name}"${didYouMean(words[0]!, COMMANDS.map((c) => c.name))}`, null);
  return renderCommandHelp(spec, SESSION_OPTIONS);
}

export async function main(argv: string[]): Promise<number> {
  // the console's own sandbox, in a child process (src/sandbox/child.ts): no parsing, no waiting
  if (argv[0] === 'sandbox' && argv[1] === '--ipc') {
    const { runSandboxCommand } = await import('./sandbox/command.js');
    return runSandboxCommand(argv.slice(1));
  }
  const found = findCommand(argv, COMMANDS, VALUE_OPTIONS);
  const spec: CommandSpec = found.spec ?? CONSOLE;
  const options: Options = optionsOf(spec, SESSION_OPTIONS);
  if (!found.spec && found.word !== null) {
    // the console takes no words: a command misspelt (or an option of a command given to the console)
    throw new UsageError(`unknown command "${found.word}"${didYouMean(found.word, COMMANDS.map((c) => c.name))}`, null);
  }
  const a = parseWords(found.spec ? spec.name : null, found.rest, options, spec.args);
  if (a.values.help) {
    process.stdout.write(found.spec ? renderCommandHelp(spec, SESSION_OPTIONS) : globalHelp());
    return 0;
  }
  if (a.values.version || a.values.v || spec.name === 'version') {
    process.stdout.write(`divio-tui ${VERSION}\n`);
    return 0;
  }
  if (spec.name === 'help') {
    process.stdout.write(a.positionals.length ? helpFor(a.positionals) : globalHelp());
    return 0;
  }
  // --no-color: as NO_COLOR does, for this process and what it starts
  if (a.values['no-color']) process.env.NO_COLOR = '1';
  return spec.run(a);
}

function fail(err: unknown): number {
  if (err instanceof UsageError) {
    const cmd = err.command === undefined ? lastCommand(process.argv.slice(2)) : err.command;
    process.stderr.write(`divio-tui: ${err.message}\nSee \`divio-tui ${cmd ? `${cmd} ` : ''}--help\`.\n`);
    return 2;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`divio-tui: ${msg}\n`);
  if (process.env.DIVIO_TUI_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}

/** The command a usage error thrown by a runner belongs to. */
function lastCommand(argv: string[]): string | null {
  return findCommand(argv, COMMANDS, VALUE_OPTIONS).spec?.name ?? null;
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
