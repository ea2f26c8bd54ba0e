// resolveUpstream (src/cli/upstream.ts): the one decision of what a command talks to, each case.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { resolveUpstream, upstreamLabel } from '../../src/cli/upstream.js';

const dir = mkdtempSync(join(tmpdir(), 'divio-tui-upstream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NO_NETRC = join(dir, 'absent-netrc');

describe('resolveUpstream', () => {
  it('a Divio token in DIVIO_TOKEN: the real Divio API of the default zone', () => {
    const u = resolveUpstream({ env: { DIVIO_TOKEN: 'tok-1234', NETRC_PATH: NO_NETRC } });
    expect(u).toEqual({ kind: 'divio', zone: 'divio.com', baseUrl: 'https://api.divio.com', token: 'tok-1234', tokenSource: { source: 'env' } });
    expect(upstreamLabel(u)).toBe('divio.com');
  });

  it('a token in the netrc file `divio login` writes, for the zone given by --zone', () => {
    const netrc = join(dir, 'netrc');
    writeFileSync(netrc, 'machine api.example-zone.io login me password netrc-tok-5678\n');
    const u = resolveUpstream({ zone: 'example-zone.io', env: { NETRC_PATH: netrc } });
    expect(u).toMatchObject({ kind: 'divio', zone: 'example-zone.io', baseUrl: 'https://api.example-zone.io', token: 'netrc-tok-5678', tokenSource: { source: 'netrc', machine: 'api.example-zone.io' } });
  });

  it('DIVIO_ZONE as a URL is used verbatim', () => {
    const u = resolveUpstream({ env: { DIVIO_TOKEN: 'tok-1234', DIVIO_ZONE: 'http://127.0.0.1:9000/', NETRC_PATH: NO_NETRC } });
    expect(u).toMatchObject({ kind: 'divio', baseUrl: 'http://127.0.0.1:9000' });
  });

  it('no token anywhere: the embedded sandbox, saying for which zone none was found', () => {
    const u = resolveUpstream({ env: { NETRC_PATH: NO_NETRC } });
    expect(u).toEqual({ kind: 'sandbox', forced: false, zone: 'divio.com' });
    expect(upstreamLabel(u)).toBe('SANDBOX');
  });

  it('--sandbox wins over a token, and an unusable zone does not matter then', () => {
    expect(resolveUpstream({ sandbox: true, env: { DIVIO_TOKEN: 'tok-1234', DIVIO_ZONE: 'not a zone!' } })).toEqual({ kind: 'sandbox', forced: true, zone: null });
  });

  it('an invalid zone without --sandbox is a clear error', () => {
    expect(() => resolveUpstream({ env: { DIVIO_TOKEN: 'tok-1234', DIVIO_ZONE: 'not a zone!' } })).toThrow(/invalid Divio zone "not a zone!"/);
  });

  it('--gateway: the team gateway with --token or DIVIO_TUI_TOKEN, whatever Divio token there is', () => {
    expect(resolveUpstream({ gateway: 'ws://10.0.0.5:7878', gatewayToken: 'gw-tok', env: { DIVIO_TOKEN: 'tok-1234' } })).toEqual({ kind: 'gateway', url: 'ws://10.0.0.5:7878', token: 'gw-tok' });
    const u = resolveUpstream({ gateway: 'wss://gw.example.com', sandbox: true, env: { DIVIO_TUI_TOKEN: 'env-gw-tok' } });
    expect(u).toEqual({ kind: 'gateway', url: 'wss://gw.example.com', token: 'env-gw-tok' });
    expect(upstreamLabel(u)).toBe('wss://gw.example.com');
  });

  it('--gateway without a token, or not a ws(s) URL, is a usage error', () => {
    expect(() => resolveUpstream({ gateway: 'ws://127.0.0.1:1', env: {} })).toThrow(UsageError);
    expect(() => resolveUpstream({ gateway: 'ws://127.0.0.1:1', env: {} })).toThrow('--gateway needs a token: pass --token or set DIVIO_TUI_TOKEN');
    expect(() => resolveUpstream({ gateway: 'http://127.0.0.1:1', gatewayToken: 't', env: {} })).toThrow('--gateway must be a ws:// or wss:// URL, got "http://127.0.0.1:1"');
  });
});
