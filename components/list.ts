// One list: the hook every list screen uses for its cursor, paging, `/` filter, sort and Enter.
// The state lives in the view's slot of the store (so it survives going to another screen and
// back), and every key is handled against the store's current state, not the last render: a key
// that arrives before the render of the one before it still moves from the right row.
//
//   const list = useList({ route, items: rows, page: height - 2, haystack: (r) => r.name,
//     sortBy: { name: (r) => r.name, age: (r) => r.at }, open: (r) => store.push('thing', …),
//     actions: { 'thing.delete': () => … } });
//   <ListTable list={list} columns={…} height={…} width={…} rowKey={…} />   (components/Table.tsx)
import { useEffect, useMemo, useRef } from 'react';
import type { Route, ViewUi } from '../src/store/app.js';
import { filterAndSort, LIST_MOVES, moveCursor, type SortValue } from '../src/store/list.js';
import { filterKey } from './FilterLine.js';
import { useActions, useAppState, useRawKeys, useUi, type ActionHandlers, type RawKeyHandler } from './context.js';

export interface ListSpec<T> {
  route: Route;
  /** The items (this render's). */
  items: readonly T[];
  /**
   * The items as the store holds them now, for a key that arrives before the next render (e.g.
   * read from `store.topic(…)`). Default: the last render's items.
   */
  current?: () => readonly T[];
  /** Rows a page key moves (the visible rows, less one); a function when it depends on the selection. */
  page: number | (() => number);
  /**
   * 'cursor' (default): a selected row. 'scroll': the cursor is the first line shown of `height`
   * visible lines (help, the environment's details).
   */
  mode?: 'cursor' | 'scroll';
  /** Visible lines ('scroll' mode). */
  height?: number;
  /** `/` filters: the text each item is matched against (substring, case-insensitive, ! inverts). */
  haystack?: (item: T) => string;
  /** `/` is taken but the screen applies view.filter itself (e.g. the fleet's own filter). */
  filter?: boolean;
  /** Sort columns (the first is the default); `sort.next` cycles them, `sort.reverse` reverses. */
  sortBy?: Record<string, (item: T) => SortValue>;
  /** The screen sorts itself (view.sort / view.desc); these columns are cycled. */
  sorts?: readonly string[];
  /** Action ids for "next sort column" and "reverse" (default fleet.sort / fleet.reverse). */
  sortActions?: { next: string; reverse: string };
  /** Called after the sort changed (e.g. a toast naming the column). */
  onSort?: (column: string, desc: boolean) => void;
  /**
   * Each item's identity ('cursor' mode): the cursor stays on its item when the list changes under it
   * (a refresh adds a row above, a row goes away below), so that a key acts on the row the person
   * chose, not on whatever came to take its place. Without it the cursor is a row number.
   */
  key?: (item: T) => string;
  /** Enter on an item (list.open). */
  open?: (item: T) => void;
  /** The screen's other actions (they win over the list's). */
  actions?: ActionHandlers;
  /** The screen's raw key handler (a form): gets keys after the filter line, while set. */
  raw?: RawKeyHandler | null;
}

export interface ListState<T> {
  /** The items shown: filtered and sorted. */
  items: readonly T[];
  /** The cursor, inside the items (the first shown line in 'scroll' mode). */
  cursor: number;
  offset: number;
  selected: T | undefined;
  /** The item under the cursor in the store's current state (for handlers). */
  selectedNow(): T | undefined;
  view: ViewUi | undefined;
  filter: string;
  filtering: boolean;
  /** The filter line is on screen (being edited, or a filter is set). */
  filterShown: boolean;
  sort: { column: string; desc: boolean } | undefined;
  /** 'scroll' mode: the last first line. */
  maxTop: number;
}

export function useList<T>(spec: ListSpec<T>): ListState<T> {
  const { store, keymap } = useUi();
  const vk = store.viewKey(spec.route);
  const view = useAppState((s) => s.ui[vk]);
  const columns = spec.sortBy ? Object.keys(spec.sortBy) : (spec.sorts ?? []);
  const sortOf = (v: ViewUi | undefined): string | undefined => v?.sort ?? columns[0];
  const derive = (base: readonly T[], v: ViewUi | undefined): readonly T[] =>
    spec.haystack || spec.sortBy ? filterAndSort(base, { filter: v?.filter, haystack: spec.haystack, sort: sortOf(v), desc: v?.desc, sortBy: spec.sortBy }) : base;
  const items = useMemo(() => derive(spec.items, view), [spec.items, view?.filter, view?.sort, view?.desc]);
  const scroll = spec.mode === 'scroll';
  const countOf = (list: readonly T[]): number => (scroll ? Math.max(0, list.length - (spec.height ?? 1)) + 1 : list.length);
  const maxTop = scroll ? countOf(items) - 1 : 0;

  // The store's current items, derived once per change of their inputs.
  const last = useRef({ base: spec.items, items });
  last.current = { base: spec.items, items };
  const cache = useRef<{ base: readonly T[] | null; key: string; items: readonly T[] }>({ base: null, key: '', items: [] });
  const itemsNow = (): readonly T[] => {
    const v = store.view(vk);
    const base = spec.current ? spec.current() : last.current.base;
    const key = `${v.filter}|${v.sort}|${v.desc}`;
    if (cache.current.base !== base || cache.current.key !== key) cache.current = { base, key, items: derive(base, v) };
    return cache.current.items;
  };
  const cursorIn = (c: number, list: readonly T[]): number => Math.max(0, Math.min(c, countOf(list) - 1));
  const keyOf = scroll ? undefined : spec.key;
  /** The cursor's row in `list`: where its item is now (with `key`), else its row number. */
  const at = (list: readonly T[], v: ViewUi | undefined): number => {
    if (keyOf && v?.cursorKey !== undefined) {
      const i = list.findIndex((x) => keyOf(x) === v.cursorKey);
      if (i >= 0) return i;
    }
    return cursorIn(v?.cursor ?? 0, list);
  };
  const selectedNow = (): T | undefined => {
    const list = itemsNow();
    return list[at(list, store.view(vk))];
  };
  /** The cursor on row `c` of `list`, with its item's identity. */
  const place = (c: number, list: readonly T[]): Partial<ViewUi> => (keyOf && list[c] !== undefined ? { cursor: c, cursorKey: keyOf(list[c]!) } : { cursor: c });

  const handlers: ActionHandlers = {};
  for (const a of LIST_MOVES) {
    handlers[a] = () => {
      const list = itemsNow();
      const c = moveCursor(a, at(list, store.view(vk)), countOf(list), typeof spec.page === 'function' ? spec.page() : spec.page);
      if (c !== null) store.updateView(place(c, list), vk);
    };
  }
  if (spec.open) {
    const open = spec.open;
    handlers['list.open'] = () => {
      const it = selectedNow();
      if (it !== undefined) open(it);
    };
  }
  const filters = !!spec.haystack || !!spec.filter;
  if (filters) {
    handlers['list.filter'] = () => store.updateView({ filtering: true }, vk);
    handlers['app.back'] = () => {
      if (!store.view(vk).filter) return false;
      store.updateView({ filter: '', cursor: 0, offset: 0 }, vk);
      return true;
    };
  }
  if (columns.length) {
    const { next, reverse } = spec.sortActions ?? { next: 'fleet.sort', reverse: 'fleet.reverse' };
    handlers[next] = () => {
      const cur = sortOf(store.view(vk)) ?? columns[0]!;
      const col = columns[(columns.indexOf(cur) + 1) % columns.length]!;
      store.updateView({ sort: col, desc: false, cursor: 0, offset: 0 }, vk);
      spec.onSort?.(col, false);
    };
    handlers[reverse] = () => {
      const desc = !store.view(vk).desc;
      store.updateView({ desc, cursor: 0, offset: 0 }, vk);
      spec.onSort?.(sortOf(store.view(vk)) ?? columns[0]!, desc);
    };
  }
  // the screen's actions are read when a key comes (a screen may add to them after this call)
  const own = spec.actions;
  useActions(own ? new Proxy(handlers, { get: (t, p: string) => own[p] ?? t[p] }) : handlers);
  // The filter line takes keys while it is edited (as the store says now), then the screen's form.
  const raw = spec.raw;
  useRawKeys(filters || raw ? (k, input) => (filters && filterKey(store, keymap, vk, k, input)) || (raw ? raw(k, input) : false) : null);

  const cursor = at(items, view);
  // the row the cursor starts on (or was put on by a row number) is followed too, from now on
  useEffect(() => {
    if (!keyOf) return;
    const v = store.view(vk);
    const list = itemsNow();
    const c = at(list, v);
    const it = list[c];
    if (it !== undefined && (v.cursorKey !== keyOf(it) || v.cursor !== c)) store.updateView(place(c, list), vk);
  });
  const filter = view?.filter ?? '';
  const column = sortOf(view);
  return {
    items,
    cursor,
    offset: view?.offset ?? 0,
    selected: scroll ? undefined : items[cursor],
    selectedNow,
    view,
    filter,
    filtering: !!view?.filtering,
    filterShown: !!view?.filtering || !!filter,
    sort: column ? { column, desc: !!view?.desc } : undefined,
    maxTop,
  };
}
