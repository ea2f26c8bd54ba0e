import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { allowFlags, flagNumber, parseArgs, UsageError } from '../../src/cli/args.js';
import { VERSION } from '../../src/version.js';

const CMDS = new Set(['logs', 'restore', 'apps']);

describe('command-line parsing', () => {
  it('splits command, positionals, value flags and switches', () => {
    const a = parseArgs(['logs', 'shop', 'live', '--since', '10m', '--follow', '--service=web'], CMDS);
    expect(a.command).toBe('logs');
    expect(a.positionals).toEqual(['shop', 'live']);
    expect(a.flags.get('since')).toBe('10m');
    expect(a.flags.get('follow')).toBe(true);
    expect(a.flags.get('service')).toBe('web');
  });

  it('collects repeated flags in order', () => {
    const a = parseArgs(['--url', 'https://a/1', '--url', 'https://a/2'], CMDS);
    expect(a.multi.get('url')).toEqual(['https://a/1', 'https://a/2']);
  });

  it('rejects unknown options with a message naming them', () => {
    const a = parseArgs(['restore', 'shop', '--frobnicate'], CMDS);
    expect(() => allowFlags(a, ['backup'])).toThrowError(/unknown option --frobnicate for "restore"/);
    expect(() => parseArgs(['-x'], CMDS)).toThrow(UsageError);
  });

  it('says which flag is missing its value or is not a number', () => {
    expect(() => parseArgs(['--since'], CMDS)).toThrowError('--since needs a value');
    expect(() => flagNumber(parseArgs(['--seed', 'abc'], CMDS), 'seed')).toThrowError(/--seed must be a number/);
  });

  it('keeps the run-time version in step with package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
