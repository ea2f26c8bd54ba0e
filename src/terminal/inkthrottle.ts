// `throttle` for Ink (ink/build/ink.js imports it from es-toolkit/compat; the bundle gives it this
// module, scripts/bundle.mjs inkPatches): es-toolkit's, plus one escape. Ink draws at most maxFps
// times a second (30: every 33 ms), leading and trailing; a commit that comes within 33 ms of the last
// frame is drawn at the trailing edge. Measured at start-up (issue 16), the fleet's first rows waited
// there 30–43 ms in most starts, after a header or status update had just been drawn. What the user is
// waiting for — a topic's first data (src/store/app.ts) — asks for the next frame at once.
import { throttle as esThrottle } from 'es-toolkit/compat';

let askedAt = -Infinity;
/** An ask older than this is dropped (the commit it was for did not come: nothing changed). */
const ASK_TTL_MS = 250;

/** The next frame Ink would throttle is drawn at once (one frame; the throttle goes on after it). */
export function drawNextFrameAtOnce(): void {
  askedAt = performance.now();
}

/** Whether a frame was asked for and not drawn yet (tests). */
export function frameAsked(): boolean {
  return performance.now() - askedAt < ASK_TTL_MS;
}

export function throttle<T extends (...args: never[]) => unknown>(fn: T, wait?: number, options?: { leading?: boolean; trailing?: boolean }) {
  const t = esThrottle(fn, wait, options);
  const call = (...args: Parameters<T>): void => {
    t(...args);
    if (frameAsked()) {
      askedAt = -Infinity;
      t.flush(); // the trailing call, if the throttle held one back (a no-op when it just drew)
    }
  };
  return Object.assign(call, { cancel: t.cancel, flush: t.flush });
}
