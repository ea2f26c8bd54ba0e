// Tests wait for a condition, never for a time: `waitFor` polls until the condition holds and fails
// with what it waited for. The timeout is generous (a busy CI machine, `npm run test:stress`); a
// passing test never waits for it.
export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** For pacing (writes meant to arrive as separate chunks) and for "nothing happens within" windows only. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
