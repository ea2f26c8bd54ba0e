import { afterEach, describe, expect, it, vi } from 'vitest';
vi.hoisted(() => {
  process.env.FORCE_COLOR = '3';
});
import React from 'react';
import { mount, KEY, type Harness } from './fake.js';
import { defineScreen } from '../../screens/registry.js';
import { buildKeymap } from '../../src/config/keymap.js';
import { runEnvAction } from '../../screens/actions.js';
import type { Job } from '../../src/domain/index.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
  delete process.env.DIVIO_TUI_FORCE_PANE_CRASH;
});

const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

async function openShop(h: Harness, env: 'live' | 'test' | 'qa'): Promise<string> {
  await h.press(':');
  for (const ch of `env shop@${env}`) h.stdin.write(ch);
  await h.waitFor((x) => x.includes(`env shop@${env}`));
  await h.press(KEY.enter);
  return h.waitFor((x) => x.includes(`https://shop-${env}.example.com`));
}

describe('environment screen', () => {
  it('never draws a sensitive value, shows the gateway-masked ones, services, domains, deployments', async () => {
    h = await mount();
    const f = strip(await openShop(h, 'live'));
    expect(f).not.toContain('super-secret-value-123');
    expect(f).toMatch(/DJANGO_SECRET_KEY\s+••••••\s+sensitive/);
    expect(f).toContain('postgres://app:****@db:5432/app');
    expect(f).toContain('DEBUG');
    // the API's enums in the console's words; values it does not know, shown marked
    expect(f).toMatch(/database\s+DEFAULT\s+postgres-15\s+ready/);
    expect(f).toMatch(/unknown: KEY_VALUE_STORE\s*DEFAULT\s+redis-7\s+unknown: WARMING_UP/);
    expect(f).toMatch(/shop\.example\.com\s+CDN: Divio's Cloudflare/);
    expect(f).toMatch(/\(Shop\) \S live\s+status: up/);
    expect(f).toContain('database 1234 rows');
    await h.press('G'); // scroll to the end: the deployments
    const end = strip(h.frame());
    expect(end).toMatch(/Last deployments \(1\)/);
    expect(end).toMatch(/succeeded\s+commit abcdef12\s+AUTO/);
  });

  it('colours the environment by risk in the header (live red)', async () => {
    h = await mount();
    const f = await openShop(h, 'live');
    const crumbs = f.split('\n')[1]!;
    expect(crumbs).toMatch(/\x1b\[1m\x1b\[(31|38;2;255;48;48|91)m(?:\x1b\[1m)?live/);
  });

  it('actions without a screen yet say so instead of doing nothing', async () => {
    h = await mount();
    await openShop(h, 'test');
    runEnvAction(h.store, 'env.future', { env: 'env-shop-test', slug: 'test', app: 'shop', appUuid: 'app-shop', org: 'Acme' });
    await h.waitFor((x) => strip(x).includes('env.future for shop@test: not available in this version'));
  });

  it('destructive keys never act on the key alone', async () => {
    h = await mount();
    await openShop(h, 'live');
    for (const k of ['D', 'B', 'R', 'P']) {
      await h.press(k);
      await h.press(KEY.esc, KEY.esc);
      await openShop(h, 'live');
    }
    expect(h.gw.commands).toEqual([]);
  });

  it('the confirmation dialog: n cancels, a typed confirmation needs the exact slug', async () => {
    h = await mount();
    let confirmed = 0;
    h.store.openDialog({ title: 'Deploy shop@test?', lines: ['Build mode AUTO.'], confirmLabel: 'deploy', onConfirm: () => void confirmed++ });
    await h.waitFor((x) => strip(x).includes('Deploy shop@test?'));
    await h.press('n');
    expect(strip(h.frame())).not.toContain('Deploy shop@test?');
    h.store.openDialog({ title: 'Deploy shop@test?', lines: [], onConfirm: () => void confirmed++ });
    await h.waitFor((x) => strip(x).includes('Deploy shop@test?'));
    await h.press('y');
    expect(confirmed).toBe(1);
    h.store.openDialog({ title: 'Deploy shop@live?', lines: ['This is a LIVE environment.'], danger: true, confirmWord: 'live', confirmLabel: 'deploy', onConfirm: () => void confirmed++ });
    await h.waitFor((x) => strip(x).includes('Type live to deploy'));
    await h.press('y', KEY.enter);
    expect(strip(h.frame())).toContain('type "live" exactly');
    expect(confirmed).toBe(1);
    await h.press(KEY.backspace, 'l', 'i', 'v', 'e', KEY.enter);
    expect(confirmed).toBe(2);
    expect(strip(h.frame())).not.toContain('Deploy shop@live?');
  });

  it('refuses deploy for a read-only gateway token', async () => {
    h = await mount();
    h.gw.welcome = { ...h.gw.welcome, role: 'viewer' };
    h.store.setState({ welcome: h.gw.welcome });
    await openShop(h, 'test');
    runEnvAction(h.store, 'env.backup', { env: 'env-shop-test', slug: 'test', app: 'shop', appUuid: 'app-shop', org: 'Acme' });
    await h.waitFor((x) => strip(x).includes('read-only'));
    expect(h.store.getState().dialog).toBe(null);
  });

  it('help on a read-only console shows what cannot run, with the reason, before any key', async () => {
    h = await mount();
    h.gw.welcome = { ...h.gw.welcome, role: 'viewer' };
    h.store.setState({ welcome: h.gw.welcome });
    await openShop(h, 'test');
    await h.press('?');
    let f = strip(await h.waitFor((x) => strip(x).includes('help (env)')));
    // page down until both lines were on screen (they may fall on two pages)
    let seen = f;
    for (let i = 0; i < 8 && !(/B\s+\(not now/.test(seen) && /\bR\s+\S/.test(seen)); i++) {
      await h.press('\x06'); // page down
      f = strip(h.frame());
      seen += '\n' + f;
    }
    expect(seen).toMatch(/B\s+\(not now: read-only token\) create a backup/);
    expect(seen).toMatch(/R\s+restore a backup/); // opens the wizard, which explains inside: not marked
  });
});

describe('palette', () => {
  it('jumps with :env shop@qa, completes, and keeps history on up', async () => {
    h = await mount();
    await h.press(':');
    for (const ch of 'env shop@q') h.stdin.write(ch);
    await h.waitFor((x) => strip(x).includes('env shop@qa'));
    await h.press('a', KEY.enter);
    await h.waitFor((x) => x.includes('https://shop-qa.example.com'));
    await h.press(':', 'f', 'l', 'e', 'e', 't', KEY.enter);
    await h.waitFor((x) => x.includes('7 environments'));
    await h.press(':', KEY.up);
    expect(strip(h.frame())).toMatch(/:fleet/);
    await h.press(KEY.up);
    expect(strip(h.frame())).toMatch(/:env shop@qa/);
    await h.press(KEY.enter);
    await h.waitFor((x) => x.includes('https://shop-qa.example.com'));
    expect(h.store.getState().paletteHistory).toEqual(['fleet', 'env shop@qa']);
  });

  it('fuzzy: Enter on a partial input runs the best completion', async () => {
    h = await mount();
    await h.press(':');
    for (const ch of 'blog@test') h.stdin.write(ch);
    await h.waitFor((x) => x.includes('blog@test'));
    await h.press(KEY.enter);
    await h.waitFor((x) => x.includes('https://blog-test.example.com'));
  });

  it('explains a bad command and an unknown target', async () => {
    h = await mount();
    await h.press(':');
    for (const ch of 'env nope@live') h.stdin.write(ch);
    await h.waitFor((x) => x.includes('env nope@live'));
    await h.press(KEY.enter);
    expect(strip(h.frame())).toContain('no environment nope@live in the fleet');
  });
});

describe('jobs tray', () => {
  it('J shows running and recent jobs with progress and steps from anywhere', async () => {
    h = await mount();
    const now = Date.now();
    const job: Job = {
      id: 'j1', kind: 'restore', idempotencyKey: 'k-000000001', state: 'running', target: 'shop@test', params: {},
      percent: 40, stage: 'restoring', createdAt: now - 65_000, updatedAt: now, endedAt: null, error: null, result: null, upstreamId: null,
      steps: [
        { name: 'safety backup', state: 'succeeded', startedAt: now - 65_000, endedAt: now - 30_000 },
        { name: 'restore', state: 'running', startedAt: now - 30_000, endedAt: null },
      ],
    };
    h.gw.pushJob(job);
    await h.waitFor((x) => strip(x).includes('1 job running'));
    await h.press(KEY.enter); // into an environment first: J works from anywhere
    await h.press('J');
    const f = strip(await h.waitFor((x) => x.includes('safety backup')));
    expect(f).toMatch(/running\s+restore\s+shop@test\s+40 % restoring\s+1m0[5-9]s/);
    expect(f).toMatch(/succeeded safety backup\s+35s/);
    expect(f).toContain('does not stop them');
  });
});

describe('messages name the jobs key as bound', () => {
  it('app.jobs remapped to T: the backup question and the "started" message say T, and T opens the jobs', async () => {
    h = await mount({ keymap: buildKeymap({ 'app.jobs': 'T' }) });
    await h.press('j', 'j', 'j'); // shop@live
    await h.press('B');
    let f = strip(await h.waitFor((x) => x.includes('Create a backup of shop@live?')));
    expect(f).toContain('Progress shows in the jobs tray (T).');
    await h.press('y');
    f = strip(await h.waitFor((x) => strip(x).includes(': started (')));
    expect(f).toMatch(/started \(T shows jobs\)/);
    expect(f).not.toContain('J shows');
    await h.press('T');
    await h.waitFor((x) => x.includes('Jobs run in the gateway'));
  });
});

describe('words a person at 3 a.m. reads right', () => {
  it('the header says the connection is "connected" (not "live", which is an environment)', async () => {
    h = await mount();
    const top = strip(h.frame()).split('\n')[0]!;
    expect(top).toContain('● connected');
    expect(top).not.toMatch(/● live/);
  });

  it('q on the fleet asks first; a second q quits; q elsewhere goes back', async () => {
    h = await mount();
    let quits = 0;
    h.store.services.quit = () => void quits++;
    await h.press('J');
    await h.waitFor((x) => x.includes('no jobs yet'));
    await h.press('q'); // back to the fleet
    await h.waitFor((x) => x.includes('7 environments'));
    expect(quits).toBe(0);
    await h.press('q');
    await h.waitFor((x) => strip(x).includes('press q again to quit (ctrl-c quits at once)'));
    expect(quits).toBe(0);
    await h.press('q');
    expect(quits).toBe(1);
  });
});

describe('error boundaries', () => {
  it('a pane that throws shows its error; the header and the keys keep working', async () => {
    const Boom = (): React.ReactElement => {
      throw new Error('kaboom token=abcd1234secret');
    };
    defineScreen({ id: 'boom', title: 'boom', scopes: ['global'], component: Boom });
    h = await mount();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    h.store.push('boom');
    const f = strip(await h.waitFor((x) => x.includes('pane failed')));
    spy.mockRestore();
    expect(f).toContain('The boom pane failed: kaboom');
    expect(f).not.toContain('abcd1234secret');
    expect(f).toContain('SANDBOX');
    await h.press(KEY.esc);
    await h.waitFor((x) => x.includes('7 environments'));
  });

  it('DIVIO_TUI_FORCE_PANE_CRASH=fleet breaks only the fleet pane', async () => {
    process.env.DIVIO_TUI_FORCE_PANE_CRASH = 'fleet';
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    h = await mount();
    const f = strip(await h.waitFor((x) => x.includes('pane failed')));
    expect(f).toContain('The fleet pane failed');
    expect(f).toContain('connected');
    await h.press('J');
    await h.waitFor((x) => x.includes('no jobs yet'));
    spy.mockRestore();
  });

  it('what the failed pane says about keys follows the keymap (app.back ctrl+x, app.palette ;, app.quit Q)', async () => {
    const Boom = (): React.ReactElement => {
      throw new Error('kaboom');
    };
    defineScreen({ id: 'boom2', title: 'boom', scopes: ['global'], component: Boom });
    h = await mount({ keymap: buildKeymap({ 'app.back': 'ctrl+x', 'app.palette': ';', 'app.quit': 'Q' }) });
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    h.store.push('boom2');
    const f = strip(await h.waitFor((x) => x.includes('pane failed')));
    spy.mockRestore();
    expect(f).toContain('The rest of the console still works: Ctrl-x goes back, ; opens the palette, Q quits.');
    await h.press(KEY.esc);
    expect(strip(h.frame())).toContain('pane failed');
    await h.press('\x18');
    await h.waitFor((x) => x.includes('7 environments'));
  });
});

describe('keys that arrive before the next render', () => {
  it('a second y after confirming does not confirm twice; Enter after the filter Enter opens the row', async () => {
    h = await mount();
    let confirmed = 0;
    h.store.openDialog({ title: 'Deploy shop@test?', lines: [], onConfirm: () => void confirmed++ });
    await h.waitFor((x) => strip(x).includes('Deploy shop@test?'));
    h.stdin.write('y');
    h.stdin.write('y');
    await h.waitFor((x) => !strip(x).includes('Deploy shop@test?'));
    h.stdin.write('/');
    await h.waitFor((x) => strip(x).includes('Enter keep, Esc clear')); // the filter line, editing
    expect(confirmed).toBe(1); // both y were read before the / (stdin is in order)
    h.stdin.write('crm');
    await h.waitFor((x) => strip(x).includes('/crm_'));
    h.stdin.write('\r');
    h.stdin.write('\r');
    await h.waitFor((x) => x.includes('https://crm-live.example.com'));
  });
});
