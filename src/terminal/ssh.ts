// SSH into an environment with the real OpenSSH client, the user's own agent and keys
// (as `divio app ssh` does): `ssh -p PORT USER@HOST` from the environment's ssh_endpoint.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runAttached } from './attached.js';
import { sanitizeLines } from './sanitize.js';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** Sandbox extension: the endpoint's host key line ("ssh-ed25519 AAAA…"), pinned for this session. */
  host_key?: string | null;
}

export function sshBanner(app: string, env: string, t: SshTarget, ascii = false): string {
  const dash = ascii ? '-' : '─';
  const line = dash.repeat(60);
  return (
    `${line}\n` +
    ` SSH into ${app} @ ${env}  (${t.user}@${t.host}:${t.port})\n` +
    ` A fresh container of the environment; sessions end after 30 minutes.\n` +
    ` Type exit (or press Ctrl-D) to come back to divio-tui.\n` +
    `${line}\n`
  );
}

export interface SshArgsOptions {
  /**
   * Our own known-hosts file, for endpoints that publish no host key (real Divio does not): the key
   * is trusted on first use and kept there (StrictHostKeyChecking=accept-new); a changed key is
   * refused by ssh, loudly. Without it, ssh's own files and defaults apply.
   */
  knownHostsFile?: string;
  /** Run this command instead of a shell (as `ssh HOST CMD`: no pty, output and exit status as they are). */
  command?: string;
}

/**
 * The argv for `ssh`. A host key the endpoint publishes (a sandbox extension) is pinned for this
 * session; otherwise the key is trusted on first use into `knownHostsFile`.
 */
export function sshArgs(t: SshTarget, o: SshArgsOptions = {}): string[] {
  const args = ['-p', String(t.port)];
  if (t.host_key) {
    const dir = mkdtempSync(join(tmpdir(), 'divio-tui-ssh-'));
    const file = join(dir, 'known_hosts');
    const hostPattern = t.port === 22 ? t.host : `[${t.host}]:${t.port}`;
    writeFileSync(file, `${hostPattern} ${t.host_key.trim()}\n`, { mode: 0o600 });
    args.push('-o', `UserKnownHostsFile=${file}`, '-o', 'StrictHostKeyChecking=yes');
  } else if (o.knownHostsFile) {
    mkdirSync(dirname(o.knownHostsFile), { recursive: true, mode: 0o700 });
    args.push('-o', `UserKnownHostsFile=${o.knownHostsFile}`, '-o', 'StrictHostKeyChecking=accept-new');
  }
  args.push(`${t.user}@${t.host}`);
  if (o.command !== undefined) args.push(o.command);
  return args;
}

export interface SshResult {
  /** ssh's exit status: the remote command's, 255 when ssh itself failed, 127 when ssh is missing. */
  code: number;
  /**
   * ssh's own last words on its standard error (e.g. "Permission denied (publickey)."), sanitised,
   * when it failed with 255: the console shows them after it takes the screen back.
   */
  reason: string | null;
}

/**
 * Run ssh with the terminal (stdin, stdout) inherited; its standard error is passed through as it
 * comes and its tail kept, so that a failure can be explained once the screen is ours again.
 */
export async function runSsh(args: string[], sshBinary = process.env.DIVIO_TUI_SSH || 'ssh'): Promise<SshResult> {
  const r = await runAttached(sshBinary, args, { stderrTail: true });
  if (r.startError) {
    const reason = r.startError.code === 'ENOENT' ? `"${sshBinary}" not found: install the OpenSSH client` : `ssh failed to start: ${r.startError.message}`;
    process.stderr.write(`divio-tui: ${reason}\n`);
    return { code: 127, reason };
  }
  return { code: r.code, reason: r.code === 255 ? lastReason(r.stderrTail) : null };
}

/** The last line of ssh's diagnostics worth showing (its warnings and banners are skipped). */
export function lastReason(stderr: string): string | null {
  const lines = sanitizeLines(stderr)
    .map((l) => l.trim())
    .filter((l) => l && !/^@+$/.test(l) && !/^Warning: Permanently added/i.test(l));
  const last = lines[lines.length - 1];
  return last ? last.slice(0, 200) : null;
}
