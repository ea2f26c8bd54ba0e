// `divio-tui` with no command: the console, on an in-process gateway or attached to a shared one.
import { flagBool, flagString, type ParsedArgs } from './args.js';
import { sessionOptions } from './connect-options.js';
import { VERSION } from '../version.js';
import type { GatewayClient } from '../client/index.js';
// Loaded with this module, not one after the other when the console starts (issue 16): the session
// (its sandbox head start), and the sandbox process's launcher that prestartSandbox imports. Each
// import() in turn was a round of reading and compiling before the sandbox's process could start.
import { openSession, prestartSandbox } from './session.js';
import '../sandbox/child.js';

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
  const early = await prestartSandbox(sessionOptions(a, `divio-tui/${VERSION}`)).catch(() => null);
  const [{ runTui, screenScopes }, { loadConfigAtStart }, { detectCapabilities }] = await Promise.all([
    import('../tui.js'),
    import('../config/start.js'),
    import('../terminal/capabilities.js'),
  ]);
  const loaded = await loadConfigAtStart({ path: flagString(a, 'config'), views: screenScopes() });
  if (!loaded.ok) {
    early?.dispose();
    process.stderr.write(`divio-tui: ${loaded.error}\n`);
    return 2;
  }
  const caps = detectCapabilities(process.env, true);
  if (flagBool(a, 'ascii') || loaded.config.ui.ascii) caps.unicode = false;
  const opts = { ...sessionOptions(a, `divio-tui/${VERSION}`), cloudflare: loaded.config.cloudflare };
  const [{ stateDir }, { join }, { ZoneDirectory }] = await Promise.all([import('../statefile/index.js'), import('node:path'), import('./zones.js')]);
  let dir: InstanceType<typeof ZoneDirectory>;
  try {
    dir = new ZoneDirectory(loaded.config.zones, { zone: opts.zone, sandbox: opts.sandbox, gateway: opts.gateway, gatewayToken: opts.token });
  } catch (e) {
    early?.dispose();
    process.stderr.write(`divio-tui: ${(e as Error).message}\n`);
    return 2;
  }
  type Session = Awaited<ReturnType<typeof openSession>>;
  // One session per zone shown so far: leaving a zone closes its client, not its gateway (jobs go on).
  const sessions = new Map<string, Session>();
  const detached = new Set<string>();
  const openZone = async (name: string): Promise<Session> => {
    const have = sessions.get(name);
    if (have) {
      if (detached.delete(name)) have.reattach();
      return have;
    }
    const upstream = name === dir.startName ? dir.start() : dir.resolve(name);
    // every screen's header counts the fleet (screens/App.tsx): its first reads start with the gateway
    const s = await openSession({ ...opts, upstream, sandboxProcess: name === dir.startName ? early?.get : undefined, prefetch: [{ topic: 'fleet', params: {} }] });
    sessions.set(name, s);
    return s;
  };
  let session: Session | null = null;
  try {
    return await runTui({
      // --no-color wins over the config file's ui.color (NO_COLOR does not: a setting of the user's own)
      config: flagBool(a, 'no-color') ? { ...loaded.config, ui: { ...loaded.config.ui, color: 'none' } } : loaded.config,
      keymap: loaded.keymap,
      historyPath: join(stateDir(), 'history.json'),
      caps,
      connect: async () => {
        session = await openZone(dir.startName);
        // later: a second fleet subscription would be parsed beside the screen's first one
        const c = session.client;
        setTimeout(() => rememberSlugs(c), 3000).unref();
        return Object.assign(session.client, { warning: session.warning });
      },
      zones: {
        list: () => dir.list(),
        start: dir.startName,
        open: async (name) => {
          const s = await openZone(name);
          return Object.assign(s.client, { warning: s.warning });
        },
        leave: async (name) => {
          const s = sessions.get(name);
          if (!s || detached.has(name)) return;
          detached.add(name);
          await s.detach();
        },
      },
    });
  } finally {
    if (session || sessions.size) {
      for (const s of sessions.values()) {
        // the status line said it at start; said again here, where it stays readable
        for (const n of s.notices()) process.stderr.write(`divio-tui: ${n}\n`);
      }
      await Promise.all([...sessions.values()].map((s) => s.close().catch(() => {})));
    }
    if (!sessions.has(dir.startName)) early?.dispose();
  }
}
