// `serve` and the auth helpers: loopback rule, constant-time token matching.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { assertSafeBind, matchToken, isLoopbackHost } from '../../src/gateway/index.js';
import { startServe } from '../../src/cli/serve.js';
import { GatewayClient } from '../../src/client/index.js';

test('a non-loopback bind without a token is refused; loopback is fine', () => {
  expect(() => assertSafeBind('0.0.0.0', [])).toThrow(/refusing to listen on 0.0.0.0 without a token/);
  expect(() => assertSafeBind('192.168.1.5', [null, ''])).toThrow(/without a token/);
  expect(() => assertSafeBind('0.0.0.0', ['short'])).toThrow(/shorter than 16/);
  expect(() => assertSafeBind('0.0.0.0', ['a-long-enough-token-123'])).not.toThrow();
  expect(() => assertSafeBind('127.0.0.1', [])).not.toThrow();
  expect(() => assertSafeBind('::1', [])).not.toThrow();
  expect(isLoopbackHost('localhost')).toBe(true);
  expect(isLoopbackHost('10.0.0.1')).toBe(false);
});

test('token matching finds the right role and refuses near misses', () => {
  const tokens = [
    { token: 'operator-secret-1', role: 'operator' as const, name: 'ops' },
    { token: 'viewer-secret-22', role: 'viewer' as const, name: 'view' },
  ];
  expect(matchToken(tokens, 'viewer-secret-22')?.name).toBe('view');
  expect(matchToken(tokens, 'operator-secret-1')?.role).toBe('operator');
  expect(matchToken(tokens, 'operator-secret-')).toBeNull();
  expect(matchToken(tokens, 'operator-secret-1 ')).toBeNull();
  expect(matchToken(tokens, '')).toBeNull();
  expect(matchToken(tokens, 42)).toBeNull();
});

test('serve --sandbox starts a gateway a client can use; serve refuses 0.0.0.0 without a token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'divio-tui-serve-'));
  await expect(startServe(['--host', '0.0.0.0', '--sandbox', '--data-dir', dir], {})).rejects.toThrow(/without a token/);
  await expect(startServe(['--port', 'abc'], {})).rejects.toThrow(/invalid --port/);
  const h = await startServe(['--sandbox', '--port', '0', '--data-dir', dir, '--viewer-token', 'viewer-token-abcdef'], { DIVIO_TUI_TOKEN: 'operator-token-abcdef' });
  try {
    expect(h.gateway.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const c = new GatewayClient({ url: h.gateway.url, token: 'viewer-token-abcdef' });
    c.connect();
    const w = await c.waitLive();
    expect(w.upstream.zone).toBe('SANDBOX');
    expect(w.role).toBe('viewer');
    await c.close();
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('in-process gateway: random loopback port and token, sandbox upstream when no Divio token is found', async () => {
  const { startInProcessGateway } = await import('../../src/cli/serve.js');
  const dir = mkdtempSync(join(tmpdir(), 'divio-tui-inproc-'));
  const h = await startInProcessGateway({ dataDir: dir, env: { NETRC_PATH: join(dir, 'no-netrc') }, sandboxOptions: { ephemeral: true, seed: 3 } });
  try {
    expect(h.sandbox).not.toBeNull();
    expect(h.token.length).toBeGreaterThanOrEqual(24);
    const c = new GatewayClient({ url: h.gateway.url, token: h.token });
    c.connect();
    const w = await c.waitLive();
    expect(w.upstream.kind).toBe('sandbox');
    expect(w.role).toBe('operator');
    await c.close();
  } finally {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serve: the viewer token from DIVIO_TUI_VIEWER_TOKEN or a token file; a given token is not marked for printing', async () => {
  const { writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'divio-tui-serve-'));
  const file = join(dir, 'viewer.token');
  writeFileSync(file, 'viewer-from-file-0123456789\n', { mode: 0o600 });
  await expect(startServe(['--sandbox', '--port', '0', '--data-dir', dir, '--viewer-token-file', join(dir, 'missing')], { DIVIO_TUI_TOKEN: 'operator-token-abcdef' })).rejects.toThrow(
    /cannot read the --viewer-token-file file .*missing: ENOENT/,
  );
  for (const [args, env, viewer] of [
    [['--viewer-token-file', file], { DIVIO_TUI_TOKEN: 'operator-token-abcdef' }, 'viewer-from-file-0123456789'],
    [[], { DIVIO_TUI_TOKEN: 'operator-token-abcdef', DIVIO_TUI_VIEWER_TOKEN: 'viewer-from-env-0123456789' }, 'viewer-from-env-0123456789'],
  ] as const) {
    const h = await startServe(['--sandbox', '--port', '0', '--data-dir', dir, ...args], env);
    try {
      expect(h.generated).toBe(false);
      const c = new GatewayClient({ url: h.gateway.url, token: viewer });
      c.connect();
      await c.waitLive(10_000);
      expect(c.welcome?.role).toBe('viewer');
      await c.close();
    } finally {
      await h.close();
    }
  }
  const g = await startServe(['--sandbox', '--port', '0', '--data-dir', dir], {});
  expect(g.generated).toBe(true);
  await g.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);
