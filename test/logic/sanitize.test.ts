import { describe, expect, it } from 'vitest';
import { cleanLine, maskSecrets, sanitize, sanitizeLines, stripAnsi } from '../../src/terminal/sanitize.js';

/** Every escape introducer / C1 / control char position in a string, except well-formed SGR. */
function dangerous(s: string): string[] {
  const withoutSgr = s.replace(/\x1b\[[0-9;]*m/g, '');
  const bad: string[] = [];
  for (const ch of withoutSgr) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x200e || c === 0x200f || c === 0x061c)
      bad.push('U+' + c.toString(16).padStart(4, '0'));
  }
  return bad;
}

// A corpus of hostile sequences, each with the visible text that must survive.
const HOSTILE: Array<[name: string, input: string, expected: string]> = [
  ['OSC 52 clipboard write (BEL)', 'before\x1b]52;c;cm0gLXJmIH4=\x07after', 'beforeafter'],
  ['OSC 52 clipboard write (ST)', 'a\x1b]52;p;ZWNobyBwd25lZA==\x1b\\b', 'ab'],
  ['OSC 0 title', '\x1b]0;you have been pwned\x07line', 'line'],
  ['OSC 2 title, 8-bit OSC and ST', 'x\x9d2;title\x9cy', 'xy'],
  ['OSC 8 hyperlink', 'see \x1b]8;;https://evil.example/\x07docs\x1b]8;;\x07 now', 'see docs now'],
  ['unterminated OSC swallows the rest', 'ok\x1b]0;never ends', 'ok'],
  ['CSI 2J + H (clear screen, home)', '\x1b[2J\x1b[Hfake prompt $', 'fake prompt $'],
  ['CSI ED/EL and cursor moves', 'a\x1b[K\x1b[1J\x1b[10;20H\x1b[3A\x1b[5Cb', 'ab'],
  ['DECSTBM scroll region', '\x1b[1;5rtext\x1b[r', 'text'],
  ['DSR cursor position request', 'q\x1b[6nr', 'qr'],
  ['private mode alt screen / hide cursor', '\x1b[?1049h\x1b[?25lhidden', 'hidden'],
  ['DCS string (DECRQSS)', 'p\x1bP$qm\x1b\\q', 'pq'],
  ['DCS, 8-bit introducer', 'p\x90tmux;payload\x9cq', 'pq'],
  ['SOS / PM / APC strings', '1\x1bXsos\x1b\\2\x1b^pm\x1b\\3\x1b_apc\x1b\\4', '1234'],
  ['raw 8-bit CSI U+009B (non-SGR)', 'a\u009b2Jb', 'ab'],
  ['7-bit C1 forms: IND, NEL, RI, RIS', 'a\x1bDb\x1bEc\x1bMd\x1bce', 'abcde'],
  ['other C1 controls', 'a\u0085b\u0084c\u008ed', 'abcd'],
  ['charset designation ESC ( 0', 'x\x1b(0lqqk\x1b(By', 'xlqqky'],
  ['bare ESC at end', 'trailing\x1b', 'trailing'],
  ['bare ESC before a control', 'a\x1b\x07b', 'ab'],
  ['C0 controls: NUL BEL BS VT FF SO SI', 'a\x00b\x07c\x08d\x0be\x0cf\x0eg\x0fh', 'abcdefgh'],
  ['DEL', 'a\x7fb', 'ab'],
  ['carriage return overwrite trick', 'rm -rf /\rls -la', 'rm -rf /ls -la'],
  ['bidi override (Trojan Source)', 'access = "user\u202e \u2066// admin\u2069 \u2066"', 'access = "user // admin "'],
  ['bidi isolates and marks', '\u2067abc\u2069\u200f\u200e\u061c', 'abc'],
  ['zero-width space and BOM', 'pass\u200bword\ufeff', 'password'],
  ['SGR with private/colon params is not well-formed', 'x\x1b[38:2:255:0:0my\x1b[?31mz', 'xyz'],
  ['CSI with intermediates', 'a\x1b[0 qb', 'ab'],
];

describe('sanitize: hostile corpus', () => {
  for (const [name, input, expected] of HOSTILE) {
    it(`removes: ${name}`, () => {
      const out = sanitize(input);
      expect(out).toBe(expected);
      expect(dangerous(out)).toEqual([]);
      expect(out).not.toContain('\x1b');
      // keepSgr changes nothing when there is no SGR, and never lets the rest through.
      const kept = sanitize(input, { keepSgr: true });
      expect(dangerous(kept)).toEqual([]);
    });
  }

  it('no escape byte survives any corpus entry, even concatenated and with SGR kept', () => {
    const all = HOSTILE.map(([, i]) => i).join('\x1b[31m|\x1b[0m');
    const out = sanitize(all, { keepSgr: true });
    expect(dangerous(out)).toEqual([]);
    // Only the SGR we put in remains.
    expect(out.match(/\x1b/g)?.length ?? 0).toBeLessThanOrEqual((all.match(/\x1b\[[0-9;]*m/g) ?? []).length);
    expect(out.replace(/\x1b\[[0-9;]*m/g, '')).not.toMatch(/[\x1b\x9b]/);
  });
});

describe('sanitize: SGR', () => {
  const coloured = '\x1b[1;31mERROR\x1b[0m done';
  it('removes SGR by default', () => {
    expect(sanitize(coloured)).toBe('ERROR done');
  });
  it('keeps well-formed SGR only when asked', () => {
    expect(sanitize(coloured, { keepSgr: true })).toBe(coloured);
  });
  it('drops concealed text and blink from kept SGR, keeps extended colours whole', () => {
    expect(sanitize('a\x1b[8msecret\x1b[0m', { keepSgr: true })).toBe('asecret\x1b[0m');
    expect(sanitize('\x1b[1;8;5;31mx', { keepSgr: true })).toBe('\x1b[1;31mx');
    expect(sanitize('\x1b[38;5;8mgrey\x1b[48;2;5;6;8mbg', { keepSgr: true })).toBe('\x1b[38;5;8mgrey\x1b[48;2;5;6;8mbg');
  });
  it('normalises 8-bit CSI SGR to the 7-bit form when kept', () => {
    expect(sanitize('\u009b32mok\u009b0m', { keepSgr: true })).toBe('\x1b[32mok\x1b[0m');
    expect(sanitize('\u009b32mok\u009b0m')).toBe('ok');
  });
  it('stripAnsi removes SGR and everything else', () => {
    expect(stripAnsi(coloured)).toBe('ERROR done');
    expect(stripAnsi('\x1b]0;t\x07a\x1b[2Jb')).toBe('ab');
  });
});

describe('sanitize: visible mode', () => {
  it('shows removed sequences as readable placeholders', () => {
    expect(sanitize('\x1b[2Jx', { visible: true })).toBe('\u241b[2Jx');
    expect(sanitize('\x1b[2Jx', { visible: true, ascii: true })).toBe('<ESC>[2Jx');
    expect(sanitize('a\x07b', { visible: true })).toBe('a\u2407b');
    expect(sanitize('a\x07b', { visible: true, ascii: true })).toBe('a^Gb');
    expect(sanitize('a\u202eb', { visible: true })).toBe('a<U+202E>b');
    expect(sanitize('a\u009bb', { visible: true })).toBe('a<9B>b');
  });
  it('visible output itself contains no control characters', () => {
    for (const [, input] of HOSTILE) {
      const v = sanitize(input, { visible: true });
      expect(dangerous(v)).toEqual([]);
      const a = sanitize(input, { visible: true, ascii: true });
      expect(dangerous(a)).toEqual([]);
    }
  });
  it('ASCII visible mode emits only ASCII for ASCII-only controls', () => {
    const v = sanitize('\x1b]52;c;AAAA\x07\x1b[2J\x00\x7f', { visible: true, ascii: true });
    expect([...v].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
  });
});

describe('sanitize: text handling', () => {
  it('returns clean strings unchanged (same value)', () => {
    const s = 'GET /api/v1/items 200 12ms — ünïcödé 日本 👍';
    expect(sanitize(s)).toBe(s);
  });
  it('expands tabs to tab stops', () => {
    expect(sanitize('a\tb')).toBe('a       b');
    expect(sanitize('abcdefgh\tx')).toBe('abcdefgh        x');
    expect(sanitize('a\tb', { tabWidth: 4 })).toBe('a   b');
  });
  it('never leaves a newline in a line; CRLF is one break', () => {
    expect(sanitize('a\nb')).toBe('a b');
    expect(sanitizeLines('one\r\ntwo\nthree\n')).toEqual(['one', 'two', 'three']);
  });
  it('keeps ZWJ emoji sequences and combining marks', () => {
    expect(sanitize('👨\u200d👩\u200d👧 e\u0301')).toBe('👨\u200d👩\u200d👧 e\u0301');
  });
});

describe('maskSecrets', () => {
  const cases: Array<[string, string]> = [
    ['postgres://app:S3cr3t!@db.internal:5432/app', 'postgres://app:****@db.internal:5432/app'],
    ['DATABASE_URL=mysql://root:hunter2@127.0.0.1/db ok', 'DATABASE_URL=mysql://root:****@127.0.0.1/db ok'],
    ['Authorization: Token 4f2c9a8b7e6d5c4b3a2f1e0d', 'Authorization: Token ****'],
    ['authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig', 'authorization: Bearer ****'],
    ['-H "Authorization: Bearer abc.def.ghi"', '-H "Authorization: Bearer ****"'],
    ['SECRET_KEY=django-insecure-123 DEBUG=True', 'SECRET_KEY=**** DEBUG=True'],
    ['DB_PASSWORD="p a s s" next', 'DB_PASSWORD="****" next'],
    ['API_TOKEN: abcdef', 'API_TOKEN: ****'],
    ['DEFAULT_DATABASE_DSN=postgres://u:p@h/d', 'DEFAULT_DATABASE_DSN=****'],
    ['{"password": "hunter2", "user": "bob"}', '{"password": "****", "user": "bob"}'],
    ['GET /login?token=abc123&next=/ 200', 'GET /login?token=****&next=/ 200'],
  ];
  for (const [input, expected] of cases) {
    it(`masks ${input.slice(0, 32)}`, () => {
      expect(maskSecrets(input)).toBe(expected);
    });
  }
  it('leaves ordinary lines alone', () => {
    for (const s of ['GET /api/items HTTP/1.1 200', 'https://example.com:8080/path@v2', 'DEBUG=True WORKERS=4', 'user bob logged in']) expect(maskSecrets(s)).toBe(s);
  });
  it('the secret does not survive anywhere in the masked text', () => {
    for (const [input] of cases) {
      const secret = /hunter2|S3cr3t|4f2c9a8b|eyJhbG|django-insecure|p a s s|abcdef|abc\.def|abc123/.exec(input)?.[0];
      if (secret) expect(maskSecrets(input)).not.toContain(secret);
    }
  });
  it('cleanLine sanitises and masks', () => {
    expect(cleanLine('\x1b]0;x\x07postgres://a:b@c/d')).toBe('postgres://a:****@c/d');
  });
});
