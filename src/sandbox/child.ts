// The embedded sandbox in a child process of the console. It stands in for Divio's servers, so it
// runs beside the console rather than inside it: on the machine's other core while the console
// draws its first frame and loads the gateway (start-up), and its clock, log generation and HTTP
// serving never take the UI's thread. Its lifetime is tied to the IPC channel: when the console ends,
// however it ends (even SIGKILL), the channel closes and the sandbox stops.
//
// Parent: launchSandboxProcess(options) → endpoints at once, `ready` when it serves (the console);
// startSandboxProcess(options) → endpoints once it serves. Child: `sandbox --ipc` (internal), from the
// package's own small entry (./child-main.ts) or the program itself.
//
// The console's first requests need not wait for the child: the parent makes the listening socket
// and the tokens, and hands the socket to the child with its options. The URL is known at fork, so
// the gateway starts and asks at once; the kernel holds the connections until the sandbox serves.
import { fork, spawn, type ChildProcess, type ForkOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { isSea } from 'node:sea';
import { fileURLToPath } from 'node:url';
import { lockDir, privateSandboxNotice, stateDir, type DirLock } from '../statefile/index.js';
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
  /**
   * Resolves when the sandbox serves; rejects with why it did not start. Connections made before
   * wait for it. `state` (the zones' plans) and the start's notices are there once it resolves.
   */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

type ToChild = { type: 'start'; options: SandboxOptions } | { type: 'close' };
type FromChild =
  | { type: 'ready'; divioUrl: string; cloudflareUrl: string; token: string; cloudflareToken: string; zones: { id: string; plan: string }[]; notices: string[]; dataDir: string | null }
  | { type: 'notices'; lines: string[] }
  | { type: 'error'; message: string }
  | { type: 'closed' };

type Ready = Extract<FromChild, { type: 'ready' }>;

interface Spawned {
  child: ChildProcess;
  /** The child's `ready` (or a clear error: it exited, it said why, no answer in time). */
  ready: Promise<Ready>;
  exited: Promise<void>;
}

/** One child, forked and told to start (on `listening` when given: the parent's socket, closed here once sent). */
function spawnOnce(options: SandboxOptions, entry: string, timeoutMs: number, notices: string[], listening: NetServer | null): Spawned {
  const o: ForkOptions = { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, DIVIO_TUI_TRACE: '' }, serialization: 'json' };
  // The single file is the program itself: it takes no script path (fork would pass one).
  const child = isSea() ? spawn(process.execPath, ['sandbox', '--ipc'], o) : fork(entry, ['sandbox', '--ipc'], o);
  // A background part: when it competes with the console for a core (start-up), the console wins.
  try {
    if (child.pid) setPriority(child.pid, 10);
  } catch {}
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = new Promise<Ready>((resolve, reject) => {
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
        resolve(m);
      }
    });
    const start = { type: 'start', options } satisfies ToChild;
    if (!listening) child.send(start);
    else {
      // Sent as the bare socket, not the server: a server arrives listening in the child, which would
      // take connections before it can serve them; the bare socket leaves them to the kernel until
      // the sandbox listens on it. The child has its own copy once it is sent: this process closes its.
      const bare = (listening as unknown as { _handle: object })._handle;
      child.send(start, bare as unknown as NetServer, (err) => {
        listening.close();
        if (err) fail(`its socket could not be handed over (${err.message})`);
      });
    }
  });
  ready.catch(() => {}); // whoever takes the process sees the error
  return { child, ready, exited };
}

/** The package's own small entry for the child (the program's entry loads every command first). */
function defaultEntry(): string {
  try {
    const own = fileURLToPath(new URL('./sandbox-child.js', import.meta.url));
    if (existsSync(own)) return own;
  } catch {}
  return process.argv[1]!;
}

/**
 * Fork this same program as `sandbox --ipc` and start the sandbox there. Resolves as soon as the
 * child is told to start, with its endpoints (the console's gateway starts meanwhile) and `ready`.
 * `entry` defaults to the package's child entry, else the running script (src/cli.tsx under tsx:
 * execArgv is kept).
 *
 * - Its state directory is locked here, for this process (a second console then runs a private
 *   sandbox, as before), so its place is known before the child starts and stays taken across restarts.
 * - Without `port`, the listening socket is made here (a random loopback port) and handed over; with
 *   one, the child listens itself and this resolves once it serves.
 * - A sandbox that dies is started again on the same address with the same tokens (its state comes
 *   back from its data directory; an ephemeral one starts afresh), at most 3 times a minute: the
 *   console's panes show upstream errors meanwhile and recover by themselves.
 */
export async function launchSandboxProcess(options: SandboxOptions, entry = defaultEntry(), timeoutMs = 20_000): Promise<SandboxProcess> {
  const notices: string[] = [];
  const token = options.token ?? randomBytes(20).toString('hex');
  const cloudflareToken = options.cloudflareToken ?? randomBytes(20).toString('hex');
  let opts: SandboxOptions = { ...options, token, cloudflareToken };
  let dataDir: string | null = null;
  let lock: DirLock | null = null;
  if (!options.ephemeral && options.scenario !== 'hostile') {
    const dir = options.dataDir ?? join(stateDir(), 'sandbox');
    const taken = lockDir(dir);
    if (taken.lock) {
      lock = taken.lock;
      dataDir = dir;
      opts = { ...opts, dataDir: dir, dataDirHeld: true };
    } else {
      notices.push(privateSandboxNotice(taken.heldBy, dir));
      opts = { ...opts, dataDir: undefined, ephemeral: true };
    }
  }
  // the sandbox's host (its own default), as the sandbox writes it in its URLs
  const host = opts.host ?? '127.0.0.1';
  let listening: NetServer | null = null;
  let url: string | null = null;
  let cur: Spawned;
  try {
    if (opts.port === undefined) {
      const srv = (listening = createServer());
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, host, () => resolve());
      });
      url = `http://${host.includes(':') ? `[${host}]` : host}:${(srv.address() as AddressInfo).port}`;
    }
    cur = spawnOnce(opts, entry, timeoutMs, notices, listening);
  } catch (e) {
    listening?.close();
    lock?.release();
    throw e;
  }
  let first: Ready | null = null;
  let closing = false;
  const restarts: number[] = [];
  const watch = (c: Spawned, again: SandboxOptions): void => {
    void c.exited.then(async () => {
      if (closing || c !== cur) return;
      const now = Date.now();
      while (restarts.length && now - restarts[0]! > 60_000) restarts.shift();
      if (restarts.length >= 3) return; // crashing in a loop: leave it to the person (the panes say why)
      restarts.push(now);
      try {
        const next = spawnOnce(again, entry, timeoutMs, notices, null);
        cur = next;
        await next.ready;
        if (closing) {
          next.child.kill('SIGTERM');
          return;
        }
        watch(next, again);
      } catch {
        // the panes keep showing the upstream error
      }
    });
  };
  const ready = cur.ready.then((m) => {
    first = m;
    // the same address and tokens for a child started again
    watch(cur, { ...opts, port: Number(new URL(m.divioUrl).port) });
  });
  ready.catch(() => {
    lock?.release();
  });
  // a port asked for: the child listens itself, and says where once it serves
  if (!url) await ready;
  return {
    get pid() {
      return cur.child.pid!;
    },
    ready,
    divioUrl: url ?? first!.divioUrl,
    cloudflareUrl: url ?? first!.cloudflareUrl,
    token,
    cloudflareToken,
    get state() {
      return { zones: first?.zones };
    },
    notices,
    dataDir,
    async close() {
      closing = true;
      const { child, exited } = cur;
      try {
        if (child.exitCode !== null || child.signalCode !== null) return;
        try {
          child.send({ type: 'close' } satisfies ToChild);
        } catch {
          child.kill('SIGTERM');
        }
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      } finally {
        lock?.release();
      }
    },
  };
}

/** launchSandboxProcess, resolved once the sandbox serves (or rejected with why it did not start). */
export async function startSandboxProcess(options: SandboxOptions, entry = defaultEntry(), timeoutMs = 20_000): Promise<SandboxProcess> {
  const p = await launchSandboxProcess(options, entry, timeoutMs);
  try {
    await p.ready;
  } catch (e) {
    await p.close();
    throw e;
  }
  return p;
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
  process.on('message', (m: ToChild, handle?: unknown) => {
    if (m.type === 'close') void stop();
    else if (m.type === 'start' && !sb) {
      let readySent = false;
      // the console's listening socket (see launchSandboxProcess), served once the sandbox can
      const listenOn = handle && typeof handle === 'object' ? handle : undefined;
      // a notice made after 'ready' (the SSH host key, moved aside when the endpoint starts in the
      // background) is sent as it is made, so the console has it before it can quit
      startSandbox({ ...m.options, listenOn, onNotice: (line) => { if (readySent && process.connected) send({ type: 'notices', lines: [line] } satisfies FromChild); } }).then(
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
          // (not with injected faults: the warm-up would take the answers meant for the console;
          // not on the console's socket: its first requests are there already)
          if (!m.options.faults && !listenOn) void warmUp(s.divioUrl, s.token);
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
