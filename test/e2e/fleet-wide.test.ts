// End-to-end: the fleet-wide palette resources in the bundled console against its sandbox.
// `:backups` lists every environment with the oldest successful backup first (none at all before
// any age, "not read yet" last), a newest backup that failed flagged; Enter opens that environment's
// backups. `:deployments` lists the running deployments first, then the environments whose last one
// failed. Both come from the fleet topic (the gateway's one fleet scheduler), never a request each.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { request } from 'undici';
import { KEYS } from './harness.js';
import { runBin } from './cli-harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();

/** Seconds of an age cell ("42s ago", "3m ago", "2h ago", "5d ago"); Infinity for "none". */
function ageSecs(cell: string): number {
  if (/none/.test(cell)) return Infinity;
  const m = /(\d+)([smhd]) ago/.exec(cell);
  if (!m) return NaN;
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's']!;
}

describe('fleet-wide palette resources', () => {
  it(':backups, oldest first, failed flagged, Enter opens the environment; :deployments', async () => {
    const p = e2e.console({ cols: 120, rows: 36 });
    await p.waitForText(/acme-reports/, 10_000 * SCALE);
    await p.press(':');
    await p.type('backups');
    await p.press(KEYS.enter);
    await p.waitForText(/backups \(fleet\)/, 10_000 * SCALE);
    // wait until every environment's backups were read by the fleet scheduler
    const s = await p.waitForText(/[^\d]0 not read yet/, 120_000 * SCALE);
    expect(s).toMatch(/APP\s+ENV\s+LAST SUCCESSFUL\s+NEWEST\s+STATE/);
    if (process.env.CAPTURE_SCREEN) writeFileSync(process.env.CAPTURE_SCREEN, p.screenText());
    const rows = p.lines().filter((l) => /^\S*\s*[a-z][\w-]+\s+(live|test|qa)\s+/.test(l.replace(/^[▶>]\s*/, '')) && /ago|none/.test(l));
    expect(rows.length).toBeGreaterThan(5);
    const ages = rows.map((l) => ageSecs(/(none|\d+[smhd] ago)/.exec(l)![1]!));
    // oldest first: "none" first, then the ages descending
    for (let i = 1; i < ages.length; i++) expect(ages[i]!).toBeLessThanOrEqual(ages[i - 1]!);
    if (process.env.CAPTURE_SCREEN) writeFileSync(process.env.CAPTURE_SCREEN, p.screenText());

    // Enter: that environment's backups
    const first = /([a-z][\w-]+)\s+(live|test|qa)\s/.exec(rows[0]!.replace(/^[▶>]\s*/, ''))!;
    await p.press(KEYS.enter);
    await p.waitForText(new RegExp(`${first[1]} › ${first[2]} › backups`), 10_000 * SCALE);
    await p.press(KEYS.esc);
    await p.waitForText(/backups \(fleet\)/);

    // :deployments: the sandbox's always-deploying application is there, and the failing one
    await p.press(':');
    await p.type('deployments');
    await p.press(KEYS.enter);
    const d = await p.waitForText(/deployments \(fleet\)[\s\S]*deploying/, 30_000 * SCALE);
    expect(d).toMatch(/environments deploying or failed last time/);
  }, 300_000);

  it(':backups flags an environment whose newest backup failed (the sandbox made to fail it)', async () => {
    // A sandbox process of its own: its control API fails the next backup of one environment, a
    // backup is taken there (it fails: exit 1), then the console is started against that zone.
    const sb = await e2e.sandbox(['--seed', '7', '--speed', '20']);
    const scenario = (await (await request(`${sb.divioUrl}/_sandbox/scenario`, { headers: { authorization: `Token ${sb.token}` } })).body.json()) as {
      applications: Record<string, { environments: Record<string, string> }>;
    };
    const env = scenario.applications['nordwind-api']!.environments['test']!;
    const r = await request(`${sb.divioUrl}/_sandbox/fail-next`, {
      method: 'POST',
      headers: { authorization: `Token ${sb.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'backup', environment: env }),
    });
    expect(r.statusCode).toBe(200);
    await r.body.dump();
    const b = await runBin(['backup', 'nordwind-api', 'test'], { home: sb.home, env: sb.env, timeoutMs: 120_000 });
    expect(b.code, b.all).toBe(1);

    const p = e2e.console({ cols: 120, rows: 36, args: [], env: sb.env });
    await p.waitForText(/nordwind-api/, 20_000 * SCALE);
    await p.press(':');
    await p.type('backups');
    await p.press(KEYS.enter);
    await p.waitForText(/backups \(fleet\)/, 10_000 * SCALE);
    const s = await p.waitForText(/[^\d]0 not read yet/, 120_000 * SCALE);
    // the summary counts it, and its row says FAILED with an age, beside its last successful backup
    expect(s).toMatch(/ 1 whose newest failed/);
    const row = p.lines().find((l) => /nordwind-api\s+test\s/.test(l));
    expect(row, s).toMatch(/nordwind-api\s+test\s+\d+[smhd] ago\s+FAILED \d+[smhd] ago/);
    expect(p.lines().filter((l) => /FAILED/.test(l))).toHaveLength(1);
  }, 300_000);
});
