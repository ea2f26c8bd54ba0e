// The console's sandbox runs in a child process of its own: a working Divio API, gone with the
// console however the console ends (a normal quit, or SIGKILL, which no handler can catch).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { BIN } from './harness.js';
import { launchSandboxProcess, startSandboxProcess } from '../../src/sandbox/child.js';
import { LOCK_FILE } from '../../src/statefile/index.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Children of a process, from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {}
  }
  return out;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('serves the Divio API from its own process and stops when closed', async () => {
  const sb = await startSandboxProcess({ ephemeral: true, seed: 2, ssh: false }, BIN, 20_000 * SCALE);
  try {
    expect(sb.pid).not.toBe(process.pid);
    const r = await fetch(`${sb.divioUrl}/apps/v3/applications/`, { headers: { Authorization: `Token ${sb.token}` } });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { results: { slug: string }[] };
    expect(body.results.map((a) => a.slug)).toContain('acme-reports');
    expect(sb.state?.zones?.length).toBeGreaterThan(0);
  } finally {
    await sb.close();
  }
  expect(alive(sb.pid)).toBe(false);
});

it('takes requests from the moment it is launched: the first ones are answered once it is ready', async () => {
  const sb = await launchSandboxProcess({ ephemeral: true, seed: 2, ssh: false }, BIN, 20_000 * SCALE);
  try {
    let ready = false;
    void sb.ready.then(() => (ready = true));
    // asked at once, before the child has even loaded the sandbox
    const asked = fetch(`${sb.divioUrl}/apps/v3/applications/`, { headers: { Authorization: `Token ${sb.token}` }, signal: AbortSignal.timeout(15_000 * SCALE) });
    expect(ready).toBe(false);
    const r = await asked;
    expect(r.status).toBe(200);
    expect(((await r.json()) as { results: { slug: string }[] }).results.map((a) => a.slug)).toContain('acme-reports');
    expect(ready).toBe(true);
    expect(sb.state?.zones?.length).toBeGreaterThan(0);
  } finally {
    await sb.close();
  }
});

it('holds its state directory from launch: a second one runs privately and says so, the directory is free after close', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sbx-proc-'));
  try {
    const a = await launchSandboxProcess({ dataDir, seed: 2, ssh: false }, BIN, 20_000 * SCALE);
    const b = await launchSandboxProcess({ dataDir, seed: 2, ssh: false }, BIN, 20_000 * SCALE);
    try {
      // known at launch, before either is ready
      expect(a.dataDir).toBe(dataDir);
      expect(b.dataDir).toBeNull();
      expect(b.notices).toEqual([`another divio-tui (pid ${process.pid}) is using the sandbox state in ${dataDir}; started a private sandbox instead (nothing of it is kept)`]);
      await Promise.all([a.ready, b.ready]);
      // the private one answers too, and writes nothing there
      const r = await fetch(`${b.divioUrl}/apps/v3/applications/`, { headers: { Authorization: `Token ${b.token}` } });
      expect(r.status).toBe(200);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    expect(existsSync(join(dataDir, 'state.json'))).toBe(true);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('one that cannot start says why, and its address takes no more connections', async () => {
  const sb = await launchSandboxProcess({ ephemeral: true, speed: -1, ssh: false }, BIN, 20_000 * SCALE);
  await expect(sb.ready).rejects.toThrow(/the sandbox did not start: invalid sandbox options: speed/);
  await expect(fetch(`${sb.divioUrl}/apps/v3/applications/`, { signal: AbortSignal.timeout(5000 * SCALE) })).rejects.toThrow();
  await sb.close();
  await expect(startSandboxProcess({ ephemeral: true, speed: -1, ssh: false }, BIN, 20_000 * SCALE)).rejects.toThrow(/invalid sandbox options/);
});

it('a sandbox that dies comes back on the same address with the same token', async () => {
  const sb = await startSandboxProcess({ ephemeral: true, seed: 2, ssh: false }, BIN, 20_000 * SCALE);
  const apps = async (): Promise<number> => {
    try {
      return (await fetch(`${sb.divioUrl}/apps/v3/applications/`, { headers: { Authorization: `Token ${sb.token}` } })).status;
    } catch {
      return 0; // connection refused while it restarts
    }
  };
  try {
    const first = sb.pid;
    process.kill(first, 'SIGKILL');
    await until(() => !alive(first), 3000 * SCALE, 'the first sandbox to die');
    let status = 0;
    const end = Date.now() + 10_000 * SCALE;
    while (status !== 200 && Date.now() < end) {
      status = await apps();
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect(sb.pid).not.toBe(first);
  } finally {
    await sb.close();
  }
  expect(alive(sb.pid)).toBe(false);
});

it('a console killed with SIGKILL leaves no sandbox behind', async () => {
  const p = e2e.console({ cols: 120, rows: 30 });
  await p.waitForText(/nordwind-shop/, 5000 * SCALE);
  const kids = childrenOf(p.pid).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--ipc'));
  expect(kids).toHaveLength(1);
  process.kill(p.pid, 'SIGKILL');
  await until(() => !alive(kids[0]!), 3000 * SCALE, 'the sandbox process to end after its console was killed');
});
