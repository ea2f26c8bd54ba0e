// Argument parsing for every command: small, strict, with clear errors for unknown flags.
export interface ParsedArgs {
  command: string | null;
  positionals: string[];
  flags: Map<string, string | true>;
  /** Repeated flags (e.g. --url a --url b), in order. */
  multi: Map<string, string[]>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Flags that take a value. Everything else is boolean. */
const VALUE_FLAGS = new Set(['scenario', 
  'gateway', 'token', 'viewer-token', 'zone', 'port', 'host', 'speed', 'log-rate', 'seed', 'data-dir', 'faults',
  'since', 'service', 'backup', 'to', 'confirm', 'build-mode', 'url', 'prefix', 'host-name', 'tag', 'notes',
  'services', 'config', 'output', 'minutes', 'theme', 'cloudflare-token', 'zone-id', 'env', 'dest', 'purge-host',
]);

export function parseArgs(argv: string[], knownCommands: ReadonlySet<string>): ParsedArgs {
  const flags = new Map<string, string | true>();
  const multi = new Map<string, string[]>();
  const positionals: string[] = [];
  let command: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      let value: string | true = true;
      if (eq > 0) value = a.slice(eq + 1);
      else if (VALUE_FLAGS.has(name)) {
        const next = argv[i + 1];
        if (next === undefined) throw new UsageError(`--${name} needs a value`);
        value = next;
        i++;
      }
      if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`bad flag: ${a}`);
      flags.set(name, value);
      if (typeof value === 'string') multi.set(name, [...(multi.get(name) ?? []), value]);
      continue;
    }
    if (a === '-h') { flags.set('help', true); continue; }
    if (a === '-v') { flags.set('version', true); continue; }
    if (a.startsWith('-') && a.length > 1) throw new UsageError(`unknown option ${a} (options are spelled --name)`);
    if (command === null && positionals.length === 0 && knownCommands.has(a)) command = a;
    else positionals.push(a);
  }
  return { command, positionals, flags, multi };
}

export function flagString(a: ParsedArgs, name: string): string | undefined {
  const v = a.flags.get(name);
  if (v === undefined) return undefined;
  if (v === true) throw new UsageError(`--${name} needs a value`);
  return v;
}

export function flagNumber(a: ParsedArgs, name: string): number | undefined {
  const v = flagString(a, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got "${v}"`);
  return n;
}

export function flagBool(a: ParsedArgs, name: string): boolean {
  const v = a.flags.get(name);
  if (v === undefined) return false;
  if (v === true) return true;
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  throw new UsageError(`--${name} is a switch; got "${v}"`);
}

/** Reject flags a command does not know (bad input gets a clear error). */
export function allowFlags(a: ParsedArgs, allowed: string[]): void {
  const ok = new Set([...allowed, 'help', 'version']);
  for (const k of a.flags.keys()) {
    if (!ok.has(k)) throw new UsageError(`unknown option --${k}${a.command ? ` for "${a.command}"` : ''}`);
  }
}
