// End to end in a real terminal: the deployments list (d) with a redeploy, and the environment
// variables editor (e) — a variable set, a sensitive one hidden until revealed, the offer to deploy,
// unset; on live the typed APP@live. The built console against its own sandbox.
import { describe, expect, test } from 'vitest';
import { KEYS, type Pty } from './harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();

async function openEnv(pty: Pty, target: string): Promise<void> {
  await pty.waitForText(/acme-reports/, 8000 * SCALE);
  await pty.press(':');
  await pty.type(`env ${target}`);
  await pty.press(KEYS.enter);
  const [app, env] = target.split('@');
  await pty.waitForText(new RegExp(`${app} › ${env} › environment`), 5000 * SCALE);
}

describe('deployments and variables in a real terminal', () => {
  test('d lists the deployments (date, 24 h time, age, duration, result, commit, branch, who); Enter opens a log; r redeploys after the dialog', async () => {
    const p = e2e.console({ args: ['--sandbox', '--ephemeral', '--seed', '7', '--speed', '20'], cols: 130, rows: 36 });
    await openEnv(p, 'acme-reports@test');
    await p.press('d');
    let s = await p.waitForText(/\d{4}-\d\d-\d\d \d\d:\d\d\s+\d+[smhd]\s+\d+(s|m\d\ds|h\d\dm)\s+ok\s+[0-9a-f]{7}\s+develop\s+\S+@example\.com/, 8000 * SCALE);
    expect(s).toMatch(/STARTED\s+AGE\s+DURATION\s+RESULT\s+COMMIT\s+BRANCH\s+BY/);
    // the oldest one: its log
    await p.press('G', KEYS.enter);
    await p.waitForText(/acme-reports › test › deployment log/, 5000 * SCALE);
    await p.waitForText(/Deployment finished|deployment \d+ of \d+/, 8000 * SCALE);
    await p.press(KEYS.esc);
    await p.waitForText(/STARTED\s+AGE/, 5000 * SCALE);
    // redeploy the oldest: the dialog says what Divio does
    await p.press('G', 'r');
    s = await p.waitForText('Redeploy acme-reports@test?', 5000 * SCALE);
    expect(s).toMatch(/Divio deploys the head of the branch develop as it is now/);
    expect(s).toContain('A redeploy restores no data');
    await p.press('y');
    s = await p.waitForText(/redeploy acme-reports@test: succeeded/, 60_000 * SCALE);
    expect(s).toMatch(/commit\s+deployed [0-9a-f]{7}, the commit of the chosen deployment/);
    // the new deployment heads the list: started seconds ago, by the token's user
    s = await p.waitForText(/\d{4}-\d\d-\d\d \d\d:\d\d\s+\d+s\s+\d+s\s+ok\s+[0-9a-f]{7}\s+develop/, 10_000 * SCALE);
  }, 240_000);

  test('live: r asks for acme-reports@live typed; Esc cancels and nothing starts', async () => {
    const p = e2e.console({ args: ['--sandbox', '--ephemeral', '--seed', '7', '--speed', '20'], cols: 130, rows: 36 });
    await openEnv(p, 'acme-reports@live');
    await p.press('d');
    await p.waitForText(/\d{4}-\d\d-\d\d \d\d:\d\d\s+\d+[smhd]\s+\d+/, 8000 * SCALE);
    await p.press('r');
    const s = await p.waitForText(/Type acme-reports@live to redeploy/, 5000 * SCALE);
    expect(s).toContain('This is a LIVE environment.');
    await p.type('live');
    await p.press(KEYS.enter);
    await p.waitForText(/type "acme-reports@live" exactly to confirm/, 5000 * SCALE);
    await p.press(KEYS.esc);
    await p.waitForGone(/Type acme-reports@live/, 5000 * SCALE);
    expect(p.screenText()).not.toMatch(/redeploy acme-reports@live: (queued|running)/);
  }, 120_000);

  test('e: set a variable, a sensitive one hidden until r reveals it, the offer to deploy, unset', async () => {
    const p = e2e.console({ args: ['--sandbox', '--ephemeral', '--seed', '7', '--speed', '20'], cols: 130, rows: 36 });
    await openEnv(p, 'acme-reports@test');
    await p.press('e');
    let s = await p.waitForText(/SECRET_KEY\s+••••••\s+yes/, 8000 * SCALE);
    expect(s).toMatch(/NAME\s+VALUE\s+SENSITIVE/);
    // reveal SECRET_KEY on r, hide it again on r
    await p.type('/SECRET_KEY');
    await p.press(KEYS.enter);
    await p.press('r');
    s = await p.waitForText(/SECRET_KEY\s+(?!••••••)\S{8,}\s+yes/, 8000 * SCALE);
    await p.press('r');
    await p.waitForText(/SECRET_KEY\s+••••••\s+yes/, 5000 * SCALE);
    await p.press(KEYS.esc); // clears the filter

    // a new sensitive variable: typed, never drawn
    await p.press('n');
    await p.waitForText('New variable of acme-reports@test', 5000 * SCALE);
    await p.type('E2E_SECRET');
    await p.press(KEYS.tab, ' ');
    await p.waitForText(/\[x\] yes/, 5000 * SCALE);
    await p.press(KEYS.tab);
    await p.type('topsecret42');
    s = await p.waitForText(/Value:\s+•{11}/, 5000 * SCALE);
    expect(s).not.toContain('topsecret42');
    await p.press(KEYS.enter);
    s = await p.waitForText('Deploy acme-reports@test now?', 30_000 * SCALE);
    expect(s).toContain('E2E_SECRET created on acme-reports@test.');
    expect(s).toContain('take effect on the next deployment');
    await p.press('n'); // not now
    s = await p.waitForText(/E2E_SECRET\s+••••••\s+yes/, 10_000 * SCALE);
    expect(s).toMatch(/Takes effect on the next deployment of acme-reports@test: D deploys/);
    expect(p.raw()).not.toContain('topsecret42');

    // unset it: asks, then it is gone, and the deploy is offered again
    await p.type('/E2E_SECRET');
    await p.press(KEYS.enter);
    await p.press('X');
    await p.waitForText('Unset E2E_SECRET on acme-reports@test?', 5000 * SCALE);
    await p.press('y');
    s = await p.waitForText('Deploy acme-reports@test now?', 30_000 * SCALE);
    expect(s).toContain('E2E_SECRET unset on acme-reports@test.');
    await p.press('y');
    await p.waitForText(/deploy acme-reports@test: started/, 10_000 * SCALE);
    await p.press(KEYS.esc);
    await p.waitForGone(/E2E_SECRET\s+••••••/, 20_000 * SCALE);
  }, 240_000);
});
