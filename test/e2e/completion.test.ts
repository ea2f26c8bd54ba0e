// End to end: `divio-tui completion bash|zsh|fish` from the shipped program, run in the real shells as
// a user's Tab runs it, with application and environment slugs from the cache that `apps` and the
// console refresh (read by the script itself: no network, no divio-tui process while typing).
import { beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBin, type SandboxBin } from './cli-harness.js';
import { useE2e } from './setup.js';
import { waitFor } from '../wait.js';

const have = (sh: string) => spawnSync(sh, ['-c', 'exit 0']).status === 0;
const e2e = useE2e();
const dir = e2e.tempDir('divio-tui-completion-');
const scripts: Record<string, string> = {};
let sb: SandboxBin;
let state: string;

beforeAll(async () => {
  sb = await e2e.sandbox();
  state = join(sb.home, 'state');
  for (const sh of ['bash', 'zsh', 'fish']) {
    const r = await runBin(['completion', sh], { home: sb.home });
    expect(r.code, r.all).toBe(0);
    scripts[sh] = join(dir, `divio-tui.${sh}`);
    writeFileSync(scripts[sh]!, r.stdout);
  }
});

/** What bash's Tab offers for the words (the last one is being typed). */
function bashComplete(words: string[], stateHome = state): string[] {
  const r = spawnSync(
    'bash',
    ['--norc', '--noprofile', '-c', 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _divio_tui; printf "%s\\n" "${COMPREPLY[@]}"', '_', scripts.bash!, ...words],
    { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, XDG_STATE_HOME: stateHome } },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
}

describe('bash', () => {
  test('commands, two-word commands, options per command, option values', () => {
    expect(bashComplete(['divio-tui', ''])).toEqual(expect.arrayContaining(['apps', 'logs', 'deploy', 'completion', 'sandbox']));
    expect(bashComplete(['divio-tui', 'dep'])).toEqual(['deploy', 'deployments']);
    expect(bashComplete(['divio-tui', '--sandbox', 'ap'])).toEqual(['apps']);
    expect(bashComplete(['divio-tui', 'logs', 'a', 'b', '--f'])).toEqual(['--faults', '--follow']);
    expect(bashComplete(['divio-tui', 'logs', 'a', 'b', '-'])).toEqual(expect.arrayContaining(['-f', '--since', '-h', '--no-color']));
    expect(bashComplete(['divio-tui', 'logs', 'a', 'b', '-'])).not.toContain('--confirm');
    expect(bashComplete(['divio-tui', 'deploy', 'a', 'b', '--build-mode', ''])).toEqual(['AUTO', 'ADOPT', 'FORCE']);
    expect(bashComplete(['divio-tui', 'sandbox', '--cloudflare-plan', 'p'])).toEqual(['pro']);
    expect(bashComplete(['divio-tui', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
    expect(bashComplete(['divio-tui', 'help', 'pu'])).toEqual(['purge']);
    expect(bashComplete(['divio-tui', 'backup', 'down'])).toEqual(['download']);
    // after --, the words are the remote command's: nothing offered
    expect(bashComplete(['divio-tui', 'ssh', 'a', 'b', '--', 'l'])).toEqual([]);
  });

  test('application and environment slugs come from the cache `apps` refreshed; --confirm offers APP@ENV', async () => {
    rmSync(join(state, 'divio-tui', 'completion-slugs'), { force: true });
    expect(bashComplete(['divio-tui', 'logs', ''])).toEqual([]); // no cache yet: nothing, and no error
    const r = await runBin(['apps'], { home: sb.home, env: sb.env });
    expect(r.code, r.all).toBe(0);
    const apps = bashComplete(['divio-tui', 'logs', '']);
    expect(apps).toEqual(expect.arrayContaining(['acme-reports', 'nordwind-shop']));
    expect(bashComplete(['divio-tui', 'logs', 'acme-rep'])).toEqual(['acme-reports']);
    expect(bashComplete(['divio-tui', 'logs', 'acme-reports', ''])).toEqual(expect.arrayContaining(['test', 'live']));
    expect(bashComplete(['divio-tui', 'backup', ''])).toEqual(expect.arrayContaining(['download', 'acme-reports']));
    expect(bashComplete(['divio-tui', 'deploy', 'acme-reports', 'live', '--confirm', ''])).toEqual(['acme-reports@live']);
    expect(bashComplete(['divio-tui', 'restore', 'acme-reports', '--to', ''])).toEqual(expect.arrayContaining(['test', 'live']));
    expect(bashComplete(['divio-tui', 'restore', 'acme-reports', '--confirm', 'acme-reports@t'])).toEqual(['acme-reports@test']);
  });

  test('a cache line that is not a plain slug is never offered nor run', () => {
    const home = join(dir, 'hostile');
    mkdirSync(join(home, 'divio-tui'), { recursive: true });
    const canary = join(dir, 'pwned');
    writeFileSync(join(home, 'divio-tui', 'completion-slugs'), `shop live test\n$(touch ${canary}) live\nx\`touch ${canary}\` live\n`);
    expect(bashComplete(['divio-tui', 'logs', ''], home)).toEqual(['shop']);
    expect(bashComplete(['divio-tui', 'deploy', '--confirm', ''], home)).toEqual(['shop@live', 'shop@test']);
    expect(existsSync(canary)).toBe(false);
  });
});

describe('zsh and fish', () => {
  test.skipIf(!have('zsh'))(`zsh${have('zsh') ? '' : ' (skipped: zsh is not installed)'}: the script parses (zsh -n) and its Tab offers what bash offers`, () => {
    expect(spawnSync('zsh', ['-n', scripts.zsh!], { encoding: 'utf8' }).stderr).toBe('');
    const r = spawnSync(
      'zsh',
      ['-f', '-c', 'autoload -U compinit && compinit -u -d "$2/zcompdump" && source "$1" && __divio_tui_candidates 2 divio-tui logs acme && __divio_tui_candidates 4 divio-tui deploy a b -', '_', scripts.zsh!, dir],
      { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, XDG_STATE_HOME: state } },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['acme-reports', '--build-mode', '--confirm']));
  });

  test.skipIf(!have('fish'))(`fish${have('fish') ? '' : ' (skipped: fish is not installed)'}: the script parses (fish -n) and fish's own completer offers commands, options and slugs`, () => {
    expect(spawnSync('fish', ['-n', scripts.fish!], { encoding: 'utf8' }).stderr).toBe('');
    const complete = (line: string) => {
      const r = spawnSync('fish', ['--no-config', '-c', `source ${scripts.fish}; complete -C '${line}'`], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: dir, XDG_STATE_HOME: state },
      });
      expect(r.stderr).toBe('');
      return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
    };
    expect(complete('divio-tui doc')).toEqual(['doctor']);
    expect(complete('divio-tui logs acme-rep')).toEqual(['acme-reports']);
    expect(complete('divio-tui logs acme-reports live --fo')).toEqual(['--follow']);
  });
});

describe('the console', () => {
  test('refreshes the slug cache once it has the whole fleet', async () => {
    const stateHome = join(dir, 'console-state');
    const p = e2e.console({ args: ['--sandbox', '--ephemeral', '--seed', '7'], env: { XDG_STATE_HOME: stateHome } });
    await p.waitForText(/nordwind-shop/, 15_000);
    const file = join(stateHome, 'divio-tui', 'completion-slugs');
    await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').includes('nordwind-shop'), 10_000, 'the slug cache');
    expect(readFileSync(file, 'utf8')).toMatch(/^acme-reports( \w+)+$/m);
  });
});
