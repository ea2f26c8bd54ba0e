// Gateway authentication: constant-time token matching and the bind-safety rule of `serve`.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

export type GatewayRole = 'viewer' | 'operator';
export interface GatewayToken {
  token: string;
  role: GatewayRole;
  /** Shown in the audit log instead of the token itself. */
  name: string;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

/**
 * Find the token entry that matches `presented`. Every configured token is compared (no early
 * exit) with `timingSafeEqual` over equal-length SHA-256 digests, so timing reveals neither which
 * token matched nor how much of it.
 */
export function matchToken(tokens: readonly GatewayToken[], presented: unknown): GatewayToken | null {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 4096) return null;
  const p = digest(presented);
  let found: GatewayToken | null = null;
  for (const t of tokens) {
    if (!t.token) continue;
    const ok = timingSafeEqual(p, digest(t.token));
    if (ok && !found) found = t;
  }
  return found;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === 'ip6-localhost') return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

/**
 * `serve` must never expose a gateway beyond loopback without a token. Throws a clear error
 * (never mentioning token values) when `host` is not loopback and no usable token is configured.
 */
export function assertSafeBind(host: string, tokens: readonly (GatewayToken | string | null | undefined)[]): void {
  const usable = tokens.filter((t) => (typeof t === 'string' ? t.length > 0 : !!t && t.token.length > 0));
  if (!isLoopbackHost(host) && usable.length === 0) {
    throw new Error(`refusing to listen on ${host} without a token: set --token or DIVIO_TUI_TOKEN, or bind to 127.0.0.1`);
  }
  for (const t of usable) {
    const v = typeof t === 'string' ? t : (t as GatewayToken).token;
    if (!isLoopbackHost(host) && v.length < 16) {
      throw new Error(`refusing to listen on ${host} with a token shorter than 16 characters`);
    }
  }
}
