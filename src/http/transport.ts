// How the HTTP layer (request.ts) sends one request and reads its whole answer: Node's own http/https
// clients with a keep-alive pool per layer, and the three timeouts of the layer (connect, response
// headers, a body that stalls). Node's clients are compiled into node; undici, which the console used
// for this before, cost ~60 ms of the console's one thread to load on the way to its first fleet
// (issue 16). undici stays for the streamed uploads and downloads (`streamRequest`, loaded when one
// starts) and for tests that inject its MockAgent (`undiciTransport`).
import http from 'node:http';
import https from 'node:https';
import type { Dispatcher } from 'undici';
import { TIMEOUT_CODE } from './retry.js';

export interface TransportRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

export interface TransportAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export interface Transport {
  send(url: URL, req: TransportRequest): Promise<TransportAnswer>;
  close(): Promise<void>;
}

function timeoutError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Idle keep-alive connections are closed after this (or the server's Keep-Alive hint, less 1 s). */
const IDLE_MS = 10_000;

/** Node's http/https clients, at most `connections` sockets per origin, kept alive between calls. */
export function nodeTransport(connections = 16): Transport {
  let agents: { http: http.Agent; https: https.Agent } | null = null;
  /** Sockets connected (and through their TLS handshake): a request on one has no connect phase. */
  const ready = new WeakSet<object>();
  const pool = (): { http: http.Agent; https: https.Agent } =>
    (agents ??= {
      http: new http.Agent({ keepAlive: true, maxSockets: connections, timeout: IDLE_MS, scheduling: 'lifo' }),
      https: new https.Agent({ keepAlive: true, maxSockets: connections, timeout: IDLE_MS, scheduling: 'lifo' }),
    });
  return {
    send(url, r) {
      return new Promise<TransportAnswer>((resolve, reject) => {
        const secure = url.protocol === 'https:';
        const mod = secure ? https : http;
        let timer: NodeJS.Timeout | null = null;
        const arm = (ms: number, code: string, message: string): void => {
          if (timer) clearTimeout(timer);
          timer = setTimeout(() => req.destroy(timeoutError(code, message)), ms);
        };
        const disarm = (): void => {
          if (timer) clearTimeout(timer);
          timer = null;
        };
        const fail = (err: Error): void => {
          disarm();
          reject(err);
        };
        const headers: Record<string, string> = { ...r.headers };
        if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
        const req = mod.request(url, { method: r.method, headers, agent: secure ? pool().https : pool().http, signal: r.signal });
        req.on('error', fail);
        req.on('socket', (socket) => {
          // A new connection must be made (and, for https, its handshake done) within connectMs; a
          // kept-alive one is ready. The answer's headers are then due within headersMs.
          if (ready.has(socket)) {
            arm(r.headersMs, TIMEOUT_CODE.headers, 'headers timed out');
            return;
          }
          arm(r.connectMs, TIMEOUT_CODE.connect, 'connect timed out');
          socket.once(secure ? 'secureConnect' : 'connect', () => {
            ready.add(socket);
            arm(r.headersMs, TIMEOUT_CODE.headers, 'headers timed out');
          });
        });
        req.on('response', (res) => {
          arm(r.bodyMs, TIMEOUT_CODE.body, 'body timed out');
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            arm(r.bodyMs, TIMEOUT_CODE.body, 'body timed out');
          });
          res.on('error', fail); // cut short: ECONNRESET "aborted"
          res.on('end', () => {
            disarm();
            let text = Buffer.concat(chunks).toString('utf8');
            if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte-order mark is not content
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
          });
        });
        req.end(r.body);
      });
    },
    close() {
      if (agents) {
        agents.http.destroy();
        agents.https.destroy();
        agents = null;
      }
      return Promise.resolve();
    },
  };
}

/** Through an undici dispatcher (tests inject a MockAgent); undici is loaded at the first call. */
export function undiciTransport(dispatcher: Dispatcher): Transport {
  return {
    async send(url, r) {
      const res = await streamRequest(url, {
        method: r.method as Dispatcher.HttpMethod,
        headers: r.headers,
        body: r.body,
        signal: r.signal,
        dispatcher,
        headersTimeout: r.headersMs,
        bodyTimeout: r.bodyMs,
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text };
    },
    close: () => Promise.resolve(), // the dispatcher is the caller's
  };
}

/** undici's `request`, for streamed uploads and downloads; undici is loaded at the first call. */
export async function streamRequest(
  url: string | URL,
  opts: Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & { method?: Dispatcher.HttpMethod; dispatcher?: Dispatcher },
): Promise<Dispatcher.ResponseData> {
  const { request } = await import('./undici.js');
  return request(url, opts);
}
