// undici's response parser (llhttp, WebAssembly) is compiled in the background when src/http/undici.ts
// loads, so the first request does not compile it on the main thread (issue 16: 10 ms of the console's
// way to its fleet, in a CPU profile). The build undici would pick must compile, and requests still work.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { request, warmHttpParser } from '../../src/http/undici.js';

it('compiles the parser undici uses, once, and requests parse their answers', async () => {
  const mod = await warmHttpParser();
  expect(mod).toBeInstanceOf((globalThis as unknown as { WebAssembly: { Module: new (...a: never[]) => object } }).WebAssembly.Module);
  expect(await warmHttpParser()).toBe(mod);
  const srv = createServer((_, res) => res.end('{"ok":true}')).listen(0, '127.0.0.1');
  await new Promise((r) => srv.once('listening', r));
  try {
    const r = await request(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/x`, {});
    expect(r.statusCode).toBe(200);
    expect(await r.body.json()).toEqual({ ok: true });
  } finally {
    srv.close();
  }
});
