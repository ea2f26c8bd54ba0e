// Backoff, Retry-After, abortable sleep and network-error classification, for the HTTP layer (request.ts)
// and the Cloudflare token bucket.
// Uses the global setTimeout so tests can drive it with fake timers.

/** Sleep `ms`, rejecting with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortReason(signal!));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function abortReason(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r;
  const e = new Error('the operation was aborted');
  e.name = 'AbortError';
  return e;
}

/**
 * Parse a Retry-After header value (delta-seconds or an HTTP-date) to milliseconds from `now`.
 * Returns null when absent or unparseable; never negative.
 */
export function parseRetryAfter(value: string | string[] | undefined | null, now: number = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v == null) return null;
  const s = v.trim();
  if (s === '') return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  if (Number.isNaN(t)) return null;
  return Math.max(0, t - now);
}

/** Exponential backoff with full jitter: uniform in [0, min(max, base·2^(attempt-1))]. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}

export interface NetworkErrorInfo {
  kind: 'network' | 'timeout';
  /** true when the request certainly did not reach the server (safe to repeat even a POST). */
  notSent: boolean;
  /** worth retrying at all (DNS "no such host" is not). */
  transient: boolean;
  text: string;
}

/** The error codes of the HTTP transport's time-outs (transport.ts). */
export const TIMEOUT_CODE = { connect: 'HTTP_CONNECT_TIMEOUT', headers: 'HTTP_HEADERS_TIMEOUT', body: 'HTTP_BODY_TIMEOUT' } as const;

/** Classify a socket error, or a timeout of the HTTP transport (transport.ts) or of undici. */
export function classifyNetworkError(err: unknown): NetworkErrorInfo {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = String(e?.code ?? e?.cause?.code ?? '');
  switch (code) {
    case TIMEOUT_CODE.connect:
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { kind: 'timeout', notSent: true, transient: true, text: 'connection timed out' };
    case TIMEOUT_CODE.headers:
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { kind: 'timeout', notSent: false, transient: true, text: 'no response headers in time' };
    case TIMEOUT_CODE.body:
    case 'UND_ERR_BODY_TIMEOUT':
      return { kind: 'timeout', notSent: false, transient: true, text: 'the response body stalled' };
    case 'ECONNREFUSED':
      return { kind: 'network', notSent: true, transient: true, text: 'connection refused' };
    case 'ENOTFOUND':
      return { kind: 'network', notSent: true, transient: false, text: 'host not found (check the zone / DNS)' };
    case 'EAI_AGAIN':
      return { kind: 'network', notSent: true, transient: true, text: 'DNS lookup failed temporarily' };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { kind: 'network', notSent: false, transient: true, text: 'connection reset' };
    case 'ETIMEDOUT':
      return { kind: 'timeout', notSent: false, transient: true, text: 'connection timed out' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { kind: 'network', notSent: true, transient: true, text: 'network unreachable' };
    default:
      return { kind: 'network', notSent: false, transient: true, text: code ? `network error (${code})` : 'network error' };
  }
}
