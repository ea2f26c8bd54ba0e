// Runtime-log gaps told from what real Divio pages carry: `results`, `next`, `previous` — nothing
// says "lines were lost". Three signs are used, most exact first:
//  1. a positional cursor (`after=` / `offset=` in the URLs) that moved past lines never received:
//     the exact count;
//  2. an opaque cursor whose page came back holding a whole retention window (≥ 1,000 lines, what
//     the Control Panel keeps): everything the upstream still has was ahead of the cursor, so lines
//     between may have expired — unknown count;
//  3. resuming by time after the last line received: the first line served is newer than that line,
//     so it (and whatever followed it) fell out of retention — unknown count.

/** Lines of runtime log Divio keeps per environment (documentation: the Control Panel keeps 1,000). */
export const DIVIO_LOG_RETENTION = 1000;

export interface LogGap {
  /** Lines known lost, or null when lines may have been lost but how many is not known. */
  count: number | null;
  reason: 'cursor-skip' | 'full-window' | 'retention-jump';
}

const POSITIONAL = ['after', 'offset'];

function positional(href: string): Map<string, number> {
  const out = new Map<string, number>();
  try {
    const u = new URL(href);
    for (const k of POSITIONAL) {
      const v = u.searchParams.get(k);
      if (v !== null && /^\d{1,15}$/.test(v)) out.set(k, Number(v));
    }
  } catch {
    // not a URL: no positional reading
  }
  return out;
}

/** A page fetched through a cursor URL (`requested`, a previous page's `next`). */
export function cursorGap(requested: string, next: string | null | undefined, received: number, retention = DIVIO_LOG_RETENTION): LogGap | null {
  if (next) {
    const a = positional(requested);
    const b = positional(next);
    for (const [k, from] of a) {
      const to = b.get(k);
      if (to === undefined) continue;
      const skipped = to - from - received;
      return skipped > 0 ? { count: skipped, reason: 'cursor-skip' } : null;
    }
  }
  return received >= retention ? { count: null, reason: 'full-window' } : null;
}

/** A page fetched by time (`from_ts`) to resume after the last line received (`lastTs`, ISO). */
export function resumeGap(lastTs: string | null, firstTs: string | null | undefined): LogGap | null {
  if (lastTs === null || !firstTs) return null;
  return firstTs > lastTs ? { count: null, reason: 'retention-jump' } : null;
}

/** The marker line: "N lines of X expired upstream …" or "lines of X may have expired … (unknown count)". */
export function logGapText(gap: LogGap, label: string): string {
  if (gap.count !== null) return `${gap.count} line${gap.count === 1 ? '' : 's'} of ${label} expired upstream before they could be fetched (retention)`;
  return `lines of ${label} may have expired upstream before they could be fetched (retention, unknown count)`;
}
