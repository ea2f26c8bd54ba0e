// `divio-tui` with no command: the console, on an in-process gateway or attached to a shared one.
import { flagBool, flagString, type ParsedArgs } from './args.js';
import { sessionOptions } from './connect-options.js';
import { VERSION } from '../version.js';
import type { GatewayClient } from '../client/index.js';

/** The first whole fleet this console sees refreshes the slugs shell completion offers (slugcache.ts). */
function rememberSlugs(c: GatewayClient): void {
  const take = (d: { rows: Array<{ app: string; env: string }>; loading?: boolean; partial?: boolean }) => {
    if (d.loading || d.partial) return;
    sub.unsubscribe();
    void import('./slugcache.js').then((m) => m.writeSlugCache(d.rows));
  };
  const sub = c.subscribe('fleet', {}, { onSnapshot: take, onEvent: take, onError: () => {} });
}

export async function runConsole(a: ParsedArgs): Promise<number> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    process.stderr.write(
      'divio-tui: the console needs a terminal (stdin and stdout must be a TTY).\n' +
        'For scripts use the subcommands, e.g. `divio-tui apps --json`, `divio-tui logs APP ENV`; see `divio-tui --help`.\n',
    );
    return 2;
  }
  // The sandbox (when it is the upstream) starts in its own process first, beside everything below.
  const { prestartSandbox } = await import('./session.js');
  const early = await prestartSandbox(sessionOptions(a, `divio-tui/${VERSION}`)).catch(() => null);
  const [{ runTui, screenScopes }, { loadConfig }, { detectCapabilities }] = await Promise.all([
    import('../tui.js'),
    import('../config/index.js'),
    import('../terminal/capabilities.js'),
  ]);
  const loaded = loadConfig({ path: flagString(a, 'config'), views: screenScopes() });
  if (!loaded.ok) {
    early?.dispose();
    process.stderr.write(`divio-tui: ${loaded.error}\n`);
    return 2;
  }
  const caps = detectCapabilities(process.env, true);
  if (flagBool(a, 'ascii') || loaded.config.ui.ascii) caps.unicode = false;
  const opts = { ...sessionOptions(a, `divio-tui/${VERSION}`), cloudflare: loaded.config.cloudflare, sandboxProcess: early?.get };
  const { stateDir } = await import('../statefile/index.js');
  const { join } = await import('node:path');
  let session: Awaited<ReturnType<typeof import('./session.js').openSession>> | null = null;
  try {
    return await runTui({
      // --no-color wins over the config file's ui.color (NO_COLOR does not: a setting of the user's own)
      config: flagBool(a, 'no-color') ? { ...loaded.config, ui: { ...loaded.config.ui, color: 'none' } } : loaded.config,
      keymap: loaded.keymap,
      historyPath: join(stateDir(), 'history.json'),
      caps,
      connect: async () => {
        const { openSession } = await import('./session.js');
        session = await openSession(opts);
        rememberSlugs(session.client);
        return Object.assign(session.client, { warning: session.warning });
      },
    });
  } finally {
    const s = session as { close(): Promise<void>; notices(): string[] } | null;
    if (s) {
      // the status line said it at start; said again here, where it stays readable
      for (const n of s.notices()) process.stderr.write(`divio-tui: ${n}\n`);
      await s.close();
    } else early?.dispose();
  }
}
