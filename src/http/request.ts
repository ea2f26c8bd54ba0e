// The one resilient HTTP layer of the upstream clients (Divio, Cloudflare): a keep-alive pool with
// tight connect/headers/body timeouts, an overall deadline per call, and retries with backoff that
// honour Retry-After. The clients build the request (headers, token, body) and turn the answer into
// their own typed errors; the decisions about repeating a request are made here, once:
//
//   - 429 Too Many Requests: the request was not processed, so it is repeated whatever the method;
//   - 502/503/504 and network failures after the request may have reached the server: repeated only
//     when the request is idempotent (GET, HEAD, PUT, DELETE by default; a caller may declare another
//     request safe to repeat, as a Cloudflare purge is, or a GET unsafe);
//   - network failures that certainly happened before the request was sent (refused, DNS, connect
//     time-out): repeated whatever the method;
//   - a 2xx JSON body cut short: repeated when idempotent;
//   - the wait is the server's Retry-After (seconds or an HTTP-date) or else exponential backoff with
//     full jitter; a wait that would end past the deadline is not made (the last answer is returned).
import type { Dispatcher } from 'undici';
import { nodeTransport, undiciTransport, type Transport } from './transport.js';
import { abortReason, backoffDelay, classifyNetworkError, parseRetryAfter, sleep, type NetworkErrorInfo } from './retry.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
  /** The whole call, retries and waits included. */
  deadlineMs: number;
}

export interface HttpRetry {
  /** Attempts in all (1 = never repeat). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface HttpLayerOptions {
  timeouts: HttpTimeouts;
  retry: HttpRetry;
  /** Tests inject undici's MockAgent; otherwise the layer owns a keep-alive pool of Node's http clients. */
  dispatcher?: Dispatcher;
  /** Jitter source (tests). */
  random?: () => number;
}

export interface HttpSend {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Safe to repeat after the server may have acted on it. Default: true for GET, HEAD, PUT, DELETE. */
  idempotent?: boolean;
  /** The answer should be JSON: a 2xx JSON body that does not parse (cut short) is tried again when idempotent. */
  expectJson?: boolean;
  /**
   * Follow a GET's redirects (at most 5): returns the URL to go to, or throws to refuse it (a client
   * that sends a token only to its own origin). Absent: redirects are answers like any other.
   */
  redirect?: (location: string, from: URL) => URL;
  /** Sees every HTTP answer before the retry decision (Cloudflare empties its token bucket on a 429). */
  onStatus?: (status: number) => void;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The URL that answered (after redirects). */
  url: URL;
  /** The server's Retry-After in ms, when it sent one. */
  retryAfterMs: number | null;
}

/** The call failed without an HTTP answer: a network failure, or the deadline passed. */
export class HttpFailure extends Error {
  readonly kind: 'network' | 'timeout';
  /** The overall deadline ran out (rather than one connection's timeout). */
  readonly deadline: boolean;
  /** The request certainly did not reach the server (nothing can have been applied). */
  readonly notSent: boolean;
  /** The URL of the last attempt. */
  readonly url: URL;
  constructor(message: string, init: { kind: 'network' | 'timeout'; deadline: boolean; notSent: boolean; url: URL; cause?: unknown }) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'HttpFailure';
    this.kind = init.kind;
    this.deadline = init.deadline;
    this.notSent = init.notSent;
    this.url = init.url;
  }
}

const IDEMPOTENT = new Set<HttpMethod>(['GET', 'HEAD', 'PUT', 'DELETE']);
const RETRY_STATUS = new Set([502, 503, 504]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Whether a method is safe to repeat by default. */
export function isIdempotent(method: HttpMethod): boolean {
  return IDEMPOTENT.has(method);
}

/** Whether an HTTP answer is worth repeating. */
export function retryableStatus(status: number, idempotent: boolean): boolean {
  return status === 429 || (RETRY_STATUS.has(status) && idempotent);
}

/** Whether a network failure is worth repeating. */
export function retryableFailure(net: NetworkErrorInfo, idempotent: boolean): boolean {
  return net.transient && (idempotent || net.notSent);
}

export class HttpLayer {
  readonly timeouts: HttpTimeouts;
  readonly retry: HttpRetry;
  readonly #transport: Transport;
  readonly #random: () => number;
  #stats = { requests: 0, retries: 0 };
  #gate: ((signal: AbortSignal) => Promise<void>) | null = null;

  constructor(opts: HttpLayerOptions) {
    this.timeouts = { ...opts.timeouts };
    this.retry = { ...opts.retry };
    this.#random = opts.random ?? Math.random;
    this.#transport = opts.dispatcher ? undiciTransport(opts.dispatcher) : nodeTransport(16);
  }

  /** Every attempt first waits for `gate` (the gateway's shared request ceiling). Null: none. */
  setGate(gate: ((signal: AbortSignal) => Promise<void>) | null): void {
    this.#gate = gate;
  }

  /** Attempts sent, and of those the repeats. */
  stats(): { requests: number; retries: number } {
    return { ...this.#stats };
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  /**
   * Send with retries until an answer that is final (any status: the caller judges it) or a failure.
   * Rejects with the caller's abort reason when its signal aborts, with an HttpFailure otherwise;
   * errors thrown by `redirect` pass through unchanged.
   */
  async send(req: HttpSend): Promise<HttpAnswer> {
    let url = req.url;
    const idempotent = req.idempotent ?? isIdempotent(req.method);
    const { deadlineMs } = this.timeouts;
    const { maxAttempts, baseDelayMs, maxDelayMs } = this.retry;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), deadlineMs);
    const signal = req.signal ? AbortSignal.any([req.signal, deadline.signal]) : deadline.signal;
    const started = Date.now();
    const expired = (): HttpFailure =>
      new HttpFailure(`timed out after ${fmtSeconds(deadlineMs)} (overall deadline)`, { kind: 'timeout', deadline: true, notSent: false, url });
    const interrupted = (): Error | null => (req.signal?.aborted ? abortReason(req.signal) : deadline.signal.aborted ? expired() : null);
    /** Wait before the next attempt; false when the wait would end past the deadline. */
    const pause = async (ms: number): Promise<boolean> => {
      if (Date.now() - started + ms >= deadlineMs) return false;
      this.#stats.retries++;
      await sleep(ms, signal);
      return true;
    };
    const backoff = (attempt: number): number => backoffDelay(attempt, baseDelayMs, maxDelayMs, this.#random);
    let redirects = 0;
    try {
      for (let attempt = 1; ; attempt++) {
        if (this.#gate) await this.#gate(signal);
        this.#stats.requests++;
        let answer: HttpAnswer;
        try {
          const res = await this.#transport.send(url, {
            method: req.method,
            headers: req.headers,
            body: req.body,
            signal,
            connectMs: this.timeouts.connectMs,
            headersMs: this.timeouts.headersMs,
            bodyMs: this.timeouts.bodyMs,
          });
          answer = { ...res, url, retryAfterMs: parseRetryAfter(res.headers['retry-after']) };
        } catch (err) {
          const stop = interrupted();
          if (stop) throw stop;
          const net = classifyNetworkError(err);
          if (attempt < maxAttempts && retryableFailure(net, idempotent) && (await pause(backoff(attempt)))) continue;
          throw new HttpFailure(net.text, { kind: net.kind, deadline: false, notSent: net.notSent, url, cause: err });
        }
        const { status } = answer;
        req.onStatus?.(status);
        if (status >= 200 && status < 300) {
          const cut = req.expectJson && idempotent && /json/i.test(String(answer.headers['content-type'] ?? '')) && !isJson(answer.text);
          if (cut && attempt < maxAttempts && (await pause(backoff(attempt)))) continue;
          return answer;
        }
        const location = answer.headers.location;
        if (req.redirect && req.method === 'GET' && REDIRECTS.has(status) && typeof location === 'string' && redirects < 5) {
          redirects++;
          url = req.redirect(location, url);
          attempt--; // a redirect is not a failed attempt
          continue;
        }
        if (retryableStatus(status, idempotent) && attempt < maxAttempts && (await pause(answer.retryAfterMs ?? backoff(attempt)))) continue;
        return answer;
      }
    } catch (err) {
      // An abort while waiting (the gate, a pause) surfaces as the signal's reason: say which one.
      if (err instanceof HttpFailure) throw err;
      throw interrupted() ?? err;
    } finally {
      clearTimeout(timer);
    }
  }
}

function isJson(text: string): boolean {
  if (text.trim() === '') return true;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function fmtSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
