// The options of `divio-tui sandbox`: one table for its parser (command.ts), the program's `--help`
// and shell completion (src/cli/commands.ts). Data only: loading it starts nothing.

export const SANDBOX_OPTIONS = {
  port: { type: 'string', value: 'P', number: true, help: 'Divio API port (default 8765; 0 = random)' },
  host: { type: 'string', value: 'H', help: 'listen address (default 127.0.0.1)' },
  speed: { type: 'string', value: 'N', number: true, help: 'clock multiplier for deployments, backups, restores (default 1)' },
  'log-rate': { type: 'string', value: 'R', number: true, help: 'runtime log lines per second per environment (default 2; 0 = none)' },
  seed: { type: 'string', value: 'N', number: true, help: 'deterministic scenario' },
  apps: {
    type: 'string', value: 'N', number: true,
    help: 'scenario size: N applications, 3 environments each on average (default 9, the named scenario; at most 5000; e.g. --apps 500: 1,500 environments)',
  },
  scenario: { type: 'string', value: 'NAME', choices: ['default', 'hostile'], help: 'hostile: names, notes and logs full of terminal escape sequences and secrets (tests; ephemeral)' },
  ephemeral: { type: 'boolean', help: 'keep nothing on disk' },
  'data-dir': { type: 'string', value: 'D', complete: 'file', help: 'state directory (default $XDG_STATE_HOME/divio-tui/sandbox)' },
  faults: { type: 'string', value: 'SPEC', help: 'fault injection, e.g. "/apps/v3/environments/*/logs/ 503@50%; ** latency=100"' },
  token: { type: 'string', value: 'T', help: 'Divio API token to accept (default: random)' },
  'cloudflare-token': { type: 'string', value: 'T', help: 'Cloudflare API token to accept (default: random)' },
  'cloudflare-port': { type: 'string', value: 'P', number: true, help: 'serve the Cloudflare API on its own port (default: same port)' },
  'cloudflare-plan': { type: 'string', value: 'PLAN', choices: ['free', 'pro', 'business', 'enterprise'], help: 'the Cloudflare plan (default per scenario: pro)' },
  'no-ssh': { type: 'boolean', help: 'do not start the SSH endpoint' },
  'ssh-session-limit': { type: 'string', value: 'S', number: true, help: 'SSH session limit in seconds (default 1800)' },
  extensions: {
    type: 'boolean',
    help: "also serve what Divio's API does not offer: metrics, content version, sleeping state, site URL, cdn on domains, SSH host_key (default: off)",
  },
  json: { type: 'boolean', help: 'print the endpoints as one JSON line' },
} as const;
