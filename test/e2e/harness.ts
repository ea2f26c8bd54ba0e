// A real pseudo-terminal for end-to-end tests: the bundled console runs in a pty (@lydell/node-pty),
// its output is fed into a headless xterm (@xterm/headless), and tests read the screen as a user
// would, press keys, resize, and inspect the raw bytes.
import { spawn, type IPty } from '@lydell/node-pty';
import xtermHeadless from '@xterm/headless';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const { Terminal } = xtermHeadless as unknown as typeof import('@xterm/headless');

export const ROOT = resolve(import.meta.dirname, '../..');
/** The console under test: the bundled bin (override with DIVIO_TUI_BIN). */
export const BIN = process.env.DIVIO_TUI_BIN ?? join(ROOT, 'dist/divio-tui.js');

export function binAvailable(): boolean {
  return existsSync(BIN);
}

export const KEYS = {
  enter: '\r',
  esc: '\x1b',
  up: '\x1b[A',
  down: '\x1b[B',
  backspace: '\x7f',
  tab: '\t',
  ctrlC: '\x03',
} as const;

export interface SpawnOptions {
  args?: string[];
  cols?: number;
  rows?: number;
  env?: Record<string, string | undefined>;
  /** Run node with these arguments instead of the bundled console (fixtures). */
  node?: string[];
  /**
   * Run this program instead of `node dist/divio-tui.js` (an installed bin, the single file): `args`
   * follow it. The program is found by its path, not on PATH (which `env` may narrow).
   */
  command?: string;
}

export interface Pty {
  /** All bytes the program wrote, as a string. */
  raw(): string;
  /** The visible screen, one string per row (trailing spaces trimmed). */
  lines(): string[];
  screenText(): string;
  waitForText(re: RegExp | string, timeoutMs?: number): Promise<string>;
  waitForGone(re: RegExp | string, timeoutMs?: number): Promise<string>;
  waitForRaw(re: RegExp | string, timeoutMs?: number): Promise<void>;
  press(...keys: string[]): Promise<void>;
  type(text: string): Promise<void>;
  resize(cols: number, rows: number): void;
  /** Write bytes to the terminal from outside the program (another process writing to the tty). */
  inject(data: string): Promise<void>;
  waitExit(timeoutMs?: number): Promise<number>;
  readonly exited: boolean;
  /** The process id of the program in the terminal. */
  readonly pid: number;
  kill(): void;
  cleanup(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function spawnConsole(o: SpawnOptions = {}): Pty {
  const cols = o.cols ?? 120;
  const rows = o.rows ?? 32;
  const home = mkdtempSync(join(tmpdir(), 'divio-tui-e2e-'));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  delete env.DIVIO_TOKEN;
  Object.assign(env, {
    CI: 'false', // Ink draws nothing with CI=true
    TERM: 'xterm-256color',
    LANG: 'en_US.UTF-8',
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_STATE_HOME: join(home, 'state'),
    NETRC_PATH: join(home, 'netrc-none'),
  });
  for (const [k, v] of Object.entries(o.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  let raw = '';
  let pending = 0;
  const args = o.args ?? ['--sandbox', '--ephemeral', '--seed', '1'];
  const [file, argv] = o.command ? [o.command, args] : [process.execPath, o.node ?? [BIN, ...args]];
  const pty: IPty = spawn(file, argv, { name: 'xterm-256color', cols, rows, cwd: ROOT, env });
  let exitCode: number | null = null;
  const exitWaiters: Array<(c: number) => void> = [];
  pty.onData((d) => {
    raw += d;
    pending++;
    term.write(d, () => {
      pending--;
    });
  });
  pty.onExit(({ exitCode: c }) => {
    exitCode = c;
    for (const w of exitWaiters.splice(0)) w(c);
  });
  const lines = (): string[] => {
    const b = term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < term.rows; i++) out.push(b.getLine(b.viewportY + i)?.translateToString(true) ?? '');
    return out;
  };
  const test = (re: RegExp | string, s: string): boolean => (typeof re === 'string' ? s.includes(re) : re.test(s));
  const flushed = async (): Promise<void> => {
    for (let i = 0; i < 50 && pending > 0; i++) await sleep(5);
  };
  const api: Pty = {
    pid: pty.pid,
    raw: () => raw,
    lines,
    screenText: () => lines().join('\n'),
    async waitForText(re, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        await flushed();
        const s = api.screenText();
        if (test(re, s)) return s;
        if (Date.now() > end) throw new Error(`timed out waiting for ${String(re)}; screen:\n${s}`);
        await sleep(25);
      }
    },
    async waitForGone(re, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        await flushed();
        const s = api.screenText();
        if (!test(re, s)) return s;
        if (Date.now() > end) throw new Error(`timed out waiting for ${String(re)} to disappear; screen:\n${s}`);
        await sleep(25);
      }
    },
    async waitForRaw(re, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      while (!test(re, raw)) {
        if (Date.now() > end) throw new Error(`timed out waiting for raw ${String(re)}`);
        await sleep(25);
      }
    },
    async press(...keys) {
      for (const k of keys) {
        pty.write(k);
        await sleep(k === KEYS.esc ? 120 : 60);
      }
    },
    async type(text) {
      for (const ch of text) {
        pty.write(ch);
        await sleep(20);
      }
      await sleep(60);
    },
    resize(c, r) {
      term.resize(c, r);
      pty.resize(c, r);
    },
    inject(data) {
      return new Promise((res) => term.write(data, res));
    },
    get exited() {
      return exitCode !== null;
    },
    waitExit(timeoutMs = 5000) {
      if (exitCode !== null) return Promise.resolve(exitCode);
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error('the console did not exit')), timeoutMs);
        exitWaiters.push((c) => {
          clearTimeout(t);
          res(c);
        });
      });
    },
    kill() {
      if (exitCode === null) {
        try {
          pty.kill();
        } catch {}
      }
    },
    cleanup() {
      api.kill();
      term.dispose();
      rmSync(home, { recursive: true, force: true });
    },
  };
  return api;
}
