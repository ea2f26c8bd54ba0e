// The log viewer: renders ONLY the visible window of a LogBuffer + LogQuery.
//
// Scrolling is row-based and anchored to an entry id (not an index), so lines evicted from the front
// while the user is paused do not move what they are reading. `{ follow: true }` shows the tail.
// All text reaching this component is already sanitised (the buffer sanitises on append).
import React, { useEffect, useState } from 'react';
import { Box, Text } from 'ink';
import { entryLines, prettyJsonLines, sourceColor, type LogBuffer, type LogEntry, type MarkerEntry } from '../src/store/logbuffer.js';
import { formatTimestamp, highlightRanges, markerLabel, type LogQuery, type TextMatcher, type TimestampMode } from '../src/store/logquery.js';
import { glyphs } from '../src/terminal/capabilities.js';
import { drawNextFrameAtOnce } from '../src/terminal/inkthrottle.js';
import { stripAnsi } from '../src/terminal/sanitize.js';
import { displayWidth } from '../src/terminal/width.js';

export interface LogViewOptions {
  timestamps: TimestampMode;
  wrap: boolean;
  /** Show the `source/service` prefix. */
  prefix: boolean;
  json: 'compact' | 'pretty';
  /** Keep upstream SGR colours in the text. */
  keepSgr: boolean;
  unicode: boolean;
  /** Colour output (false under NO_COLOR). Default true. */
  color?: boolean;
}

export const DEFAULT_LOG_VIEW_OPTIONS: LogViewOptions = {
  timestamps: 'local',
  wrap: false,
  prefix: true,
  json: 'compact',
  keepSgr: false,
  unicode: true,
  color: true,
};

export interface Segment {
  text: string;
  color?: string;
  bg?: string;
  inverse?: boolean;
  bold?: boolean;
  dim?: boolean;
}
export type Row = Segment[];

export type LogScroll = { follow: true } | { follow: false; topId: number; row: number };
export const FOLLOW: LogScroll = { follow: true };

// ---------------------------------------------------------------------------------------------
// Row layout

export interface RowContext {
  opts: LogViewOptions;
  width: number;
  search: TextMatcher | null;
  /** Entry id of the current search match (emphasised). */
  currentId: number | null;
  /** Columns for the `source/service` prefix. */
  prefixWidth: number;
}

const SGR_TOKEN = /(\x1b\[[0-9;]*m)/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
let segmenter: Intl.Segmenter | null = null;
function graphemes(s: string): string[] {
  if (PRINTABLE_ASCII.test(s)) return s.split('');
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return Array.from(segmenter.segment(s), (g) => g.segment);
}
function gw(g: string): number {
  return g.length === 1 && g.charCodeAt(0) >= 0x20 && g.charCodeAt(0) < 0x7f ? 1 : displayWidth(g);
}

/**
 * Lay styled segments out into rows of at most `width` columns. With `wrap`, continuation rows start
 * with `indent` spaces; without, the row is cut and ends with `ellipsis`. SGR inside segment text has
 * zero width and is closed/re-opened across row breaks.
 */
export function layoutSegments(segs: Segment[], width: number, indent: number, wrap: boolean, ellipsis: string): Row[] {
  const rows: Row[] = [];
  let row: Row = [];
  let used = 0;
  const ew = displayWidth(ellipsis);
  const total = segs.reduce((n, s) => n + displayWidth(s.text), 0);
  if (total <= width) return [segs.filter((s) => s.text !== '')];
  const limit = wrap ? width : Math.max(0, width - ew);
  for (const seg of segs) {
    let cur: Segment = { ...seg, text: '' };
    let active: string[] = [];
    const parts = seg.text.indexOf('\x1b') >= 0 ? seg.text.split(SGR_TOKEN) : [seg.text];
    for (const part of parts) {
      if (part === '') continue;
      if (part.charCodeAt(0) === 0x1b) {
        cur.text += part;
        if (part === '\x1b[0m' || part === '\x1b[m') active = [];
        else active.push(part);
        continue;
      }
      for (const g of graphemes(part)) {
        const w = gw(g);
        if (used + w > limit) {
          if (!wrap) {
            if (active.length) cur.text += '\x1b[0m';
            if (cur.text) row.push(cur);
            row.push({ text: ellipsis, dim: true });
            return [row];
          }
          if (active.length) cur.text += '\x1b[0m';
          if (cur.text) row.push(cur);
          rows.push(row);
          const ind = Math.min(indent, Math.max(0, width - 1));
          row = ind > 0 ? [{ text: ' '.repeat(ind) }] : [];
          used = ind;
          cur = { ...seg, text: active.join('') };
        }
        cur.text += g;
        used += w;
      }
    }
    if (cur.text) row.push(cur);
  }
  rows.push(row);
  return rows;
}

function asciiOnly(s: string): string {
  return s.replace(/[\u2013\u2014]/g, '-').replace(/[^\x20-\x7e]/g, '?');
}

function markerRow(e: MarkerEntry, ctx: RowContext): Row {
  const g = glyphs(ctx.opts.unicode);
  let label = markerLabel(e);
  if (!ctx.opts.unicode) label = asciiOnly(label);
  const ts = ctx.opts.timestamps === 'off' ? '' : formatTimestamp(e.ts, ctx.opts.timestamps) + ' ';
  const head = `${ts}${g.rule}${g.rule} `;
  const loss = e.marker.kind === 'gap' || e.marker.kind === 'dropped' || e.marker.kind === 'slow-link' || e.marker.kind === 'retention';
  const color = loss ? 'yellow' : e.marker.kind === 'deployment' ? 'cyan' : 'gray';
  const body = `${head}${label} `;
  const bw = displayWidth(body);
  const text = bw >= ctx.width ? body : body + g.rule.repeat(ctx.width - bw);
  const [row] = layoutSegments([{ text, color, bold: loss }], ctx.width, 0, false, g.ellipsis);
  return row;
}

const LEVEL_COLOR: Record<string, string | undefined> = { error: 'red', warning: 'yellow' };

function contentSegments(text: string, ctx: RowContext, isCurrent: boolean, base: Omit<Segment, 'text'>): Segment[] {
  // the log's own colours only where colours are drawn at all (not under NO_COLOR / --no-color)
  const keepSgr = ctx.opts.keepSgr && ctx.opts.color !== false;
  const plain = keepSgr ? stripAnsi(text) : text.indexOf('\x1b') >= 0 ? stripAnsi(text) : text;
  const ranges = ctx.search ? highlightRanges(plain, ctx.search) : [];
  if (!ranges.length) return [{ ...base, text: keepSgr ? text : plain }];
  // Highlights are drawn on the plain text (upstream SGR would fight the inverse video).
  const out: Segment[] = [];
  let at = 0;
  for (const [a, b] of ranges) {
    if (a > at) out.push({ ...base, text: plain.slice(at, a) });
    out.push(isCurrent ? { text: plain.slice(a, b), bg: 'yellow', color: 'black', bold: true } : { ...base, text: plain.slice(a, b), inverse: true });
    at = b;
  }
  if (at < plain.length) out.push({ ...base, text: plain.slice(at) });
  return out;
}

/** All display rows of one entry (markers are one full-width rule line). */
export function entryRows(e: LogEntry, ctx: RowContext): Row[] {
  const g = glyphs(ctx.opts.unicode);
  const width = Math.max(1, ctx.width);
  if (e.kind === 'marker') return monochrome([markerRow(e, ctx)], ctx);
  const head: Segment[] = [];
  if (ctx.opts.timestamps !== 'off') head.push({ text: formatTimestamp(e.ts, ctx.opts.timestamps) + ' ', dim: true });
  if (ctx.opts.prefix) {
    let p = `${e.source}/${e.service}`;
    if (p.length > ctx.prefixWidth) p = p.slice(0, Math.max(1, ctx.prefixWidth - 1)) + (ctx.opts.unicode ? '…' : '~');
    head.push({ text: p.padEnd(ctx.prefixWidth) + ' ', color: sourceColor(e.source) });
  }
  const hw = head.reduce((n, s) => n + displayWidth(s.text), 0);
  const indent = hw * 2 <= width ? hw : 0;
  const color = ctx.opts.color === false ? undefined : LEVEL_COLOR[e.level ?? ''];
  const base: Omit<Segment, 'text'> = { color, dim: e.level === 'debug' };
  const isCurrent = ctx.currentId === e.id;
  let lines: string[] | null = null;
  if (ctx.opts.json === 'pretty' && !e.more) lines = prettyJsonLines(e.text);
  lines ??= entryLines(e);
  const rows: Row[] = [];
  for (let i = 0; i < lines.length; i++) {
    const lead: Segment[] = i === 0 ? head : indent > 0 ? [{ text: ' '.repeat(indent) }] : [];
    let content = contentSegments(lines[i], ctx, isCurrent, base);
    // A terminal without UTF-8 cannot draw other characters (and would misalign on their bytes).
    if (!ctx.opts.unicode) content = content.map((c) => (PRINTABLE_ASCII.test(c.text) ? c : { ...c, text: c.text.replace(/[^\x1b\x20-\x7e]/gu, '?') }));
    const segs = [...lead, ...content];
    for (const r of layoutSegments(segs, width, indent, ctx.opts.wrap, g.ellipsis)) rows.push(r);
  }
  return monochrome(rows, ctx);
}

/** Without colour (NO_COLOR), keep only inverse/bold: the current match becomes inverse + bold. */
function monochrome(rows: Row[], ctx: RowContext): Row[] {
  if (ctx.opts.color !== false) return rows;
  return rows.map((r) => r.map((s) => (s.bg ? { text: s.text, inverse: true, bold: true } : { ...s, color: undefined })));
}

// ---------------------------------------------------------------------------------------------
// Windowing (pure)

export interface WindowPos {
  index: number;
  row: number;
}

export interface WindowInput {
  /** Entries in the (filtered) list. */
  count: number;
  height: number;
  /** Top of the window; null = follow the tail. */
  top: WindowPos | null;
  /** Display rows of entry `index`. */
  rowsOf: (index: number) => number;
}

export interface WindowResult {
  /** First entry index shown. */
  start: number;
  /** Rows of the first entry hidden above the window. */
  startRow: number;
  /** One past the last entry index shown. */
  end: number;
  /** Rows filled (< height only when everything fits). */
  rows: number;
  /** The last row of the last entry is visible: follow is on exactly then. */
  atBottom: boolean;
}

function fromBottom(count: number, height: number, rowsOf: (i: number) => number): WindowResult {
  let filled = 0;
  for (let i = count - 1; i >= 0; i--) {
    const r = rowsOf(i);
    if (filled + r >= height) return { start: i, startRow: filled + r - height, end: count, rows: height, atBottom: true };
    filled += r;
  }
  return { start: 0, startRow: 0, end: count, rows: filled, atBottom: true };
}

/** Which entries (and which first rows) fill a window of `height` rows. */
export function computeWindow(input: WindowInput): WindowResult {
  const { count, height, top, rowsOf } = input;
  if (count <= 0 || height <= 0) return { start: 0, startRow: 0, end: 0, rows: 0, atBottom: true };
  if (top === null) return fromBottom(count, height, rowsOf);
  const index = Math.min(Math.max(0, top.index), count - 1);
  const row = Math.min(Math.max(0, top.row), rowsOf(index) - 1);
  let filled = rowsOf(index) - row;
  let i = index + 1;
  while (filled < height && i < count) {
    filled += rowsOf(i);
    i++;
  }
  if (filled < height) return fromBottom(count, height, rowsOf); // not enough below: show the tail
  return { start: index, startRow: row, end: i, rows: height, atBottom: i === count && filled === height };
}

// ---------------------------------------------------------------------------------------------
// Layout over a query, and scrolling

export interface LogLayout {
  ctx: RowContext;
  height: number;
  rowsOf(index: number): number;
  rowsAt(index: number): Row[];
}

/** Prefix columns: the longest source name + `/cronjob`, capped. */
export function prefixWidthFor(buffer: LogBuffer): number {
  let max = 4;
  for (const s of buffer.sources()) max = Math.max(max, s.length);
  return Math.min(28, max + 8);
}

export function makeLayout(buffer: LogBuffer, query: LogQuery, width: number, height: number, opts: LogViewOptions): LogLayout {
  const ctx: RowContext = { opts, width, search: query.searchMatcher, currentId: query.currentMatchId, prefixWidth: prefixWidthFor(buffer) };
  const cache = new Map<number, Row[]>();
  const rowsAt = (index: number): Row[] => {
    let r = cache.get(index);
    if (!r) {
      const e = query.entryAt(index);
      r = e ? entryRows(e, ctx) : [[]];
      cache.set(index, r);
    }
    return r;
  };
  const rowsOf = (index: number): number => (!opts.wrap && opts.json !== 'pretty' ? noWrapRows(query, index) : rowsAt(index).length);
  return { ctx, height, rowsOf, rowsAt };
}

function noWrapRows(query: LogQuery, index: number): number {
  const e = query.entryAt(index);
  return e && e.kind === 'line' && e.more ? 1 + e.more.length : 1;
}

/** Resolve a scroll state to a window top (null = follow). */
export function topOf(query: LogQuery, scroll: LogScroll): WindowPos | null {
  if (scroll.follow) return null;
  return { index: query.indexOfId(scroll.topId), row: query.entryAt(query.indexOfId(scroll.topId))?.id === scroll.topId ? scroll.row : 0 };
}

export function windowFor(query: LogQuery, scroll: LogScroll, layout: LogLayout): WindowResult {
  query.sync();
  return computeWindow({ count: query.count, height: layout.height, top: topOf(query, scroll), rowsOf: layout.rowsOf });
}

/** Scroll by `delta` rows (negative = up). Reaching the bottom turns follow back on. */
export function scrollLog(query: LogQuery, scroll: LogScroll, delta: number, layout: LogLayout): LogScroll {
  const win = windowFor(query, scroll, layout);
  if (query.count === 0) return FOLLOW;
  let index = win.start;
  let row = win.startRow;
  let d = delta;
  while (d < 0) {
    if (row > 0) row--;
    else if (index > 0) {
      index--;
      row = layout.rowsOf(index) - 1;
    } else break;
    d++;
  }
  while (d > 0) {
    if (row + 1 < layout.rowsOf(index)) row++;
    else if (index + 1 < query.count) {
      index++;
      row = 0;
    } else break;
    d--;
  }
  const next = computeWindow({ count: query.count, height: layout.height, top: { index, row }, rowsOf: layout.rowsOf });
  if (next.atBottom) return FOLLOW; // follow is on exactly when the last line is visible
  return { follow: false, topId: query.idAt(next.start), row: next.startRow };
}

/** Filtered entries below the window (for the "N new lines" badge while paused; 0 when following). */
export function linesBelow(query: LogQuery, scroll: LogScroll, layout: LogLayout): number {
  if (scroll.follow) return 0;
  const w = windowFor(query, scroll, layout);
  return Math.max(0, query.count - w.end);
}

/** Scroll so filtered entry `index` is the top line (e.g. a failed deployment's first error line). */
export function scrollToIndex(query: LogQuery, index: number, layout: LogLayout): LogScroll {
  query.sync();
  if (index < 0 || index >= query.count) return FOLLOW;
  const w = computeWindow({ count: query.count, height: layout.height, top: { index, row: 0 }, rowsOf: layout.rowsOf });
  return w.atBottom ? FOLLOW : { follow: false, topId: query.idAt(w.start), row: w.startRow };
}

/** Jump to the first entry. */
export function scrollToTop(query: LogQuery, layout: LogLayout): LogScroll {
  query.sync();
  if (query.count === 0) return FOLLOW;
  const w = computeWindow({ count: query.count, height: layout.height, top: { index: 0, row: 0 }, rowsOf: layout.rowsOf });
  if (w.start !== 0) return FOLLOW; // everything fits
  return { follow: false, topId: query.idAt(0), row: 0 };
}

/** Scroll so filtered entry `index` is visible (about a third from the top when it was not). */
export function revealIndex(query: LogQuery, scroll: LogScroll, index: number, layout: LogLayout): LogScroll {
  const win = windowFor(query, scroll, layout);
  if (index < 0 || index >= query.count) return scroll;
  const fullyInside = index > win.start && index < win.end - 1;
  if (fullyInside || (index === win.start && win.startRow === 0) || (index === win.end - 1 && win.atBottom)) return scroll;
  const target: LogScroll = { follow: false, topId: query.idAt(index), row: 0 };
  const up = -Math.floor(layout.height / 3);
  return scrollLog(query, target, up, layout);
}

// ---------------------------------------------------------------------------------------------
// Component

/**
 * Re-render on buffer changes. The buffer coalesces its notifications to ≈30/s, so the frame they make
 * is drawn at once: held again by Ink's own 30-a-second throttle, a batch waited up to two frame
 * intervals (the buffer's, then Ink's) before it reached the screen.
 */
export function useLogVersion(buffer: LogBuffer): number {
  const [v, setV] = useState(buffer.version);
  useEffect(
    () =>
      buffer.subscribe(() => {
        drawNextFrameAtOnce();
        setV(buffer.version);
      }),
    [buffer],
  );
  return v;
}

export interface LogViewProps {
  buffer: LogBuffer;
  query: LogQuery;
  width: number;
  height: number;
  scroll: LogScroll;
  options: LogViewOptions;
  /** Text when nothing is shown; defaults depend on whether the buffer is empty. */
  emptyText?: string;
}

function renderSegment(s: Segment, key: number): React.JSX.Element {
  return (
    <Text key={key} color={s.color} backgroundColor={s.bg} inverse={s.inverse} bold={s.bold} dimColor={s.dim}>
      {s.text}
    </Text>
  );
}

/** Collect the rows of the window. */
export function windowRows(query: LogQuery, scroll: LogScroll, layout: LogLayout): Row[] {
  const win = windowFor(query, scroll, layout);
  const out: Row[] = [];
  for (let i = win.start; i < win.end && out.length < layout.height; i++) {
    const rows = layout.rowsAt(i);
    for (let r = i === win.start ? win.startRow : 0; r < rows.length && out.length < layout.height; r++) out.push(rows[r]);
  }
  return out;
}

export function LogView({ buffer, query, width, height, scroll, options, emptyText }: LogViewProps): React.JSX.Element {
  useLogVersion(buffer);
  query.sync();
  const layout = makeLayout(buffer, query, width, height, options);
  const rows = query.count === 0 ? [] : windowRows(query, scroll, layout);
  const ell = glyphs(options.unicode).ellipsis;
  const empty = emptyText ?? (buffer.size === 0 ? `waiting for log lines${ell}` : query.filterText ? 'no line matches the filter' : 'no line to show (levels or muted sources hide them)');
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {rows.length === 0 ? (
        <Text dimColor wrap="truncate">
          {empty}
        </Text>
      ) : (
        rows.map((row, i) => (
          <Text key={i} wrap="truncate">
            {row.length ? row.map(renderSegment) : ' '}
          </Text>
        ))
      )}
    </Box>
  );
}
