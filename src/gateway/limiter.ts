// The gateway's ceiling on upstream requests: a token bucket (a sustained rate and a burst) shared by
// every topic, log follower and job, served fairly. Each caller runs in a lane (AsyncLocalStorage:
// a topic's poll loop, a follower, the jobs); when requests have to wait, the lanes take turns, one
// request each, so one busy topic (or one client's many subscriptions) cannot starve the others.
// Whatever the clients do, the upstream sees at most `burst` requests at once and `ratePerSec` a
// second after that. Schedulers above it (the fleet's sampling) keep their own, lower, budgets.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LimiterOptions {
  /** Sustained requests per second (default 20). */
  ratePerSec?: number;
  /** Requests allowed at once after a quiet spell (default 2 × rate). */
  burst?: number;
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class RequestLimiter {
  readonly ratePerSec: number;
  readonly burst: number;
  private tokens: number;
  private last: number;
  private readonly now: () => number;
  private readonly lanes = new Map<string, Waiter[]>();
  /** Round-robin order of lanes with waiters. */
  private order: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly als = new AsyncLocalStorage<string>();
  /** Requests granted, and requests that had to wait (for stats and the bench). */
  granted = 0;
  delayed = 0;
  private closed = false;

  constructor(opts: LimiterOptions = {}) {
    this.ratePerSec = Math.max(0.1, opts.ratePerSec ?? 20);
    this.burst = Math.max(1, Math.round(opts.burst ?? this.ratePerSec * 2));
    this.now = opts.now ?? Date.now;
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Run `fn` (and everything it starts) in `lane`. */
  run<T>(lane: string, fn: () => T): T {
    return this.als.run(lane, fn);
  }

  /** The lane of the current async context ('other' outside any). */
  lane(): string {
    return this.als.getStore() ?? 'other';
  }

  /** Requests waiting now. */
  waiting(): number {
    let n = 0;
    for (const q of this.lanes.values()) n += q.length;
    return n;
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSec);
    this.last = t;
  }

  /** Resolves when this request may go out. Rejects with the signal's reason when aborted first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'));
    this.refill();
    if (this.order.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      this.granted++;
      return Promise.resolve();
    }
    const lane = this.lane();
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = { resolve, reject, signal };
      let q = this.lanes.get(lane);
      if (!q) {
        this.lanes.set(lane, (q = []));
        this.order.push(lane);
      }
      q.push(w);
      if (signal) {
        w.onAbort = () => {
          const list = this.lanes.get(lane);
          const i = list ? list.indexOf(w) : -1;
          if (i >= 0) list!.splice(i, 1);
          if (list && list.length === 0) this.dropLane(lane);
          reject(signal.reason ?? new Error('aborted'));
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.delayed++;
      this.schedule();
    });
  }

  private dropLane(lane: string): void {
    this.lanes.delete(lane);
    this.order = this.order.filter((l) => l !== lane);
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.refill();
    const wait = this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerSec) * 1000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, wait);
    this.timer.unref?.();
  }

  /** Grant waiting requests one lane at a time while tokens last. */
  private pump(): void {
    this.refill();
    while (this.tokens >= 1 && this.order.length) {
      const lane = this.order.shift()!;
      const q = this.lanes.get(lane)!;
      const w = q.shift()!;
      if (q.length) this.order.push(lane);
      else this.lanes.delete(lane);
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      this.tokens -= 1;
      this.granted++;
      w.resolve();
    }
    if (this.order.length) this.schedule();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const q of this.lanes.values()) for (const w of q) w.reject(new Error('the gateway is shutting down'));
    this.lanes.clear();
    this.order = [];
  }
}
