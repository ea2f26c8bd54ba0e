// The way in (cleanUpstream), value-not-word masking and the --json writer.
import { describe, expect, it } from 'vitest';
import { cleanUpstream, maskDeep, maskSecrets, maskVariable, safeJsonStringify, MAX_FIELD_CHARS } from '../../src/domain/text.js';

/** Any control character, C1, DEL, bidi/invisible formatting character: nothing a terminal acts on. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/;

describe('cleanUpstream', () => {
  const hostile = 'sh\x1b]0;pwned\x07op\x1b]52;c;ZXZpbA==\x07\u009b2J\u202eevil\x1bP1$r\x1b\\\x1b_apc\x1b\\\u200b';
  it('makes every string of a payload a safe single line, keys too', () => {
    const out = cleanUpstream({ results: [{ slug: hostile, name: 'a\nb', ['k\x1b[31m']: 1, n: 3, ok: true, nil: null }] }) as any;
    const r = out.results[0];
    expect(r.slug).toBe('shopevil');
    expect(r.name).toBe('a b');
    expect(r.k).toBe(1);
    expect([r.n, r.ok, r.nil]).toEqual([3, true, null]);
    expect(UNSAFE.test(JSON.stringify(out).replace(/\\u001b/g, ''))).toBe(false);
  });
  it('log keys keep SGR colour and line breaks, lose everything else, and are masked', () => {
    const out = cleanUpstream({ logs: '\x1b[31mred\x1b[0m\r\n\x1b]0;t\x07DATABASE_URL=postgres://u:hunter2@db/x\n' }, { logKeys: ['logs'] }) as any;
    expect(out.logs).toBe('\x1b[31mred\x1b[0m\nDATABASE_URL=postgres://u:****@db/x\n');
  });
  it('masks secrets in free-text fields (notes) but not in names and URLs', () => {
    const out = cleanUpstream({ notes: 'copy of postgres://app:S3cret@db/app', url: 'https://s3.example/x?X-Amz-Credential=AKIA123' }) as any;
    expect(out.notes).toBe('copy of postgres://app:****@db/app');
    expect(out.url).toBe('https://s3.example/x?X-Amz-Credential=AKIA123');
  });
  it('cuts huge strings', () => {
    const out = cleanUpstream({ slug: 'x'.repeat(100_000) }) as any;
    expect(out.slug.length).toBe(MAX_FIELD_CHARS + 1);
    expect(out.slug.endsWith('…')).toBe(true);
  });
});

describe('masking values, not words', () => {
  it('leaves prose about tokens alone', () => {
    for (const s of ['token refreshed', 'Bearer authentication enabled', 'csrf token: missing', 'password: required', 'the token expired, logging in again'])
      expect(maskSecrets(s)).toBe(s);
  });
  it('still masks token values', () => {
    expect(maskSecrets('using token 4f2c9a8b7e6d5c4b3a2f')).toBe('using token ****');
    expect(maskSecrets('password: hunter2')).toBe('password: ****');
    expect(maskSecrets('Bearer abcdefghijklmnopqrstuvwxyzABCD')).toBe('Bearer ****');
  });
  it('maskDeep masks secret-named keys whole and secrets inside other strings', () => {
    expect(maskDeep({ notes: 'dsn postgres://u:pw1@h/d', api_token: 'abc', nested: [{ password: 'x' }], n: 1 })).toEqual({
      notes: 'dsn postgres://u:****@h/d',
      api_token: '****',
      nested: [{ password: '****' }],
      n: 1,
    });
  });
  it('maskVariable: sensitive or secret-named values whole, DSN passwords inside others', () => {
    expect(maskVariable('SECRET_KEY', 'django-insecure', false)).toBe('****');
    expect(maskVariable('PLAIN', 'x', true)).toBe('****');
    expect(maskVariable('DATABASE_URL', 'postgres://u:pw@h/d', false)).toBe('postgres://u:****@h/d');
    expect(maskVariable('DEBUG', 'True', false)).toBe('True');
    expect(maskVariable('X', null, true)).toBe(null);
  });
});

describe('safeJsonStringify (--json)', () => {
  it('escapes C0, DEL, C1, bidi and invisible formatting as \\uXXXX, and round-trips', () => {
    const v = { s: 'a\x1b[2Jb\u009b31m\u202ec\u200bd\x7fe\u2066f\u0085' };
    const text = safeJsonStringify(v, 2);
    expect(UNSAFE.test(text)).toBe(false);
    expect(text).toContain('\\u009b');
    expect(text).toContain('\\u202e');
    expect(text).toContain('\\u007f');
    expect(JSON.parse(text)).toEqual(v);
  });
});
