// Keeping credentials out of error text: every upstream client's errors pass through these.

/** Replace every occurrence of every secret in `text` by `***`. Secrets shorter than 4 chars are ignored (too likely to collide with ordinary text). */
export function scrubSecrets(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    out = out.split(s).join('***');
  }
  return out;
}

/**
 * Turn any low-level error into a plain, scrubbed Error suitable as a `cause`: keeps name, code and
 * message (scrubbed), drops everything else (undici errors may carry request headers).
 */
export function scrubbedCause(err: unknown, secrets: ReadonlyArray<string | null | undefined>): Error {
  const e = err as { name?: unknown; message?: unknown; code?: unknown } | null;
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  const out = new Error(scrubSecrets(msg, secrets));
  out.name = typeof e?.name === 'string' ? e.name : 'Error';
  if (typeof e?.code === 'string') (out as Error & { code?: string }).code = e.code;
  if (out.stack) out.stack = scrubSecrets(out.stack, secrets);
  return out;
}
