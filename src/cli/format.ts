// Plain-text and JSON output for the non-interactive commands.
import { parseDuration as parseDomainDuration } from '../domain/format.js';
import { safeJsonStringify } from '../domain/text.js';

/**
 * The one writer of `--json` text: pretty JSON (one line with `indent` 0) in which C0/C1 controls,
 * DEL, bidi overrides and invisible formatting characters are `\uXXXX` escapes, so printing it to a
 * terminal replays nothing. Parsing it gives back the same value.
 */
export function jsonText(v: unknown, indent = 2): string {
  return safeJsonStringify(v, indent || undefined);
}

/** Columns padded to their widest cell; two spaces between columns. */
export function renderTextTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** "10m", "2h", "1d", "90s" → milliseconds (the one duration parser, src/domain/format.ts; the palette's `--since` uses it too). */
export function parseDuration(s: string): number {
  const ms = parseDomainDuration(s);
  if (ms === null) throw new Error(`"${s}" is not a duration: use e.g. 90s, 10m, 2h, 1d`);
  return ms;
}
