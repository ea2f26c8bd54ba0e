// The console's state, outside React. Screens read it through useSyncExternalStore; the Ink tree can
// be unmounted (SSH hand-off) and rendered again from here exactly where it was: same screen, same
// cursor, same filter. The store also owns the gateway subscriptions for what is on screen (a screen
// calls `watch` when it mounts and releases on unmount: nothing is polled that nobody watches), and it
// batches notifications so React commits at most ~12 times a second however fast data arrives.
import { trace } from '../terminal/trace.js';
import { drawNextFrameAtOnce } from '../terminal/inkthrottle.js';
import type { Job, JobKind } from '../domain/index.js';
import type { TopicDataOf, TopicName, TopicParamsIn, TopicHealth, Welcome } from '../protocol/messages.js';
import { topicKey } from '../protocol/keys.js';
import { jobEnded, jobNotice, jobOver, NOTIFIED_KINDS, type JobNotice } from './jobnotice.js';
import type { TimeRange } from '../domain/metrics.js';
import type { BackupForm, PurgeForm, VarForm } from './forms.js';
import type { RestoreState } from './restore.js';
import type { LogScrollState } from './logsession.js';
import type { BuildMode } from './deploy.js';
import { NO_DIALOG_INPUT, type DialogInput, type DialogSpec } from './dialog.js';
import { EMPTY_PALETTE_INPUT, type PaletteInput } from './palette.js';

export type { DialogInput, DialogSpec } from './dialog.js';
export type { PaletteInput } from './palette.js';

// ------------------------------------------------------------------ the gateway surface we use
export type ConnStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';
export interface ConnStateLike {
  status: ConnStatus;
  attempt: number;
  retryAt: number | null;
  error: string | null;
  since: number;
}
export interface SubHandlersLike {
  onSnapshot?(data: unknown, seq: number): void;
  onEvent?(data: unknown, seq: number): void;
  onGap?(gap: { from: number; to: number; missed: number; reason: string; text: string }): void;
  onStatus?(health: TopicHealth): void;
  onError?(message: string): void;
}
/** The part of GatewayClient (src/client) the UI uses; a test fake implements just this. */
export interface GatewayLike {
  readonly state: ConnStateLike;
  readonly welcome: Welcome | null;
  onState(fn: (s: ConnStateLike) => void): () => void;
  onWelcome?(fn: (w: Welcome) => void): () => void;
  onJob(fn: (job: Job) => void): () => void;
  /** `opts.resumeAfter` (logs): continue after lines the caller already holds (see GatewayClient). */
  subscribe<K extends TopicName>(topic: K, params: TopicParamsIn<K>, h: SubHandlersLike, opts?: { resumeAfter?: { tsIso: string; count: number } }): { unsubscribe(): void; view?(visible: string[]): void };
  command(kind: JobKind, params: Record<string, unknown>, opts?: { idempotencyKey?: string; timeoutMs?: number }): Promise<Job>;
  /** One environment variable's value, unmasked (operators; the gateway audits it). */
  reveal?(env: string, name: string): Promise<string | null>;
}

// ------------------------------------------------------------------ state
export interface Route {
  screen: string;
  params: Record<string, string>;
}

export interface TopicSlot<T = unknown> {
  data: T | null;
  health: TopicHealth | null;
  error: string | null;
  seq: number;
  /** When the first snapshot arrived (ms). */
  loadedAt: number | null;
  /** Gaps reported for this topic (missed events). */
  gaps: number;
}

/** Per-view UI state: survives unmounting (SSH hand-off) and returning to the view. */
export interface ViewUi {
  cursor: number;
  /** The identity of the item the cursor is on, in a list that follows items (components/list.ts `key`). */
  cursorKey?: string;
  offset: number;
  sort?: string;
  desc?: boolean;
  filter?: string;
  /** The filter line is being edited. */
  filtering?: boolean;
  grouped?: boolean;
  /** Fleet: organisation groups folded to their header line. */
  collapsed?: string[];
  /** Backups: the open new-backup or download form. */
  backupForm?: BackupForm;
  /** Purge: the open purge form. */
  purgeForm?: PurgeForm;
  /** The job this view started and shows (deploy, backup, download, purge). */
  job?: string;
  /** The restore wizard. */
  restore?: RestoreState;
  /** A log pane's scroll position (deploy cockpit, deployment log). */
  scroll?: LogScrollState;
  /** Deploy cockpit: the deployment whose first error was shown; the build mode. */
  errorShown?: string;
  mode?: BuildMode;
  /** Deployment log: the deployment shown and the one opened at its first error. */
  deployment?: string;
  openedAt?: string;
  /** Metrics: the time range. */
  range?: TimeRange;
  /** Variables: the open add/edit form; the values revealed on a key (memory only); the job whose deploy offer was made. */
  varForm?: VarForm;
  revealed?: Record<string, string>;
  offered?: string;
}

export type ToastKind = 'info' | 'ok' | 'warn' | 'error';
export interface Toast {
  id: number;
  text: string;
  kind: ToastKind;
  at: number;
  /** The job this toast announced the start of: replaced by its end when the job ends. */
  job?: string;
}

export interface AppState {
  conn: ConnStateLike;
  welcome: Welcome | null;
  /** connect() itself failed (no gateway at all). */
  connectError: string | null;
  stack: Route[];
  paletteOpen: boolean;
  /** The open palette's line, completion and history position (empty while closed). */
  paletteInput: PaletteInput;
  paletteHistory: string[];
  topics: Record<string, TopicSlot>;
  jobs: Record<string, Job>;
  ui: Record<string, ViewUi>;
  toast: Toast | null;
  dialog: DialogSpec | null;
  /** The open dialog's typed text and refusal (empty while none is open). */
  dialogInput: DialogInput;
  /** True while the terminal is handed to another program (ssh). */
  suspended: boolean;
  /** The zone this console shows, by its name (zones of the config file, the start zone, "sandbox"); null: no zone switching here. */
  zone: string | null;
}

/** A zone the console can switch to (src/cli/zones.ts builds them; no token ever). */
export interface ZoneItem {
  name: string;
  kind: 'divio' | 'gateway' | 'sandbox';
  target: string;
  token: string;
  usable: boolean;
  configured: boolean;
}

/** What became of a copy: sent (and whether the terminal is known to honour OSC 52), or too long. */
export type CopyOutcome = { sent: true; likely: boolean } | { sent: false; reason: string };

export interface Services {
  /** How an action's key is named in a message ("J", "Ctrl-o" when remapped). Set by the App, which has the keymap. */
  keyWord?: (action: string) => string;
  /** Hand the terminal to `fn` (e.g. ssh) and come back. Set by runTui. */
  suspend?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Leave the console. Set by runTui. */
  quit?: () => void;
  /** Put text on the terminal's clipboard (OSC 52). Set by runTui. */
  copy?: (text: string) => CopyOutcome;
  /** A job this console saw running has ended (bell, desktop notification). Set by runTui. */
  jobEnded?: (n: JobNotice) => void;
  /** The zones to switch between, and the switch itself (`:zone NAME`). Set by runTui when the console can switch. */
  zones?: {
    list(): ZoneItem[];
    /** Connect to zone `name` and show it; false (with a toast saying why) when it cannot. */
    switchTo(name: string): Promise<boolean>;
  };
}

export interface WatchOptions {
  /** A companion watch: the status line does not report the topic's upstream problems for it. */
  quiet?: boolean;
}

export interface AppStore {
  getState(): AppState;
  setState(patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void;
  subscribe(listener: () => void): () => void;
  /** Deliver pending notifications now (tests, before unmounting). */
  flush(): void;
  attach(client: GatewayLike): void;
  /**
   * Show another zone through `client`: every subscription on the old client is released (its
   * topics stop polling that zone), topics and view state are cleared, the navigation goes back to
   * the fleet, the jobs of the zone left are put aside (shown again on coming back, where the
   * gateway's snapshot announces the ones that ended meanwhile), and what is watched is subscribed
   * again on the new client.
   */
  switchClient(client: GatewayLike, zone: string): void;
  readonly client: GatewayLike | null;
  /**
   * Subscribe to a topic while something shows it; returns the release function (ref-counted).
   * `quiet`: a companion watch (data a screen adds to its own, as the fleet's Local rows): its
   * upstream problems are not the screen's, so the status line does not report them.
   */
  watch<K extends TopicName>(topic: K, params: TopicParamsIn<K>, opts?: WatchOptions): () => void;
  /** What a watched topic's screen shows (fleet: environment uuids), for the gateway to refresh first. */
  setVisible<K extends TopicName>(topic: K, params: TopicParamsIn<K>, visible: string[]): void;
  /** Number of live gateway subscriptions (for tests and the hand-off). */
  activeWatches(): string[];
  /** The live subscriptions whose upstream problems the status line reports (all but the quiet ones). */
  reportedWatches(): string[];
  /** A topic's slot; its data has the topic's payload type (the protocol's topic map). */
  topic<K extends TopicName>(topic: K, params: TopicParamsIn<K>): TopicSlot<TopicDataOf<K>> | undefined;
  /** The topic's data, subscribing for as long as it takes (null after `timeoutMs`). */
  load<K extends TopicName>(topic: K, params: TopicParamsIn<K>, timeoutMs?: number): Promise<TopicDataOf<K> | null>;
  // navigation
  current(): Route;
  push(screen: string, params?: Record<string, string>): void;
  pop(): boolean;
  reset(screen: string, params?: Record<string, string>): void;
  // view UI state
  viewKey(route?: Route): string;
  view(key?: string): ViewUi;
  updateView(patch: Partial<ViewUi> | ((v: ViewUi) => Partial<ViewUi>), key?: string): void;
  // messages
  /** A status-line message; `job`: it says that job started (its end replaces it). */
  toast(text: string, kind?: ToastKind, job?: string): void;
  openDialog(d: DialogSpec): void;
  closeDialog(): void;
  setPalette(open: boolean): void;
  rememberCommand(cmd: string): void;
  /** Run a job through the gateway, with a toast on acceptance or refusal. */
  runCommand(kind: JobKind, params: Record<string, unknown>): Promise<Job | null>;
  readonly services: Services;
  dispose(): void;
}

export interface StoreOptions {
  /** Minimum ms between notifications (default 83 ≈ 12/s). 0 = next macrotask. */
  commitIntervalMs?: number;
  now?: () => number;
  initialRoute?: Route;
  toastMs?: number;
  historyMax?: number;
  initialHistory?: string[];
}

const EMPTY_VIEW: ViewUi = { cursor: 0, offset: 0 };

export function routeKey(r: Route): string {
  const p = Object.keys(r.params)
    .sort()
    .map((k) => `${k}=${r.params[k]}`)
    .join('&');
  return p ? `${r.screen}?${p}` : r.screen;
}

function initialConn(now: number): ConnStateLike {
  return { status: 'connecting', attempt: 0, retryAt: null, error: null, since: now };
}

/** Merge an event into a topic's data: a deployment log's appended text; other events replace. */
function mergeTopic(topic: TopicName, prev: unknown, data: unknown): unknown {
  // Deployment log events carry only the appended text: keep the whole log in the slot.
  if (topic === 'deployment' && isRecord(prev) && isRecord(data) && data.append === true) {
    return { ...data, log: String(prev.log ?? '') + String(data.log ?? ''), append: false };
  }
  return data;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object';
}

export function createAppStore(opts: StoreOptions = {}): AppStore {
  const now = opts.now ?? Date.now;
  const interval = opts.commitIntervalMs ?? 83;
  const toastMs = opts.toastMs ?? 6000;
  const historyMax = opts.historyMax ?? 100;
  let state: AppState = {
    conn: initialConn(now()),
    welcome: null,
    connectError: null,
    stack: [opts.initialRoute ?? { screen: 'fleet', params: {} }],
    paletteOpen: false,
    paletteInput: EMPTY_PALETTE_INPUT,
    paletteHistory: opts.initialHistory ?? [],
    topics: {},
    jobs: {},
    ui: {},
    toast: null,
    dialog: null,
    dialogInput: NO_DIALOG_INPUT,
    suspended: false,
    zone: null,
  };
  const jobsByZone = new Map<string, Record<string, Job>>();
  const listeners = new Set<() => void>();
  let pending: ReturnType<typeof setTimeout> | null = null;
  let lastNotify = 0;
  let client: GatewayLike | null = null;
  const clientOffs: Array<() => void> = [];
  // count: watchers; loud: the watchers that are not quiet (the status line reports the topic's problems)
  const watches = new Map<string, { topic: TopicName; params: TopicParamsIn<TopicName>; count: number; loud: number; sub: { unsubscribe(): void; view?(visible: string[]): void } | null; visible?: string[] }>();
  let toastTimer: ReturnType<typeof setTimeout> | null = null;
  // State files the gateway found unusable and moved aside: said once each, not at every reconnect.
  const noticed = new Set<string>();
  const noticeOnce = (w: Welcome): void => {
    const fresh = (w.notices ?? []).filter((n) => !noticed.has(n));
    for (const n of fresh) noticed.add(n);
    if (fresh.length) store.toast(fresh.join(' · '), 'warn');
  };
  let toastSeq = 0;
  let disposed = false;
  const services: Services = {};

  const notifyNow = (): void => {
    if (pending) clearTimeout(pending);
    pending = null;
    lastNotify = now();
    for (const l of [...listeners]) l();
  };
  const schedule = (): void => {
    if (pending || disposed) return;
    const wait = Math.max(0, lastNotify + interval - now());
    pending = setTimeout(notifyNow, wait);
  };

  const setState: AppStore['setState'] = (patch) => {
    const p = typeof patch === 'function' ? patch(state) : patch;
    state = { ...state, ...p };
    schedule();
  };

  const setSlot = (key: string, f: (s: TopicSlot) => Partial<TopicSlot>): void => {
    const prev: TopicSlot = state.topics[key] ?? { data: null, health: null, error: null, seq: 0, loadedAt: null, gaps: 0 };
    const next = { ...prev, ...f(prev) };
    setState({ topics: { ...state.topics, [key]: next } });
    // a topic's first data is what the user is waiting for (the fleet at start, a screen just
    // opened): drawn at once, not after the commit interval that coalesces the updates after it
    if (prev.data == null && next.data != null && !disposed) {
      if (pending) clearTimeout(pending);
      pending = setTimeout(() => {
        // nor after Ink's frame throttle: the frame is drawn at once (src/terminal/inkthrottle.ts)
        drawNextFrameAtOnce();
        notifyNow();
      }, 0);
    }
  };

  /** Say that a job ended: a toast when its view is not on screen, and the terminal's notification. */
  const announce = (prev: Job | undefined, job: Job): void => {
    if (!NOTIFIED_KINDS.has(job.kind) || !jobEnded(prev, job)) return;
    const n = jobNotice(job, store.current());
    if (!n.looking) store.toast(`${n.body}${n.ok ? '' : ` (${keyWordOf(store, 'app.jobs', 'J')} shows jobs)`}`, n.ok ? 'ok' : 'error');
    try {
      services.jobEnded?.(n);
    } catch {}
  };

  const upsertJob = (job: Job): void => {
    const prev = state.jobs[job.id];
    if (prev && prev.updatedAt > job.updatedAt) return;
    setState({ jobs: { ...state.jobs, [job.id]: job } });
    // "…: started" still on the status line when the job ends (it ends in a second, on its own
    // view): the end takes its place rather than the start staying there for seconds after
    if (state.toast?.job === job.id && jobOver(job)) store.toast(state.toast.text, state.toast.kind, job.id);
    announce(prev, job);
  };

  /** The slot under topicKey(topic, params) holds that topic's payload (validated by the client). */
  const slotOf = <K extends TopicName>(topic: K, params: TopicParamsIn<K>): TopicSlot<TopicDataOf<K>> | undefined =>
    state.topics[topicKey(topic, params)] as TopicSlot<TopicDataOf<K>> | undefined;

  const openSub = (key: string): void => {
    const w = watches.get(key);
    if (!w || !client || w.sub) return;
    const { topic } = w;
    const sub = (w.sub = client.subscribe(topic, w.params, {
      onSnapshot: (data, seq) => {
        trace(`snapshot ${topic}`);
        if (topic === 'jobs') {
          const jobs: Record<string, Job> = { ...state.jobs };
          const ended: Array<[Job | undefined, Job]> = [];
          for (const j of (data as { jobs: Job[] }).jobs ?? []) {
            ended.push([jobs[j.id], j]);
            jobs[j.id] = j;
          }
          setState({ jobs });
          // a job that ended while the connection was down is announced too
          for (const [prev, j] of ended) announce(prev, j);
        }
        setSlot(key, () => ({ data, seq, error: null, loadedAt: now() }));
      },
      onEvent: (data, seq) => {
        if (topic === 'jobs') for (const j of (data as { jobs: Job[] }).jobs ?? []) upsertJob(j);
        setSlot(key, (s) => ({ data: mergeTopic(topic, s.data, data), seq, error: null }));
      },
      onGap: (gap) => setSlot(key, (s) => ({ gaps: s.gaps + Math.max(1, gap.missed) })),
      onStatus: (health) => setSlot(key, () => ({ health })),
      onError: (message) => setSlot(key, () => ({ error: message })),
    }));
    if (w.visible) sub.view?.(w.visible);
  };

  const store: AppStore = {
    getState: () => state,
    setState,
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    flush: notifyNow,
    get client() {
      return client;
    },
    get services() {
      return services;
    },
    attach(c) {
      for (const off of clientOffs.splice(0)) off();
      client = c;
      setState({ conn: { ...c.state }, welcome: c.welcome ?? state.welcome, connectError: null });
      if (c.welcome) noticeOnce(c.welcome);
      clientOffs.push(c.onState((s) => setState({ conn: { ...s }, welcome: c.welcome ?? state.welcome })));
      if (c.onWelcome) clientOffs.push(c.onWelcome((w) => { setState({ welcome: w }); noticeOnce(w); }));
      clientOffs.push(c.onJob((j) => upsertJob(j)));
      for (const key of watches.keys()) openSub(key);
    },
    switchClient(c, zone) {
      for (const w of watches.values()) {
        try {
          w.sub?.unsubscribe();
        } catch {}
        w.sub = null;
      }
      if (state.zone !== null) jobsByZone.set(state.zone, state.jobs);
      setState({
        zone,
        welcome: null,
        topics: {},
        jobs: jobsByZone.get(zone) ?? {},
        ui: {},
        stack: [{ screen: 'fleet', params: {} }],
        dialog: null,
        dialogInput: NO_DIALOG_INPUT,
        paletteOpen: false,
        paletteInput: EMPTY_PALETTE_INPUT,
      });
      store.attach(c);
    },
    setVisible(topic, params, visible) {
      const w = watches.get(topicKey(topic, params));
      if (!w) return;
      w.visible = visible;
      w.sub?.view?.(visible);
    },
    watch(topic, params, opts) {
      const key = topicKey(topic, params);
      const loud = opts?.quiet ? 0 : 1;
      let w = watches.get(key);
      if (!w) {
        w = { topic, params, count: 0, loud: 0, sub: null };
        watches.set(key, w);
      }
      w.count++;
      w.loud += loud;
      openSub(key);
      // the status line reads the reported watches: tell it when they change (no state change does)
      if (w.loud === loud && loud) schedule();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const cur = watches.get(key);
        if (!cur) return;
        cur.count--;
        cur.loud -= loud;
        if (cur.count <= 0) {
          watches.delete(key);
          try {
            cur.sub?.unsubscribe();
          } catch {}
        }
        if (loud && cur.loud === 0) schedule();
      };
    },
    activeWatches: () => [...watches.entries()].filter(([, w]) => w.sub).map(([k]) => k),
    reportedWatches: () => [...watches.entries()].filter(([, w]) => w.sub && w.loud > 0).map(([k]) => k),
    topic: slotOf,
    load<K extends TopicName>(topic: K, params: TopicParamsIn<K>, timeoutMs = 10_000): Promise<TopicDataOf<K> | null> {
      const have = slotOf(topic, params)?.data;
      if (have != null) return Promise.resolve(have);
      type T = TopicDataOf<K>;
      return new Promise<T | null>((resolve) => {
        const release = store.watch(topic, params);
        const check = (): void => {
          const d = slotOf(topic, params)?.data;
          if (d != null) done(d);
        };
        const off = (() => {
          listeners.add(check);
          return () => listeners.delete(check);
        })();
        const timer = setTimeout(() => done(null), timeoutMs);
        function done(v: T | null): void {
          clearTimeout(timer);
          off();
          release();
          resolve(v);
        }
      });
    },
    current: () => state.stack[state.stack.length - 1]!,
    push(screen, params = {}) {
      setState({ stack: [...state.stack, { screen, params }], paletteOpen: false, paletteInput: EMPTY_PALETTE_INPUT });
    },
    pop() {
      if (state.stack.length <= 1) return false;
      setState({ stack: state.stack.slice(0, -1) });
      return true;
    },
    reset(screen, params = {}) {
      setState({ stack: [{ screen, params }], paletteOpen: false, paletteInput: EMPTY_PALETTE_INPUT });
    },
    viewKey: (route) => routeKey(route ?? store.current()),
    view: (key) => state.ui[key ?? store.viewKey()] ?? EMPTY_VIEW,
    updateView(patch, key) {
      const k = key ?? store.viewKey();
      const prev = state.ui[k] ?? EMPTY_VIEW;
      const p = typeof patch === 'function' ? patch(prev) : patch;
      // a cursor put on a row number (a filter or sort reset, a screen's own move) leaves its item
      const moved = 'cursor' in p && !('cursorKey' in p) ? { cursorKey: undefined } : {};
      setState({ ui: { ...state.ui, [k]: { ...prev, ...moved, ...p } } });
    },
    toast(text, kind = 'info', job) {
      // a start said once the job has ended (both came in one read, or the end came since): its end instead
      const j = job ? state.jobs[job] : undefined;
      if (j && jobOver(j)) {
        const n = jobNotice(j, store.current());
        [text, kind, job] = [n.body, n.ok ? 'ok' : 'error', undefined];
      }
      const id = ++toastSeq;
      setState({ toast: { id, text, kind, at: now(), ...(job ? { job } : {}) } });
      if (toastTimer) clearTimeout(toastTimer);
      toastTimer = setTimeout(() => {
        if (state.toast?.id === id) setState({ toast: null });
      }, toastMs);
      toastTimer.unref?.();
    },
    // a dialog or the palette starts empty each time it opens
    openDialog: (d) => setState({ dialog: d, dialogInput: NO_DIALOG_INPUT }),
    closeDialog: () => setState({ dialog: null, dialogInput: NO_DIALOG_INPUT }),
    setPalette: (open) => setState({ paletteOpen: open, paletteInput: EMPTY_PALETTE_INPUT }),
    rememberCommand(cmd) {
      const c = cmd.trim();
      if (!c) return;
      const h = state.paletteHistory.filter((x) => x !== c);
      h.push(c);
      setState({ paletteHistory: h.slice(-historyMax) });
    },
    async runCommand(kind, params) {
      if (!client) {
        store.toast(`${kind}: not connected to the gateway`, 'error');
        return null;
      }
      try {
        const job = await client.command(kind, params);
        upsertJob(job);
        store.toast(`${kind} ${job.target}: started (${keyWordOf(store, 'app.jobs', 'J')} shows jobs)`, 'ok', job.id);
        return job;
      } catch (e) {
        store.toast(`${kind} refused: ${(e as Error).message}`, 'error');
        return null;
      }
    },
    dispose() {
      disposed = true;
      if (pending) clearTimeout(pending);
      if (toastTimer) clearTimeout(toastTimer);
      for (const off of clientOffs.splice(0)) off();
      for (const w of watches.values()) {
        try {
          w.sub?.unsubscribe();
        } catch {}
      }
      watches.clear();
      listeners.clear();
    },
  };
  return store;
}

/** An action's key as a word for a message: as the App's keymap binds it, else `dflt` (no App yet). */
export function keyWordOf(store: AppStore, action: string, dflt: string): string {
  return store.services.keyWord?.(action) ?? dflt;
}

// ------------------------------------------------------------------ selectors
export function runningJobs(s: AppState): Job[] {
  return Object.values(s.jobs).filter((j) => j.state === 'running' || j.state === 'queued');
}

export function jobsNewestFirst(s: AppState): Job[] {
  return Object.values(s.jobs).sort((a, b) => b.createdAt - a.createdAt);
}
