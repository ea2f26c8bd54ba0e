import { expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slugCacheText, writeSlugCache } from '../../src/cli/slugcache.js';

it('one line per application with its environments; names that are not plain slugs are left out', () => {
  const text = slugCacheText([
    { app: 'shop', env: 'test' },
    { app: 'shop', env: 'live' },
    { app: 'acme', env: 'live' },
    { app: 'shop', env: 'live' },
    { app: 'evil\x1b[2J', env: 'live' },
    { app: 'x$(touch y)', env: 'live' },
    { app: 'ok', env: 'bad env' },
  ]);
  expect(text).toBe('acme live\nshop test live\n');
});

it('writes the file (0600) in the state directory only when it changed', async () => {
  const home = mkdtempSync(join(tmpdir(), 'divio-tui-slugs-'));
  const env = { XDG_STATE_HOME: home };
  await writeSlugCache([{ app: 'shop', env: 'live' }], env);
  const file = join(home, 'divio-tui', 'completion-slugs');
  expect(readFileSync(file, 'utf8')).toBe('shop live\n');
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const before = statSync(file).ino; // an atomic write would be a new file
  await writeSlugCache([{ app: 'shop', env: 'live' }], env);
  expect(statSync(file).ino).toBe(before);
});
