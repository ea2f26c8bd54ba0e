// One way to say a moment, shared by the console and the CLI: absolute 24-hour time with the date
// (local time, or UTC with a trailing Z) wherever a moment matters, and the compact age beside it.

/** "3m", "5h", "2d": a compact age (no "ago"). "-" for no time. */
export function compactAge(t: number | null | undefined, now: number): string {
  if (!t) return '-';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
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
