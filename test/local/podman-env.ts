// Shared by the tests that need the real Docker Engine API from Podman: starts the private service
// (scripts/podman-service.sh, idempotent) at collection time, and stops it after the LAST test file
// that uses it — files run in parallel, so a file must not stop the service under another one.
// Users are recorded as pid files; a service that was already running before the tests is left alone.
import { execaSync } from 'execa';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PODMAN_SCRIPT = join(root, 'scripts', 'podman-service.sh');
const dir = process.env.DIVIO_TUI_PODMAN_DIR ?? join(process.env.TMPDIR ?? tmpdir(), 'divio-tui-podman');
const usersDir = join(dir, 'test-users');
const marker = join(dir, 'started-by-tests');

export interface PodmanEnv {
  /** Why the Podman tests are skipped here, or null when the service runs. */
  skipReason: string | null;
  /** unix:///…/podman.sock */
  dockerHost: string;
  /** DIVIO_TUI_REQUIRE_PODMAN=1: a skip must fail (CI). */
  required: boolean;
  /** Call in afterAll: the last user stops a service the tests started. */
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Run a shell snippet holding the service lock (flock when available; -o: the service started under it must not inherit the lock). */
function locked(snippet: string): { status: number | undefined; stdout: string; stderr: string } {
  const hasFlock = !execaSync('sh', ['-c', 'command -v flock'], { reject: false }).failed;
  const args = hasFlock ? ['-o', '-w', '90', join(dir, 'tests.lock'), 'sh', '-c', snippet] : ['-c', snippet];
  const r = execaSync(hasFlock ? 'flock' : 'sh', args, { timeout: 90_000, reject: false, stripFinalNewline: false });
  return { status: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

export function usePodman(tag: string): PodmanEnv {
  const required = process.env.DIVIO_TUI_REQUIRE_PODMAN === '1';
  const has = execaSync('sh', ['-c', 'command -v podman'], { reject: false });
  let skipReason: string | null = null;
  let dockerHost = '';
  if (has.failed) skipReason = 'podman is not installed (scripts/podman-setup.sh installs podman, runc, busybox-static)';
  else {
    // parallel test files must not start two services at once: status + start under one lock
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const r = locked(`if "${PODMAN_SCRIPT}" status >/dev/null 2>&1; then echo WAS=1; else echo WAS=0; fi; "${PODMAN_SCRIPT}" start`);
    const out = (r.stdout ?? '').trim().split('\n');
    const wasRunning = out.includes('WAS=1');
    const line = out.pop() ?? '';
    if (r.status === 0 && line.startsWith('DOCKER_HOST=')) {
      dockerHost = line.slice('DOCKER_HOST='.length);
      mkdirSync(usersDir, { recursive: true });
      if (!wasRunning) writeFileSync(marker, String(process.pid));
      writeFileSync(join(usersDir, String(process.pid)), tag);
    } else {
      const why = (r.stderr ?? '').trim().split('\n').filter(Boolean).slice(-1)[0] ?? `exit ${r.status}`;
      skipReason = `podman cannot run here: ${why}`;
    }
  }
  if (skipReason) console.warn(`[${tag}] SKIPPED: ${skipReason}`);
  let released = false;
  return {
    skipReason,
    dockerHost,
    required,
    release() {
      if (released || skipReason) return;
      released = true;
      rmSync(join(usersDir, String(process.pid)), { force: true });
      let others: string[] = [];
      try {
        others = readdirSync(usersDir).filter((f) => {
          const pid = Number(f);
          if (Number.isInteger(pid) && alive(pid)) return true;
          rmSync(join(usersDir, f), { force: true }); // a crashed run's leftover
          return false;
        });
      } catch {}
      if (others.length === 0 && existsSync(marker)) {
        rmSync(marker, { force: true });
        locked(`"${PODMAN_SCRIPT}" stop`);
      }
    },
  };
}
