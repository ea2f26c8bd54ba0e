// Only the fleet screen is part of the first frame: the others are imported when first opened (or
// once the fleet is on screen, test/ui/preload-screens.test.tsx). Keys typed while a screen is being
// imported are not lost: they reach it, in order, once it is there. (Fresh modules in this file: no
// screen is imported before the test opens it.)
import { afterEach, describe, expect, it } from 'vitest';
import { mount, sampleFleet, type Harness } from './fake.js';
import { screenReady, targetOfRow } from '../../screens/registry.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

const header = (f: string): string => f.replace(/\x1b\[[0-9;]*m/g, '').split('\n').slice(0, 2).join('\n');

describe('a screen opened before its module is there', () => {
  it('shows it when it is imported, and the key typed meanwhile (e: variables) acts on it', async () => {
    // no gateway: no fleet, so nothing starts importing the screens (the 3 s fallback is later)
    h = await mount({ preload: false, attach: false });
    expect(screenReady('env')).toBe(false);
    const shop = sampleFleet()[0]!;
    h.store.push('env', targetOfRow(shop));
    // at once, in the same turn: the environment screen is not there yet to take it
    h.stdin.write('e');
    expect(screenReady('env')).toBe(false);
    const f = await h.waitFor((x) => header(x).includes('variables'), 15_000);
    expect(header(f)).toContain('shop');
    expect(h.store.getState().stack.map((r) => r.screen)).toEqual(['fleet', 'env', 'vars']);
  });

  it('keys typed meanwhile keep their order (J then ? : the jobs screen, then its help)', async () => {
    h = await mount({ preload: false, attach: false });
    h.stdin.write('J');
    h.stdin.write('?');
    await h.waitFor((x) => header(x).includes('help (jobs)'), 15_000);
    expect(h.store.getState().stack.map((r) => r.screen)).toEqual(['fleet', 'jobs', 'help']);
  });
});
