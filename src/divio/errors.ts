// Typed errors of the Divio client. Every message is meant to be read by a person and acted on;
// none of them may ever contain the access token (the client scrubs them with src/http/scrub.ts).

export type DivioErrorKind =
  | 'auth'
  | 'not-found'
  | 'validation'
  | 'rate-limit'
  | 'server'
  | 'network'
  | 'timeout'
  | 'malformed';

export interface DivioApiErrorInit {
  kind: DivioErrorKind;
  status?: number | null;
  endpoint: string;
  fields?: Record<string, string[]>;
  /** Seconds the server asked us to wait (429), when known. */
  retryAfterS?: number | null;
  /** A low-level cause (already scrubbed). */
  cause?: unknown;
}

export class DivioApiError extends Error {
  readonly kind: DivioErrorKind;
  readonly status: number | null;
  readonly endpoint: string;
  readonly fields: Record<string, string[]>;
  readonly retryAfterS: number | null;

  constructor(message: string, init: DivioApiErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'DivioApiError';
    this.kind = init.kind;
    this.status = init.status ?? null;
    this.endpoint = init.endpoint;
    this.fields = init.fields ?? {};
    this.retryAfterS = init.retryAfterS ?? null;
  }
}

/** A long-running operation (backup, restore, download) that finished without success. */
export class DivioOperationError extends Error {
  readonly operation: 'backup' | 'restore' | 'download' | 'deploy';
  readonly uuid: string;
  readonly details: string[];
  constructor(operation: DivioOperationError['operation'], uuid: string, message: string, details: string[] = []) {
    super(message);
    this.name = 'DivioOperationError';
    this.operation = operation;
    this.uuid = uuid;
    this.details = details;
  }
}

/** Format DRF field errors (`{field: ["msg"]}`, `{"non_field_errors": [...]}`, `{"detail": "..."}`) for a message. */
export function formatFields(fields: Record<string, string[]>): string {
  return Object.entries(fields)
    .map(([k, msgs]) => (k === 'non_field_errors' || k === 'detail' ? msgs.join(' ') : `${k}: ${msgs.join(' ')}`))
    .join('; ');
}

/** Normalise a DRF error body to `{field: [messages]}`; nested objects are flattened with dots. */
export function drfFields(body: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (v: unknown, key: string): void => {
    if (v == null) return;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      (out[key || 'detail'] ??= []).push(String(v));
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (item !== null && typeof item === 'object') walk(item, key ? `${key}[${i}]` : `[${i}]`);
        else walk(item, key);
      });
    } else if (typeof v === 'object') {
      for (const [k, inner] of Object.entries(v as Record<string, unknown>)) walk(inner, key ? `${key}.${k}` : k);
    }
  };
  walk(body, '');
  return out;
}
