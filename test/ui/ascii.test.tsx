import { afterEach, describe, expect, it, vi } from 'vitest';
vi.hoisted(() => {
  process.env.FORCE_COLOR = '3'; // colour would be drawn if the theme asked for it
});
import { mount, KEY, fleetRow, sampleFleet, type Harness } from './fake.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

const NON_ASCII = /[^\x0a\x20-\x7e]/;
const SGR = /\x1b\[[0-9;]*m/;

async function tour(h: Harness): Promise<string[]> {
  const frames: string[] = [h.frame()];
  await h.press('/', 'c', 'a', 'f');
  frames.push(h.frame());
  await h.press(KEY.esc);
  await h.press('v');
  frames.push(h.frame());
  await h.press('v', KEY.enter);
  frames.push(await h.waitFor((f) => f.includes('URL')));
  await h.press('G');
  frames.push(h.frame());
  await h.press('?');
  frames.push(h.frame());
  await h.press(KEY.esc, KEY.esc, ':');
  for (const ch of 'env sh') h.stdin.write(ch);
  await h.wait(30);
  frames.push(h.frame());
  await h.press(KEY.esc, 'J');
  frames.push(h.frame());
  return frames;
}

describe('ASCII mode and NO_COLOR', () => {
  // Upstream names with non-ASCII characters must not leak either.
  const fleet = [...sampleFleet(), fleetRow('cafe', 'live', { appName: 'Café ☕', org: 'Zürich AG', branch: 'main' })];

  it('the control: with colour and Unicode the same tour draws colours and Unicode', async () => {
    h = await mount({ fleet });
    const frames = await tour(h);
    expect(frames.some((f) => SGR.test(f))).toBe(true);
    expect(frames.some((f) => NON_ASCII.test(f))).toBe(true);
  });

  it('ascii + no colour: not one non-ASCII character, not one SGR sequence, on any screen', async () => {
    h = await mount({ fleet, color: 'none', unicode: false });
    const frames = await tour(h);
    expect(frames).toHaveLength(8);
    for (const f of frames) {
      const bad = f.split('').find((c) => NON_ASCII.test(c));
      expect(bad, `non-ASCII ${JSON.stringify(bad)} in:\n${f}`).toBeUndefined();
      expect(SGR.test(f), `SGR in:\n${f}`).toBe(false);
    }
    expect(frames[0]).toContain('[SANDBOX]');
    expect(frames.join('\n')).toContain('Z?rich AG');
  });
});
