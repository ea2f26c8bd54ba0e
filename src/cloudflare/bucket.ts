// A client-side token bucket mirroring Cloudflare's per-plan purge rate limits, so a large purge is
// paced instead of hitting 429s. Uses Date.now and setTimeout (fake-timer friendly).
import { sleep } from '../http/retry.js';

/** Pace as if requests reached Cloudflare this much later than we send them (latency jitter). */
const SAFETY_MS = 50;

export type CloudflarePlan = 'free' | 'pro' | 'business' | 'enterprise';

/** Purge requests: refill rate (per second) and bucket size, per Cloudflare's documentation. */
export const PURGE_LIMITS: Record<CloudflarePlan, { perSecond: number; capacity: number }> = {
  free: { perSecond: 5 / 60, capacity: 25 },
  pro: { perSecond: 5, capacity: 25 },
  business: { perSecond: 10, capacity: 50 },
  enterprise: { perSecond: 50, capacity: 500 },
};

export interface BucketState {
  plan: CloudflarePlan;
  tokens: number;
  capacity: number;
  perSecond: number;
  /** ms until the next token is available (0 when one is). */
  waitMs: number;
}

export class TokenBucket {
  readonly plan: CloudflarePlan;
  readonly capacity: number;
  readonly perSecond: number;
  #tokens: number;
  #at: number;

  constructor(plan: CloudflarePlan, now: number = Date.now()) {
    this.plan = plan;
    this.capacity = PURGE_LIMITS[plan].capacity;
    this.perSecond = PURGE_LIMITS[plan].perSecond;
    this.#tokens = this.capacity;
    this.#at = now;
  }

  /**
   * Set while the request that took a full bucket below its capacity has not been answered: until
   * then we do not know when Cloudflare's bucket started to refill (somewhere between our send and
   * its answer — a slow first request, e.g. a new connection on a loaded machine, can take longer
   * than SAFETY_MS), so ours does not refill; it starts at the answer, never ahead of Cloudflare's.
   */
  #awaitingFirst = false;

  #refill(now: number): void {
    const dt = this.#awaitingFirst ? 0 : Math.max(0, now - this.#at) / 1000;
    this.#tokens = Math.min(this.capacity, this.#tokens + dt * this.perSecond);
    this.#at = now;
  }

  /** A request taken from this bucket was answered (whatever the answer). */
  answered(now: number = Date.now()): void {
    this.#refill(now);
    this.#awaitingFirst = false;
  }

  state(now: number = Date.now()): BucketState {
    this.#refill(now);
    // Keep a small margin (SAFETY_MS of refill) so that latency differences between our requests do
    // not make Cloudflare's bucket see a paced request a moment too early (a 429).
    const need = 1 + (this.perSecond * SAFETY_MS) / 1000;
    const waitMs = this.#tokens >= need ? 0 : Math.ceil(((need - this.#tokens) / this.perSecond) * 1000);
    return { plan: this.plan, tokens: Math.floor(this.#tokens * 1000) / 1000, capacity: this.capacity, perSecond: this.perSecond, waitMs };
  }

  /** Take one token, waiting as long as needed. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const { waitMs } = this.state();
      if (waitMs === 0) {
        if (this.#tokens >= this.capacity) this.#awaitingFirst = true;
        this.#tokens -= 1;
        return;
      }
      await sleep(waitMs, signal);
    }
  }

  /** The server said we are over the limit: empty the bucket so that pacing starts from now. */
  drain(now: number = Date.now()): void {
    this.#refill(now);
    this.#tokens = Math.min(this.#tokens, 0);
  }
}
