// End-to-end: copy (OSC 52) and links (OSC 8) in the bundled console, in a real pty. `y` copies the
// selected row's id, `Y` its URL, `y` in the log view the line; the status line shows what was copied
// (the fallback where OSC 52 does not arrive). The environment's URL and domains are OSC 8 links, and
// the screen around them is laid out exactly as without them.
import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYS } from './harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();

const osc52 = (text: string): string => `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;

describe('copy and links', () => {
  it('y / Y on the fleet, the environment and the log view; OSC 8 links that keep the layout', async () => {
    const cols = 120;
    const p = e2e.console({ cols, rows: 34, env: { TERM_PROGRAM: 'WezTerm' } });
    await p.waitForText(/nordwind-shop/, 10_000 * SCALE);
    await p.press('/');
    await p.type('nordwind-shop');
    await p.press(KEYS.enter);
    await p.waitForText(/3 of 20/);

    // the fleet row: y copies APP@ENV
    await p.press('y');
    await p.waitForText(/copied environment: nordwind-shop@live/);
    await p.waitForRaw(osc52('nordwind-shop@live'));

    // the environment: its URL is a link; Y copies it, y copies the environment's uuid
    await p.press(KEYS.enter);
    let s = await p.waitForText(/URL\s+https?:\/\/\S+/, 10_000 * SCALE);
    const url = /URL\s+(https?:\/\/\S+)/.exec(s)![1]!;
    await p.waitForRaw(`\x1b]8;;${url}\x07`);
    // the link is zero-width: the URL row reads as plain text, the rows around it are intact
    const lines = p.lines();
    const at = lines.findIndex((l) => l.startsWith('URL'));
    expect(lines[at]).toBe(`URL       ${url}`);
    expect(lines[at + 1]).toMatch(/^Branch\s+\S/);
    // domains: each name is a link, the CDN column stays aligned
    const domainRows = lines.filter((l) => /CDN: |no CDN|CDN unknown/.test(l));
    expect(domainRows.length).toBeGreaterThan(0);
    for (const r of domainRows) expect(r.search(/CDN|no CDN/)).toBe(domainRows[0]!.search(/CDN|no CDN/));
    expect(p.raw()).toMatch(/\x1b\]8;;https:\/\/[^\x07]+\x07[a-z0-9.-]+\x1b\]8;;\x07/);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(cols);

    await p.press('Y');
    await p.waitForText(`copied URL: ${url}`);
    await p.waitForRaw(osc52(url));

    // the log view: y copies the bottom line (shown in the status line)
    await p.press('l');
    await p.waitForText(/FOLLOW/, 10_000 * SCALE);
    await p.waitForText(/nordwind-shop@live\/\w+ /, 20_000 * SCALE);
    await p.press('y');
    s = await p.waitForText(/copied log line: /);
    const copied = /copied log line: (.*)$/m.exec(s)![1]!.trim();
    // what reached the clipboard starts with what the status line shows (which may be cut at the width)
    const sent = [...p.raw().matchAll(/\x1b\]52;c;([A-Za-z0-9+/=]+)\x07/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'));
    const last = sent[sent.length - 1]!;
    expect(last.startsWith(copied.replace(/…$/, ''))).toBe(true);
    expect(last).toMatch(/nordwind-shop@live\/\w+ /);
    // upstream text never carries its own OSC 52 or OSC 8 through: every one in the output is ours
    for (const text of sent) expect(['nordwind-shop@live', url, last]).toContain(text);
  });

  it('a terminal not known to honour OSC 52: the status line says so and shows the text', async () => {
    const p = e2e.console({ env: { TERM_PROGRAM: undefined, VTE_VERSION: '7600' } });
    await p.waitForText(/acme-booking/, 10_000 * SCALE);
    await p.press('y');
    // the text first (as much of it as the line holds can be selected), the caveat after it
    await p.waitForText(/copied environment: \S+@\S+ {3}\(OSC 52: if this terminal ignores it, select the text here\)/);
  });

  it('ui.hyperlinks off: no OSC 8 at all', async () => {
    const dir = e2e.tempDir('links-off-');
    mkdirSync(join(dir, 'divio-tui'));
    writeFileSync(join(dir, 'divio-tui', 'config.json'), JSON.stringify({ ui: { hyperlinks: false } }));
    const p = e2e.console({ env: { XDG_CONFIG_HOME: dir } });
    await p.waitForText(/nordwind-shop/, 10_000 * SCALE);
    await p.press(':');
    await p.type('env nordwind-shop@live');
    await p.press(KEYS.enter);
    await p.waitForText(/URL\s+https?:\/\/\S+/, 10_000 * SCALE);
    expect(p.raw()).not.toContain('\x1b]8;');
  });
});
