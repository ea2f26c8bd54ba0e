// The list logic every list screen shares (pure): cursor moves, the `/` filter (substring,
// case-insensitive, a leading ! inverts) and sorting by a column.

/** The cursor after a list.* action, or null for an action that is not a move. */
export function moveCursor(action: string, cursor: number, count: number, page: number): number | null {
  if (count <= 0) return 0;
  const p = Math.max(1, page);
  let c: number;
  switch (action) {
    case 'list.up':
      c = cursor - 1;
      break;
    case 'list.down':
      c = cursor + 1;
      break;
    case 'list.top':
      c = 0;
      break;
    case 'list.bottom':
      c = count - 1;
      break;
    case 'list.pageUp':
      c = cursor - p;
      break;
    case 'list.pageDown':
      c = cursor + p;
      break;
    default:
      return null;
  }
  return Math.max(0, Math.min(count - 1, c));
}

export const LIST_MOVES = ['list.up', 'list.down', 'list.top', 'list.bottom', 'list.pageUp', 'list.pageDown'] as const;

/** Parse a filter: leading "!" inverts; case-insensitive substring. Null when it filters nothing. */
export function parseFilter(f: string | undefined): { text: string; invert: boolean } | null {
  if (!f) return null;
  const invert = f.startsWith('!');
  const text = (invert ? f.slice(1) : f).trim().toLowerCase();
  if (!text) return null;
  return { text, invert };
}

/** A sort key of an item: text compares by locale, numbers numerically; null sorts last. */
export type SortValue = string | number | null | undefined;

/** Filter by `haystack` and sort by `sortBy[sort]` (stable; ties keep the given order). */
export function filterAndSort<T>(items: readonly T[], o: { filter?: string; haystack?: (item: T) => string; sort?: string; desc?: boolean; sortBy?: Record<string, (item: T) => SortValue> }): readonly T[] {
  const f = o.haystack ? parseFilter(o.filter) : null;
  let out: readonly T[] = f ? items.filter((it) => o.haystack!(it).toLowerCase().includes(f.text) !== f.invert) : items;
  const key = o.sort ? o.sortBy?.[o.sort] : undefined;
  if (key) {
    const dir = o.desc ? -1 : 1;
    out = out
      .map((it, i) => ({ it, i, k: key(it) }))
      .sort((a, b) => {
        const an = a.k == null || a.k === '';
        const bn = b.k == null || b.k === '';
        if (an || bn) return an === bn ? a.i - b.i : an ? 1 : -1;
        const c = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : String(a.k).localeCompare(String(b.k));
        return c * dir || a.i - b.i;
      })
      .map((x) => x.it);
  }
  return out;
}
