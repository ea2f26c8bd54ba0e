// The three checks an installed program must pass, whichever way it was installed (the npm package,
// the single file): `--version`, `apps --json` against a sandbox that same program started, and the
// console's first frame in a real pseudo-terminal. Used by package.test.ts and single-file.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './harness.js';
import { runBin } from './cli-harness.js';
import { SCALE, type E2e } from './setup.js';

export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** npm run from a test: without the npm_* variables of the `npm test` that started vitest. */
export function npmEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k)) env[k] = v;
  return env;
}

export interface Installed {
  /** The program's path (run by path; PATH may not hold node). */
  command: string;
  /** Added to every run's environment (e.g. a PATH without node). */
  env?: Record<string, string | undefined>;
}

/**
 * Registers the three checks; `target()` is called inside each test (after beforeAll installed it).
 * What they start goes through the file's `e2e` (useE2e), which cleans it up.
 */
export function installChecks(e2e: E2e, target: () => Installed): void {
  it('--version prints the package version', async () => {
    const t = target();
    const r = await runBin(['--version'], { home: e2e.tempDir('divio-tui-install-'), command: t.command, env: t.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`divio-tui ${VERSION}\n`);
  });

  it('apps --json answers from a sandbox the same program started', async () => {
    const t = target();
    const sb = await e2e.sandbox(['--seed', '7'], { command: t.command, env: t.env });
    const r = await runBin(['apps', '--json'], { home: sb.home, command: t.command, env: { ...t.env, ...sb.env } });
    expect(r.code, r.all).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ app: string; env: string }>;
    expect(rows.some((x) => x.app === 'acme-reports' && x.env === 'live')).toBe(true);
  });

  it("draws the console's first frame in a real terminal and quits cleanly", async () => {
    const t = target();
    const p = e2e.console({ command: t.command, env: t.env, args: ['--sandbox', '--ephemeral', '--seed', '1'] });
    await p.waitForText(/nordwind-shop/, 5000 * SCALE);
    expect(p.screenText()).toContain('SANDBOX');
    await p.press('q', 'q'); // q on the fleet asks, the second q quits
    expect(await p.waitExit(5000)).toBe(0);
  });
}
