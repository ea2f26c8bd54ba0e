// Older history of a log session: key `[` on the log screen, or `:logs … --since D` from the palette.
import type { AppStore } from '../../src/store/app.js';
import { logSessionFor, type LogSession } from '../../src/store/logsession.js';
import { logSpecOf } from './open.js';

/**
 * Load older history into a log session (key `[`, or `:logs … --since 2h`): once its live stream
 * has delivered its first lines (so the history ends where they begin), through the gateway's
 * logHistory topic; the status line says what came.
 */
export function loadOlderHistory(store: AppStore, session: LogSession, opts: { from?: number } = {}): void {
  const run = (): void => {
    store.toast(`loading older history${opts.from !== undefined ? ' (--since)' : ''}...`);
    void session
      .loadOlder((p) => store.load('logHistory', p, 60_000), opts)
      .then((t) => store.toast(t, 'info'))
      .catch((e: unknown) => store.toast(`older history: ${(e as Error).message}`, 'error'));
  };
  if (session.loaded) return run();
  const off = session.subscribe(() => {
    if (!session.loaded) return;
    off();
    run();
  });
}

/**
 * After `:logs … --since D` opened the log screen: load the history of the last D into it. `depth`:
 * the stack's depth before the action that opens the log screen ran (default: now).
 */
export function loadSinceOnTop(store: AppStore, sinceMs: number, depth = store.getState().stack.length): void {
  const from = Date.now() - sinceMs;
  // the log screen is opened by the action (asynchronously): wait for it, a few seconds at most
  const tryNow = (): boolean => {
    const cur = store.current();
    const spec = cur.screen === 'logs' ? logSpecOf(cur.params) : null;
    if (!spec) return false;
    loadOlderHistory(store, logSessionFor(store, spec), { from });
    return true;
  };
  if (store.current().screen === 'logs' && store.getState().stack.length > depth && tryNow()) return;
  const off = store.subscribe(() => {
    if (store.current().screen === 'logs' && tryNow()) done();
  });
  const timer = setTimeout(() => done(), 5000);
  function done(): void {
    off();
    clearTimeout(timer);
  }
}
