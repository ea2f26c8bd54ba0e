// The one formatting module, shared by the console, the CLI and the gateway's job lines: moments
// (absolute 24-hour time with the date — local time, or UTC with a trailing Z — wherever a moment
// matters, and the compact age beside it), ages and spans, byte sizes, and the duration parser.
// Imports nothing: every layer may use it.

/** "4s", "2m", "5h", "2d": a span of time in its largest whole unit. */
export function compactSpan(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** "3m", "5h", "2d": a compact age (no "ago"), as the console's columns show it. "-" for no time. */
export function compactAge(t: number | null | undefined, now: number): string {
  if (!t) return '-';
  return compactSpan(now - t);
}

/** "3m ago", "1d ago": the compact age in a sentence (the CLI's tables). "-" for no or an unreadable time. */
export function ageAgo(t: string | number | null | undefined, now: number = Date.now()): string {
  const ms = typeof t === 'string' ? Date.parse(t) : t;
  if (ms == null || !Number.isFinite(ms) || ms <= 0) return '-';
  return `${compactAge(ms, now)} ago`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** "2026-12-06 17:50" (24-hour; UTC: "2026-12-06 17:50Z"). */
export function absoluteTime(t: number, utc = false): string {
  const d = new Date(t);
  const [y, mo, da, h, mi] = utc ? [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes()] : [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes()];
  return `${y}-${pad(mo)}-${pad(da)} ${pad(h)}:${pad(mi)}${utc ? 'Z' : ''}`;
}

/** "2026-12-06 17:50 (6d ago)": a moment that matters, absolute first, its age beside it. */
export function moment(t: number | string | null | undefined, now: number, utc = false): string {
  const ms = typeof t === 'string' ? Date.parse(t) : t;
  if (ms == null || !Number.isFinite(ms) || ms <= 0) return '-';
  return `${absoluteTime(ms, utc)} (${compactAge(ms, now)} ago)`;
}

/** "512 B", "1.5 KB", "12.3 MB", "1.2 GB" (1024-based); "-" for no size. */
export function formatBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '-';
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** "80K", "150M", "1.0G": formatBytes for a narrow column (the Local view's memory). "-" for no size. */
export function compactBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '-';
  if (n < 1024 ** 2) return `${Math.round(n / 1024)}K`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(n < 10 * 1024 ** 2 ? 1 : 0)}M`;
  return `${(n / 1024 ** 3).toFixed(1)}G`;
}

/** "15m", "1h", "90s", "2d", "500ms" → milliseconds; null when it is not a duration. */
export function parseDuration(s: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(s);
  if (!m) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}
