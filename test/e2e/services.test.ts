// End-to-end: an environment's services in the bundled console against its sandbox, in a real pty:
// `i` on the environment screen and `:services APP@ENV` open them (type, prefix, the catalogue
// service's name, region, state), `y` copies an instance's uuid, the environment keys still act
// (b opens its backups), `?` lists the key from the keymap. The twin `divio-tui services APP ENV`.
import { describe, expect, it } from 'vitest';
import { KEYS } from './harness.js';
import { runBin } from './cli-harness.js';
import { SCALE, useE2e } from './setup.js';

const e2e = useE2e();

// the API's DATABASE / STORAGE / READY in the console's words (the --json output keeps the API's)
const ROW = {
  db: /database\s+DEFAULT\s+PostgreSQL 15\s+eu-central\s+ready/,
  media: /storage\s+DEFAULT\s+Object storage\s+eu-central\s+ready/,
};

describe("an environment's services", () => {
  it('i on the environment, :services APP@ENV, copy, the environment keys, help', async () => {
    const p = e2e.console({ cols: 140, rows: 36, env: { TERM_PROGRAM: 'WezTerm' } });
    await p.waitForText(/nordwind-shop/, 10_000 * SCALE);
    await p.press(':');
    await p.type('env nordwind-shop@qa');
    await p.press(KEYS.enter);
    // the environment screen names the key
    let s = await p.waitForText(/Services \(2\)\s+i: service names, regions/, 20_000 * SCALE);
    expect(s).toMatch(/i services/);
    await p.press('i');
    s = await p.waitForText(ROW.db, 20_000 * SCALE);
    expect(s).toMatch(/nordwind-shop › qa › services/);
    expect(s).toMatch(/TYPE\s+PREFIX\s+SERVICE\s+REGION\s+STATE/);
    expect(s).toMatch(ROW.media);
    expect(s).toMatch(/2 service instances of nordwind-shop@qa \(database, storage\)/);
    // y: the selected instance's uuid (the first row: the database)
    await p.press('y');
    s = await p.waitForText(/copied service instance uuid: [0-9a-f-]{36}/);
    const uuid = /copied service instance uuid: ([0-9a-f-]{36})/.exec(s)![1]!;
    expect(p.lines().find((l) => ROW.db.test(l))).toContain(uuid);
    // ? lists the key of this view from the keymap
    await p.press('?');
    await p.waitForText(/help \(services\)/);
    await p.press('\x1b[6~'); // PgDn: the environment keys are further down
    await p.waitForText(/\bi\s+services: the environment's service instances/);
    await p.press(KEYS.esc);
    await p.waitForText(ROW.db);
    // the environment keys act on this environment: b opens its backups
    await p.press('b');
    await p.waitForText(/nordwind-shop › qa › backups/, 20_000 * SCALE);

    // the palette, from anywhere
    await p.press(':');
    await p.type('services acme-reports@live');
    await p.press(KEYS.enter);
    await p.waitForText(/acme-reports › live › services/, 20_000 * SCALE);
    s = await p.waitForText(/2 service instances of acme-reports@live/, 20_000 * SCALE);
    expect(s).toMatch(ROW.db);
  }, 240_000);

  it('divio-tui services APP ENV [--json]', async () => {
    const sb = await e2e.sandbox(['--seed', '7', '--speed', '20']);
    const run = (args: string[]) => runBin(args, { home: sb.home, env: sb.env, timeoutMs: 90_000 });
    const r = await run(['services', 'nordwind-shop', 'live']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toMatch(/^TYPE\s+PREFIX\s+SERVICE\s+REGION\s+STATE\s+ID$/m);
    expect(r.stdout).toMatch(new RegExp(`^${ROW.db.source}\\s+[0-9a-f-]{36}$`, 'm'));
    const j = await run(['services', 'nordwind-shop', 'live', '--json']);
    expect(j.code, j.all).toBe(0);
    const list = JSON.parse(j.stdout) as { type: string; service: string; region: string; state: string; uuid: string }[];
    expect(list.map((x) => `${x.type} ${x.service} ${x.region} ${x.state}`)).toEqual(['DATABASE PostgreSQL 15 eu-central READY', 'STORAGE Object storage eu-central READY']);
    const bad = await run(['services', 'nordwind-shop', 'staging']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/nordwind-shop has no environment "staging"/);
  }, 180_000);
});
