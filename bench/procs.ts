// Child processes for the bench: spawn the real binaries in their own process groups, parse what
// they print, read CPU time and RSS of a process tree from /proc, and always clean up.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { BIN, killGroup } from './pty.js';

export interface Service {
  pid: number;
  child: ChildProcess;
  output(): string;
  /** Wait until the combined output matches `re`; resolves with the match. */
  waitOutput(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(): boolean;
  kill(graceMs?: number): Promise<void>;
}

const services = new Set<Service>();
let closed = false;

/** After this, no new child process may start (the bench is shutting down). */
export function refuseNewProcesses(): void {
  closed = true;
}
export function isShuttingDown(): boolean {
  return closed;
}

/** Spawn a command in its own process group, capturing stdout+stderr. */
export function spawnService(file: string, args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string; ipc?: boolean } = {}): Service {
  if (closed) throw new Error('the bench is shutting down');
  const child = spawn(file, args, {
    cwd: o.cwd ?? process.cwd(),
    env: { ...process.env, ...o.env },
    detached: true,
    stdio: o.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let exited = false;
  const waiters = new Set<() => void>();
  const onData = (b: Buffer) => {
    out += b.toString('utf8');
    if (out.length > 200_000) out = out.slice(-100_000);
    for (const w of [...waiters]) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exitP = new Promise<void>((r) => child.on('exit', () => {
    exited = true;
    for (const w of [...waiters]) w();
    r();
  }));
  child.on('error', (e) => {
    out += `\n[spawn error] ${e.message}\n`;
    exited = true;
    for (const w of [...waiters]) w();
  });
  const svc: Service = {
    pid: child.pid ?? -1,
    child,
    output: () => out,
    exited: () => exited,
    waitOutput(re, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) return done(null, m);
          if (exited) return done(new Error(`${file} ${args.join(' ')} exited before printing ${re}: ${tail(out)}`));
        };
        const done = (err: Error | null, m?: RegExpMatchArray) => {
          waiters.delete(check);
          clearTimeout(t);
          if (err) reject(err);
          else resolve(m!);
        };
        const t = setTimeout(() => done(new Error(`timed out waiting for ${re} from ${args.slice(0, 2).join(' ')}: ${tail(out)}`)), timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async kill(graceMs = 2000) {
      services.delete(svc);
      if (exited || !child.pid) return;
      killGroup(child.pid, 'SIGINT');
      const t = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), graceMs);
      await Promise.race([exitP, new Promise((r) => setTimeout(r, graceMs + 500))]);
      clearTimeout(t);
      killGroup(child.pid, 'SIGKILL');
    },
  };
  services.add(svc);
  return svc;
}

function tail(s: string): string {
  const t = s.trim().split('\n').slice(-5).join(' | ');
  return t.slice(-400) || '(no output)';
}

/** `node dist/divio-tui.js …args` as a background service. */
export function spawnBinary(args: string[], env?: NodeJS.ProcessEnv): Service {
  return spawnService(process.execPath, [BIN, ...args], { env: { CI: 'true', ...env } });
}

export async function killAllServices(): Promise<void> {
  closed = true;
  await Promise.all([...services].map((s) => s.kill(500)));
}

// ---------------------------------------------------------------- /proc readings
let clkTck = 0;
function ticksPerSecond(): number {
  if (!clkTck) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

interface StatRow { pid: number; ppid: number; utime: number; stime: number }
function readStat(pid: number): StatRow | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // rest[0] = state (field 3); ppid = field 4; utime = 14; stime = 15
    return { pid, ppid: Number(rest[1]), utime: Number(rest[11]), stime: Number(rest[12]) };
  } catch {
    return null;
  }
}

const treeCache = new Map<number, { at: number; pids: number[] }>();

/** pid and all its descendants (cached for 5 s: scanning /proc is not free). */
export function processTree(root: number): number[] {
  const c = treeCache.get(root);
  if (c && Date.now() - c.at < 5000) return c.pids;
  const pids = scanTree(root);
  treeCache.set(root, { at: Date.now(), pids });
  return pids;
}

function scanTree(root: number): number[] {
  const rows: StatRow[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const r = readStat(Number(d));
    if (r) rows.push(r);
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const r of rows) if (r.ppid === out[i] && !out.includes(r.pid)) out.push(r.pid);
  return out;
}

/** CPU seconds (user+system) used so far by pid and its descendants. */
export function cpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    const r = readStat(pid);
    if (r) ticks += r.utime + r.stime;
  }
  return ticks / ticksPerSecond();
}

/** CPU seconds (user+system) used so far by this one process (not its descendants). */
export function ownCpuSeconds(pid: number): number {
  const r = readStat(pid);
  return r ? (r.utime + r.stime) / ticksPerSecond() : 0;
}

/** Resident set size in bytes of pid and its descendants. */
export function rssBytes(root: number): number {
  let kb = 0;
  for (const pid of processTree(root)) {
    try {
      const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
      if (m) kb += Number(m[1]);
    } catch {}
  }
  return kb * 1024;
}

/** Samples RSS every `everyMs` until stopped. */
export function rssSampler(pid: number, everyMs = 500) {
  const samples: { t: number; rss: number }[] = [];
  const iv = setInterval(() => samples.push({ t: performance.now(), rss: rssBytes(pid) }), everyMs);
  return {
    samples,
    peak: () => samples.reduce((m, s) => Math.max(m, s.rss), 0),
    stop: () => clearInterval(iv),
  };
}
