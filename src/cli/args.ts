// The one command-line parser of every command: node's parseArgs reads the words, the command's table
// entry (src/cli/commands.ts) says what they may be. Unknown commands and options get a "did you
// mean", every usage error exits 2 with a pointer to `divio-tui CMD --help`.
import { parseArgs as nodeParseArgs } from 'node:util';
import { closeMatches, editDistance } from '../domain/text.js';
import type { OptionSpec, Options } from './spec.js';

export type { OptionSpec, Options } from './spec.js';

export interface PositionalSpec {
  /** Its name in the usage line: APP, ENV, SHELL … */
  name: string;
  optional?: boolean;
  /** Takes every word that is left (ssh's CMD …, help's COMMAND …). */
  rest?: boolean;
  /** Written after `--` in the usage line (ssh's CMD). */
  afterDashes?: boolean;
  /** The only values accepted. */
  choices?: readonly string[];
  /** What shell completion offers. */
  complete?: 'app' | 'env' | 'command';
}

export interface CommandSpec {
  /** The words that name it: `logs`, `backup download`. */
  name: string;
  /** One line for the list of commands. */
  summary: string;
  args?: PositionalSpec[];
  /** Its own options (the session and global ones are added by `session` and by every command). */
  options: Options;
  /** Adds the options that choose the upstream: 'gateway' (every one), 'direct' (no --gateway/--token). */
  session?: 'gateway' | 'direct';
  /** A paragraph under the usage line. */
  description?: string;
  examples: string[];
  run(a: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  /** The table entry's name; null for the console. */
  command: string | null;
  positionals: string[];
  values: Record<string, string | boolean | string[]>;
  /** The words after the command's name without the global options (sandbox and serve parse them again for their values). */
  rest: string[];
}

export class UsageError extends Error {
  /** The command whose --help the message points to (filled in by the parser when it knows it). */
  command: string | null | undefined;
  constructor(message: string, command?: string | null) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Options = {
  help: { type: 'boolean', short: 'h', help: 'this help' },
  version: { type: 'boolean', short: 'V', help: "the program's version" },
  v: { type: 'boolean', hidden: true, help: 'the version (old spelling of -V)' },
  'no-color': { type: 'boolean', help: 'no colour (as NO_COLOR=1 does)' },
};

/** Every option of a command: its own, the session ones it asked for, the global ones. */
export function optionsOf(spec: CommandSpec, session: Record<'gateway' | 'direct', Options>): Options {
  return { ...(spec.session ? session[spec.session] : {}), ...spec.options, ...GLOBAL_OPTIONS };
}

/** ` (did you mean …?)` for a word among candidates (the closest ones), or ''. */
export function didYouMean(word: string, candidates: string[], show: (c: string) => string = (c) => c): string {
  if (word.length < 2) return '';
  const near = closeMatches(word, candidates);
  if (!near.length) return '';
  const k = word.toLowerCase();
  const dist = (c: string) => (c.includes(k) || k.includes(c) ? 0 : editDistance(k, c));
  const best = Math.min(...near.map(dist));
  const shown = near.filter((c) => dist(c) === best).map(show);
  return ` (did you mean ${shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`}?)`;
}

/**
 * Which command argv names: the first word that is not an option (nor an option's value) and, when
 * the table has `WORD NEXT`, the next one too. Returns the command and argv without its words.
 */
export function findCommand(argv: string[], table: readonly CommandSpec[], valueOptions: ReadonlySet<string>): { spec: CommandSpec | null; word: string | null; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--') break;
    if (w.startsWith('-') && w !== '-') {
      if (w.startsWith('--') && !w.includes('=') && valueOptions.has(w.slice(2))) i++;
      continue;
    }
    // the first word: a command (of one or two words), or not one
    let j = i + 1;
    while (j < argv.length && argv[j]!.startsWith('-') && argv[j] !== '-' && argv[j] !== '--') {
      if (argv[j]!.startsWith('--') && !argv[j]!.includes('=') && valueOptions.has(argv[j]!.slice(2))) j++;
      j++;
    }
    let two = j < argv.length ? table.find((c) => c.name === `${w} ${argv[j]}`) : undefined;
    // `backup download ENV`: too few words for `backup download APP ENV`, so a backup of the application "download"
    if (two && table.some((c) => c.name === w)) {
      const need = (two.args ?? []).filter((x) => !x.optional && !x.rest).length;
      let words = 0;
      for (let k = j + 1; k < argv.length && argv[k] !== '--'; k++) {
        if (!argv[k]!.startsWith('-') || argv[k] === '-') words++;
        else if (argv[k]!.startsWith('--') && !argv[k]!.includes('=') && valueOptions.has(argv[k]!.slice(2))) k++;
      }
      if (words > 0 && words < need) two = undefined;
    }
    if (two) return { spec: two, word: two.name, rest: [...argv.slice(0, i), ...argv.slice(i + 1, j), ...argv.slice(j + 1)] };
    const one = table.find((c) => c.name === w);
    if (one) return { spec: one, word: w, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    return { spec: null, word: w, rest: argv };
  }
  return { spec: null, word: null, rest: argv };
}

const optName = (name: string, o: OptionSpec) => (o.short ? `-${o.short}, --${name}` : `--${name}`);

/**
 * Parse a command's words against its options. Throws UsageError (naming the command) on an unknown
 * option (with a close match), a missing or unexpected value, a bad number or choice, or a word too many.
 */
export function parseWords(command: string | null, words: string[], options: Options, args: PositionalSpec[] = []): ParsedArgs {
  const fail = (m: string) => new UsageError(m, command);
  const where = command ? ` for "${command}"` : '';
  const { tokens } = nodeParseArgs({
    args: words,
    options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.short ? { short: o.short } : {}) }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: ParsedArgs['values'] = {};
  const positionals: string[] = [];
  const drop = new Set<number>();
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind === 'option-terminator') continue;
    const o = options[t.name];
    if (!o) {
      const known = Object.entries(options).filter(([, x]) => !x.hidden);
      const bare = t.rawName.replace(/^-+/, '');
      throw fail(`unknown option ${t.rawName}${where}${didYouMean(bare, known.map(([k]) => k), (k) => `--${k}`)}`);
    }
    if (o.type === 'boolean') {
      if (t.inlineValue) throw fail(`--${t.name} is a switch: it takes no value (got "${t.value}")`);
      values[t.name] = true;
    } else {
      const v = t.value;
      if (v === undefined) throw fail(`${t.rawName} needs a value${o.value ? ` (${optName(t.name, o)} ${o.value})` : ''}`);
      if (!t.inlineValue && v.startsWith('-') && !/^-\d/.test(v)) throw fail(`${t.rawName} needs a value, got the option "${v}" (a value that starts with "-": --${t.name}=${v})`);
      if (o.number && (v.trim() === '' || !Number.isFinite(Number(v)))) throw fail(`--${t.name} expects a number, got "${v}"`);
      // a choice in any case (`--build-mode force`), kept as the table spells it
      const chosen = o.choices ? o.choices.find((c) => c.toLowerCase() === v.toLowerCase()) : v;
      if (chosen === undefined) throw fail(`--${t.name} must be ${o.choices!.join(', ')}; got "${v}"`);
      if (o.multiple) values[t.name] = [...((values[t.name] as string[] | undefined) ?? []), chosen];
      else values[t.name] = chosen;
    }
    if (GLOBAL_OPTIONS[t.name]) drop.add(t.index);
  }
  const rest = words.filter((_w, i) => !drop.has(i));
  const parsed: ParsedArgs = { command, positionals, values, rest };
  // help and version answer even when the words are incomplete
  if (values.help || values.version || values.v) return parsed;
  const restArg = args.find((a) => a.rest);
  if (!restArg && positionals.length > args.length) {
    const extra = positionals[args.length]!;
    throw fail(`unexpected argument "${extra}"${where}${args.length ? ` (it takes ${args.map((a) => a.name).join(' ')})` : ''}`);
  }
  args.forEach((a, i) => {
    const v = positionals[i];
    if (v === undefined) {
      if (!a.optional && !a.rest) throw fail(`${command ?? 'divio-tui'} needs ${args.filter((x) => !x.optional && !x.rest).map((x) => x.name).join(' ')} (missing ${a.name})`);
      return;
    }
    if (a.choices && !a.rest && !a.choices.includes(v)) throw fail(`${a.name} must be ${a.choices.join(', ')}; got "${v}"`);
  });
  return parsed;
}

// ------------------------------------------------------------------ reading values

export function flagString(a: ParsedArgs, name: string): string | undefined {
  const v = a.values[name];
  if (v === undefined || typeof v === 'boolean') return undefined;
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function flagNumber(a: ParsedArgs, name: string): number | undefined {
  const v = flagString(a, name);
  return v === undefined ? undefined : Number(v);
}

export function flagBool(a: ParsedArgs, name: string): boolean {
  return a.values[name] === true;
}

/** Every value of a repeatable option, commas splitting too (`--url a,b --url c`). */
export function flagList(a: ParsedArgs, name: string): string[] {
  const v = a.values[name];
  const all = v === undefined || typeof v === 'boolean' ? [] : Array.isArray(v) ? v : [v];
  return all.flatMap((x) => x.split(',')).map((s) => s.trim()).filter(Boolean);
}

// ------------------------------------------------------------------ help

function usageWords(spec: CommandSpec): string {
  const args = (spec.args ?? []).map((a) => (a.afterDashes ? `[-- ${a.name} …]` : a.rest ? `[${a.name} …]` : a.optional ? `[${a.name}]` : a.name));
  return [`divio-tui ${spec.name}`, ...args, '[options]'].join(' ');
}

export function optionLines(options: Options): string[] {
  const shown = Object.entries(options).filter(([, o]) => !o.hidden);
  const left = shown.map(([k, o]) => `${o.short ? `-${o.short}, ` : '    '}--${k}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`);
  const width = Math.min(30, Math.max(0, ...left.map((l) => l.length)) + 2);
  return shown.map(([, o], i) => {
    const l = left[i]!;
    const text = `${o.help}${o.choices && !o.help.includes(o.choices[0]!) ? ` (${o.choices.join(' | ')})` : ''}${o.multiple ? ' (repeatable)' : ''}`;
    return l.length + 2 > width ? `  ${l}\n  ${' '.repeat(width)}${text}` : `  ${l.padEnd(width)}${text}`;
  });
}

/** `divio-tui CMD --help`: usage, what it does, its options (its own first), examples. */
export function renderCommandHelp(spec: CommandSpec, session: Record<'gateway' | 'direct', Options>): string {
  const out = [`Usage: ${usageWords(spec)}`, '', spec.summary.charAt(0).toUpperCase() + spec.summary.slice(1) + '.'];
  if (spec.description) out.push('', spec.description);
  const own = Object.entries(spec.options).filter(([, o]) => !o.hidden);
  if (own.length) out.push('', 'Options:', ...optionLines(spec.options));
  if (spec.session) {
    const s = Object.fromEntries(Object.entries(session[spec.session]).filter(([k]) => !(k in spec.options)));
    out.push('', 'Where it connects (as for the console):', ...optionLines(s));
  }
  out.push('', 'Every command:', ...optionLines(GLOBAL_OPTIONS));
  if (spec.examples.length) out.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return `${out.join('\n')}\n`;
}
