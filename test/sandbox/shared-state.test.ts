// One process per state directory: a second sandbox on a directory in use runs privately (and says
// so); a lock left by a process that is gone is taken over.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, lockDir } from '../../src/statefile/index.js';
import { start } from './helpers.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
const tmp = () => { const d = mkdtempSync(join(tmpdir(), 'sbx-shared-')); dirs.push(d); return d; };

/** The pid of a process that has ended. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('lockDir', () => {
  it('the second taker learns who holds it; after release it can take it', () => {
    const dir = tmp();
    const a = lockDir(dir);
    expect(a.lock).toBeDefined();
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    expect(lockDir(dir)).toEqual({ heldBy: process.pid });
    a.lock!.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const b = lockDir(dir);
    expect(b.lock).toBeDefined();
    b.lock!.release();
  });

  it('a lock left by a process that is gone, or a garbled one, is taken over', () => {
    for (const content of [`${deadPid()}\n`, 'garbage', '']) {
      const dir = tmp();
      writeFileSync(join(dir, LOCK_FILE), content);
      const l = lockDir(dir);
      expect(l.lock).toBeDefined();
      expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
      l.lock!.release();
    }
  });
});

describe('two sandboxes on one data directory', () => {
  it('the second runs privately and says so; the first keeps the directory; after it closes the directory is free again', async () => {
    const dataDir = tmp();
    const [a, b] = await Promise.all([start({ ephemeral: false, dataDir }), start({ ephemeral: false, dataDir })]);
    try {
      const [owner, other] = a.dataDir ? [a, b] : [b, a];
      expect(owner.dataDir).toBe(dataDir);
      expect(owner.notices).toEqual([]);
      expect(other.dataDir).toBeNull();
      expect(other.notices).toEqual([`another divio-tui (pid ${process.pid}) is using the sandbox state in ${dataDir}; started a private sandbox instead (nothing of it is kept)`]);
      // the private one writes nothing into the shared directory
      other.emitLog(other.ids('acme-reports', 'live').env!, [{ message: 'private-only line' }]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(readFileSync(join(dataDir, 'state.json'), 'utf8')).not.toContain('private-only line');
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const c = await start({ ephemeral: false, dataDir });
    try {
      expect(c.dataDir).toBe(dataDir);
      expect(c.notices).toEqual([]);
    } finally {
      await c.close();
    }
  });
});
