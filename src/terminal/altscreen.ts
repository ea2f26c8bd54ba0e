// Alternate screen and terminal restoration. Ink 6.8 has no alt-screen option: enter it ourselves and
// always leave it, on normal exit, on signals and on a crash, so the user's terminal is never left broken.
import { maskSecrets } from './sanitize.js';

export interface WritableLike {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export const ALT_SCREEN_ENTER = '\x1b[?1049h';
export const ALT_SCREEN_LEAVE = '\x1b[?1049l';
export const CURSOR_SHOW = '\x1b[?25h';
export const CURSOR_HIDE = '\x1b[?25l';
export const SYNC_BEGIN = '\x1b[?2026h';
export const SYNC_END = '\x1b[?2026l';
/** Erase the whole screen and put the cursor top left (before a full repaint). */
export const CLEAR_SCREEN = '\x1b[2J\x1b[H';
/** Turn off mouse reporting and bracketed paste, in case anything enabled them. */
const MODES_RESET = '\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l';

const inAlt = new WeakSet<object>();

/** Switch to the alternate screen (idempotent per stream). */
export function enterAltScreen(stream: WritableLike): void {
  if (inAlt.has(stream)) return;
  inAlt.add(stream);
  safeWrite(stream, ALT_SCREEN_ENTER + '\x1b[H');
}

/** Leave the alternate screen and show the cursor (idempotent per stream). */
export function leaveAltScreen(stream: WritableLike): void {
  if (!inAlt.has(stream)) return;
  inAlt.delete(stream);
  safeWrite(stream, SYNC_END + MODES_RESET + ALT_SCREEN_LEAVE + CURSOR_SHOW);
}

export function isInAltScreen(stream: WritableLike): boolean {
  return inAlt.has(stream);
}

/** Wrap a frame in synchronized-output markers (terminals that do not know them ignore them). */
export function synchronized(frame: string): string {
  return SYNC_BEGIN + frame + SYNC_END;
}

function safeWrite(stream: WritableLike, s: string): void {
  try {
    stream.write(s);
  } catch {
    // A closed terminal cannot be restored; nothing else to do.
  }
}

export interface ExitGuardOptions {
  /** Extra clean-up run once before the terminal is restored (e.g. unmount Ink). Must be synchronous. */
  onExit?: () => void;
  /** For tests: the process-like object to hook. */
  proc?: NodeJS.Process;
}

/**
 * Restore the terminal (leave alt screen, show cursor) on exit, SIGINT, SIGTERM, SIGHUP and uncaught
 * errors. Signals end the process with 128+signo; an uncaught error is printed after the terminal is
 * restored and exits with 1. Returns a function that removes the guards.
 */
export function installExitGuards(stream: WritableLike, opts: ExitGuardOptions = {}): () => void {
  const proc = opts.proc ?? process;
  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    try {
      opts.onExit?.();
    } catch {}
    if (inAlt.has(stream)) leaveAltScreen(stream);
    else safeWrite(stream, CURSOR_SHOW);
  };
  const signals: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', 2],
    ['SIGTERM', 15],
    ['SIGHUP', 1],
  ];
  const onSignal = new Map<NodeJS.Signals, () => void>();
  for (const [sig, no] of signals) {
    const h = (): void => {
      restore();
      remove();
      proc.exit(128 + no);
    };
    onSignal.set(sig, h);
    proc.on(sig, h);
  }
  const onExitEvt = (): void => restore();
  const onCrash = (err: unknown): void => {
    restore();
    remove();
    try {
      const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
      proc.stderr.write(`divio-tui: fatal: ${maskSecrets(msg)}\n`);
    } catch {}
    proc.exit(1);
  };
  proc.on('exit', onExitEvt);
  proc.on('uncaughtException', onCrash);
  proc.on('unhandledRejection', onCrash);
  let removed = false;
  function remove(): void {
    if (removed) return;
    removed = true;
    for (const [sig, h] of onSignal) proc.off(sig, h);
    proc.off('exit', onExitEvt);
    proc.off('uncaughtException', onCrash);
    proc.off('unhandledRejection', onCrash);
  }
  return () => {
    remove();
  };
}
