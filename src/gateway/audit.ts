// Audit log: one JSON line per action (who, what, on what, with which parameters, outcome).
// The file is created with mode 0600 (and chmod-ed, in case it pre-existed or umask interfered).
import { appendFileSync, chmodSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { cleanField, maskDeep } from '../domain/text.js';

export interface AuditEntry {
  time: string;
  actor: string; // token name
  role: string;
  action: string; // command kind, or "subscribe" refusals etc.
  target: string | null;
  params: Record<string, unknown>;
  outcome: string; // accepted, forbidden, rejected: …, succeeded, failed: …
  job?: string;
}

const SECRET_KEY = /token|password|passwd|secret|authorization|api[-_]?key|credential|dsn|cookie|^value$/i;

/** Deep copy of `params` with secret-looking keys removed and secret-looking values masked. */
export function scrubParams(v: unknown, depth = 0): unknown {
  if (depth > 6) return '…';
  if (Array.isArray(v)) return v.slice(0, 50).map((x) => scrubParams(x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (SECRET_KEY.test(k)) continue;
      out[k] = scrubParams(x, depth + 1);
    }
    return out;
  }
  if (typeof v === 'string') return scrubString(v).slice(0, 500);
  return v;
}

/** Remove credentials embedded in URLs/DSNs (scheme://user:pass@host). */
export function scrubString(s: string): string {
  return s.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+):[^@\s/]+@/gi, '$1:••••@');
}

export class AuditLog {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, 'a', 0o600);
    closeSync(fd);
    chmodSync(path, 0o600);
  }

  write(e: Omit<AuditEntry, 'time' | 'params'> & { params?: unknown }): void {
    const entry: AuditEntry = {
      time: new Date().toISOString(),
      actor: e.actor,
      role: e.role,
      action: e.action,
      target: e.target == null ? null : cleanField(e.target),
      // the same masking rules as every other output of the gateway (safe text, secrets masked)
      params: (maskDeep(scrubParams(e.params ?? {})) as Record<string, unknown>) ?? {},
      outcome: maskDeep(scrubString(e.outcome)) as string,
      ...(e.job ? { job: e.job } : {}),
    };
    try {
      appendFileSync(this.path, JSON.stringify(entry) + '\n', { mode: 0o600 });
    } catch {
      // the audit log must never crash the gateway; the caller's action still proceeds
    }
  }
}
