// SSH into an environment with the real OpenSSH client, the user's own agent and keys
// (as `divio app ssh` does): `ssh -p PORT USER@HOST` from the environment's ssh_endpoint.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

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

/** The argv for `ssh`; pins the host key when the endpoint publishes one (the sandbox does). */
export function sshArgs(t: SshTarget, extra: string[] = []): string[] {
  const args = ['-p', String(t.port)];
  if (t.host_key) {
    const dir = mkdtempSync(join(tmpdir(), 'divio-tui-ssh-'));
    const file = join(dir, 'known_hosts');
    const hostPattern = t.port === 22 ? t.host : `[${t.host}]:${t.port}`;
    writeFileSync(file, `${hostPattern} ${t.host_key.trim()}\n`, { mode: 0o600 });
    args.push('-o', `UserKnownHostsFile=${file}`, '-o', 'StrictHostKeyChecking=yes');
  }
  args.push(...extra, `${t.user}@${t.host}`);
  return args;
}

/** Run ssh with inherited stdio; resolves with its exit code (127 when ssh is missing). */
export function runSsh(args: string[], sshBinary = process.env.DIVIO_TUI_SSH || 'ssh'): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(sshBinary, args, { stdio: 'inherit' });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') process.stderr.write(`divio-tui: "${sshBinary}" not found: install the OpenSSH client\n`);
      else process.stderr.write(`divio-tui: ssh failed to start: ${err.message}\n`);
      resolve(127);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}
