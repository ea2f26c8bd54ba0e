// Pseudo-terminal driver for the bench (and for end-to-end tests): spawn the bundled console in a
// real pty (@lydell/node-pty), feed every byte it writes into a headless xterm, read the screen.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pty from '@lydell/node-pty';
import xtermHeadless from '@xterm/headless';

const { Terminal } = xtermHeadless as unknown as { Terminal: typeof import('@xterm/headless').Terminal };
type Term = InstanceType<typeof Terminal>;

/** The console binary (override with BENCH_BIN to measure another build). */
export const BIN = resolve(process.cwd(), process.env.BENCH_BIN ?? 'dist/divio-tui.js');

export interface SpawnOptions {
  args?: string[];
  cols?: number;
  rows?: number;
  /** Extra environment (merged over a clean base with CI=false, TERM=xterm-256color, temp XDG dirs). */
  env?: Record<string, string | undefined>;
  /** The program to run (default: node dist/divio-tui.js). */
  file?: string;
  /** Arguments before `args` (default: [BIN]). */
  prefix?: string[];
  cwd?: string;
  /** Trace into tempDir/trace.log (DIVIO_TUI_TRACE: start-up marks and every render's time). */
  trace?: boolean;
}

export interface ConsoleProc {
  pid: number;
  term: Term;
  /** performance.now() at spawn. */
  spawnedAt: number;
  /** Total bytes the program wrote to the terminal. */
  bytes(): number;
  /** Resolves when the terminal has parsed everything received so far. */
  flush(): Promise<void>;
  /** Called after each chunk of output has been parsed by the terminal (time = performance.now()). */
  onParsed(fn: (time: number, chunk: string) => void): () => void;
  write(keys: string): void;
  /** The process exit, if it happened. */
  exited: Promise<{ exitCode: number; signal?: number }>;
  exitInfo(): { exitCode: number; signal?: number } | null;
  /** Kill the process group (SIGTERM, then SIGKILL after graceMs), remove temp dirs. */
  kill(graceMs?: number): Promise<void>;
  /** Everything written to the terminal (optional, only when keepRaw was set). */
  tempDir: string;
}

const live = new Set<ConsoleProc>();
let closed = false;

/** Spawn `node dist/divio-tui.js …args` in a cols×rows pty with its own temp XDG dirs. */
export function spawnConsole(o: SpawnOptions = {}): ConsoleProc {
  if (closed) throw new Error('shutting down: no new consoles');
  const cols = o.cols ?? 120;
  const rows = o.rows ?? 40;
  const tempDir = mkdtempSync(join(tmpdir(), 'divio-bench-'));
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'USER', 'NODE_OPTIONS']) {
    const v = process.env[k];
    if (v !== undefined) base[k] = v;
  }
  const env: Record<string, string> = {
    ...base,
    LANG: base.LANG && /utf-?8/i.test(base.LANG) ? base.LANG : 'C.UTF-8',
    CI: 'false',
    TERM: 'xterm-256color',
    COLORTERM: 'truecolor',
    HOME: join(tempDir, 'home'),
    XDG_CONFIG_HOME: join(tempDir, 'config'),
    XDG_STATE_HOME: join(tempDir, 'state'),
    XDG_DATA_HOME: join(tempDir, 'data'),
    XDG_CACHE_HOME: join(tempDir, 'cache'),
  };
  if (o.trace) env.DIVIO_TUI_TRACE = join(tempDir, 'trace.log');
  // Diagnostics: node options for the console only (e.g. BENCH_CONSOLE_NODE_OPTIONS=--max-old-space-size=160).
  if (process.env.BENCH_CONSOLE_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_CONSOLE_NODE_OPTIONS;
  for (const [k, v] of Object.entries(o.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  const spawnedAt = performance.now();
  const p = pty.spawn(o.file ?? process.execPath, [...(o.prefix ?? [BIN]), ...(o.args ?? [])], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: o.cwd ?? process.cwd(),
    env,
  });
  let bytes = 0;
  let pending = 0;
  let flushWaiters: (() => void)[] = [];
  const listeners = new Set<(time: number, chunk: string) => void>();
  let exitInfo: { exitCode: number; signal?: number } | null = null;
  const exited = new Promise<{ exitCode: number; signal?: number }>((res) => {
    p.onExit((e) => {
      exitInfo = e;
      res(e);
    });
  });
  p.onData((chunk) => {
    bytes += Buffer.byteLength(chunk, 'utf8');
    pending++;
    term.write(chunk, () => {
      pending--;
      const t = performance.now();
      for (const fn of listeners) fn(t, chunk);
      if (pending === 0) {
        const w = flushWaiters;
        flushWaiters = [];
        for (const f of w) f();
      }
    });
  });
  // Answer terminal queries (cursor position etc.) as a real terminal would.
  term.onData((d) => {
    try {
      p.write(d);
    } catch {}
  });
  const proc: ConsoleProc = {
    pid: p.pid,
    term,
    spawnedAt,
    tempDir,
    bytes: () => bytes,
    flush: () => (pending === 0 ? Promise.resolve() : new Promise((r) => flushWaiters.push(r))),
    onParsed(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    write(keys) {
      if (!exitInfo) p.write(keys);
    },
    exited,
    exitInfo: () => exitInfo,
    async kill(graceMs = 1500) {
      live.delete(proc);
      if (!exitInfo) {
        killGroup(p.pid, 'SIGTERM');
        const t = setTimeout(() => killGroup(p.pid, 'SIGKILL'), graceMs);
        await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs + 500))]);
        clearTimeout(t);
        killGroup(p.pid, 'SIGKILL');
      }
      try {
        term.dispose();
      } catch {}
      rmSync(tempDir, { recursive: true, force: true });
    },
  };
  live.add(proc);
  return proc;
}

/** Signal a whole process group (the pty child is a session leader), falling back to the pid. */
export function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {}
  }
}

/** Kill every console still running (for cleanup on failure). */
export async function killAllConsoles(): Promise<void> {
  closed = true;
  await Promise.all([...live].map((c) => c.kill(300)));
}

/** The visible screen as text, one line per row (right-trimmed). */
export function screenText(term: Term): string {
  return screenLines(term).join('\n');
}

export function screenLines(term: Term): string[] {
  const buf = term.buffer.active;
  const out: string[] = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buf.getLine(buf.viewportY + y);
    out.push(line ? line.translateToString(true) : '');
  }
  return out;
}

/**
 * Wait until `pred(screen)` is true, checked after each parsed chunk of output (and every 50 ms).
 * Resolves with performance.now() of the first time it held; rejects on timeout or exit.
 */
export function waitFor(c: ConsoleProc, pred: (screen: string) => boolean, timeoutMs = 10_000, what = 'screen condition'): Promise<number> {
  return new Promise((resolveP, reject) => {
    let done = false;
    const check = (t: number) => {
      if (done) return;
      let ok = false;
      try {
        ok = pred(screenText(c.term));
      } catch {}
      if (ok) finish(null, t);
    };
    const finish = (err: Error | null, t = 0) => {
      done = true;
      off();
      clearInterval(iv);
      clearTimeout(to);
      if (err) reject(err);
      else resolveP(t);
    };
    const off = c.onParsed((t) => check(t));
    const iv = setInterval(() => check(performance.now()), 50);
    const to = setTimeout(() => {
      const tail = screenText(c.term).split('\n').filter((l) => l.trim()).slice(0, 6).join(' | ');
      finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen: ${tail.slice(0, 300) || '(empty)'}`));
    }, timeoutMs);
    c.exited.then((e) => {
      if (!done) {
        const tail = screenText(c.term).split('\n').filter((l) => l.trim()).slice(-4).join(' | ');
        finish(new Error(`console exited (code ${e.exitCode}) while waiting for ${what}: ${tail.slice(0, 300)}`));
      }
    });
    check(performance.now());
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
