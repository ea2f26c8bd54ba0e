// Spinners on work in progress, never on an idle screen (issue 16).
import { afterEach, describe, expect, it } from 'vitest';
import { mount, tick, type Harness } from './fake.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

const BRAILLE = /[\u2800-\u28ff]/;

describe('spinners', () => {
  it('turn while the fleet loads', async () => {
    h = await mount({ attach: false });
    const a = await h.waitFor((f) => /[\u2800-\u28ff] loading the fleet/.test(f));
    const b = await h.waitFor((f) => f !== a && /[\u2800-\u28ff] loading the fleet/.test(f), 1000);
    expect(b.replace(BRAILLE, '')).toBe(a.replace(BRAILLE, '')); // only the spinner moved
  });

  it('are ASCII on a terminal without UTF-8', async () => {
    h = await mount({ attach: false, unicode: false });
    await h.waitFor((f) => /[-\\|/] loading the fleet/.test(f));
  });

  it('are absent from an idle screen: the loaded fleet does not change by itself', async () => {
    h = await mount();
    const a = await h.waitFor((f) => f.includes('7 environments'));
    expect(a).not.toMatch(BRAILLE);
    await tick(400);
    expect(h.frame()).toBe(a);
  });
});
