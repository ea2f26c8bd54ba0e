// The options that choose where a command connects (the console and the twins share them), and what
// they become: SessionOptions for openSession / openUpstream.
import { flagBool, flagNumber, flagString, type Options, type ParsedArgs } from './args.js';
import type { SessionOptions } from './session.js';

const UPSTREAM: Options = {
  sandbox: { type: 'boolean', help: 'use the embedded sandbox even when a Divio token is found' },
  zone: { type: 'string', value: 'Z', help: 'Divio zone (default divio.com; an http(s) URL is used verbatim), or a zone NAME of the config file; env DIVIO_ZONE' },
  config: { type: 'string', value: 'FILE', complete: 'file', help: 'config file (default $XDG_CONFIG_HOME/divio-tui/config.json)' },
  ephemeral: { type: 'boolean', help: 'sandbox: keep nothing on disk' },
  seed: { type: 'string', value: 'N', number: true, help: 'sandbox: deterministic scenario' },
  speed: { type: 'string', value: 'N', number: true, help: 'sandbox: clock multiplier for deployments, backups, restores' },
  'log-rate': { type: 'string', value: 'R', number: true, help: 'sandbox: runtime log lines per second per environment' },
  'data-dir': { type: 'string', value: 'D', complete: 'file', help: 'state directory (default $XDG_STATE_HOME/divio-tui)' },
  faults: { type: 'string', value: 'SPEC', help: 'sandbox: fault injection (see `divio-tui sandbox --help`)' },
  scenario: { type: 'string', value: 'NAME', choices: ['default', 'hostile'], help: 'sandbox: hostile names, notes and logs attack the terminal (tests)' },
};

/** `session: 'gateway'`: the console and the commands that go through a gateway; 'direct': logs (the API itself). */
export const SESSION_OPTIONS: Record<'gateway' | 'direct', Options> = {
  gateway: {
    gateway: { type: 'string', value: 'URL', help: 'use a shared gateway (ws:// or wss://)' },
    token: { type: 'string', value: 'T', help: 'the gateway token (shows in `ps`: prefer DIVIO_TUI_TOKEN)' },
    'read-only': { type: 'boolean', help: 'look, never change: every action (deploy, backup, restore, purge, variables, Docker …) is refused' },
    ...UPSTREAM,
  },
  direct: UPSTREAM,
};

function scenarioFlag(a: ParsedArgs): 'default' | 'hostile' | undefined {
  return flagString(a, 'scenario') as 'default' | 'hostile' | undefined;
}

export function sessionOptions(a: ParsedArgs, clientName: string): SessionOptions {
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
    readOnly: flagBool(a, 'read-only'),
    clientName,
  };
}
