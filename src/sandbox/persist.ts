// Persistence of the sandbox model: one JSON file in the data directory, written atomically (tmp,
// fsync, rename) and debounced. Runtime logs are trimmed to the last PERSISTED_LOG_LINES per environment on disk.
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SandboxState } from './model.js';
import { stateDir, writeFileAtomic, writeFileAtomicSync } from '../statefile/index.js';
import { materialiseHistory } from './engine.js';

export const PERSISTED_LOG_LINES = 1000;
export const STATE_FILE = 'state.json';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), 'sandbox');
}

function serialise(state: SandboxState): string {
  materialiseHistory(state.logs); // histories not read yet are written as they will be read
  const logs: SandboxState['logs'] = {};
  for (const [k, v] of Object.entries(state.logs)) logs[k] = { nextSeq: v.nextSeq, lines: v.lines.slice(-PERSISTED_LOG_LINES) };
  return JSON.stringify({ ...state, logs });
}

const REQUIRED_ARRAYS = ['organisations', 'applications', 'environments', 'deployments', 'envVars', 'serviceInstances', 'backups', 'siBackups', 'restores', 'downloads', 'downloadSis', 'domains', 'zones', 'purges', 'cdnClears'] as const;

/**
 * Load a persisted state; returns null (with a reason) when absent or unusable. `corrupt` is set when
 * a file is there but cannot be used (the caller moves it aside rather than overwrite it).
 */
export function loadState(dir: string): { state: SandboxState | null; reason?: string; corrupt?: boolean } {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) return { state: null, reason: 'no state file' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { state: null, reason: `unreadable state file: ${(e as Error).message}`, corrupt: true };
  }
  const s = parsed as Partial<SandboxState>;
  if (!s || typeof s !== 'object' || s.version !== 1 || typeof s.seed !== 'number' || typeof s.vclock !== 'number' || !s.me || typeof s.me !== 'object' || !s.logs || typeof s.logs !== 'object' || Array.isArray(s.logs)) {
    return { state: null, reason: 'state file has an unknown format', corrupt: true };
  }
  for (const k of REQUIRED_ARRAYS) {
    const a = s[k];
    if (!Array.isArray(a)) return { state: null, reason: `state file lacks "${k}"`, corrupt: true };
    if (a.some((x) => !x || typeof x !== 'object' || Array.isArray(x))) return { state: null, reason: `state file has a malformed record in "${k}"`, corrupt: true };
  }
  for (const [env, l] of Object.entries(s.logs)) {
    if (!l || typeof l !== 'object' || typeof l.nextSeq !== 'number' || !Array.isArray(l.lines)) return { state: null, reason: `state file has malformed logs for ${env}`, corrupt: true };
  }
  return { state: s as SandboxState };
}

export class Persister {
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  constructor(private dir: string, private state: () => SandboxState, private delayMs = 500) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  private due = Infinity;
  /** Write within `delayMs` (default: the persister's delay); an earlier deadline wins. */
  schedule(delayMs = this.delayMs): void {
    this.dirty = true;
    const due = Date.now() + delayMs;
    if (this.timer && due >= this.due) return;
    if (this.timer) clearTimeout(this.timer);
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.due = Infinity;
      this.writing = this.writing.then(() => this.write()).catch(() => {});
    }, delayMs);
    this.timer.unref();
  }
  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const file = join(this.dir, STATE_FILE);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(file, serialise(this.state()));
  }
  /** Write now (synchronously), e.g. on close. */
  flushSync(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; this.due = Infinity; }
    const file = join(this.dir, STATE_FILE);
    writeFileAtomicSync(file, serialise(this.state()));
    this.dirty = false;
  }
  async close(): Promise<void> {
    await this.writing;
    this.flushSync();
  }
}
