// The other screens' modules are imported once the fleet is on screen, before any is opened: opening
// one then waits for nothing. Nothing is imported before (the first frame loads the fleet screen only).
import { afterEach, describe, expect, it } from 'vitest';
import { mount, type Harness } from './fake.js';
import { listScreens, screenReady } from '../../screens/registry.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

describe('preloading the screens', () => {
  it('starts when the fleet is on screen, not before', async () => {
    h = await mount({ preload: false, attach: false });
    await h.wait(300);
    expect(screenReady('logs')).toBe(false);
    expect(screenReady('restore')).toBe(false);
    h.store.attach(h.gw);
    await h.waitFor((x) => x.includes('7 environments'));
    const all = (): boolean => listScreens().every((d) => screenReady(d.id));
    const end = Date.now() + 15_000;
    while (!all() && Date.now() < end) await h.wait(20);
    expect(listScreens().filter((d) => !screenReady(d.id)).map((d) => d.id)).toEqual([]);
    // and they are used as they are: no empty pane while opening one
    h.stdin.write('J');
    await h.wait(0);
    expect(h.frame()).toContain('jobs');
  });
});
