// The part of undici the console uses, Agent and the request API, without the package's index, which
// loads all of undici (fetch, WebSocket, EventSource, caches, mocks): ~750 KB of the bundle to
// compile before the first request (issue 16). undici's index adds its API (request, stream, …) to
// Dispatcher.prototype; this module does the same from the same files, so an Agent made here (or a
// test's MockAgent) has `request`.
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import api from 'undici/lib/api/index.js';
// (in the bundle: an ES module of the same bytes, scripts/bundle.mjs llhttpBytes)
import llhttpSimd from 'undici/lib/llhttp/llhttp_simd-wasm.js';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';

Object.assign(DispatcherClass.prototype, api);

export const Agent = AgentClass as typeof UndiciAgent;

// undici parses responses with llhttp in WebAssembly, compiled on the main thread at the first
// connection (3–6 ms here, on the way to the console's first fleet). Compiled here in the background
// as soon as this module loads: V8 reuses a compiled module for the same bytes, so undici's own
// compile then takes ~0.1 ms. undici's default build (SIMD); none with UNDICI_NO_WASM_SIMD=1.
const wasm = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } }).WebAssembly;
let parser: Promise<object | null> | null = null; // held: V8 keeps the compiled module while it is referenced
export function warmHttpParser(): Promise<object | null> {
  return (parser ??= process.env.UNDICI_NO_WASM_SIMD === '1' ? Promise.resolve(null) : wasm.compile(llhttpSimd).catch(() => null));
}
void warmHttpParser();
export type { Dispatcher };

let shared: Dispatcher | null = null;

/** `request(url, options)` as undici's: through `dispatcher`, or one keep-alive Agent of this process. */
export function request(url: string | URL, opts: Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method?: Dispatcher.HttpMethod; dispatcher?: Dispatcher }): Promise<Dispatcher.ResponseData> {
  const u = new URL(url);
  const { dispatcher, ...rest } = opts;
  return (dispatcher ?? (shared ??= new Agent())).request({ ...rest, method: opts.method ?? 'GET', origin: u.origin, path: `${u.pathname}${u.search}` });
}
