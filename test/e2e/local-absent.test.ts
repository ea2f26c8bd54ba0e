// End-to-end: no Docker engine (DOCKER_HOST names a socket that does not exist) and no linked compose
// project. The fleet watches the Local topic once it is in (for "local" rows of linked projects), but
// an unavailable engine is no row and no line there: nothing about Docker until the user opens the
// Local view, which explains that the engine is unavailable and how to start one. Back on the fleet
// (the Local topic's slot now holds the engine's unavailable status) the fleet still says nothing.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEYS } from './harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();

/** Everything about Docker or the Local environment a fleet screen could show (the `C local` key hint aside). */
const DOCKER_LINE = /docker|podman|engine|local:|\blocal\s{2,}|@local/i;

describe('the fleet without a Docker engine', () => {
  it('shows no Docker line; :local explains the engine is unavailable; back on the fleet, still none', async () => {
    const sock = join(e2e.tempDir('dtui-nodocker-'), 'missing.sock');
    const p = e2e.console({ cols: 170, rows: 32, env: { DOCKER_HOST: `unix://${sock}` } });
    let s = await p.waitForText(/20 environments, sorted by app/, 20_000 * SCALE);
    expect(s).not.toMatch(DOCKER_LINE);

    // the Local view: the engine is unavailable, with the reason and what to do
    await p.press(':');
    await p.type('local');
    await p.press(KEYS.enter);
    s = await p.waitForText(/Local · no Docker engine: DOCKER_HOST=unix:\/\/\S*missing\.sock but \S*missing\.sock is not a socket/, 20_000 * SCALE);
    expect(s).toMatch(/Start Docker \(or `podman system service`\), or set DOCKER_HOST; this view retries by itself\./);

    // back on the fleet: the Local topic has answered (unavailable), and the fleet shows none of it
    // (the Local view's status line may stand for the one commit after the pop, until the store
    // says its watch is gone: wait for that, a line that stays fails the test)
    await p.press(KEYS.esc);
    await p.waitForText(/20 environments, sorted by app/, 10_000 * SCALE);
    s = await p.waitForGone(DOCKER_LINE, 5000 * SCALE);
    expect(s).toMatch(/acme-portal/);
    expect(s).not.toMatch(DOCKER_LINE);
    // the key to the Local view is still offered
    expect(s).toMatch(/C local/);
  }, 120_000);
});
