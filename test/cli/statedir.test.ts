// One state directory (stateDir, src/statefile): the XDG rule, and every part that keeps state under it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stateDir } from '../../src/statefile/index.js';
import { defaultDataDir } from '../../src/sandbox/persist.js';
import { defaultLogSaveDir } from '../../src/store/logsession.js';
import { slugCachePath, writeSlugCache } from '../../src/cli/slugcache.js';
import { completionScript } from '../../src/cli/completion.js';
import { startServe } from '../../src/cli/serve.js';

const dir = mkdtempSync(join(tmpdir(), 'divio-tui-statedir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stateDir', () => {
  it('an absolute XDG_STATE_HOME', () => {
    expect(stateDir({ XDG_STATE_HOME: '/var/x', HOME: '/home/a' })).toBe('/var/x/divio-tui');
  });
  it('unset, empty or relative (the XDG rule: ignored): ~/.local/state', () => {
    for (const XDG_STATE_HOME of [undefined, '', 'rel/state']) expect(stateDir({ XDG_STATE_HOME, HOME: '/home/a' })).toBe('/home/a/.local/state/divio-tui');
  });
  it('the sandbox, saved logs and the completion cache live under it', () => {
    const env = { XDG_STATE_HOME: '/s', HOME: '/home/a' };
    expect(defaultDataDir(env)).toBe('/s/divio-tui/sandbox');
    expect(defaultLogSaveDir(env)).toBe('/s/divio-tui/logs');
    expect(slugCachePath(env)).toBe('/s/divio-tui/completion-slugs');
  });
});

it('serve keeps its jobs and audit under it by default', async () => {
  const xdg = join(dir, 'serve-state');
  const h = await startServe(['--sandbox', '--port', '0'], { XDG_STATE_HOME: xdg, DIVIO_TUI_TOKEN: 'operator-token-abcdef' });
  try {
    expect(existsSync(join(xdg, 'divio-tui', 'gateway'))).toBe(true);
  } finally {
    await h.close();
  }
});

it.runIf(spawnSync('bash', ['-c', 'exit 0']).status === 0)('the completion script reads the slug cache where the program writes it, a relative XDG_STATE_HOME included', async () => {
  const home = join(dir, 'home');
  const env = { PATH: process.env.PATH, HOME: home, XDG_STATE_HOME: 'relative/state' };
  await writeSlugCache([{ app: 'shop', env: 'live' }], env);
  expect(existsSync(join(home, '.local', 'state', 'divio-tui', 'completion-slugs'))).toBe(true);
  const script = join(dir, 'divio-tui.bash');
  writeFileSync(script, completionScript('bash'));
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _divio_tui; printf "%s\\n" "${COMPREPLY[@]}"', '_', script, 'divio-tui', 'logs', 'sh'], {
    encoding: 'utf8',
    env,
  });
  expect(r.stderr).toBe('');
  expect(r.stdout.split('\n').filter(Boolean)).toEqual(['shop']);
});
