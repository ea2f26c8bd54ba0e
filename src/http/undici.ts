// The part of undici the console uses, for streamed uploads and downloads (loaded at the first one,
// transport.ts streamRequest): Agent and the request API, without the package's index, which loads
// all of undici (fetch, WebSocket, EventSource, caches, mocks): ~750 KB of the bundle (issue 16).
// undici's index adds its API (request, stream, …) to Dispatcher.prototype; this module does the
// same from the same files, so an Agent made here (or a test's MockAgent) has `request`.
import DispatcherClass from 'undici/lib/dispatcher/dispatcher.js';
import AgentClass from 'undici/lib/dispatcher/agent.js';
import api from 'undici/lib/api/index.js';
import type { Agent as UndiciAgent, Dispatcher } from 'undici';

Object.assign(DispatcherClass.prototype, api);

const Agent = AgentClass as typeof UndiciAgent;

let shared: Dispatcher | null = null;

/** `request(url, options)` as undici's: through `dispatcher`, or one keep-alive Agent of this process. */
export function request(url: string | URL, opts: Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method?: Dispatcher.HttpMethod; dispatcher?: Dispatcher }): Promise<Dispatcher.ResponseData> {
  const u = new URL(url);
  const { dispatcher, ...rest } = opts;
  return (dispatcher ?? (shared ??= new Agent())).request({ ...rest, method: opts.method ?? 'GET', origin: u.origin, path: `${u.pathname}${u.search}` });
}
