// The embedded sandbox in a child process of the console. It stands in for Divio's servers, so it
// runs beside the console rather than inside it: on the machine's other core while the console
// draws its first frame and loads the gateway (start-up), and its clock, log generation and HTTP
// serving never take the UI's thread. Its lifetime is tied to the IPC channel: when the console ends,
// however it ends (even SIGKILL), the channel closes and the sandbox stops.
//
// Parent: startSandboxProcess(options) → endpoints. Child: `divio-tui sandbox --ipc` (internal).
import { fork, spawn, type ChildProcess, type ForkOptions } from 'node:child_process';
import { setPriority } from 'node:os';
import { isSea } from 'node:sea';
import type { SandboxOptions } from './index.js';

/** What a client of the sandbox needs to reach it (and the Cloudflare plan per zone). */
export interface SandboxEndpoint {
  divioUrl: string;
  cloudflareUrl: string;
  token: string;
  cloudflareToken: string;
  state?: { zones?: { id: string; plan: string }[] };
  /** Lines about state files found unusable at start and moved aside (see Sandbox.notices). */
  notices?: string[];
  /** Where its state is kept; null when ephemeral or private (its data directory was in use). */
  dataDir?: string | null;
}

export interface SandboxProcess extends SandboxEndpoint {
  /** The current child (a new one after a restart). */
  readonly pid: number;
  close(): Promise<void>;
}

type ToChild = { type: 'start'; options: SandboxOptions } | { type: 'close' };
type FromChild =
  | { type: 'ready'; divioUrl: string; cloudflareUrl: string; token: string; cloudflareToken: string; zones: { id: string; plan: string }[]; notices: string[]; dataDir: string | null }
  | { type: 'notices'; lines: string[] }
  | { type: 'error'; message: string }
  | { type: 'closed' };

type Ready = Extract<FromChild, { type: 'ready' }>;

/** One child: forked, started, ready (or a clear error). */
function spawnOnce(options: SandboxOptions, entry: string, timeoutMs: number, notices: string[]): Promise<{ child: ChildProcess; ready: Ready; exited: Promise<void> }> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      const o: ForkOptions = { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, DIVIO_TUI_TRACE: '' }, serialization: 'json' };
      // The single file is the program itself: it takes no script path (fork would pass one).
      child = isSea() ? spawn(process.execPath, ['sandbox', '--ipc'], o) : fork(entry, ['sandbox', '--ipc'], o);
    } catch (e) {
      reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    // A background part: when it competes with the console for a core (start-up), the console wins.
    try {
      if (child.pid) setPriority(child.pid, 10);
    } catch {}
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      if (stderr.length < 4000) stderr += d;
    });
    let settled = false;
    const fail = (msg: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`the sandbox did not start: ${msg}${stderr.trim() ? ` (${stderr.trim().split('\n').slice(-3).join('; ')})` : ''}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
    timer.unref?.();
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.once('exit', (code, signal) => fail(`it exited (${signal ?? `code ${code}`})`));
    child.once('error', (e) => fail(e.message));
    child.on('message', (m: FromChild) => {
      if (m.type === 'notices') notices.push(...m.lines);
      if (settled) return;
      if (m.type === 'error') fail(m.message);
      else if (m.type === 'ready') {
        notices.push(...(m.notices ?? []));
        settled = true;
        clearTimeout(timer);
        // the console does not wait for the sandbox to exit (nor does its event loop keep it open)
        child.unref();
        child.channel?.unref?.();
        (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
        resolve({ child, ready: m, exited });
      }
    });
    child.send({ type: 'start', options } satisfies ToChild);
  });
}

/**
 * Fork this same program as `sandbox --ipc`, start the sandbox there, resolve with its endpoints.
 * `entry` defaults to the running script (the bundle, or src/cli.tsx under tsx: execArgv is kept).
 * A sandbox that dies is started again on the same address with the same tokens (its state comes
 * back from its data directory; an ephemeral one starts afresh), at most 3 times a minute: the
 * console's panes show upstream errors meanwhile and recover by themselves.
 */
export async function startSandboxProcess(options: SandboxOptions, entry = process.argv[1]!, timeoutMs = 20_000): Promise<SandboxProcess> {
  const notices: string[] = [];
  let cur = await spawnOnce(options, entry, timeoutMs, notices);
  const first = cur.ready;
  const again: SandboxOptions = { ...options, port: Number(new URL(first.divioUrl).port), token: first.token, cloudflareToken: first.cloudflareToken };
  let closing = false;
  const restarts: number[] = [];
  const watch = (c: typeof cur): void => {
    void c.exited.then(async () => {
      if (closing || c !== cur) return;
      const now = Date.now();
      while (restarts.length && now - restarts[0]! > 60_000) restarts.shift();
      if (restarts.length >= 3) return; // crashing in a loop: leave it to the person (the panes say why)
      restarts.push(now);
      try {
        const next = await spawnOnce(again, entry, timeoutMs, notices);
        if (closing) {
          next.child.kill('SIGTERM');
          return;
        }
        cur = next;
        watch(next);
      } catch {
        // the panes keep showing the upstream error
      }
    });
  };
  watch(cur);
  return {
    get pid() {
      return cur.child.pid!;
    },
    divioUrl: first.divioUrl,
    cloudflareUrl: first.cloudflareUrl,
    token: first.token,
    cloudflareToken: first.cloudflareToken,
    state: { zones: first.zones },
    notices,
    dataDir: first.dataDir ?? null,
    async close() {
      closing = true;
      const { child, exited } = cur;
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        child.send({ type: 'close' } satisfies ToChild);
      } catch {
        child.kill('SIGTERM');
      }
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** The child's side: wait for the options, start, report, stop when told or when the parent is gone. */
export async function runSandboxChild(): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write('divio-tui sandbox --ipc is internal (the console starts it)\n');
    process.exitCode = 2;
    return;
  }
  const { startSandbox } = await import('./index.js');
  let sb: Awaited<ReturnType<typeof startSandbox>> | null = null;
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    try {
      await sb?.close();
    } catch {}
    try {
      if (process.connected) send({ type: 'closed' } satisfies FromChild);
    } catch {}
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  // Ctrl-C in the console's terminal reaches the whole process group: the console decides.
  process.on('SIGINT', () => {});
  // Runs until stopped (the CLI ends a command once its promise settles).
  const forever = new Promise<void>(() => {});
  process.on('message', (m: ToChild) => {
    if (m.type === 'close') void stop();
    else if (m.type === 'start' && !sb) {
      let readySent = false;
      // a notice made after 'ready' (the SSH host key, moved aside when the endpoint starts in the
      // background) is sent as it is made, so the console has it before it can quit
      startSandbox({ ...m.options, onNotice: (line) => { if (readySent && process.connected) send({ type: 'notices', lines: [line] } satisfies FromChild); } }).then(
        (s) => {
          sb = s;
          if (stopping) return void s.close();
          send({
            type: 'ready',
            divioUrl: s.divioUrl,
            cloudflareUrl: s.cloudflareUrl,
            token: s.token,
            cloudflareToken: s.cloudflareToken,
            zones: (s.state.zones ?? []).map((z) => ({ id: z.id, plan: z.plan })),
            notices: s.notices.slice(),
            dataDir: s.dataDir,
          } satisfies FromChild);
          readySent = true; // from here on, onNotice sends each new notice (synchronously after the slice above)
          // (not with injected faults: the warm-up would take the answers meant for the console)
          if (!m.options.faults) void warmUp(s.divioUrl, s.token);
        },
        (e: unknown) => {
          send({ type: 'error', message: e instanceof Error ? e.message : String(e) } satisfies FromChild);
          setTimeout(() => process.exit(1), 50);
        },
      );
    }
  });
  return forever;
}

/**
 * Ask the sandbox what the console asks first, while the console takes the endpoints (its first
 * requests come some 20–30 ms after `ready`): the HTTP path (parser, routing, handlers, JSON) is then
 * compiled when the console's own requests come, instead of on them (its whoami and lists took
 * 14 ms, now 6). These two requests count in the sandbox's /_sandbox/stats like any other.
 */
async function warmUp(url: string, token: string): Promise<void> {
  const { get } = await import('node:http');
  for (const p of ['/iam/v3/me/', '/apps/v3/environments/?page_size=100']) {
    await new Promise<void>((done) => {
      get(`${url}${p}`, { headers: { authorization: `Token ${token}` }, agent: false }, (r) => {
        r.resume();
        r.on('end', done);
      }).on('error', () => done());
    });
  }
}
