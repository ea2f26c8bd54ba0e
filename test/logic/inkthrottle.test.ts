// Ink's frame throttle with its one escape (src/terminal/inkthrottle.ts): a topic's first data is drawn
// at once, not at the trailing edge of the throttle.
import { afterEach, expect, it } from 'vitest';
import { drawNextFrameAtOnce, frameAsked, throttle } from '../../src/terminal/inkthrottle.js';

const made: Array<{ cancel(): void }> = [];
afterEach(() => {
  for (const t of made.splice(0)) t.cancel();
});

function counted(wait: number) {
  const calls: number[] = [];
  const t = throttle((n: number) => void calls.push(n), wait, { leading: true, trailing: true });
  made.push(t);
  return { t, calls };
}

it('throttles as Ink asks: the first call at once, the next ones held for the trailing edge', async () => {
  const { t, calls } = counted(40);
  t(1);
  t(2);
  t(3);
  expect(calls).toEqual([1]);
  await new Promise((r) => setTimeout(r, 120));
  expect(calls).toEqual([1, 3]);
});

it('a frame asked for is drawn at the next call, once; the throttle goes on after it', () => {
  const { t, calls } = counted(60_000);
  t(1);
  t(2);
  expect(calls).toEqual([1]);
  drawNextFrameAtOnce();
  expect(frameAsked()).toBe(true);
  t(3);
  expect(calls).toEqual([1, 3]);
  expect(frameAsked()).toBe(false);
  t(4);
  expect(calls).toEqual([1, 3]);
});

it('an ask with nothing held back draws nothing twice', () => {
  const { t, calls } = counted(60_000);
  drawNextFrameAtOnce();
  t(1);
  expect(calls).toEqual([1]);
  expect(frameAsked()).toBe(false);
});
