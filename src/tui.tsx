// The interactive console: alternate screen (always left again), the first frame at once (before
// the gateway is even connected), the App from the store, and the terminal hand-off for ssh.
import { trace, traceOn } from './terminal/trace.js';
import React from 'react';
import { render, type Instance } from 'ink';
import { mkdir, readFile } from 'node:fs/promises';
import { moveAside, writeFileAtomic } from './statefile/index.js';
import { dirname } from 'node:path';
import { enterAltScreen, leaveAltScreen, installExitGuards, CURSOR_SHOW } from './terminal/altscreen.js';
import type { ColorDepth } from './terminal/capabilities.js';
import { maskSecrets } from './terminal/sanitize.js';
import { BEL, clipboardLikely, clipboardSequence, desktopNotification, hyperlinksSupported, notifySettings } from './terminal/osc.js';
import { createAppStore, type AppStore, type GatewayLike, type ZoneItem } from './store/app.js';
import { buildKeymap, type Keymap } from './config/keymap.js';
import { makeTheme } from './config/theme.js';
import type { Config } from './config/config.js';
import { App } from '../screens/App.js';
import { screenScopes } from '../screens/registry.js';

/** The keymap scopes of every screen (the screen table), for the config's key conflict check. */
export { screenScopes };
import type { Ui } from '../components/context.js';

export interface RunTuiOptions {
  /** Connect to the gateway (in-process or remote). Called after the first frame is drawn. */
  connect: () => Promise<GatewayLike & { close?: () => Promise<void>; warning?: string }>;
  config: Config;
  /** Defaults to buildKeymap(config.keys). */
  keymap?: Keymap;
  caps: { unicode: boolean; color: ColorDepth };
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /** Palette history file (e.g. $XDG_STATE_HOME/divio-tui/history.json). */
  historyPath?: string;
  /** Use this store (tests, or a caller that wants to inspect state). */
  store?: AppStore;
  /** The environment read for terminal features (notifications, clipboard); default process.env. */
  env?: Record<string, string | undefined>;
  /** Zone switching (`:zone`): the zones, the one shown first, and how to connect to another. */
  zones?: {
    list(): ZoneItem[];
    start: string;
    /** A client to zone `name` (throws saying why not: unknown zone, no token); the old zone's client is `leave`'s to close. */
    open(name: string): Promise<GatewayLike>;
    /** The console no longer shows zone `name`: close its client (its gateway and jobs go on). */
    leave(name: string): Promise<void>;
  };
}

/**
 * Ink 6.8's incremental renderer moves the cursor up one row too few when the previous frame ended
 * with a newline (every frame that is shorter than the terminal, i.e. ours at rows - 1): it leaves the
 * top row stale and shifts the frame down by one whenever the bottom line is unchanged. Its frame
 * writes start with `ESC[nA` followed by `ESC[1G` or `ESC[E`; this stream wrapper makes that n+1.
 * (The full-erase and first-frame paths start differently and pass through untouched.)
 * The bundle replaces Ink's writer with src/terminal/inklogupdate.ts, whose writes never start this
 * way: the fix is for Ink's own writer, when the console runs from the sources (tests, `npm run dev`).
 */
export function fixIncrementalCursor(chunk: string): string {
  return chunk.replace(/^((?:\x1b\[\?25[lh])?)\x1b\[(\d+)A(?=\x1b\[1G|\x1b\[E)/, (_m, pre: string, n: string) => `${pre}\x1b[${Number(n) + 1}A`);
}

function inkStdout(stdout: NodeJS.WriteStream): NodeJS.WriteStream {
  const write = (chunk: unknown, ...rest: unknown[]): boolean =>
    (stdout.write as (...a: unknown[]) => boolean)(typeof chunk === 'string' ? fixIncrementalCursor(chunk) : chunk, ...rest);
  return new Proxy(stdout, {
    get(target, prop) {
      if (prop === 'write') return write;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The palette history; a file that is there but unusable is moved aside (its line is shown at start). */
async function loadHistory(path: string | undefined): Promise<{ history: string[]; notice?: string }> {
  if (!path) return { history: [] };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { history: [] }; // none yet (or unreadable: the next save tries again)
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) throw new Error('not a list of commands');
    return { history: v.filter((x): x is string => typeof x === 'string').slice(-100) };
  } catch (e) {
    return { history: [], notice: moveAside(path, 'palette history', (e as Error).message) };
  }
}

async function saveHistory(path: string | undefined, h: string[]): Promise<void> {
  if (!path) return;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, JSON.stringify(h.slice(-100)), 0o600);
  } catch {}
}

/** The hand-off, reachable from anywhere through `store.services.suspend`. */
export function suspendTui<T>(store: AppStore, fn: () => Promise<T>): Promise<T> {
  if (!store.services.suspend) return Promise.reject(new Error('the console is not running'));
  return store.services.suspend(fn);
}

export async function runTui(opts: RunTuiOptions): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const stderr = opts.stderr ?? process.stderr;
  if (!stdout.isTTY || !stdin.isTTY) {
    stderr.write(
      'divio-tui: the console needs a terminal (stdin and stdout must be a TTY).\n' +
        'Without one, use the subcommands: divio-tui apps | logs | deploy | backups | restore | purge | jobs | doctor (add --json for scripts).\n',
    );
    return 2;
  }
  const colorDepth: ColorDepth = opts.config.ui.color !== 'auto' ? opts.config.ui.color : opts.caps.color;
  const unicode = opts.caps.unicode && !opts.config.ui.ascii;
  const hist = opts.store ? { history: [] as string[], notice: undefined } : await loadHistory(opts.historyPath);
  const store = opts.store ?? createAppStore({ initialHistory: hist.history });
  if (hist.notice) store.toast(hist.notice, 'warn');
  const ui: Ui = {
    store,
    theme: makeTheme(colorDepth, opts.config.theme),
    keymap: opts.keymap ?? buildKeymap(opts.config.keys, screenScopes()),
    unicode,
    config: opts.config,
    now: Date.now,
    links: hyperlinksSupported(opts.env ?? process.env, opts.config.ui.hyperlinks),
    renderNow: () => instance?.rerender(<App ui={ui} />),
  };

  let instance: Instance | null = null;
  let crash: Error | null = null;
  let suspended = false;
  let quitResolve: (code: number) => void = () => {};
  const quitP = new Promise<number>((r) => (quitResolve = r));
  const inkOut = inkStdout(stdout);
  const mount = (): void => {
    instance = render(<App ui={ui} />, {
      stdout: inkOut,
      stdin,
      stderr,
      exitOnCtrlC: false,
      patchConsole: false,
      incrementalRendering: true,
      // a frame costs ~1–2 ms (issue 16): 30 a second keeps a fast tail within 50 ms of the gateway
      maxFps: 30,
      ...(traceOn ? { onRender: ({ renderTime }: { renderTime: number }) => trace(`render ${renderTime.toFixed(1)} ms`) } : {}),
    });
    instance.waitUntilExit().then(
      () => {
        // Ink ended by itself (not our hand-off): leave cleanly.
        if (!suspended) quitResolve(0);
      },
      (e: unknown) => {
        // A render error outside every pane boundary: restore the terminal, then report it.
        crash = e instanceof Error ? e : new Error(String(e));
        quitResolve(1);
      },
    );
  };

  enterAltScreen(stdout);
  const removeGuards = installExitGuards(stdout, {
    onExit: () => {
      try {
        instance?.unmount();
      } catch {}
    },
  });

  store.services.quit = () => quitResolve(0);
  const zones = opts.zones;
  if (zones) {
    store.setState({ zone: zones.start });
    let switching: string | null = null;
    store.services.zones = {
      list: () => zones.list(),
      async switchTo(name) {
        if (switching) {
          store.toast(`zone ${switching}: still connecting`, 'warn');
          return false;
        }
        const from = store.getState().zone;
        switching = name;
        store.toast(`zone ${name}: connecting...`);
        try {
          const c = await zones.open(name);
          if (closed) return false;
          store.switchClient(c, name);
          client = c;
          if (from && from !== name) await zones.leave(from).catch(() => undefined);
          store.toast(`zone ${name}`, 'ok');
          return true;
        } catch (e) {
          const m = (e as Error).message;
          store.toast(m.startsWith(`zone ${name}`) ? m : `zone ${name}: ${m}`, 'error');
          return false;
        } finally {
          switching = null;
        }
      },
    };
  }
  // A job ended: the bell when its view is not on screen, a desktop notification when the terminal
  // shows them. Written beside Ink's frames: these sequences draw nothing and move no cursor. Not
  // while another program (ssh) owns the terminal: the status line says it on return.
  const env = opts.env ?? process.env;
  const notify = notifySettings(env, opts.config.notify);
  // OSC 52, the same way (zero-width, beside the frames); the caller shows the text as the fallback.
  store.services.copy = (text) => {
    const seq = clipboardSequence(text, env);
    if (!seq) return { sent: false, reason: 'too long for the clipboard (OSC 52)' };
    stdout.write(seq);
    return { sent: true, likely: clipboardLikely(env) };
  };
  store.services.jobEnded = (n) => {
    if (suspended) return;
    let out = notify.bell && !n.looking ? BEL : '';
    if (notify.desktop) out += desktopNotification(notify.desktop, n.title, n.body, env);
    if (out) stdout.write(out);
  };
  store.services.suspend = async <T,>(fn: () => Promise<T>): Promise<T> => {
    if (suspended) throw new Error('already handed off');
    suspended = true;
    store.setState({ suspended: true, paletteOpen: false });
    store.flush();
    const inst = instance;
    instance = null;
    inst?.unmount();
    await inst?.waitUntilExit().catch(() => undefined);
    await sleep(0);
    leaveAltScreen(stdout);
    stdout.write(CURSOR_SHOW);
    try {
      stdin.setRawMode?.(false);
    } catch {}
    stdin.pause();
    try {
      return await fn();
    } finally {
      // Swallow keys typed while the other program ended (they belong to it, not to us).
      try {
        stdin.setRawMode?.(true);
      } catch {}
      const drop = (): void => {
        while (stdin.read() !== null) {
          /* discard */
        }
      };
      stdin.on('readable', drop);
      stdin.resume();
      await sleep(120);
      drop();
      stdin.off('readable', drop);
      enterAltScreen(stdout);
      store.setState({ suspended: false });
      suspended = false;
      mount();
    }
  };

  // First frame now; the gateway connects in parallel.
  mount();
  trace('first frame mounted');
  let client: (GatewayLike & { close?: () => Promise<void> }) | null = null;
  let closed = false;
  opts
    .connect()
    .then((c) => {
      if (closed) {
        void c.close?.();
        return;
      }
      client = c;
      trace('session ready');
      store.attach(c);
      if (c.warning) store.toast(c.warning, 'error');
    })
    .catch((e: unknown) => {
      store.setState({ connectError: (e as Error).message || String(e) });
    });

  const code = await quitP;
  closed = true;
  try {
    (instance as Instance | null)?.unmount();
    await (instance as Instance | null)?.waitUntilExit().catch(() => undefined);
  } catch {}
  leaveAltScreen(stdout);
  removeGuards();
  try {
    stdin.setRawMode?.(false);
  } catch {}
  stdin.pause();
  if (crash) stderr.write(`divio-tui: the console crashed: ${maskSecrets((crash as Error).message)}\n`);
  await saveHistory(opts.historyPath, store.getState().paletteHistory);
  store.dispose();
  await (client as (GatewayLike & { close?: () => Promise<void> }) | null)?.close?.().catch(() => undefined);
  return code;
}
