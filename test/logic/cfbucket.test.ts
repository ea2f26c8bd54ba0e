// The client-side Cloudflare purge bucket never runs ahead of Cloudflare's: the refill that follows
// the first request out of a full bucket starts when that request is answered, not when it was sent.
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/cloudflare/bucket.js';

describe('TokenBucket (pro: 25, 5/s)', () => {
  it('does not refill while the request that took it below capacity is unanswered', async () => {
    const b = new TokenBucket('pro', 0);
    await b.take(); // at Date.now(): the bucket was full
    const t = Date.now();
    // a slow first answer (1 s): Cloudflare's bucket may only have started refilling at its end
    expect(b.state(t + 1000).tokens).toBe(24);
    b.answered(t + 1000);
    expect(b.state(t + 1000).tokens).toBe(24);
    expect(b.state(t + 1200).tokens).toBe(25);
  });

  it('once answered, the bucket refills at the plan rate from the answer', async () => {
    const b = new TokenBucket('pro', 0);
    for (let i = 0; i < 24; i++) {
      await b.take();
      b.answered();
    }
    await b.take();
    const t = Date.now();
    b.answered(t);
    expect(b.state(t).tokens).toBeLessThan(1);
    expect(b.state(t).waitMs).toBeGreaterThan(0);
    expect(b.state(t + 1000).tokens).toBeGreaterThanOrEqual(4.9);
  });
});
