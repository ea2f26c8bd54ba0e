// Small statistics helpers for the bench.
export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile (p in 0..100); NaN for an empty list. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

export const MB = 1024 * 1024;
export const fmtMs = (n: number) => (Number.isFinite(n) ? `${Math.round(n)} ms` : 'n/a');
export const fmtMB = (n: number) => (Number.isFinite(n) ? `${(n / MB).toFixed(0)} MB` : 'n/a');
export const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
