// One runtime-log follower per environment, shared by every logs topic (and metrics topic) that
// includes the environment: whatever the number of clients and topics, an environment's logs are
// fetched once. Uses the client's `followRuntimeLogs` cursor semantics. Feeds the environment's
// AccessMetrics (request rate, 5xx, latency derived from access lines).
import { followRuntimeLogs } from '../divio/ops.js';
import { AccessMetrics } from '../domain/metrics.js';
import { logGapText, resumeGap, type LogGap } from '../domain/loggap.js';
import type { Deployment, LogMarker } from '../domain/index.js';
import { deploymentWord } from '../domain/words.js';
import type { TopicHealth } from '../protocol/index.js';
import type { Upstream } from './types.js';
import type { LogCursor, LogCursorBook } from './cursors.js';
import { cursorGap } from '../domain/loggap.js';
import { DivioApiError } from '../divio/errors.js';
import { errorText, pollLoop, sleep } from './hub.js';

export interface RawLine {
  ts: number;
  tsIso: string;
  source: string;
  service: string;
  message: string;
}

export interface FollowerBatch {
  env: string;
  lines: RawLine[];
  markers: LogMarker[];
}

/** A log request without an answer for this long is reported ("not answering"), long before the client's own deadline. */
export const FOLLOWER_STALL_MS = 10_000;
const NOT_ANSWERING = `not answering: no answer for ${FOLLOWER_STALL_MS / 1000} s`;

/**
 * While lines flow, a follower asks for the next page this long after the previous request was sent
 * (a full page is followed at once). Asking at once after every non-empty page, as Divio's CLI does,
 * made the request rate follow how long the gateway took to hand a page to its subscribers: a follower
 * busy serving 100 clients kept finding a few new lines, one serving 1 client caught up, got an empty
 * page and slept 1 s (bench fan-out ratio 0.53–1.57 between runs). At 1,000 lines/s this is 10
 * requests a second whatever the number of clients; 250 ms made 250-line batches whose fan-out to
 * 100 clients spread over 267–319 ms (p99) against 19–44 ms at 100 ms.
 */
export const FOLLOWER_FLOW_MS = 100;

/** Lines a follower keeps for topics that join it later: as many as the first page of a fresh stream. */
export const FOLLOWER_HISTORY_LINES = 1000;

export interface FollowerListener {
  onBatch(b: FollowerBatch): void;
  onReady(): void;
  onHealth(): void;
}

export class EnvLogFollower {
  refs = 0;
  stopTimer: NodeJS.Timeout | null = null;
  readonly listeners = new Set<FollowerListener>();
  readonly access = new AccessMetrics();
  label: string;
  ready = false;
  health: Omit<TopicHealth, 'updatedAt'> = { ok: true, error: null, retryInMs: null };
  /** ISO time from which this follower's coverage is complete (its `since`), or null = upstream default. */
  coveredFrom: string | null = null;
  /**
   * The latest lines emitted (at most FOLLOWER_HISTORY_LINES, oldest first): a topic that joins the
   * running stream (metrics first, the merged view, a view reopened within the grace time) starts
   * with the history a fresh stream's first page would give it.
   */
  readonly recent: RawLine[] = [];
  private abort = new AbortController();
  /** When the request now in flight was sent (null: none), for the stall watchdog. */
  private askedAt: number | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private lastTsIso: string | null = null;
  private atLast = 0;

  /** Where a previous gateway's follower stood, when this one continues from it (see cursors.ts). */
  private resume: LogCursor | null = null;

  constructor(
    readonly env: string,
    private up: Upstream,
    private scale: number,
    private cursors?: LogCursorBook,
  ) {
    this.label = env.slice(0, 8);
  }

  start(since?: Date): void {
    this.coveredFrom = since ? since.toISOString() : null;
    // A client resuming after a restart (`since` = its last line): continue from the upstream's own
    // cursor where the previous gateway stood, when that is not after the client's last line — the
    // lines that came meanwhile are fetched, and a cursor that skipped lines says how many.
    const saved = since ? this.cursors?.get(this.env) : null;
    if (since && saved && saved.lastTsIso <= since.toISOString()) {
      this.resume = saved;
      this.coveredFrom = saved.lastTsIso;
    }
    void this.resolveLabel().then(() => {
      void this.run(since);
      void this.watchDeployments();
    });
  }

  stop(): void {
    this.abort.abort();
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  /** A hung upstream (a request with no answer, not even an error) is said within seconds; an answer clears it. */
  private request(phase: 'start' | 'answer' | 'error'): void {
    this.askedAt = phase === 'start' ? Date.now() : null;
    // an answer (even an empty page of a quiet environment) means the upstream is back
    if (phase === 'answer' && !this.health.ok) this.setHealth({ ok: true, error: null, retryInMs: null });
    if (phase === 'start' && !this.watchdog) {
      this.watchdog = setInterval(() => {
        if (this.askedAt !== null && Date.now() - this.askedAt >= FOLLOWER_STALL_MS) this.setHealth({ ok: false, error: NOT_ANSWERING, retryInMs: null });
      }, 1000);
      this.watchdog.unref?.();
    }
  }

  private async resolveLabel(): Promise<void> {
    try {
      const env = await this.up.divio.environment(this.env, this.abort.signal);
      let app = env.application.slice(0, 8);
      try {
        app = (await this.up.divio.application(env.application, this.abort.signal)).slug;
      } catch {}
      this.label = `${app}@${env.slug}`;
    } catch {
      // unknown label: keep the short uuid; the log stream itself reports upstream errors
    }
  }

  private setHealth(h: Omit<TopicHealth, 'updatedAt'>): void {
    if (h.ok === this.health.ok && h.error === this.health.error) return;
    this.health = h;
    for (const l of this.listeners) l.onHealth();
  }

  private markReady(): void {
    if (this.ready) return;
    this.ready = true;
    for (const l of this.listeners) l.onReady();
  }

  protected emit(b: FollowerBatch): void {
    if (b.lines.length) {
      for (const l of b.lines) this.recent.push(l);
      if (this.recent.length > FOLLOWER_HISTORY_LINES + (FOLLOWER_HISTORY_LINES >> 2)) this.recent.splice(0, this.recent.length - FOLLOWER_HISTORY_LINES);
    }
    for (const l of this.listeners) l.onBatch(b);
  }

  private async run(since?: Date): Promise<void> {
    const signal = this.abort.signal;
    const c = this.up.divio;
    let startUrl: string | undefined;
    let restartSince = since;
    await pollLoop({
      signal,
      scale: this.scale,
      onHealth: (h) => this.setHealth(h),
      step: async () => {
        if (!startUrl && this.resume) {
          const r = this.resume;
          this.request('start');
          let first;
          try {
            first = await c.runtimeLogs(this.env, { url: r.next }, signal).finally(() => this.request('error'));
          } catch (e) {
            // a cursor the upstream no longer takes (or of another origin): resume by time instead
            if (!(e instanceof DivioApiError) || ['network', 'timeout', 'server', 'rate-limit'].includes(e.kind)) throw e;
            first = null;
          }
          this.resume = null;
          if (first) {
            this.lastTsIso = r.lastTsIso;
            this.atLast = r.atLast;
            this.skipDup = 0; // a forward cursor never repeats a line
            this.ingest(first.results, cursorGap(r.next, first.next, first.results.length));
            this.markReady();
            this.setHealth({ ok: true, error: null, retryInMs: null });
            startUrl = first.next ?? r.next;
            this.saveCursor(startUrl);
          } else this.coveredFrom = restartSince ? restartSince.toISOString() : null;
        }
        // The first page is fetched here so that "ready" is known even when it is empty.
        if (!startUrl) {
          // large pages: fewer requests when lines pour in (the cursor keeps the page size)
          const firstUrl = c.url(`/apps/v3/environments/${encodeURIComponent(this.env)}/logs/`, {
            page_size: 1000,
            from_ts: restartSince ? restartSince.toISOString().slice(0, 16) : undefined,
          });
          this.request('start');
          const first = await c.runtimeLogs(this.env, { url: firstUrl.toString() }, signal).finally(() => this.request('error'));
          const minMs = restartSince ? restartSince.getTime() : null;
          this.skipDup = this.atLast;
          // resuming after lines already received: the first line served must not be newer than the last one
          const gap = resumeGap(this.lastTsIso, first.results[0]?.timestamp);
          this.ingest(first.results.filter((e) => minMs === null || !(Date.parse(e.timestamp) < minMs)), gap);
          this.markReady();
          this.setHealth({ ok: true, error: null, retryInMs: null });
          if (!first.next) {
            // no cursor offered: followRuntimeLogs re-polls by from_ts and drops what it saw
            startUrl = undefined;
          } else {
            startUrl = first.next;
            this.saveCursor(startUrl);
          }
        }
        if (!startUrl) this.skipDup = this.atLast;
        const it = followRuntimeLogs(c, this.env, {
          signal,
          startUrl,
          since: startUrl ? undefined : (restartSince ?? new Date()),
          idleMs: Math.max(20, 1000 * this.scale),
          maxIdleMs: Math.max(50, 5000 * this.scale),
          flowMs: FOLLOWER_FLOW_MS * this.scale,
          onError: (err) => {
            this.request('error');
            this.setHealth({ ok: false, error: errorText(err), retryInMs: Math.round(1000 * this.scale) });
          },
          onRequest: (phase) => this.request(phase),
        });
        for await (const page of it) {
          this.setHealth({ ok: true, error: null, retryInMs: null });
          this.ingest(page.results, page.gap ?? null);
          if (page.next) {
            startUrl = page.next;
            this.saveCursor(startUrl);
          }
        }
        if (signal.aborted) return 0;
        // the stream ended with a non-transient error or quietly: resume from the last line seen
        restartSince = this.lastTsIso ? new Date(Date.parse(this.lastTsIso)) : restartSince;
        return 1000 * this.scale;
      },
    });
  }

  /** Normalise, de-duplicate (across restarts), feed metrics, emit. Marks upstream retention gaps in-band. */
  private ingest(entries: { timestamp: string; service?: string; message: string }[], gap: LogGap | null): void {
    const lines: RawLine[] = [];
    const markers: LogMarker[] = [];
    if (gap) markers.push({ kind: 'retention', ts: Date.now(), count: gap.count ?? 0, text: logGapText(gap, this.label) });
    for (const e of entries) {
      const tsIso = e.timestamp;
      if (this.lastTsIso !== null) {
        if (tsIso < this.lastTsIso) continue;
        if (tsIso === this.lastTsIso && this.skipDup > 0) {
          this.skipDup--;
          continue;
        }
      }
      if (tsIso === this.lastTsIso) this.atLast++;
      else {
        this.lastTsIso = tsIso;
        this.atLast = 1;
      }
      const ts = Date.parse(tsIso);
      const message = String(e.message).replace(/\r$/, '');
      const line: RawLine = { ts: Number.isFinite(ts) ? ts : Date.now(), tsIso, source: this.label, service: e.service ?? 'web', message };
      lines.push(line);
      this.access.ingestLine(line.ts, message);
    }
    this.skipDup = 0;
    if (lines.length || markers.length) this.emit({ env: this.env, lines, markers });
  }

  /** Remember where this stream stands, for a gateway that restarts (cursors.ts). */
  private saveCursor(next: string): void {
    if (this.cursors && this.lastTsIso !== null) this.cursors.set(this.env, { next, lastTsIso: this.lastTsIso, atLast: this.atLast });
  }

  /** After a restart of the stream, this many lines at `lastTsIso` were already emitted. */
  private skipDup = 0;

  private async watchDeployments(): Promise<void> {
    const signal = this.abort.signal;
    const c = this.up.divio;
    let known: Deployment | null = null;
    let first = true;
    while (!signal.aborted) {
      let running = false;
      try {
        const d = await c.latestDeployment(this.env, signal);
        if (d) {
          running = d.ended_at === null;
          const short = d.uuid.slice(0, 4);
          if (!first && (!known || known.uuid !== d.uuid) && running) {
            this.emit({ env: this.env, lines: [], markers: [{ kind: 'deployment', ts: Date.now(), count: 0, text: `— deployment ${short} of ${this.label} started —` }] });
          }
          const wasRunning = known && known.uuid === d.uuid ? known.ended_at === null : !first;
          if (d.ended_at !== null && wasRunning && (!known || known.uuid !== d.uuid || known.ended_at === null)) {
            const verdict = deploymentWord(d).text;
            this.emit({ env: this.env, lines: [], markers: [{ kind: 'deployment', ts: Date.now(), count: 0, text: `— deployment ${short} of ${this.label} finished (${verdict}) —` }] });
          }
          known = d;
        }
        first = false;
      } catch {
        // deployment markers are a nicety: the log stream reports upstream health
      }
      await sleep((running ? 2000 : 10_000) * this.scale, signal);
    }
  }

  /** Restart bookkeeping is internal; exposed for tests of de-duplication. */
  get lastSeen(): { tsIso: string | null; count: number } {
    return { tsIso: this.lastTsIso, count: this.atLast };
  }
}
