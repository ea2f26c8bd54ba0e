// The npm package as a user installs it: a fresh clone (the tracked files only: no dist/, no build)
// → `npm pack` (its prepack builds the bundle) → `npm install -g` of that tarball into a temp prefix
// → the installed bin passes the three checks (install-checks.ts). Needs the npm registry (or npm's
// cache) for the three runtime dependencies.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './harness.js';
import { installChecks, npmEnv, VERSION } from './install-checks.js';
import { useE2e } from './setup.js';

/** A clone of the working tree as git sees it: the tracked files only (in CI, the fresh clone itself). */
function cloneTracked(dest: string): void {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(ROOT, f))) continue;
    mkdirSync(dirname(join(dest, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(dest, f));
  }
  // the devDependencies the build needs (esbuild): those of this checkout, as `npm ci` would install them
  symlinkSync(join(ROOT, 'node_modules'), join(dest, 'node_modules'));
}

// the installed program is checked, not the bundle of this checkout
const e2e = useE2e({ bundle: false });
let tmp = '';
let bin = '';
let files: string[] = [];

beforeAll(() => {
  tmp = e2e.tempDir('divio-tui-pkg-');
  const clone = join(tmp, 'clone');
  cloneTracked(clone);
  expect(existsSync(join(clone, 'dist'))).toBe(false);
  const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: clone, env: npmEnv(), encoding: 'utf8' });
  expect(pack.status, pack.stderr).toBe(0);
  const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: { path: string }[] }>;
  files = info!.files.map((f) => f.path);
  const prefix = join(tmp, 'prefix');
  const install = spawnSync('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', join(tmp, info!.filename)], { cwd: tmp, env: npmEnv(), encoding: 'utf8' });
  expect(install.status, install.stderr).toBe(0);
  bin = join(prefix, 'bin', 'divio-tui');
}, 240_000);

describe('npm pack → npm install -g', () => {
  it('ships what runs and nothing else: the bundle, README, LICENSE, no sources, tests or source maps', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/divio-tui.js']));
    expect(files.some((f) => f.startsWith('dist/chunks/'))).toBe(true);
    expect(files.filter((f) => /^(src|test|bench|scripts|screens|components|\.ci)\/|\.map$|\.tsx?$/.test(f))).toEqual([]);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  installChecks(e2e, () => ({ command: bin }));
});
