// The options of `divio-tui serve`: one table for its parser (serve.ts), the program's `--help` and
// shell completion (src/cli/commands.ts checks it against OptionSpec). Data only: loading it starts nothing.

export const SERVE_OPTIONS = {
  host: { type: 'string', value: 'H', help: 'listen address (default 127.0.0.1; another needs a token of 16+ characters)' },
  port: { type: 'string', value: 'P', number: true, help: 'port (default 7878; 0 = random)' },
  'token-file': { type: 'string', value: 'F', complete: 'file', help: "the operator token: the file's first line (or DIVIO_TUI_TOKEN)" },
  token: { type: 'string', value: 'T', help: 'the operator token (shows in `ps`: prefer DIVIO_TUI_TOKEN or --token-file)' },
  'viewer-token-file': { type: 'string', value: 'F', complete: 'file', help: "a read-only token: the file's first line (or DIVIO_TUI_VIEWER_TOKEN)" },
  'viewer-token': { type: 'string', value: 'T', help: 'a read-only token (shows in `ps`)' },
  'read-only': { type: 'boolean', help: 'refuse every action (deploy, backup, restore, purge) for every token' },
  sandbox: { type: 'boolean', help: 'upstream: an ephemeral embedded sandbox instead of Divio' },
  scenario: { type: 'string', value: 'NAME', choices: ['default', 'hostile'], help: 'with --sandbox: the sandbox scenario' },
  seed: { type: 'string', value: 'N', number: true, help: 'with --sandbox: deterministic scenario' },
  zone: { type: 'string', value: 'Z', help: 'Divio zone (default divio.com; an http(s) URL is used verbatim); env DIVIO_ZONE' },
  'data-dir': { type: 'string', value: 'D', complete: 'file', help: 'jobs and audit log (default $XDG_STATE_HOME/divio-tui/gateway)' },
  'poll-scale': { type: 'string', value: 'X', number: true, hidden: true, help: 'multiply every poll interval (tests, benches)' },
} as const;
