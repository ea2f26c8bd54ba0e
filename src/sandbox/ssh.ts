// The sandbox's SSH endpoint (pure-JS ssh2 server on loopback). User `<app slug>-<env slug>` of a
// deployed environment; any public key is accepted (publickey auth only, signature verified); a shell
// or exec runs /bin/sh (in a pty when one is requested) whose environment holds that environment's
// variables plus STAGE. Sessions end after `sessionLimitMs`, whatever the activity.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn as spawnChild, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel, PseudoTtyInfo } from 'ssh2';
import type { Engine } from './engine.js';
import type { EnvRec } from './model.js';
import { moveAside, writeFileAtomicSync } from '../statefile/index.js';

const { Server, utils } = ssh2;

export interface SshServerInfo { host: string; port: number; knownHostsPath: string; /** "ssh-ed25519 AAAA…" (for pinning) */ hostKey: string; close: () => Promise<void> }

export async function startSshServer(o: { host: string; dir: string; engine: Engine; sessionLimitMs: number; port?: number; notice?: (line: string) => void }): Promise<SshServerInfo> {
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const { priv, pub } = hostKey(o.dir, o.notice ?? (() => {}));
  const [keyType, keyData] = pub.split(/\s+/);
  const clients = new Set<Connection>();
  const homeRoot = join(o.dir, 'home');

  const lookup = (user: string): EnvRec | undefined => {
    const s = o.engine.state;
    for (const e of s.environments) {
      const app = s.applications.find((a) => a.uuid === e.application);
      if (app && `${app.slug}-${e.slug}` === user) return e;
    }
    return undefined;
  };

  const server = new Server({ hostKeys: [priv], banner: undefined }, (client) => {
    clients.add(client);
    let env: EnvRec | undefined;
    let user = '';
    const streams = new Set<ServerChannel>();
    let limitTimer: NodeJS.Timeout | null = null;
    client.on('error', () => {});
    client.on('close', () => { clients.delete(client); if (limitTimer) clearTimeout(limitTimer); });
    client.on('authentication', (ctx) => {
      const e = lookup(ctx.username);
      if (!e || !e.last_finished_deployment || e.status === 'not_deployed') return ctx.reject(['publickey']);
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const key = utils.parseKey(ctx.key.data);
      if (key instanceof Error) return ctx.reject(['publickey']);
      if (!ctx.signature) return ctx.accept(); // "would this key be accepted?"
      const k = Array.isArray(key) ? key[0] : key;
      if (k.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      env = e;
      user = ctx.username;
      ctx.accept();
    });
    client.on('ready', () => {
      limitTimer = setTimeout(() => {
        const mins = Math.round(o.sessionLimitMs / 60_000);
        for (const st of streams) {
          try { st.write(`\r\n[divio sandbox] Session limit reached (${mins >= 1 ? `${mins} minutes` : `${Math.round(o.sessionLimitMs / 1000)} seconds`}): closing the connection.\r\n`); st.exit(255); st.end(); } catch {}
        }
        setTimeout(() => client.end(), 100);
      }, o.sessionLimitMs);
      limitTimer.unref();
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        let pty: PseudoTtyInfo | null = null;
        let resize: ((cols: number, rows: number) => void) | null = null;
        session.on('pty', (accept, _reject, info) => { pty = info; accept?.(); });
        session.on('window-change', (accept, _reject, info) => { resize?.(info.cols, info.rows); accept?.(); });
        session.on('env', (accept) => accept?.());
        session.on('signal', (accept) => accept?.());
        const run = (stream: ServerChannel, command: string | null) => {
          streams.add(stream);
          stream.on('close', () => streams.delete(stream));
          const vars = shellEnv(o.engine, env!, user, homeRoot, pty?.term);
          const args = command === null ? ['-i'] : ['-c', command];
          if (command === null) {
            const app = o.engine.appOf(env!);
            const mins = Math.round(o.sessionLimitMs / 60_000);
            stream.write(`Divio sandbox: ${app.slug} / ${env!.slug} — a fresh container of the environment. Sessions end after ${mins >= 1 ? `${mins} minutes` : `${Math.round(o.sessionLimitMs / 1000)} seconds`}.\r\n`);
          }
          if (pty) startPty(stream, args, vars, pty, (fn) => { resize = fn; });
          else startPipes(stream, args, vars);
        };
        session.on('shell', (accept) => run(accept(), null));
        session.on('exec', (accept, _reject, info) => run(accept(), info.command));
        session.on('subsystem', (_accept, reject) => reject?.());
      });
    });
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host, () => {
      server.off('error', reject);
      server.on('error', () => {}); // a bad client must never take the sandbox down
      resolve((server.address() as AddressInfo).port);
    });
  });
  const knownHostsPath = join(o.dir, 'known_hosts');
  const hostPart = `[${o.host}]:${port}`;
  writeFileAtomicSync(knownHostsPath, `${hostPart} ${keyType} ${keyData}\n`, 0o644);
  return {
    host: o.host, port, knownHostsPath, hostKey: `${keyType} ${keyData}`,
    close: () => new Promise<void>((resolve) => {
      for (const c of clients) { try { c.end(); } catch {} }
      server.close(() => resolve());
      setTimeout(resolve, 500).unref();
    }),
  };
}

/** The key as ssh2 reads it back, with its public half derived from it; null when ssh2 cannot use it. */
function usableHostKey(priv: string): { priv: string; pub: string } | null {
  const parsed = utils.parseKey(priv);
  if (parsed instanceof Error) return null;
  const k = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!k || k.type !== 'ssh-ed25519' || !k.isPrivateKey()) return null;
  return { priv, pub: `${k.type} ${k.getPublicSSH().toString('base64')}` };
}

/**
 * A fresh ed25519 host key that ssh2 can use. Its generator writes now and then (about 1 key in 270)
 * a key its own parser rejects ("Malformed OpenSSH private key"): each key is parsed back, and a
 * rejected one is replaced.
 */
export function newHostKey(generate: () => string = () => utils.generateKeyPairSync('ed25519', { comment: 'divio-tui-sandbox' }).private): { priv: string; pub: string } {
  for (let i = 0; i < 20; i++) {
    const k = usableHostKey(generate());
    if (k) return k;
  }
  throw new Error('could not generate a usable SSH host key (20 tries)');
}

/**
 * The host key of the data directory: the stored one when ssh2 can use it (the public half is derived
 * from it, so a stale .pub cannot pin a wrong key), else a new one — a stored key that is unusable is
 * moved aside with one line saying so, never deleted, never trusted.
 */
export function hostKey(dir: string, notice: (line: string) => void): { priv: string; pub: string } {
  const keyPath = join(dir, 'ssh_host_ed25519_key');
  if (existsSync(keyPath)) {
    let why: string;
    try {
      const k = usableHostKey(readFileSync(keyPath, 'utf8'));
      if (k) {
        let stored = '';
        try { stored = readFileSync(keyPath + '.pub', 'utf8').trim(); } catch {}
        if (stored.split(/\s+/).slice(0, 2).join(' ') !== k.pub) writeFileAtomicSync(keyPath + '.pub', `${k.pub} divio-tui-sandbox\n`, 0o644);
        return k;
      }
      why = 'not an ed25519 private key ssh2 can read';
    } catch (e) {
      why = (e as Error).message;
    }
    notice(moveAside(keyPath, 'sandbox SSH host key', why));
  }
  const k = newHostKey();
  writeFileAtomicSync(keyPath, k.priv, 0o600);
  writeFileAtomicSync(keyPath + '.pub', `${k.pub} divio-tui-sandbox\n`, 0o644);
  return k;
}

function shellEnv(engine: Engine, env: EnvRec, user: string, homeRoot: string, term?: string): Record<string, string> {
  const home = join(homeRoot, user);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const out: Record<string, string> = {};
  for (const v of engine.state.envVars) if (v.environment === env.uuid) out[v.name] = v.value;
  return {
    ...out,
    STAGE: env.slug,
    HOME: home,
    USER: 'root',
    LOGNAME: 'root',
    SHELL: '/bin/sh',
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    TERM: term || 'xterm-256color',
    LANG: 'C.UTF-8',
    PS1: `root@${user}:\\w# `,
    DIVIO_SANDBOX: '1',
  };
}

function startPty(stream: ServerChannel, args: string[], env: Record<string, string>, info: PseudoTtyInfo, onResize: (fn: (c: number, r: number) => void) => void): void {
  const fail = (e: Error) => {
    try {
      stream.stderr.write(`sandbox: cannot start a pseudo-terminal: ${e.message}\r\n`);
      stream.exit(1);
      stream.end();
    } catch {}
  };
  // keystrokes that arrive before the pty exists are kept, not lost
  let early: Buffer[] | null = [];
  let p: import('@lydell/node-pty').IPty | null = null;
  let closed = false;
  const onData = (d: Buffer): void => {
    if (early) early.push(d);
    else try { p?.write(d.toString('utf8')); } catch {}
  };
  stream.on('data', onData);
  stream.on('close', () => { closed = true; try { p?.kill(); } catch {} });
  // The single file cannot load a native module: there the shell runs without a pseudo-terminal.
  const withoutPty = (e: Error): void => {
    if (closed) return;
    try { stream.stderr.write(`sandbox: no pseudo-terminal (${e.message}); this shell runs without one\r\n`); } catch {}
    stream.removeListener('data', onData);
    startPipes(stream, args, env, true);
    for (const d of early ?? []) stream.emit('data', d);
    early = null;
  };
  void import('@lydell/node-pty').then((nodePty) => {
    if (closed) return;
    try {
      p = nodePty.spawn('/bin/sh', args, { name: info.term || 'xterm-256color', cols: info.cols || 80, rows: info.rows || 24, cwd: env.HOME, env });
    } catch (e) {
      fail(e as Error);
      return;
    }
    const pty = p;
    onResize((c, r) => { try { pty.resize(Math.max(1, c), Math.max(1, r)); } catch {} });
    pty.onData((d) => { try { stream.write(d); } catch {} });
    for (const d of early ?? []) pty.write(d.toString('utf8'));
    early = null;
    pty.onExit(({ exitCode }) => {
      try { stream.exit(exitCode); stream.end(); } catch {}
    });
  }, withoutPty);
}

/**
 * The shell on pipes. `terminal`: the client has a terminal in raw mode but there is no pseudo-terminal
 * here, so the line discipline a pty would give is done here: typed characters are echoed, a line goes
 * to the shell on Enter (backspace edits it, ctrl-c drops it, ctrl-d on an empty line ends input), and
 * the shell's newlines become CR LF.
 */
function startPipes(stream: ServerChannel, args: string[], env: Record<string, string>, terminal = false): ChildProcessWithoutNullStreams {
  const child = spawnChild('/bin/sh', args, { env, cwd: env.HOME, stdio: ['pipe', 'pipe', 'pipe'] });
  if (!terminal) {
    child.stdout.pipe(stream, { end: false });
    child.stderr.pipe(stream.stderr, { end: false });
    stream.pipe(child.stdin);
  } else {
    const crlf = (d: Buffer): string => d.toString('utf8').replace(/\r?\n/g, '\r\n');
    child.stdout.on('data', (d: Buffer) => { try { stream.write(crlf(d)); } catch {} });
    child.stderr.on('data', (d: Buffer) => { try { stream.stderr.write(crlf(d)); } catch {} });
    child.stdin.on('error', () => {});
    let line = '';
    stream.on('data', (d: Buffer) => {
      let echo = '';
      for (const ch of d.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          echo += '\r\n';
          child.stdin.write(`${line}\n`);
          line = '';
        } else if (ch === '\x7f' || ch === '\b') {
          if (line) echo += '\b \b';
          line = line.slice(0, -1);
        } else if (ch === '\x03') {
          echo += '^C\r\n';
          line = '';
        } else if (ch === '\x04') {
          if (!line) child.stdin.end();
        } else if (ch >= ' ' || ch === '\t') {
          line += ch;
          echo += ch;
        }
      }
      try { if (echo) stream.write(echo); } catch {}
    });
  }
  stream.on('close', () => { if (child.exitCode === null) child.kill('SIGHUP'); });
  child.on('error', (e) => { try { stream.stderr.write(`sandbox: ${e.message}\n`); stream.exit(127); stream.end(); } catch {} });
  child.on('close', (code) => { try { stream.exit(code ?? 1); stream.end(); } catch {} });
  return child;
}
