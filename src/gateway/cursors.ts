// Where each environment's log follower stood, kept on disk (`log-cursors.json` in the gateway's data
// directory) so that a restarted gateway continues each stream from the upstream's own cursor rather
// than from a time: the lines that came while it was down are fetched, and when some expired upstream
// meanwhile, a positional cursor says exactly how many (domain/loggap.ts) — the gap carries the count.
// Written at most every 5 s (a staler cursor only re-fetches lines the resuming view then drops; an
// fsync a second while tailing bought nothing), atomically; an unreadable file is moved aside and the
// streams start from the client's last line instead (the time-based resume), never from a
// trusted-as-found file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from '../domain/zod.js';
import { moveAside, writeFileAtomicSync } from '../statefile/index.js';

export interface LogCursor {
  /** The upstream's `next` URL after the last page read. */
  next: string;
  /** Timestamp of the last line read, and how many lines at that timestamp were read. */
  lastTsIso: string;
  atLast: number;
  /** When this was recorded (ms since the epoch). */
  savedAt: number;
}

const CursorFile = z.object({
  version: z.literal(1),
  /** The upstream base URL the cursors belong to: another upstream's cursors are not used. */
  upstream: z.string().max(2048),
  cursors: z.record(
    z.string().max(200),
    z.object({ next: z.string().max(4096), lastTsIso: z.string().max(64), atLast: z.number().int().nonnegative().max(1_000_000), savedAt: z.number() }),
  ),
});

/** A cursor older than this is not resumed: the time-based resume is as good and says what it knows. */
export const CURSOR_MAX_AGE_MS = 24 * 3600_000;
const MAX_CURSORS = 2000;

export class LogCursorBook {
  private readonly file: string;
  private cursors = new Map<string, LogCursor>();
  private timer: NodeJS.Timeout | null = null;
  private dirty = false;
  /** One line per unusable cursor file found at start. */
  readonly notices: string[] = [];

  constructor(
    dataDir: string,
    private readonly upstream: string,
    private readonly saveEveryMs = 5000,
  ) {
    this.file = join(dataDir, 'log-cursors.json');
    this.load();
  }

  private load(): void {
    if (!existsSync(this.file)) return;
    try {
      const parsed = CursorFile.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      if (!parsed.success) throw new Error('not a log cursor file of version 1');
      if (parsed.data.upstream !== this.upstream) return; // another upstream's: started afresh, overwritten on the next save
      for (const [env, c] of Object.entries(parsed.data.cursors)) this.cursors.set(env, c);
    } catch (e) {
      this.notices.push(moveAside(this.file, 'gateway log cursor file', (e as Error).message));
    }
  }

  /** The cursor to resume `env` from, if recent enough. */
  get(env: string, now = Date.now()): LogCursor | null {
    const c = this.cursors.get(env);
    if (!c || now - c.savedAt > CURSOR_MAX_AGE_MS || now < c.savedAt - 60_000) return null;
    return c;
  }

  set(env: string, c: Omit<LogCursor, 'savedAt'>): void {
    this.cursors.delete(env); // re-inserted last: the oldest are dropped first when over the cap
    this.cursors.set(env, { ...c, savedAt: Date.now() });
    while (this.cursors.size > MAX_CURSORS) this.cursors.delete(this.cursors.keys().next().value!);
    this.dirty = true;
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.saveEveryMs);
      this.timer.unref?.();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.dirty) return;
    this.dirty = false;
    try {
      writeFileAtomicSync(this.file, JSON.stringify({ version: 1, upstream: this.upstream, cursors: Object.fromEntries(this.cursors) }));
    } catch {
      // a full or read-only disk costs the exact resume after a restart, never the stream itself
    }
  }
}
