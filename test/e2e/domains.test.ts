// End-to-end: `:domains` in the bundled console against its sandbox, in a real pty. Every
// environment's domains from one listing of the domains API, named APP ENV, primary / custom or
// Divio's own, each name an OSC 8 link; `/` filters, `y`/`Y` copy the name and the URL, Enter opens
// the environment, `?` lists the keys from the keymap. The twin `divio-tui domains` prints the same.
import { describe, expect, it } from 'vitest';
import { KEYS } from './harness.js';
import { runBin } from './cli-harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();

const osc52 = (text: string): string => `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;

describe(':domains', () => {
  it('every environment, primary and custom marked, links, filter, copy, Enter opens the environment', async () => {
    const cols = 120;
    const p = e2e.console({ cols, rows: 40, env: { TERM_PROGRAM: 'WezTerm' } });
    await p.waitForText(/acme-reports/, 10_000 * SCALE);
    await p.press(':');
    await p.type('domains');
    await p.press(KEYS.enter);
    let s = await p.waitForText(/\d+ domains on \d+ environments/, 30_000 * SCALE);
    expect(s).toMatch(/domains \(fleet\)/);
    expect(s).toMatch(/DOMAIN\s+APP\s+ENV\s+KIND/);
    // a live custom domain, primary; the live environment's own Divio domain beside it, not primary
    expect(s).toMatch(/booking\.acme-health\.org\s+acme-booking\s+live\s+primary, custom/);
    expect(s).toMatch(/acme-booking\.eu\.aldryn\.io\s+acme-booking\s+live\s+Divio's\s/);
    expect(s).toMatch(/acme-booking-stage\.eu\.aldryn\.io\s+acme-booking\s+test\s+primary, Divio's/);
    // the summary counts what the sandbox holds: 20 environments, each with its Divio domain, plus the custom ones
    const m = /(\d+) domains on (\d+) environments · (\d+) custom · (\d+) primary/.exec(s)!;
    expect(m, s).not.toBeNull();
    expect(Number(m[2])).toBe(20);
    expect(Number(m[1])).toBe(20 + Number(m[3]));
    expect(Number(m[4])).toBe(20); // one primary per environment
    // each name is a link (zero-width: the rows stay aligned)
    await p.waitForRaw('\x1b]8;;https://booking.acme-health.org/\x07booking.acme-health.org\x1b]8;;\x07');
    for (const l of p.lines()) expect(l.length).toBeLessThanOrEqual(cols);
    const rows = p.lines().filter((l) => /\s(live|test|qa)\s+(primary, )?(custom|Divio's)/.test(l));
    const kindAt = rows.map((l) => l.search(/(primary, )?(custom|Divio's)/));
    expect(new Set(kindAt).size, rows.join('\n')).toBe(1);

    // `/` narrows to one application; y copies the domain's name, Y its URL
    await p.press('/');
    await p.type('nordwind-shop');
    await p.press(KEYS.enter);
    s = await p.waitForGone(/acme-booking/);
    expect(s).toMatch(/^\S*\s*nordwind-shop\.com\s+nordwind-shop\s+live\s+primary, custom/m);
    await p.press('y');
    await p.waitForText(/copied domain: nordwind-shop\.com/);
    await p.waitForRaw(osc52('nordwind-shop.com'));
    await p.press('Y');
    await p.waitForText(/copied URL: https:\/\/nordwind-shop\.com\//);

    // ? lists this view's keys from the keymap
    await p.press('?');
    s = await p.waitForText(/help \(domains\)/);
    expect(s).toMatch(/copy: the selected row's id \(.*domain name/);
    await p.press(KEYS.esc);
    await p.waitForText(/domains \(fleet\)/);

    // Enter: that domain's environment
    await p.press(KEYS.enter);
    await p.waitForText(/URL\s+https?:\/\/\S+/, 20_000 * SCALE);
    s = await p.waitForText(/nordwind-shop\.com/);
    expect(s).toMatch(/nordwind-shop › live/);
  }, 240_000);

  it('divio-tui domains [APP [ENV]] [--json]', async () => {
    const sb = await e2e.sandbox(['--seed', '7', '--speed', '20']);
    const run = (args: string[]) => runBin(args, { home: sb.home, env: sb.env, timeoutMs: 90_000 });
    const all = await run(['domains']);
    expect(all.code, all.all).toBe(0);
    expect(all.stdout).toMatch(/^DOMAIN\s+APP\s+ENV\s+KIND\s+URL$/m);
    expect(all.stdout).toMatch(/^www\.nordwind\.de\s+nordwind-cms\s+live\s+primary, custom\s+https:\/\/www\.nordwind\.de\/$/m);
    expect(all.stdout).toMatch(/^nordwind\.de\s+nordwind-cms\s+live\s+custom\s/m);

    const one = await run(['domains', 'nordwind-cms', 'live', '--json']);
    expect(one.code, one.all).toBe(0);
    const list = JSON.parse(one.stdout) as { name: string; app: string; env: string; primary: boolean; custom: boolean; url: string }[];
    expect(list.map((d) => d.name).sort()).toEqual(['nordwind-cms.eu.aldryn.io', 'nordwind.de', 'www.nordwind.de']);
    expect(list.every((d) => d.app === 'nordwind-cms' && d.env === 'live')).toBe(true);
    expect(list.filter((d) => d.primary).map((d) => d.name)).toEqual(['www.nordwind.de']);
    expect(list.find((d) => d.name === 'nordwind-cms.eu.aldryn.io')!.custom).toBe(false);

    const app = await run(['domains', 'nordwind-cms']);
    expect(app.code, app.all).toBe(0);
    expect(app.stdout).toMatch(/nordwind-cms-stage\.eu\.aldryn\.io\s+nordwind-cms\s+test/);
    expect(app.stdout).not.toMatch(/acme/);

    const bad = await run(['domains', 'nordwind-cmz']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no application "nordwind-cmz"/);
  }, 180_000);
});
