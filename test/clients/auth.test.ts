// Zone resolution, netrc parsing and token lookup, as `divio login` writes them.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findToken, parseNetrc, resolveZone } from '../../src/divio/auth.js';

describe('resolveZone', () => {
  it('defaults to divio.com', () => {
    expect(resolveZone(undefined, {})).toEqual({ zone: 'divio.com', baseUrl: 'https://api.divio.com', machines: ['api.divio.com', 'control.divio.com'] });
  });
  it('--zone beats DIVIO_ZONE; DIVIO_ZONE beats the default', () => {
    expect(resolveZone('aldryn.com', { DIVIO_ZONE: 'other.io' }).baseUrl).toBe('https://api.aldryn.com');
    expect(resolveZone(undefined, { DIVIO_ZONE: 'other.io' }).baseUrl).toBe('https://api.other.io');
  });
  it('uses an http(s) URL verbatim, without trailing slashes, and looks up its host in netrc', () => {
    expect(resolveZone('http://127.0.0.1:8123/', {})).toEqual({ zone: 'http://127.0.0.1:8123', baseUrl: 'http://127.0.0.1:8123', machines: ['127.0.0.1'] });
    expect(resolveZone('https://api.example.org/prefix//', {}).baseUrl).toBe('https://api.example.org/prefix');
  });
  it('rejects nonsense with a clear message', () => {
    expect(() => resolveZone('not a zone', {})).toThrow(/invalid Divio zone "not a zone"/);
    expect(() => resolveZone('https://user:pw@api.divio.com', {})).toThrow(/must not contain credentials/);
  });
});

describe('parseNetrc', () => {
  it('reads what divio login writes', () => {
    expect(parseNetrc('machine api.divio.com\n\tlogin sre@example.com\n\tpassword abc123\n')).toEqual([
      { machine: 'api.divio.com', login: 'sre@example.com', password: 'abc123' },
    ]);
  });
  it('several machines on one line, comments, default, macdef', () => {
    const text = [
      '# my netrc',
      'machine a.example login u1 password p1 machine b.example login u2 password p2 # trailing comment',
      'macdef init',
      'machine evil.example password fromMacro',
      'cd /pub',
      '',
      'machine c.example',
      '  login u3 # a comment between tokens',
      '  password p#3',
      'default login anon password guest',
    ].join('\n');
    expect(parseNetrc(text)).toEqual([
      { machine: 'a.example', login: 'u1', password: 'p1' },
      { machine: 'b.example', login: 'u2', password: 'p2' },
      { machine: 'c.example', login: 'u3', password: 'p#3' },
      { machine: null, login: 'anon', password: 'guest' },
    ]);
  });
  it('tolerates a machine without password, CRLF, quotes and junk', () => {
    expect(parseNetrc('machine x login only\r\nmachine y password "with space" account acc\r\nbogus tokens here')).toEqual([
      { machine: 'x', login: 'only' },
      { machine: 'y', password: 'with space', account: 'acc' },
    ]);
    expect(parseNetrc('')).toEqual([]);
  });
});

describe('findToken', () => {
  let dir: string;
  let netrc: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'netrc-'));
    netrc = join(dir, 'netrc');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (text: string) => {
    writeFileSync(netrc, text);
    chmodSync(netrc, 0o600);
  };

  it('DIVIO_TOKEN wins over netrc', () => {
    write('machine api.divio.com login a password fromfile\n');
    expect(findToken({ env: { DIVIO_TOKEN: ' envtoken ', NETRC_PATH: netrc } })).toEqual({ token: 'envtoken', source: 'env' });
  });
  it('NETRC_PATH names the file; api.<zone> first', () => {
    write('machine control.divio.com password ctl\nmachine api.divio.com password api\n');
    expect(findToken({ env: { NETRC_PATH: netrc } })).toMatchObject({ token: 'api', source: 'netrc', machine: 'api.divio.com', path: netrc });
  });
  it('falls back to control.<zone>, skipping an api entry without password; never to default', () => {
    write('machine api.divio.com login me\nmachine control.divio.com password ctl\n');
    expect(findToken({ env: { NETRC_PATH: netrc } })?.token).toBe('ctl');
    // a default entry (another service's, as Divio's CLI never writes one) is not a Divio token
    write('machine api.other.io password other\ndefault login anonymous password dflt\n');
    expect(findToken({ env: { NETRC_PATH: netrc } })).toBeNull();
    write('default login anonymous password dflt\nmachine control.divio.com password ctl\n');
    expect(findToken({ env: { NETRC_PATH: netrc } })).toMatchObject({ token: 'ctl', machine: 'control.divio.com' });
  });
  it('follows the zone override', () => {
    write('machine api.divio.com password main\nmachine api.aldryn.com password legacy\n');
    expect(findToken({ env: { NETRC_PATH: netrc, DIVIO_ZONE: 'aldryn.com' } })?.token).toBe('legacy');
    expect(findToken({ env: { NETRC_PATH: netrc }, zone: 'aldryn.com' })?.token).toBe('legacy');
    write('machine 127.0.0.1 password local\n');
    expect(findToken({ env: { NETRC_PATH: netrc }, zone: 'http://127.0.0.1:9000' })?.token).toBe('local');
  });
  it('no file, no token: null (not a crash)', () => {
    expect(findToken({ env: { NETRC_PATH: join(dir, 'missing') } })).toBeNull();
    expect(findToken({ env: {}, netrcPath: join(dir, 'missing') })).toBeNull();
  });
});
