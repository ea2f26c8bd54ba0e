// Every command of divio-tui, one table entry each: its words, options, help, examples and how it runs.
// The parser (args.ts), `--help`, `help CMD` and the shell completion scripts (completion.ts) read
// this table; a new command is one more entry. Runners are imported lazily: the console's first
// frame loads none of them.
import type { CommandSpec, Options, ParsedArgs } from './args.js';
import { SANDBOX_OPTIONS } from '../sandbox/options.js';
import { SERVE_OPTIONS } from './serve-options.js';

const json: Options = { json: { type: 'boolean', help: 'JSON for scripts (controls written as \\uXXXX escapes)' } };
const noWait: Options = { 'no-wait': { type: 'boolean', help: 'return once the gateway accepted the job (it runs on there)' } };
const APP = { name: 'APP', complete: 'app' } as const;
const ENV = { name: 'ENV', complete: 'env' } as const;

const twin = (a: ParsedArgs) => import('./twins.js').then((m) => m.runTwin(a));

/** The console itself (no command word). */
export const CONSOLE: CommandSpec = {
  name: '',
  summary: 'the console: live dashboards and the keys that act on them',
  session: 'gateway',
  options: {
    ascii: { type: 'boolean', help: 'ASCII only (automatic when the locale is not UTF-8)' },
  },
  examples: ['divio-tui', 'divio-tui --sandbox', 'divio-tui --gateway ws://127.0.0.1:7878'],
  run: (a) => import('./console.js').then((m) => m.runConsole(a)),
};

export const COMMANDS: CommandSpec[] = [
  {
    name: 'apps',
    summary: 'every application × environment: state, last deployment',
    session: 'gateway',
    options: { ...json },
    examples: ['divio-tui apps', 'divio-tui apps --json | jq -r \'.[] | select(.env == "live") | .app\''],
    run: twin,
  },
  {
    name: 'logs',
    summary: "an environment's runtime logs",
    args: [APP, ENV],
    session: 'direct',
    description:
      'Without --follow: the lines of the last --since (default 5m), then exit 0. With --follow: streams until\n' +
      'Ctrl-C (exit 130); `| head` ends cleanly. Reads the Divio API itself (not through a gateway).',
    options: {
      follow: { type: 'boolean', short: 'f', help: 'stream new lines until Ctrl-C' },
      since: { type: 'string', value: 'DURATION', help: 'from this long ago: 90s, 10m, 2h, 1d (default 5m)' },
      service: { type: 'string', value: 'NAME', help: 'only this service: web, worker, cron …' },
      utc: { type: 'boolean', help: 'times in UTC (default: local time)' },
      ...json,
      gateway: { type: 'string', hidden: true, help: 'not supported here (logs reads the API directly)' },
    },
    examples: ['divio-tui logs shop live --since 10m', 'divio-tui logs shop live -f --service web', 'divio-tui logs shop test --json | jq .message'],
    run: (a) => import('./logs.js').then((m) => m.runLogsCommand(a)),
  },
  {
    name: 'deploy',
    summary: 'deploy an environment and follow it to its end',
    args: [APP, ENV],
    session: 'gateway',
    description: 'Attaches to a deployment already running. A live environment needs --confirm APP@live (the gateway checks it too).',
    options: {
      'build-mode': { type: 'string', value: 'MODE', choices: ['AUTO', 'ADOPT', 'FORCE'], help: 'AUTO (default), ADOPT or FORCE' },
      confirm: { type: 'string', value: 'APP@ENV', complete: 'confirm', help: 'names the live environment being deployed' },
      ...noWait,
      ...json,
    },
    examples: ['divio-tui deploy shop test', 'divio-tui deploy shop live --confirm shop@live', 'divio-tui deploy shop test --build-mode FORCE --no-wait'],
    run: twin,
  },
  {
    name: 'backups',
    summary: "list an environment's backups",
    args: [APP, ENV],
    session: 'gateway',
    options: { ...json },
    examples: ['divio-tui backups shop live', 'divio-tui backups shop live --json'],
    run: twin,
  },
  {
    name: 'domains',
    summary: "the domains of every environment (or of one application, one environment): primary, custom or Divio's",
    args: [{ ...APP, optional: true }, { ...ENV, optional: true }],
    session: 'gateway',
    description:
      "The twin of the console's `:domains`: one listing of Divio's domains, named by application and environment.\n" +
      "KIND says whether a domain is the environment's primary one and whether it is a custom domain or one of\n" +
      "Divio's own (*.aldryn.io, *.divio.app …).",
    options: { ...json },
    examples: ['divio-tui domains', 'divio-tui domains shop live', "divio-tui domains --json | jq -r '.[] | select(.custom) | .name'"],
    run: twin,
  },
  {
    name: 'services',
    summary: "an environment's services (database, storage …): service, region, state",
    args: [APP, ENV],
    session: 'gateway',
    description:
      "The twin of the console's services view (i): the environment's service instances as Divio lists them\n" +
      '(GET /apps/v3/service-instances/), with the names of their catalogue service and region.',
    options: { ...json },
    examples: ['divio-tui services shop live', "divio-tui services shop live --json | jq -r '.[] | select(.type == \"DATABASE\") | .uuid'"],
    run: twin,
  },
  {
    name: 'backup',
    summary: 'create a backup of an environment',
    args: [APP, ENV],
    session: 'gateway',
    options: {
      services: { type: 'string', value: 'LIST', multiple: true, help: 'db, media or a service prefix, comma-separated (default: all)' },
      notes: { type: 'string', value: 'TEXT', help: 'a note kept with the backup' },
      ...noWait,
      ...json,
    },
    examples: ['divio-tui backup shop live', 'divio-tui backup shop live --services db --notes "before the migration"'],
    run: twin,
  },
  {
    name: 'backup download',
    summary: "download a backup's files (database, media) into a directory",
    args: [APP, ENV],
    session: 'gateway',
    description:
      "The twin of `w` in the backups view: the same gateway job, then each file moved into DIR under its own\n" +
      'name, never over an existing file and never as a partial file. The paths go to stdout, the progress to\n' +
      "stderr. With --gateway the files stay on the gateway's host (their paths are printed).",
    options: {
      backup: { type: 'string', value: 'ID', help: 'the backup (its id or the start of it; default: the newest successful one)' },
      to: { type: 'string', value: 'DIR', complete: 'file', help: 'the directory (default: the current one)' },
      ...json,
    },
    examples: ['divio-tui backup download shop live', 'divio-tui backup download shop live --backup 3f2a --to ~/backups'],
    run: twin,
  },
  {
    name: 'deployments',
    summary: "an environment's deployments (commit, branch, start, duration, result, who), or redeploy one",
    args: [APP, ENV, { name: 'ACTION', optional: true, choices: ['list', 'redeploy'] }, { name: 'ID', optional: true }],
    session: 'gateway',
    description:
      'list (the default): the 30 newest, newest first. redeploy ID: deploy the environment again from its list;\n' +
      "Divio deploys the head of the environment's branch (its API names no commit): the verdict says whether that\n" +
      "is the chosen deployment's commit. It restores no data. A live environment needs --confirm APP@live.",
    options: {
      utc: { type: 'boolean', help: 'times in UTC (default: local time)' },
      'build-mode': { type: 'string', value: 'MODE', choices: ['AUTO', 'ADOPT', 'FORCE'], help: 'redeploy: AUTO (default), ADOPT or FORCE' },
      confirm: { type: 'string', value: 'APP@ENV', complete: 'confirm', help: 'redeploy: names the live environment' },
      ...noWait,
      ...json,
    },
    examples: ['divio-tui deployments shop live', 'divio-tui deployments shop test redeploy 5a7f', 'divio-tui deployments shop live redeploy 5a7f --confirm shop@live'],
    run: twin,
  },
  {
    name: 'env-vars',
    summary: "an environment's variables: list, set NAME=VALUE, unset NAME",
    args: [APP, ENV, { name: 'ACTION', optional: true, choices: ['list', 'set', 'unset'] }, { name: 'NAME[=VALUE]', optional: true }],
    session: 'gateway',
    description:
      'Sensitive values (and secrets inside values) show as **** unless --reveal (each reveal is audited). `set NAME`\n' +
      'without =VALUE reads the value from standard input. A change takes effect on the next deployment, as on\n' +
      'Divio. Any change on live needs --confirm APP@live (the gateway checks it too).',
    options: {
      reveal: { type: 'boolean', help: 'list: show sensitive values' },
      sensitive: { type: 'boolean', help: 'set: mark the variable sensitive' },
      'not-sensitive': { type: 'boolean', help: 'set: mark the variable not sensitive' },
      confirm: { type: 'string', value: 'APP@ENV', complete: 'confirm', help: 'names the live environment being changed' },
      ...json,
    },
    examples: ['divio-tui env-vars shop test', 'divio-tui env-vars shop test set FEATURE_X=on', 'pass shop/api-key | divio-tui env-vars shop live set API_KEY --sensitive --confirm shop@live', 'divio-tui env-vars shop test unset FEATURE_X'],
    run: twin,
  },
  {
    name: 'restore',
    summary: 'restore a backup into an environment (after a safety backup of it)',
    args: [APP],
    session: 'gateway',
    description: 'Refused unless --confirm names the destination as APP@ENV (the gateway checks it too).',
    options: {
      backup: { type: 'string', value: 'ID', help: 'the backup (its id or a prefix of it; see `divio-tui backups APP ENV`)' },
      to: { type: 'string', value: 'ENV', complete: 'env', help: 'the destination environment' },
      db: { type: 'boolean', help: 'only the database' },
      media: { type: 'boolean', help: 'only the media files' },
      'no-safety-backup': { type: 'boolean', help: 'skip the backup of the destination taken first' },
      confirm: { type: 'string', value: 'APP@ENV', complete: 'confirm', help: 'names the destination' },
      ...noWait,
      ...json,
    },
    examples: ['divio-tui restore shop --backup 3f2a --to test --confirm shop@test', 'divio-tui restore shop --backup 3f2a --to live --db --confirm shop@live'],
    run: twin,
  },
  {
    name: 'purge',
    summary: "clear the CDN cache of an environment's domains",
    args: [APP, ENV],
    session: 'gateway',
    description:
      "Without options: every domain of the environment on Divio's CDN. With one kind of option: a Cloudflare\n" +
      'zone of your own (validated, split by 100, paced to the plan); --everything needs --confirm APP@ENV.',
    options: {
      url: { type: 'string', value: 'U', multiple: true, help: 'a URL to purge' },
      prefix: { type: 'string', value: 'P', multiple: true, help: 'a prefix (host/path, no scheme)' },
      'purge-host': { type: 'string', value: 'H', multiple: true, help: 'a host name' },
      tag: { type: 'string', value: 'T', multiple: true, help: 'a cache tag' },
      everything: { type: 'boolean', help: 'everything cached in the zone (needs --confirm APP@ENV)' },
      confirm: { type: 'string', value: 'APP@ENV', complete: 'confirm', help: 'names the environment (with --everything)' },
      ...noWait,
      ...json,
    },
    examples: ['divio-tui purge shop live', 'divio-tui purge shop live --url https://shop.example.com/a.css --url https://shop.example.com/b.js', 'divio-tui purge shop live --everything --confirm shop@live'],
    run: twin,
  },
  {
    name: 'ssh',
    summary: 'a shell in an environment (OpenSSH), or run CMD there',
    args: [APP, ENV, { name: 'CMD', rest: true, afterDashes: true }],
    session: 'gateway',
    description: "With -- CMD: runs CMD without a pty (as `ssh HOST CMD`), streams its output and exits with its status.",
    options: {},
    examples: ['divio-tui ssh shop live', 'divio-tui ssh shop test -- python manage.py migrate --plan'],
    run: twin,
  },
  {
    name: 'metrics',
    summary: 'CPU, memory, request rate, 5xx rate and latency of an environment',
    args: [APP, ENV],
    session: 'gateway',
    options: {
      minutes: { type: 'string', value: 'N', number: true, help: 'the window (rounded up to 15 min, 1 h, 6 h or 24 h)' },
      ...json,
    },
    examples: ['divio-tui metrics shop live', 'divio-tui metrics shop live --minutes 60 --json'],
    run: twin,
  },
  {
    name: 'jobs',
    summary: "the gateway's running and recent jobs",
    session: 'gateway',
    options: { ...json },
    examples: ['divio-tui jobs', 'divio-tui jobs --gateway ws://127.0.0.1:7878 --json'],
    run: twin,
  },
  {
    name: 'doctor',
    summary: 'check config, token, zone, terminal, ssh, an SSH key, Docker',
    options: {
      config: { type: 'string', value: 'FILE', complete: 'file', help: 'config file (default $XDG_CONFIG_HOME/divio-tui/config.json)' },
      zone: { type: 'string', value: 'Z', help: 'Divio zone: a domain, an API URL or a zone of the config file (default divio.com); env DIVIO_ZONE' },
      ...json,
    },
    examples: ['divio-tui doctor', 'divio-tui doctor --zone divio.com --json', 'divio-tui doctor --zone prod'],
    run: (a) => import('./twins.js').then((m) => m.doctor(a)),
  },
  {
    name: 'serve',
    summary: 'the gateway alone, for a team',
    description:
      'Loopback by default; a token is always required (random when none is given on loopback, printed once); a\n' +
      'non-loopback --host is refused without one. Tokens also from DIVIO_TUI_TOKEN / DIVIO_TUI_VIEWER_TOKEN.',
    options: SERVE_OPTIONS,
    examples: ['DIVIO_TUI_TOKEN=$(openssl rand -hex 24) divio-tui serve --port 7420', 'divio-tui serve --sandbox --read-only'],
    run: (a) => import('./serve.js').then((m) => m.runServeCommand(a.rest)),
  },
  {
    name: 'sandbox',
    summary: 'the sandbox alone: emulated Divio and Cloudflare APIs and an SSH endpoint',
    description: 'Prints its URLs and token, then serves until Ctrl-C. A port in use exits 1.',
    options: SANDBOX_OPTIONS,
    examples: ['divio-tui sandbox --port 0 --ephemeral', 'divio-tui sandbox --speed 10 --faults "/apps/v3/environments/*/logs/ 503@50%"'],
    run: (a) => import('../sandbox/command.js').then((m) => m.runSandboxCommand(a.rest)),
  },
  {
    name: 'completion',
    summary: 'print a shell completion script (bash, zsh or fish)',
    args: [{ name: 'SHELL', choices: ['bash', 'zsh', 'fish'] }],
    description: 'Application and environment names come from a small cache the console and `apps` keep; nothing\nis asked of the network while you type.',
    options: {},
    examples: ['divio-tui completion bash > ~/.local/share/bash-completion/completions/divio-tui', 'divio-tui completion fish > ~/.config/fish/completions/divio-tui.fish'],
    run: (a) => import('./completion.js').then((m) => m.runCompletion(a)),
  },
  {
    name: 'help',
    summary: 'this list, or the help of one command',
    args: [{ name: 'COMMAND', optional: true, rest: true, complete: 'command' }],
    options: {},
    examples: ['divio-tui help logs'],
    run: async () => 0, // answered by the entry (it knows the whole table)
  },
  {
    name: 'version',
    summary: "the program's version",
    options: {},
    examples: ['divio-tui version'],
    run: async () => 0, // answered by the entry
  },
];
