// The SSH hand-off (s on an environment): deployed environments only. The console stops polling what
// it shows and leaves the terminal to the real OpenSSH client completely (store.services.suspend:
// unmount, pause stdin, inherited stdio), prints a banner, and comes back to the same screen with
// stray keys swallowed; a non-zero exit is shown.
import type { EnvData } from '../src/protocol/messages.js';
import type { AppStore } from '../src/store/app.js';
import type { EnvTarget } from './registry.js';
import { isDeployed } from '../src/domain/helpers.js';
import { join } from 'node:path';

/** The environment's data from the store, watching it briefly when nothing shows it yet. */
export async function envDataOf(store: AppStore, env: string, timeoutMs = 5000): Promise<EnvData | null> {
  const have = store.topic('env', { env })?.data;
  if (have) return have;
  const release = store.watch('env', { env });
  try {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const d = store.topic('env', { env })?.data;
      if (d) return d;
      await new Promise((r) => setTimeout(r, 25));
    }
    return null;
  } finally {
    release();
  }
}

export interface SshRunner {
  banner(app: string, env: string, ep: { host: string; port: number; user: string; host_key?: string | null }, ascii: boolean): string;
  args(ep: { host: string; port: number; user: string; host_key?: string | null }): string[];
  run(args: string[]): Promise<{ code: number; reason: string | null }>;
  write(s: string): void;
}

async function defaultRunner(): Promise<SshRunner> {
  const [m, { stateDir }] = await Promise.all([import('../src/terminal/ssh.js'), import('../src/statefile/index.js')]);
  return {
    banner: (a, e, ep, ascii) => m.sshBanner(a, e, ep, ascii),
    // trust on first use, into our own known-hosts file, when the endpoint publishes no host key
    args: (ep) => m.sshArgs(ep, { knownHostsFile: join(stateDir(), 'known_hosts') }),
    run: (args) => m.runSsh(args),
    write: (s) => void process.stdout.write(s),
  };
}

export async function sshInto(store: AppStore, target: EnvTarget, opts: { unicode?: boolean; runner?: SshRunner } = {}): Promise<number | null> {
  const name = `${target.app}@${target.slug}`;
  const data = await envDataOf(store, target.env);
  if (!data) {
    store.toast(`ssh ${name}: the environment did not load; try again`, 'error');
    return null;
  }
  const ep = data.environment.ssh_endpoint;
  if (!isDeployed(data.environment) || !ep) {
    store.toast(`ssh ${name}: not deployed, so there is no container to open a shell in (deploy it first)`, 'warn');
    return null;
  }
  if (!store.services.suspend) {
    store.toast(`ssh ${name}: the terminal cannot be handed over here; run: divio-tui ssh ${target.app} ${target.slug}`, 'warn');
    return null;
  }
  const runner = opts.runner ?? (await defaultRunner());
  const r = await store.services.suspend(async () => {
    runner.write(runner.banner(target.app, target.slug, ep, opts.unicode === false));
    return runner.run(runner.args(ep));
  });
  const code = r.code;
  if (code === 0) store.toast(`ssh ${name}: session ended`, 'info');
  else if (code === 255) store.toast(`ssh ${name}: ssh failed: ${r.reason ?? 'connection or authentication failed (exit 255)'}`, 'error');
  else store.toast(`ssh ${name}: ssh exited with code ${code}${code === 127 ? ' (ssh not found: install the OpenSSH client)' : ''}`, 'error');
  return code;
}
