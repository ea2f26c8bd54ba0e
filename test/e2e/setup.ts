// The set-up every end-to-end file shares. `const e2e = useE2e()` at the top of a file fails the file
// with a clear message when the bundle is missing, and hands out what the tests start: consoles in a
// pty, sandbox processes, temp directories. Each is cleaned up after the test that started it, passed
// or failed; what is started outside a test (in a beforeAll, or when the file loads) after the file.
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, binAvailable, spawnConsole, type Pty, type SpawnOptions } from './harness.js';
import { startSandboxBin, type SandboxBin } from './cli-harness.js';

/**
 * Multiplies the waiting budgets: how long a condition may take before the test gives up. They are
 * not speed checks (the bench measures the fleet's time to screen); E2E_TIME_SCALE raises them on a
 * slow box.
 */
export function timeScale(byDefault = 4): number {
  return Number(process.env.E2E_TIME_SCALE ?? byDefault);
}
export const SCALE = timeScale();

export interface E2e {
  /** The console (or `o.command`) in a real pty: spawnConsole. */
  console(o?: SpawnOptions): Pty;
  /** A sandbox process from the bundle (`divio-tui sandbox --json`): startSandboxBin. */
  sandbox(extra?: string[], o?: Parameters<typeof startSandboxBin>[1]): Promise<SandboxBin>;
  /** A fresh temp directory (under the system's temp dir, named `prefix…`). */
  tempDir(prefix: string): string;
}

type Cleanup = () => void | Promise<void>;

/** Every cleanup in `list` (last started first), each even when one before it threw; then the first error. */
async function runAll(list: Cleanup[]): Promise<void> {
  let failed: unknown = null;
  for (const c of list.splice(0).reverse()) {
    try {
      await c();
    } catch (e) {
      failed ??= e;
    }
  }
  if (failed) throw failed;
}

/**
 * Registers the hooks of an end-to-end file (call it once, at the top of the file): the bundle check
 * before the first test (`bundle: false` for a file that runs no bundle: a fixture, an installed
 * program), and the cleanup of everything started through the returned E2e.
 */
export function useE2e(o: { bundle?: boolean } = {}): E2e {
  const perTest: Cleanup[] = [];
  const perFile: Cleanup[] = [];
  let inTest = false;
  // decided when the thing is there (a sandbox that comes up after its test timed out goes with the file)
  const track = (c: Cleanup): void => {
    (inTest ? perTest : perFile).push(c);
  };
  if (o.bundle !== false)
    beforeAll(() => {
      if (!binAvailable()) throw new Error(`the bundled program is missing at ${BIN}: run "npm run build" first (or point DIVIO_TUI_BIN at one)`);
    });
  beforeEach(() => {
    inTest = true;
  });
  afterEach(async () => {
    inTest = false;
    await runAll(perTest);
  });
  afterAll(() => runAll(perFile));
  return {
    console(opts) {
      const p = spawnConsole(opts);
      track(() => p.cleanup());
      return p;
    },
    async sandbox(extra, opts) {
      const sb = await startSandboxBin(extra, opts);
      track(() => sb.stop());
      return sb;
    },
    tempDir(prefix) {
      const d = mkdtempSync(join(tmpdir(), prefix));
      // retries: a process that was just killed may still be writing its state there
      track(() => rmSync(d, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }));
      return d;
    },
  };
}
