// The shipped program as a user starts it from a shell: the bundle as a process (no pty), with its
// exit status, standard output and standard error. One sandbox process per test file, started from
// the bundle too (`divio-tui sandbox --json`), and temp state/config directories of its own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT } from './harness.js';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr as they came, interleaved. */
  all: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  /** Called with the child and the output so far on every chunk (send a signal, close a pipe …). */
  onOutput?: (child: ChildProcess, out: { stdout: string; stderr: string }) => void;
  /** Run this program (an installed bin, the single file) instead of `node dist/divio-tui.js`. */
  command?: string;
}

/** The program and its leading arguments: `node dist/divio-tui.js`, or the given one. */
const program = (command: string | undefined, args: string[]): [string, string[]] => (command ? [command, args] : [process.execPath, [BIN, ...args]]);

/** A home of its own: temp XDG dirs, no netrc, no colours; DIVIO_TOKEN only when given. */
export function cleanEnv(home: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  for (const k of ['DIVIO_TOKEN', 'DIVIO_ZONE', 'DIVIO_TUI_TOKEN', 'CLOUDFLARE_API_TOKEN', 'SSH_AUTH_SOCK', 'FORCE_COLOR']) delete env[k];
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_STATE_HOME: join(home, 'state'),
    NETRC_PATH: join(home, 'netrc-none'),
    NO_COLOR: '1',
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function runBin(args: string[], o: RunOptions & { home: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(...program(o.command, args), { cwd: ROOT, env: cleanEnv(o.home, o.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let all = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`divio-tui ${args.join(' ')}: no exit within ${o.timeoutMs ?? 60_000} ms\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-2000)}`));
    }, o.timeoutMs ?? 60_000);
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      all += b.toString();
      o.onOutput?.(child, { stdout, stderr });
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      all += b.toString();
      o.onOutput?.(child, { stdout, stderr });
    });
    child.stdout.on('error', () => {});
    child.stdin.on('error', () => {});
    if (o.input !== undefined) child.stdin.end(o.input);
    else child.stdin.end();
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, all });
    });
  });
}

export interface SandboxBin {
  divioUrl: string;
  token: string;
  cloudflareUrl: string;
  cloudflareToken: string;
  ssh: { host: string; port: number } | null;
  /** A home for the commands run against it (temp; removed by stop). */
  home: string;
  /** Env that points a command at this sandbox as if it were a Divio zone. */
  env: Record<string, string>;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * `divio-tui sandbox --port 0 --ephemeral --json …` from the bundle (or from `o.command`, with `o.env`
 * added to its environment); resolves once it printed its endpoints.
 */
export function startSandboxBin(extra: string[] = ['--seed', '7', '--speed', '20'], o: { command?: string; env?: Record<string, string | undefined> } = {}): Promise<SandboxBin> {
  const home = mkdtempSync(join(tmpdir(), 'divio-tui-cli-e2e-'));
  mkdirSync(join(home, 'state'), { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(...program(o.command, ['sandbox', '--port', '0', '--ephemeral', '--json', ...extra]), {
      cwd: ROOT,
      env: cleanEnv(home, o.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the sandbox did not start: ${out} ${err}`));
    }, 30_000);
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find((l) => l.startsWith('{') && l.endsWith('}'));
      if (!line) return;
      clearTimeout(timer);
      const j = JSON.parse(line) as { divioUrl: string; token: string; cloudflareUrl: string; cloudflareToken: string; ssh: { host: string; port: number } | null };
      resolve({
        ...j,
        home,
        env: { DIVIO_ZONE: j.divioUrl, DIVIO_TOKEN: j.token },
        child,
        async stop() {
          if (child.exitCode === null) {
            const gone = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
            if (child.exitCode === null) child.kill('SIGKILL');
          }
          rmSync(home, { recursive: true, force: true });
        },
      });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the sandbox exited (${code}): ${err}`));
    });
  });
}

/** An ssh-agent of our own holding a fresh ed25519 key (or none: `withKey` false). */
export interface Agent {
  sock: string;
  dir: string;
  stop(): void;
}

export const haveOpenSsh = (): boolean =>
  spawnSync('ssh', ['-V']).status === 0 && spawnSync('ssh-keygen', ['-?']).error === undefined && spawnSync('ssh-agent', ['-h']).error === undefined;

export async function startAgent(withKey = true): Promise<Agent> {
  const dir = mkdtempSync(join(tmpdir(), 'divio-tui-agent-'));
  const sock = join(dir, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  for (let i = 0; i < 200 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
  if (!existsSync(sock)) throw new Error('ssh-agent did not start');
  if (withKey) {
    const key = join(dir, 'id_ed25519');
    if (spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]).status !== 0) throw new Error('ssh-keygen failed');
    if (spawnSync('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: sock } }).status !== 0) throw new Error('ssh-add failed');
  }
  return {
    sock,
    dir,
    stop() {
      agent.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
