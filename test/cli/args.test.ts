import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { findCommand, flagList, optionsOf, parseWords, renderCommandHelp, UsageError, type CommandSpec } from '../../src/cli/args.js';
import { COMMANDS, CONSOLE } from '../../src/cli/commands.js';
import { SESSION_OPTIONS } from '../../src/cli/connect-options.js';
import { VERSION } from '../../src/version.js';

const VALUE = new Set([CONSOLE, ...COMMANDS].flatMap((c) => Object.entries(optionsOf(c, SESSION_OPTIONS)).filter(([, o]) => o.type === 'string').map(([k]) => k)));

/** Parse a command line as the entry does. */
function parse(argv: string[]) {
  const f = findCommand(argv, COMMANDS, VALUE);
  const spec: CommandSpec = f.spec ?? CONSOLE;
  return parseWords(f.spec ? spec.name : null, f.rest, optionsOf(spec, SESSION_OPTIONS), spec.args);
}

function usageError(argv: string[]): UsageError {
  try {
    parse(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
}

describe('command-line parsing', () => {
  it('splits command, positionals, value options and switches; -f is --follow', () => {
    const a = parse(['logs', 'shop', 'live', '--since', '10m', '-f', '--service=web']);
    expect(a.command).toBe('logs');
    expect(a.positionals).toEqual(['shop', 'live']);
    expect(a.values).toMatchObject({ since: '10m', follow: true, service: 'web' });
  });

  it('finds the command after options of the console (--sandbox apps)', () => {
    const a = parse(['--zone', 'apps', 'apps', '--json']);
    expect(a.command).toBe('apps');
    expect(a.values).toMatchObject({ zone: 'apps', json: true });
  });

  it('a two-word command (backup download APP ENV); too few words for it: a backup of the application "download"', () => {
    expect(parse(['backup', 'download', 'shop', 'live', '--to', 'x']).command).toBe('backup download');
    expect(parse(['backup', 'download', '--help']).command).toBe('backup download');
    const a = parse(['backup', 'download', 'live']);
    expect(a.command).toBe('backup');
    expect(a.positionals).toEqual(['download', 'live']);
  });

  it('collects repeated options in order, commas splitting too', () => {
    const a = parse(['purge', 'shop', 'live', '--url', 'https://a/1', '--url', 'https://a/2,https://a/3']);
    expect(flagList(a, 'url')).toEqual(['https://a/1', 'https://a/2', 'https://a/3']);
  });

  it('an unknown option names the command and the closest option', () => {
    const e = usageError(['logs', 'shop', 'live', '--folow']);
    expect(e.message).toBe('unknown option --folow for "logs" (did you mean --follow?)');
    expect(e.command).toBe('logs');
    expect(usageError(['deploy', 'shop', 'live', '-x']).message).toMatch(/^unknown option -x for "deploy"/);
  });

  it('missing values, bad numbers, bad choices, extra and missing words are usage errors', () => {
    expect(usageError(['logs', 'a', 'b', '--since']).message).toBe('--since needs a value (--since DURATION)');
    expect(usageError(['logs', 'a', 'b', '--since', '--json']).message).toMatch(/--since needs a value, got the option "--json"/);
    expect(usageError(['--seed', 'abc']).message).toBe('--seed expects a number, got "abc"');
    expect(usageError(['deploy', 'a', 'b', '--build-mode', 'fast']).message).toBe('--build-mode must be AUTO, ADOPT, FORCE; got "fast"');
    expect(usageError(['apps', 'extra']).message).toBe('unexpected argument "extra" for "apps"');
    expect(usageError(['logs', 'shop']).message).toBe('logs needs APP ENV (missing ENV)');
    expect(usageError(['logs', 'a', 'b', '--json=yes']).message).toMatch(/--json is a switch/);
  });

  it('a choice is taken in any case and kept as the table spells it', () => {
    expect(parse(['deploy', 'a', 'b', '--build-mode', 'force']).values['build-mode']).toBe('FORCE');
  });

  it('ssh keeps the words after -- for the remote command', () => {
    const a = parse(['ssh', 'shop', 'live', '--', 'ls', '-la']);
    expect(a.positionals).toEqual(['shop', 'live', 'ls', '-la']);
  });

  it('--help answers even when the words are incomplete', () => {
    expect(parse(['logs', '--help']).values.help).toBe(true);
    expect(parse(['deploy', '-h']).values.help).toBe(true);
  });

  it('the global options are not passed on to sandbox and serve', () => {
    expect(parse(['sandbox', '--no-color', '--port', '0']).rest).toEqual(['--port', '0']);
  });

  it("every command's help names its usage, its own options and an example", () => {
    for (const c of COMMANDS) {
      const h = renderCommandHelp(c, SESSION_OPTIONS);
      expect(h.split('\n')[0], c.name).toMatch(new RegExp(`^Usage: divio-tui ${c.name}\\b`));
      for (const [k, o] of Object.entries(c.options)) if (!o.hidden) expect(h, `${c.name} --${k}`).toContain(`--${k}`);
      for (const e of c.examples) expect(h).toContain(e);
    }
  });

  it('keeps the run-time version in step with package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
