// End-to-end: zone switching inside the console. Two sandboxes stand for two Divio zones (their API
// URLs and tokens in the config file's "zones"; alpha has the 9 named applications, beta 12 — three
// "client-…" ones more). The bundled console starts in alpha (--zone alpha), names it in the header,
// starts a backup there, `:zone beta` shows beta's fleet and names beta, the zone list (`:zone`)
// shows both with where their tokens come from, Enter on alpha switches back, and the backup started
// in alpha was not lost: it kept running in alpha's gateway and ended there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { KEYS, type Pty } from './harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();
let alpha: Sandbox;
let beta: Sandbox;
let dir: string;
let config: string;

beforeAll(async () => {
  [alpha, beta] = await Promise.all([
    startSandbox({ port: 0, ephemeral: true, seed: 1, speed: 2, logRate: 0, ssh: false, extensions: true }),
    startSandbox({ port: 0, ephemeral: true, seed: 2, apps: 12, logRate: 0, ssh: false, extensions: true }),
  ]);
  dir = e2e.tempDir('dtui-zones-');
  config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      zones: {
        alpha: { zone: alpha.divioUrl, token: alpha.token },
        beta: { zone: beta.divioUrl, token: beta.token },
        nowhere: { zone: 'nowhere.example' },
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all([alpha?.close(), beta?.close()]);
});

const header = (pty: Pty): string => pty.lines()[0] ?? '';

describe('zones inside the console', () => {
  it('starts in alpha, switches to beta and back (palette and zone list); a job started in alpha is not lost', async () => {
    const manualBefore = alpha.state.backups.filter((b) => b.environment === alpha.ids('acme-reports', 'test').env && b.trigger === 'MANUAL' && b.success === 'SUCCESS').length;
    const betaManualBefore = beta.state.backups.filter((b) => b.trigger === 'MANUAL').length;
    const p = e2e.console({ args: ['--config', config, '--zone', 'alpha'], cols: 130, rows: 34 });
    await p.waitForText(/acme-reports/, 20_000 * SCALE);
    expect(header(p)).toContain(`alpha (${alpha.divioUrl})`);
    expect(p.screenText()).not.toMatch(/client-0001-shop/);

    // a backup in alpha, still running when we leave
    await p.press(':');
    await p.type('backup acme-reports@test');
    await p.press(KEYS.enter);
    await p.waitForText(/Create a backup of acme-reports@test\?/, 5000 * SCALE);
    await p.press('y');
    await p.waitForText(/1 job running/, 10_000 * SCALE);

    // :zone beta — beta's fleet (its generated applications) and its name in the header
    await p.press(':');
    await p.type('zone beta');
    await p.press(KEYS.enter);
    await p.waitForText(/client-0001-shop/, 20_000 * SCALE);
    expect(header(p)).toContain(`beta (${beta.divioUrl})`);
    expect(header(p)).not.toContain('alpha');
    // beta's jobs tray has no job of alpha's
    await p.press('J');
    const tray = await p.waitForText(/Jobs run in the gateway/, 10_000 * SCALE);
    expect(tray).not.toMatch(/backup\s+acme-reports@test/);
    await p.press(KEYS.esc);
    await p.waitForText(/client-0001-shop/, 10_000 * SCALE);

    // a zone without a token cannot be switched to: it says why, and beta stays
    await p.press(':');
    await p.type('zone nowhere');
    await p.press(KEYS.enter);
    await p.waitForText(/zone nowhere: no token for nowhere\.example/, 10_000 * SCALE);
    expect(header(p)).toContain('beta');

    // the zone list: every zone, the one shown marked, where each token comes from
    await p.press(':');
    await p.type('zone');
    await p.press(KEYS.enter);
    const list = await p.waitForText(/ZONE\s+KIND\s+API \/ GATEWAY\s+TOKEN/, 10_000 * SCALE);
    expect(list).toMatch(/alpha\s+divio\s+http:\/\/127\.0\.0\.1:\d+\s+config/);
    expect(list).toMatch(/● beta\s+divio\s+http:\/\/127\.0\.0\.1:\d+\s+config/);
    expect(list).toMatch(/nowhere\s+divio\s+nowhere\.example\s+none: divio login/);
    expect(list).toMatch(/sandbox\s+sandbox\s+embedded\s+none needed/);
    // Enter on alpha (the first row) switches back
    await p.press('g');
    await p.waitForText(/[▶>] +alpha/, 5000 * SCALE);
    await p.press(KEYS.enter);
    await p.waitForText(/acme-reports/, 20_000 * SCALE);
    await p.waitForText(new RegExp(`alpha \\(${alpha.divioUrl.replace(/[.:/]/g, '\\$&')}\\)`), 10_000 * SCALE);
    expect(p.screenText()).not.toMatch(/client-0001-shop/);

    // the backup kept running in alpha's gateway: the jobs tray has it, and it ends there
    await p.press('J');
    await p.waitForText(/backup\s+acme-reports@test/, 10_000 * SCALE);
    await p.waitForText(/succeeded\s+backup\s+acme-reports@test/, 90_000 * SCALE);
    const test = alpha.ids('acme-reports', 'test').env;
    expect(alpha.state.backups.filter((b) => b.environment === test && b.trigger === 'MANUAL' && b.success === 'SUCCESS')).toHaveLength(manualBefore + 1);
    // and in alpha only
    expect(beta.state.backups.filter((b) => b.trigger === 'MANUAL')).toHaveLength(betaManualBefore);
  }, 400_000);
});
