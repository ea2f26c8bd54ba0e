// A table from Box/Text (ink-table cannot load on Ink >= 4). Columns have fixed or flexible widths
// and a priority: on a narrow terminal the least important columns are dropped first. Only the
// visible window of rows is rendered, so thousands of rows cost what a screenful costs.
import React from 'react';
import { Box, Text } from 'ink';
import { padToWidth, truncateToWidth } from '../src/terminal/width.js';
import { useUi, sx } from './context.js';
import { frameGlyphs, clean } from './glyphs.js';
import { hyperlink } from '../src/terminal/osc.js';
import type { ListState } from './list.js';

export interface Column<T> {
  id: string;
  title: string;
  /** Fixed width. */
  width?: number;
  /** Share of the remaining width (flexible column). */
  flex?: number;
  /** Minimum width of a flexible column. */
  min?: number;
  /** 0 = never dropped; higher numbers are dropped first on narrow terminals. */
  priority?: number;
  align?: 'left' | 'right';
  cell: (row: T) => string;
  color?: (row: T) => string | undefined;
  /** The cell is an OSC 8 hyperlink to this URL (where links are on: config ui.hyperlinks, the terminal). */
  link?: (row: T) => string | null | undefined;
}

export interface LaidColumn<T> {
  col: Column<T>;
  width: number;
}

export const MARKER_WIDTH = 2;

/** Decide which columns fit into `width` and how wide each is. Pure (tested). */
export function layoutColumns<T>(columns: readonly Column<T>[], width: number, gap = 1): LaidColumn<T>[] {
  let cols = [...columns];
  const need = (cs: Column<T>[]): number => cs.reduce((s, c) => s + (c.width ?? c.min ?? 4), 0) + gap * Math.max(0, cs.length - 1);
  const avail = Math.max(1, width - MARKER_WIDTH);
  while (cols.length > 1 && need(cols) > avail) {
    let drop = -1;
    let worst = 0;
    cols.forEach((c, i) => {
      const p = c.priority ?? 1;
      if (p > 0 && p >= worst) {
        worst = p;
        drop = i;
      }
    });
    if (drop < 0) break;
    cols = cols.filter((_, i) => i !== drop);
  }
  const fixed = need(cols);
  let spare = Math.max(0, avail - fixed);
  const flexSum = cols.reduce((s, c) => s + (c.width === undefined ? (c.flex ?? 1) : 0), 0);
  const out = cols.map((col) => {
    if (col.width !== undefined) return { col, width: col.width };
    const share = flexSum ? Math.floor((spare * (col.flex ?? 1)) / flexSum) : 0;
    return { col, width: (col.min ?? 4) + share };
  });
  // hand out rounding leftovers to the first flexible column
  const used = out.reduce((s, c) => s + c.width, 0) + gap * Math.max(0, out.length - 1);
  spare = avail - used;
  const firstFlex = out.find((c) => c.col.width === undefined);
  if (firstFlex && spare > 0) firstFlex.width += spare;
  // if still too wide (one huge column left), clamp
  const total = out.reduce((s, c) => s + c.width, 0) + gap * Math.max(0, out.length - 1);
  if (total > avail && out.length) out[out.length - 1]!.width = Math.max(1, out[out.length - 1]!.width - (total - avail));
  return out;
}

/** Keep the cursor inside the window: the new first visible row. Pure (tested). */
export function windowStart(cursor: number, offset: number, height: number, total: number): number {
  if (height <= 0) return 0;
  let o = offset;
  if (cursor < o) o = cursor;
  if (cursor >= o + height) o = cursor - height + 1;
  o = Math.min(o, Math.max(0, total - height));
  return Math.max(0, o);
}

export function fitCell(text: string, width: number, ellipsis: string, align: 'left' | 'right' = 'left', unicode = true): string {
  return padToWidth(truncateToWidth(clean(text, unicode), width, ellipsis), width, align);
}

export interface TableProps<T> {
  columns: readonly Column<T>[];
  rows: readonly T[];
  cursor: number;
  offset: number;
  height: number;
  width: number;
  rowKey: (row: T, i: number) => string;
  /** Full-width rows such as group headers: return their text (not selectable styling). */
  special?: (row: T) => string | null;
  empty?: string;
  /** The column the rows are sorted by: its title carries ▲ (ascending) or ▼ (descending). */
  sort?: { column: string; desc: boolean };
}

/** A list's table: the rows, cursor, window and sort marker are the list's (components/list.ts). */
export type ListTableProps<T> = Omit<TableProps<T>, 'rows' | 'cursor' | 'offset' | 'sort'> & { list: Pick<ListState<T>, 'items' | 'cursor' | 'offset' | 'sort'> };

/** The items a ListTable of `height` lines (its header included) shows now: its window of the list. */
export function shownItems<T>(list: ListTableProps<T>['list'], height: number): readonly T[] {
  const body = Math.max(0, height - 1);
  const start = windowStart(list.cursor, list.offset, body, list.items.length);
  return list.items.slice(start, start + body);
}

/** The Table of a list screen: `<ListTable list={list} columns={…} height={…} width={…} rowKey={…} />`. */
export function ListTable<T>({ list, ...p }: ListTableProps<T>): React.ReactElement {
  return <Table {...p} rows={list.items} cursor={list.cursor} offset={list.offset} sort={list.sort} />;
}

export function Table<T>(p: TableProps<T>): React.ReactElement {
  const { theme, unicode, links } = useUi();
  const g = frameGlyphs(unicode);
  const laid = layoutColumns(p.columns, p.width);
  const bodyHeight = Math.max(0, p.height - 1);
  const start = windowStart(p.cursor, p.offset, bodyHeight, p.rows.length);
  const visible = p.rows.slice(start, start + bodyHeight);
  const arrow = (desc: boolean): string => (unicode ? (desc ? '▼' : '▲') : desc ? 'v' : '^');
  // the arrow always shows: a title too wide for its column gives way to it
  const title = (c: (typeof laid)[number]): string => (p.sort?.column === c.col.id ? `${truncateToWidth(c.col.title, Math.max(0, c.width - 1), '')}${arrow(p.sort.desc)}` : c.col.title);
  const head = laid.map((c) => fitCell(title(c), c.width, g.ellipsis, c.col.align, unicode)).join(' ');
  const more = p.rows.length > start + bodyHeight;
  return (
    <Box flexDirection="column" width={p.width} height={p.height}>
      <Text wrap="truncate" {...sx(theme, { bold: true, color: theme.muted })}>
        {'  ' + head}
      </Text>
      {p.rows.length === 0 && p.empty ? <Text {...sx(theme, { color: theme.muted })}>{'  ' + p.empty}</Text> : null}
      {visible.map((row, i) => {
        const idx = start + i;
        const selected = idx === p.cursor;
        const sp = p.special?.(row);
        const marker = selected ? g.selected + ' ' : idx === start + bodyHeight - 1 && more ? g.down + ' ' : idx === start && start > 0 ? g.up + ' ' : '  ';
        if (sp != null) {
          return (
            <Text key={p.rowKey(row, idx)} wrap="truncate" {...sx(theme, { bold: true, color: theme.accent, inverse: selected })}>
              {marker + truncateToWidth(clean(sp, unicode), p.width - MARKER_WIDTH, g.ellipsis)}
            </Text>
          );
        }
        const selStyle = selected ? (theme.selectionBg ? { backgroundColor: theme.selectionBg, color: theme.selectionFg } : { inverse: true }) : {};
        // each cell as drawn, and its style: the row redraws only when one of these changed
        const cells = laid.map((c, ci) => linked(fitCell(c.col.cell(row), c.width, g.ellipsis, c.col.align, unicode), links ? c.col.link?.(row) : null) + (ci < laid.length - 1 ? ' ' : ''));
        const styles = laid.map((c) => sx(theme, { color: c.col.color?.(row), ...selStyle }));
        const markerStyle = sx(theme, { ...selStyle, color: selected ? theme.selectionFg ?? theme.accent : theme.muted, bold: selected });
        return <TableRow key={p.rowKey(row, idx)} width={p.width} marker={marker} markerStyle={markerStyle} cells={cells} styles={styles} ids={laid.map((c) => c.col.id)} />;
      })}
    </Box>
  );
}

/** The text of a fitted cell as a link (its padding outside the link, so only the text is underlined). */
function linked(cell: string, url: string | null | undefined): string {
  if (!url) return cell;
  const text = cell.trimEnd();
  return hyperlink(url, text) + cell.slice(text.length);
}

interface TableRowProps {
  width: number;
  marker: string;
  markerStyle: Record<string, unknown>;
  cells: string[];
  styles: Record<string, unknown>[];
  ids: string[];
}

function sameStyle(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Same props, same row: React skips it, and Ink's layout and output stage find it unchanged (issue 16). */
export function sameRow(a: TableRowProps, b: TableRowProps): boolean {
  return (
    a.width === b.width &&
    a.marker === b.marker &&
    sameStyle(a.markerStyle, b.markerStyle) &&
    a.cells.length === b.cells.length &&
    a.cells.every((c, i) => c === b.cells[i] && a.ids[i] === b.ids[i] && sameStyle(a.styles[i]!, b.styles[i]!))
  );
}

// One line of text, its cells nested Texts: Ink lays out one node per row, not one per cell, and
// writes the row's styled string once (a fleet row was a Box and ~10 Texts; issue 16).
const TableRow = React.memo(function TableRow(r: TableRowProps): React.ReactElement {
  return (
    <Text wrap="truncate">
      <Text {...r.markerStyle}>{r.marker}</Text>
      {r.cells.map((cell, ci) => (
        <Text key={r.ids[ci]} {...r.styles[ci]}>
          {cell}
        </Text>
      ))}
    </Text>
  );
}, sameRow);
