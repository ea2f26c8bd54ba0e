// `divio-tui doctor`: everything that must be right for the console to work, checked and explained.
// Never prints the token, only where it comes from.
import { execa } from 'execa';
import { connect } from 'node:net';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './config.js';
import type { Scope } from './keymap.js';
import { findToken } from '../divio/auth.js';
import { detectCapabilities } from '../terminal/capabilities.js';
import { notifySettings } from '../terminal/osc.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DoctorOptions {
  env?: Record<string, string | undefined>;
  configPath?: string;
  /** The keymap scopes of each screen (the screen table), for the config's key conflict check. */
  views?: Record<string, readonly Scope[]>;
  /** --zone override (else DIVIO_ZONE, else divio.com). */
  zone?: string;
  /**
   * `--zone` (or DIVIO_ZONE) named a zone of the config file's "zones" (or looked like a name):
   * resolved by the caller as the console resolves it (src/cli/zones.ts). Wins over `zone`.
   */
  named?: NamedZone;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  /**
   * Asks the zone whether the token is accepted (GET /iam/v3/me/: anything but 200 = not logged in).
   * Resolves with who it belongs to, rejects with a message that never contains the token.
   */
  verifyToken?: (token: string, zone: string) => Promise<string>;
}

export type NamedZone =
  /** Not a zone of the config file's "zones": the message names the ones there are. */
  | { name: string; from: 'flag' | 'env'; unknown: string }
  /** A Divio zone (target: the zone, a domain or API URL) or a team gateway (target: its URL), and its token or why there is none. */
  | { name: string; from: 'flag' | 'env'; kind: 'divio' | 'gateway'; target: string; token: { secret: string; where: string } | { error: string } };

async function run(cmd: string, args: string[], env: Record<string, string | undefined>): Promise<{ ok: boolean; out: string }> {
  const r = await execa(cmd, args, { timeout: 3000, env, extendEnv: false, stdin: 'ignore', reject: false });
  return { ok: !r.failed, out: `${r.stdout}${r.stderr}`.trim() };
}

function unixSocketReachable(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

function tcpReachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

const KEY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa', 'id_ed25519_sk', 'id_ecdsa_sk'];

/** Does ssh have a key to offer: an agent holding one, or a default key file? */
async function sshKeyCheck(env: Record<string, string | undefined>): Promise<DoctorCheck> {
  const sock = env.SSH_AUTH_SOCK;
  let agent = 'no agent (SSH_AUTH_SOCK unset)';
  if (sock) {
    // ssh-add -l: 0 = keys listed, 1 = agent without keys, 2 = no agent there
    const l = await run('ssh-add', ['-l'], env);
    const n = l.ok ? l.out.split('\n').filter((x) => x.trim()).length : 0;
    if (n > 0) return { name: 'ssh key', ok: true, detail: `an agent holds ${n} key${n === 1 ? '' : 's'} (SSH_AUTH_SOCK)` };
    agent = /no identities/i.test(l.out) ? 'the agent holds no key' : `no agent answers at SSH_AUTH_SOCK`;
  }
  const home = env.HOME || homedir();
  const files: string[] = [];
  for (const f of KEY_FILES) if (await stat(join(home, '.ssh', f)).then(() => true, () => false)) files.push(`~/.ssh/${f}`);
  if (files.length) return { name: 'ssh key', ok: true, detail: `${files.join(', ')} (${agent})` };
  return {
    name: 'ssh key',
    ok: false,
    detail: `no key: ${agent} and no ~/.ssh/id_* file; ssh into an environment needs a key (added to your Divio account)`,
  };
}

/** DIVIO_TOKEN or the netrc token of the zone given by domain or URL (or none: the sandbox). */
async function tokenAndZoneChecks(opts: DoctorOptions, env: Record<string, string | undefined>, checks: DoctorCheck[]): Promise<void> {
  const zone = opts.zone || env.DIVIO_ZONE || 'divio.com';
  let tok: ReturnType<typeof findToken> = null;
  try {
    tok = findToken({ env: env as NodeJS.ProcessEnv, zone });
  } catch {}
  if (!tok) checks.push({ name: 'token', ok: true, detail: 'none found (DIVIO_TOKEN or ~/.netrc): the console uses the embedded sandbox' });
  else {
    const where = `found in ${tok.source === 'env' ? 'DIVIO_TOKEN' : `${tok.path} (machine ${tok.machine})`} (not shown)`;
    checks.push(await verifiedToken(tok.token, where, zone, opts.verifyToken));
  }
  checks.push({ name: 'zone', ok: true, detail: opts.zone ? `${zone} (--zone)` : env.DIVIO_ZONE ? `${zone} (from DIVIO_ZONE)` : `${zone} (default)` });
}

/** Verify a token with the zone (never printing it): ok with whose it is, or the zone's refusal. */
async function verifiedToken(secret: string, where: string, zone: string, verify: DoctorOptions['verifyToken']): Promise<DoctorCheck> {
  if (!verify) return { name: 'token', ok: true, detail: where };
  const v = await verify(secret, zone).then(
    (who) => ({ ok: true, text: `accepted by ${zone}${who ? ` (${who})` : ''}` }),
    (e: unknown) => ({ ok: false, text: e instanceof Error ? e.message : String(e) }),
  );
  return { name: 'token', ok: v.ok, detail: `${where}, ${v.text}`.split(secret).join('***') };
}

/** A zone of the config file's "zones": its token as the console would use it, and where it points. */
async function namedZoneChecks(z: NamedZone, verify: DoctorOptions['verifyToken'], checks: DoctorCheck[]): Promise<void> {
  const how = `${z.from === 'flag' ? '--zone' : 'from DIVIO_ZONE'}; the config file's "zones"`;
  if ('unknown' in z) {
    checks.push({ name: 'zone', ok: false, detail: z.unknown });
    return;
  }
  if ('error' in z.token) checks.push({ name: 'token', ok: false, detail: z.token.error });
  else if (z.kind === 'gateway') checks.push({ name: 'token', ok: true, detail: `${z.token.where} (not shown): the gateway's token, not a Divio token; the gateway checks it` });
  else checks.push(await verifiedToken(z.token.secret, `${z.token.where} (not shown)`, z.target, verify));
  checks.push({ name: 'zone', ok: true, detail: `${z.name}: ${z.kind === 'gateway' ? `the gateway ${z.target}` : z.target} (${how})` });
}

export async function runDoctor(opts: DoctorOptions = {}): Promise<{ checks: DoctorCheck[] }> {
  const env = opts.env ?? process.env;
  const checks: DoctorCheck[] = [];

  // config
  const c = loadConfig({ path: opts.configPath, env, views: opts.views });
  if (c.ok) checks.push({ name: 'config', ok: true, detail: c.path ? `${c.path} is valid` : `no config file (defaults; looked at ${c.searched})` });
  else checks.push({ name: 'config', ok: false, detail: c.error });

  // token and zone
  if (opts.named) await namedZoneChecks(opts.named, opts.verifyToken, checks);
  else await tokenAndZoneChecks(opts, env, checks);

  // terminal
  const isTTY = opts.isTTY ?? process.stdout.isTTY === true;
  const caps = detectCapabilities(env, isTTY);
  const cols = opts.columns ?? process.stdout.columns;
  const rows = opts.rows ?? process.stdout.rows;
  const sizeOk = !isTTY || ((cols ?? 0) >= 80 && (rows ?? 0) >= 20);
  checks.push({
    name: 'terminal',
    ok: sizeOk,
    detail:
      `TERM=${env.TERM ?? '(unset)'}, colour ${caps.color}, ${caps.unicode ? 'UTF-8' : 'ASCII (locale is not UTF-8)'}` +
      (isTTY ? `, ${cols ?? '?'}x${rows ?? '?'}${sizeOk ? '' : ' (at least 80x20 recommended)'}` : ', not a TTY (the UI needs one; subcommands work)'),
  });

  // notifications when a job ends (src/terminal/osc.ts)
  const ns = notifySettings(env, c.ok ? c.config.notify : undefined);
  checks.push({ name: 'notify', ok: true, detail: `${ns.reason}${ns.tmux && ns.desktop ? ' (tmux needs set -g allow-passthrough on)' : ''}` });

  // ssh
  const ssh = await run('ssh', ['-V'], env);
  checks.push(ssh.ok ? { name: 'ssh', ok: true, detail: ssh.out.split('\n')[0] || 'ssh found' } : { name: 'ssh', ok: false, detail: 'ssh not found on PATH (needed for the shell hand-off)' });
  checks.push(await sshKeyCheck(env));

  // docker
  const dh = env.DOCKER_HOST;
  if (dh) {
    let ok = false;
    let where = dh;
    if (dh.startsWith('unix://')) ok = await unixSocketReachable(dh.slice(7));
    else if (dh.startsWith('tcp://')) {
      try {
        const u = new URL(dh.replace(/^tcp:/, 'http:'));
        where = `${u.hostname}:${u.port || 2375}`;
        ok = await tcpReachable(u.hostname, Number(u.port || 2375));
      } catch {
        ok = false;
      }
    }
    checks.push({ name: 'docker', ok, detail: ok ? `DOCKER_HOST ${where} reachable` : `DOCKER_HOST ${where} not reachable (local environments unavailable)` });
  } else {
    const sock = '/var/run/docker.sock';
    const exists = await stat(sock).then(() => true, () => false);
    const ok = exists && (await unixSocketReachable(sock));
    checks.push({
      name: 'docker',
      ok: ok || !exists,
      detail: ok ? `${sock} reachable` : exists ? `${sock} exists but is not reachable (permissions?)` : `no DOCKER_HOST and no ${sock} (optional: only local environments need Docker)`,
    });
  }
  return { checks };
}
