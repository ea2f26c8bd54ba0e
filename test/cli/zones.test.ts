// The zones a console can switch between (src/cli/zones.ts): each zone's token from the config or
// from netrc as `divio login --zone Z` writes it (machine control.Z; api.Z also), DIVIO_TOKEN only
// for the zone the console started in, a team gateway per zone, and clear refusals.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ZoneDirectory, looksLikeZoneName, startUpstream } from '../../src/cli/zones.js';
import { Config } from '../../src/config/config.js';

const dir = mkdtempSync(join(tmpdir(), 'divio-tui-zones-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const netrc = join(dir, 'netrc');
writeFileSync(netrc, 'machine control.eu.example.io login me password cp-tok-eu\nmachine api.us.example.io login me password api-tok-us\n');

const zones = Config.parse({
  zones: {
    eu: { zone: 'eu.example.io' },
    us: { zone: 'us.example.io' },
    local: { zone: 'http://127.0.0.1:8765', token: 'cfg-tok-local' },
    team: { gateway: 'wss://gw.example.io', gatewayToken: 'gw-tok' },
    bare: { zone: 'bare.example.io' },
  },
}).zones;

describe('ZoneDirectory', () => {
  it('each zone gets its own token: netrc machine control.ZONE (as divio login writes it) or api.ZONE, or the config entry', () => {
    const d = new ZoneDirectory(zones, { zone: 'eu', env: { NETRC_PATH: netrc } });
    expect(d.startName).toBe('eu');
    expect(d.start()).toMatchObject({ kind: 'divio', zone: 'eu.example.io', baseUrl: 'https://api.eu.example.io', token: 'cp-tok-eu', tokenSource: { source: 'netrc', machine: 'control.eu.example.io' } });
    expect(d.resolve('us')).toMatchObject({ kind: 'divio', token: 'api-tok-us' });
    expect(d.resolve('local')).toMatchObject({ kind: 'divio', baseUrl: 'http://127.0.0.1:8765', token: 'cfg-tok-local', tokenSource: { source: 'config' } });
    expect(d.resolve('team')).toEqual({ kind: 'gateway', url: 'wss://gw.example.io', token: 'gw-tok' });
    expect(d.resolve('sandbox')).toEqual({ kind: 'sandbox', forced: true, zone: null });
  });

  it('DIVIO_TOKEN belongs to the zone the console started in: never sent to another zone', () => {
    const d = new ZoneDirectory(zones, { zone: 'bare', env: { NETRC_PATH: netrc, DIVIO_TOKEN: 'env-tok' } });
    expect(d.start()).toMatchObject({ zone: 'bare.example.io', token: 'env-tok', tokenSource: { source: 'env' } });
    expect(d.resolve('eu')).toMatchObject({ token: 'cp-tok-eu' });
    const other = new ZoneDirectory(zones, { zone: 'eu', env: { NETRC_PATH: netrc, DIVIO_TOKEN: 'env-tok' } });
    expect(() => other.resolve('bare')).toThrow(/zone bare: no token for bare\.example\.io: run "divio login" for that zone \(netrc machine api\.bare\.example\.io or control\.bare\.example\.io\) or set "token" in zones\.bare/);
  });

  it('the list says where each token comes from (never the token), marks the unusable, and adds the start zone and the sandbox', () => {
    const d = new ZoneDirectory(zones, { zone: 'other.example.io', env: { NETRC_PATH: netrc, DIVIO_TOKEN: 'env-tok' } });
    const l = d.list();
    expect(l.map((z) => [z.name, z.kind, z.target, z.token, z.usable])).toEqual([
      ['bare', 'divio', 'bare.example.io', 'none: divio login (netrc machine api.bare.example.io)', false],
      ['eu', 'divio', 'eu.example.io', 'netrc machine control.eu.example.io', true],
      ['local', 'divio', 'http://127.0.0.1:8765', 'config', true],
      ['team', 'gateway', 'wss://gw.example.io', 'gateway token (config)', true],
      ['us', 'divio', 'us.example.io', 'netrc machine api.us.example.io', true],
      ['other.example.io', 'divio', 'other.example.io', 'DIVIO_TOKEN', true],
      ['sandbox', 'sandbox', 'embedded', 'none needed', true],
    ]);
    expect(JSON.stringify(l)).not.toMatch(/tok-/);
  });

  it('the start zone goes by the name of a configured zone with the same target', () => {
    expect(new ZoneDirectory(zones, { zone: 'us.example.io', env: { NETRC_PATH: netrc } }).startName).toBe('us');
    expect(new ZoneDirectory(zones, { sandbox: true, env: {} }).startName).toBe('sandbox');
    expect(new ZoneDirectory(zones, { gateway: 'wss://gw.example.io', gatewayToken: 'x', env: {} }).startName).toBe('team');
    // no token for the default zone: the sandbox stands in, and is the zone shown
    const d = new ZoneDirectory({}, { env: { NETRC_PATH: join(dir, 'none') } });
    expect(d.startName).toBe('sandbox');
  });

  it('an unknown zone name is refused with the known ones; a zone with no gateway token says what to set', () => {
    expect(() => new ZoneDirectory(zones, { zone: 'staging', env: {} })).toThrow(/no zone "staging" in the config file's "zones" \(bare, eu, local, team, us\)/);
    const d = new ZoneDirectory(zones, { zone: 'eu', env: { NETRC_PATH: netrc } });
    expect(() => d.resolve('nope')).toThrow(/no zone "nope": known zones are bare, eu, local, team, us, sandbox/);
    const noTok = Config.parse({ zones: { team: { gateway: 'ws://127.0.0.1:1' } } }).zones;
    expect(() => new ZoneDirectory(noTok, { zone: 'team', env: {} })).toThrow(/zone team: the gateway ws:\/\/127\.0\.0\.1:1 needs its token: "gatewayToken" in zones\.team or DIVIO_TUI_TOKEN/);
    // commands use the same decision
    expect(startUpstream(zones, { zone: 'local', env: {} })).toMatchObject({ token: 'cfg-tok-local' });
  });

  it('config: a zone is a Divio zone or a team gateway, not both; names are words', () => {
    expect(Config.safeParse({ zones: { x: { zone: 'a.io', gateway: 'wss://g' } } }).success).toBe(false);
    expect(Config.safeParse({ zones: { 'a.b': { zone: 'a.io' } } }).success).toBe(false);
    expect(Config.safeParse({ zones: { x: { gateway: 'http://g' } } }).success).toBe(false);
    expect(Config.safeParse({ zones: { x: { zone: 'a.io', extra: 1 } } }).success).toBe(false);
    expect(looksLikeZoneName('prod')).toBe(true);
    expect(looksLikeZoneName('divio.com')).toBe(false);
    expect(looksLikeZoneName('http://x')).toBe(false);
  });
});
