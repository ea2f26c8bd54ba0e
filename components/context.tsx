// What every component needs: the store, the theme, the keymap, the glyphs. Provided once by the App.
import React, { createContext, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useStdout } from 'ink';
import type { AppState, AppStore, TopicSlot, WatchOptions } from '../src/store/app.js';
import type { Keymap, Scope } from '../src/config/keymap.js';
import type { Theme } from '../src/config/theme.js';
import type { Config } from '../src/config/config.js';
import type { TopicDataOf, TopicName, TopicParamsIn } from '../src/protocol/messages.js';
import { topicKey } from '../src/protocol/keys.js';

export interface Ui {
  store: AppStore;
  theme: Theme;
  keymap: Keymap;
  unicode: boolean;
  config: Config;
  now: () => number;
  /** URLs are drawn as OSC 8 hyperlinks (config ui.hyperlinks, and the terminal is not dumb). */
  links?: boolean;
  /**
   * Draw the store's current state now, synchronously (Ink's rerender of the App): the frame calls
   * it when a key changed which handler takes the next key. Set by whoever mounts the App.
   */
  renderNow: () => void;
}

export const UiContext = createContext<Ui | null>(null);

export function useUi(): Ui {
  const ui = useContext(UiContext);
  if (!ui) throw new Error('UiContext missing');
  return ui;
}

/** Read a slice of the app state (re-renders when it changes; the selector must return stable values). */
export function useAppState<T>(selector: (s: AppState) => T): T {
  const { store } = useUi();
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()));
}

/** Keep a topic watched while the component is mounted, without re-rendering when its data changes. */
export function useWatch<K extends TopicName>(topic: K, params: TopicParamsIn<K> | null, opts?: WatchOptions): string | null {
  const { store } = useUi();
  const key = params ? topicKey(topic, params) : null;
  useEffect(() => {
    if (!params) return;
    return store.watch(topic, params, opts);
  }, [key]);
  return key;
}

/**
 * Subscribe to a topic while the component is mounted; returns its slot (re-renders when it changes).
 * The parameters and the payload are the topic's own (the protocol's topic map): `useTopic('env', { env })`.
 */
export function useTopic<K extends TopicName>(topic: K, params: TopicParamsIn<K> | null, opts?: WatchOptions): TopicSlot<TopicDataOf<K>> | undefined {
  const { store } = useUi();
  useWatch(topic, params, opts);
  return useAppState(() => (params ? store.topic(topic, params) : undefined));
}

/** Tell the gateway which items of a watched topic are on screen (fleet: environment uuids), to refresh those first. */
export function useVisible<K extends TopicName>(topic: K, params: TopicParamsIn<K>, ids: readonly string[]): void {
  const { store } = useUi();
  const shown = ids.join(' ');
  useEffect(() => {
    if (shown) store.setVisible(topic, params, shown.split(' '));
  }, [shown]);
}

/** Terminal size that re-renders on resize (Ink 6.8 only re-lays-out the last frame by itself). */
export function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = (): { columns: number; rows: number } => ({ columns: stdout?.columns || 80, rows: stdout?.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (!stdout) return;
    const on = (): void => setSize(read());
    stdout.on('resize', on);
    return () => {
      stdout.off('resize', on);
    };
  }, [stdout]);
  return size;
}

/** Style props that vanish entirely without colour (NO_COLOR: not one SGR sequence). */
export function sx(theme: Theme, s: { color?: string; backgroundColor?: string; bold?: boolean; inverse?: boolean; dimColor?: boolean; underline?: boolean }): Record<string, unknown> {
  if (!theme.color) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (v !== undefined && v !== false) out[k] = v;
  return out;
}

// ------------------------------------------------------------------ key routing
/** A screen's handler for named actions (from the keymap). Return false to let the frame handle it. */
export type ActionHandlers = Partial<Record<string, () => boolean | void>>;
/** A screen's raw key handler (text fields, wizards): gets every key first while set. Return true if handled. */
export type RawKeyHandler = (key: string | null, input: string) => boolean;

export interface KeyRouter {
  actions: React.MutableRefObject<ActionHandlers>;
  raw: React.MutableRefObject<RawKeyHandler | null>;
  scopes: React.MutableRefObject<Scope[]>;
}
export const KeyRouterContext = createContext<KeyRouter | null>(null);

/** Register this screen's action handlers (the latest render's closures are used). */
export function useActions(handlers: ActionHandlers): void {
  const r = useContext(KeyRouterContext);
  const own = useRef(handlers);
  own.current = handlers;
  const stable = useRef<ActionHandlers | null>(null);
  if (!stable.current) {
    stable.current = new Proxy({} as ActionHandlers, { get: (_t, prop: string) => own.current[prop] });
  }
  if (r) r.actions.current = stable.current;
  useEffect(() => {
    if (r) r.actions.current = stable.current!;
    return () => {
      if (r && r.actions.current === stable.current) r.actions.current = {};
    };
  }, [r]);
}

/** Capture keys before the keymap (pass null to release). */
export function useRawKeys(handler: RawKeyHandler | null): void {
  const r = useContext(KeyRouterContext);
  const own = useRef(handler);
  own.current = handler;
  const stable = useRef<RawKeyHandler>((k, i) => (own.current ? own.current(k, i) : false));
  if (r) r.raw.current = handler ? stable.current : r.raw.current === stable.current ? null : r.raw.current;
  useEffect(() => {
    if (r && own.current) r.raw.current = stable.current;
    return () => {
      if (r && r.raw.current === stable.current) r.raw.current = null;
    };
  }, [r, handler === null]);
}

export function useMemoNow(intervalMs = 1000): number {
  const { now } = useUi();
  const [t, setT] = useState(now());
  useEffect(() => {
    const h = setInterval(() => setT(now()), intervalMs);
    return () => clearInterval(h);
  }, [intervalMs, now]);
  return useMemo(() => t, [t]);
}

