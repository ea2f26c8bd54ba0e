// Every key the console reacts to is an action with an id, a scope and default keys. The user's
// config remaps any action; help and the footer are generated from the resulting keymap, so what the
// screen says is what the keys do. Conflicts (one key, two actions that are active together) are
// reported, never silently resolved.

/** Where an action is active. A screen activates several scopes (its entry in screens/screens.ts). */
export type Scope = 'global' | 'list' | 'rows' | 'copy' | 'target' | 'fleet' | 'env' | 'jobs' | 'logs' | 'deployments' | 'releases' | 'vars' | 'deploy' | 'backups' | 'wizard' | 'pick' | 'parts' | 'form' | 'purge' | 'metrics' | 'local' | 'dialog' | 'palette';

export interface ActionDef {
  id: string;
  scope: Scope;
  keys: string[];
  title: string;
  /** Changes something upstream: never runs on the key alone; it opens a confirmation or wizard. */
  destructive?: boolean;
  /** Shown in the footer. */
  hint?: boolean;
  /** One or two words for the footer and action bars. */
  short?: string;
}

export const ACTIONS: readonly ActionDef[] = [
  // global
  { id: 'app.quit', short: 'quit', scope: 'global', keys: ['q', 'ctrl+c'], title: 'quit ({app.quit} goes back on inner screens)', hint: true },
  { id: 'app.back', short: 'back', scope: 'global', keys: ['esc'], title: 'back / close', hint: true },
  { id: 'app.help', short: 'help', scope: 'global', keys: ['?'], title: 'help for this view', hint: true },
  { id: 'app.palette', short: 'command', scope: 'global', keys: [':'], title: 'command palette', hint: true },
  { id: 'app.jobs', short: 'jobs', scope: 'global', keys: ['J'], title: 'jobs tray', hint: true },
  { id: 'app.fleet', short: 'fleet', scope: 'global', keys: ['H'], title: 'go to the fleet (home)' },
  { id: 'app.zones', short: 'zones', scope: 'global', keys: ['Z'], title: 'zones: the zones of the config file, which has a token; {list.open} switches (also :zone NAME)' },
  { id: 'app.redraw', short: 'redraw', scope: 'global', keys: ['ctrl+l'], title: 'redraw the whole screen (also after every resize)' },
  // lists
  { id: 'list.up', scope: 'list', keys: ['k', 'up'], title: 'move up' },
  { id: 'list.down', scope: 'list', keys: ['j', 'down'], title: 'move down' },
  { id: 'list.top', scope: 'list', keys: ['g', 'home'], title: 'jump to top' },
  { id: 'list.bottom', scope: 'list', keys: ['G', 'end'], title: 'jump to bottom' },
  { id: 'list.pageUp', scope: 'list', keys: ['pageup', 'ctrl+b'], title: 'page up' },
  { id: 'list.pageDown', scope: 'list', keys: ['pagedown', 'ctrl+f'], title: 'page down' },
  // rows of a list (not in a form, where Enter submits)
  { id: 'list.open', short: 'open', scope: 'rows', keys: ['enter'], title: 'open', hint: true },
  { id: 'list.filter', short: 'filter', scope: 'rows', keys: ['/'], title: 'filter (substring; leading ! inverts)', hint: true },
  // copy to the clipboard (OSC 52; the status line shows what was copied, as the fallback)
  { id: 'copy.id', short: 'copy', scope: 'copy', keys: ['y'], title: "copy: the selected row's id (APP@ENV, backup or job id, domain name), in logs the current match or the bottom line" },
  { id: 'copy.url', short: 'copy URL', scope: 'copy', keys: ['Y'], title: "copy the environment's URL (in domains: the domain's)" },
  // actions on an environment (fleet row or environment screen)
  { id: 'env.logs', short: 'logs', scope: 'target', keys: ['l'], title: 'runtime logs', hint: true },
  { id: 'env.deployments', short: 'deployments', scope: 'target', keys: ['d'], title: 'deployments: commit, branch, start, duration, result, who ({list.open} opens one log, {releases.redeploy} redeploys)' },
  { id: 'env.vars', short: 'variables', scope: 'target', keys: ['e'], title: 'environment variables: set, unset, edit (sensitive values hidden)' },
  { id: 'env.backups', short: 'backups', scope: 'target', keys: ['b'], title: 'backups' },
  { id: 'env.services', short: 'services', scope: 'target', keys: ['i'], title: "services: the environment's service instances (database, storage …), their service, region and state" },
  { id: 'env.metrics', short: 'metrics', scope: 'target', keys: ['m'], title: 'metrics' },
  { id: 'env.ssh', short: 'ssh', scope: 'target', keys: ['s'], title: 'ssh into the environment' },
  { id: 'env.deploy', short: 'deploy', scope: 'target', keys: ['D'], title: 'deploy (asks first)', destructive: true },
  { id: 'env.backup', short: 'backup', scope: 'target', keys: ['B'], title: 'create a backup (asks first)', destructive: true },
  { id: 'env.restore', short: 'restore', scope: 'target', keys: ['R'], title: 'restore a backup (wizard)', destructive: true },
  { id: 'env.purge', short: 'purge', scope: 'target', keys: ['P'], title: 'purge the CDN cache (asks first)', destructive: true },
  { id: 'env.logsAll', short: 'all logs', scope: 'target', keys: ['L'], title: 'runtime logs of every environment of the app (test + live …), merged in time order' },
  // fleet
  { id: 'fleet.sort', short: 'sort', scope: 'fleet', keys: ['o'], title: 'sort by the next column', hint: true },
  { id: 'fleet.reverse', short: 'reverse', scope: 'fleet', keys: ['O'], title: 'reverse the sort order' },
  { id: 'fleet.group', short: 'group', scope: 'fleet', keys: ['v'], title: 'group by organisation (toggle)' },
  { id: 'fleet.local', short: 'local', scope: 'fleet', keys: ['C'], title: 'Local environment: containers of the Docker engine (compose projects)', hint: true },
  // metrics dashboard
  { id: 'metrics.range', short: 'range', scope: 'metrics', keys: ['r'], title: 'next time range (15 min, 1 h, 6 h, 24 h)', hint: true },
  { id: 'metrics.15m', scope: 'metrics', keys: ['1'], title: 'last 15 minutes' },
  { id: 'metrics.1h', scope: 'metrics', keys: ['2'], title: 'last hour' },
  { id: 'metrics.6h', scope: 'metrics', keys: ['3'], title: 'last 6 hours' },
  { id: 'metrics.24h', scope: 'metrics', keys: ['4'], title: 'last 24 hours' },
  // Local environment (Docker)
  { id: 'local.logs', short: 'logs', scope: 'local', keys: ['l'], title: "the container's logs in the log viewer", hint: true },
  { id: 'local.shell', short: 'shell', scope: 'local', keys: ['s'], title: 'shell in the container (terminal hand-off)', hint: true },
  { id: 'local.restart', short: 'restart', scope: 'local', keys: ['R'], title: 'restart the container (asks first)', destructive: true, hint: true },
  { id: 'local.stop', short: 'stop', scope: 'local', keys: ['S'], title: 'stop the container (asks first)', destructive: true, hint: true },
  { id: 'local.start', short: 'start', scope: 'local', keys: ['U'], title: 'start the container (asks first)', destructive: true, hint: true },
  // logs (used by the log viewer)
  { id: 'logs.follow', short: 'follow', scope: 'logs', keys: ['f'], title: 'follow the tail again', hint: true },
  { id: 'logs.timestamps', scope: 'logs', keys: ['t'], title: 'timestamps: local / UTC / off' },
  { id: 'logs.wrap', scope: 'logs', keys: ['w'], title: 'wrap long lines (toggle)' },
  { id: 'logs.search', short: 'search', scope: 'logs', keys: ['s'], title: 'search the whole buffer (highlight; substring or /regex/)', hint: true },
  { id: 'logs.next', short: 'next', scope: 'logs', keys: ['n'], title: 'next match', hint: true },
  { id: 'logs.prev', scope: 'logs', keys: ['N'], title: 'previous match' },
  { id: 'logs.errors', short: 'errors', scope: 'logs', keys: ['e'], title: 'errors only (toggle)', hint: true },
  { id: 'logs.level.error', scope: 'logs', keys: ['1'], title: 'show / hide error lines' },
  { id: 'logs.level.warning', scope: 'logs', keys: ['2'], title: 'show / hide warning lines' },
  { id: 'logs.level.info', scope: 'logs', keys: ['3'], title: 'show / hide info lines (and lines without a level)' },
  { id: 'logs.level.debug', scope: 'logs', keys: ['4'], title: 'show / hide debug lines' },
  { id: 'logs.level.all', scope: 'logs', keys: ['0'], title: 'show every level again' },
  { id: 'logs.save', short: 'save', scope: 'logs', keys: ['S'], title: 'save the (filtered) buffer to a file (path shown)', hint: true },
  { id: 'logs.prefix', scope: 'logs', keys: ['p'], title: 'source prefix (toggle)' },
  { id: 'logs.json', scope: 'logs', keys: ['x'], title: 'JSON pretty / compact' },
  { id: 'logs.color', scope: 'logs', keys: ['c'], title: 'upstream colours: keep / strip' },
  { id: 'logs.older', short: 'older', scope: 'logs', keys: ['['], title: 'older history: load the 10 minutes before the oldest line held (marked "older history, from … to …")', hint: true },
  { id: 'logs.mute', scope: 'logs', keys: ['m'], title: 'mute / unmute sources (picker: digits toggle)' },
  // deployments list of an environment
  { id: 'releases.redeploy', short: 'redeploy', scope: 'releases', keys: ['r'], title: "redeploy: deploy the environment again (Divio deploys the branch head; asks first, live needs APP@live typed)", destructive: true, hint: true },
  { id: 'releases.logs', short: 'runtime logs', scope: 'releases', keys: ['l'], title: "the environment's runtime logs", hint: true },
  // environment variables
  { id: 'vars.new', short: 'new', scope: 'vars', keys: ['n'], title: 'add a variable (name, value, sensitive)', destructive: true, hint: true },
  { id: 'vars.edit', short: 'edit', scope: 'vars', keys: ['e'], title: "change the selected variable's value or sensitive flag", destructive: true, hint: true },
  { id: 'vars.unset', short: 'unset', scope: 'vars', keys: ['X'], title: 'unset (remove) the selected variable (asks first)', destructive: true, hint: true },
  { id: 'vars.reveal', short: 'reveal', scope: 'vars', keys: ['r'], title: 'reveal / hide the selected sensitive value (the gateway audits it)', hint: true },
  { id: 'vars.deploy', short: 'deploy', scope: 'vars', keys: ['D'], title: 'deploy, so that the changes take effect (asks first)', destructive: true, hint: true },
  // deployment log (one deployment of an environment)
  { id: 'deployments.error', short: 'first error', scope: 'deployments', keys: ['e'], title: 'jump to the first error line', hint: true },
  { id: 'deployments.follow', short: 'follow', scope: 'deployments', keys: ['f'], title: 'follow the end of the log', hint: true },
  { id: 'deployments.older', short: 'older', scope: 'deployments', keys: ['['], title: 'the previous (older) deployment', hint: true },
  { id: 'deployments.newer', short: 'newer', scope: 'deployments', keys: [']'], title: 'the next (newer) deployment' },
  { id: 'deployments.logs', short: 'runtime logs', scope: 'deployments', keys: ['l'], title: "the environment's runtime logs", hint: true },
  // deploy cockpit
  { id: 'deploy.start', short: 'deploy', scope: 'deploy', keys: ['D'], title: 'deploy with the chosen build mode (live asks for its slug)', destructive: true, hint: true },
  { id: 'deploy.mode', short: 'mode', scope: 'deploy', keys: ['m'], title: 'build mode: AUTO / ADOPT / FORCE', hint: true },
  { id: 'deploy.promote', short: 'deploy live', scope: 'deploy', keys: ['p'], title: 'promote: deploy live after a successful test deploy (asks for the slug)', destructive: true, hint: true },
  { id: 'deploy.logs', short: 'runtime logs', scope: 'deploy', keys: ['l'], title: "the environment's runtime logs", hint: true },
  { id: 'deploy.error', short: 'first error', scope: 'deploy', keys: ['e'], title: 'jump to the first error line of the deployment log' },
  { id: 'deploy.follow', short: 'follow', scope: 'deploy', keys: ['f'], title: 'follow the end of the deployment log' },
  // backups view
  { id: 'backups.new', short: 'new backup', scope: 'backups', keys: ['n'], title: 'create an on-demand backup (choose services, add a note)', destructive: true, hint: true },
  { id: 'backups.download', short: 'download', scope: 'backups', keys: ['w'], title: 'prepare and download the backup to a file', hint: true },
  { id: 'backups.restore', short: 'restore', scope: 'backups', keys: ['R'], title: 'restore this backup (wizard)', destructive: true, hint: true },
  // restore wizard and the forms (new backup, download, purge, variable); Esc (app.back) goes back a step or cancels
  { id: 'wizard.next', short: 'next', scope: 'wizard', keys: ['enter'], title: 'next step / submit (the restore needs the typed name first)', hint: true },
  { id: 'wizard.toggle', short: 'toggle', scope: 'wizard', keys: ['space', 'x'], title: 'toggle the item under the cursor', hint: true },
  { id: 'wizard.source', short: 'source env', scope: 'pick', keys: ['tab'], title: 'restore: backups of the next environment of the application' },
  { id: 'wizard.age', short: 'age', scope: 'pick', keys: ['a'], title: 'restore: filter by age (any, last day, week, month)' },
  { id: 'wizard.trigger', short: 'trigger', scope: 'pick', keys: ['t'], title: 'restore: filter by trigger (any, manual, scheduled)' },
  { id: 'wizard.content', short: 'content', scope: 'pick', keys: ['c'], title: 'restore: filter by content (any, database, media)' },
  { id: 'wizard.all', short: 'all', scope: 'parts', keys: ['a'], title: 'restore: select all parts / none' },
  { id: 'wizard.db', short: 'database', scope: 'parts', keys: ['d'], title: 'restore: the database only' },
  { id: 'wizard.media', short: 'media', scope: 'parts', keys: ['m'], title: 'restore: the media only' },
  { id: 'form.field', short: 'next field', scope: 'form', keys: ['tab'], title: 'new backup: switch between the services and the note; variable: the next field (↑/↓ move too)' },
  { id: 'purge.kind', short: 'kind', scope: 'purge', keys: ['tab'], title: 'purge kind: URLs / prefixes / hosts / tags / everything', hint: true },
  // confirmation dialogs (deploy, backup, unset …): Enter (wizard.next) confirms too unless the dialog
  // was opened with Enter, Esc (app.back) and q (app.quit) cancel; a typed confirmation takes text
  { id: 'dialog.yes', short: 'confirm', scope: 'dialog', keys: ['y', 'Y'], title: 'confirm the dialog ({wizard.next} too, unless {wizard.next} opened it)' },
  { id: 'dialog.no', short: 'cancel', scope: 'dialog', keys: ['n', 'N'], title: 'cancel the dialog ({app.back} too)' },
  // the command palette (`:`): Enter (wizard.next) runs, Esc (app.back) closes, ↑/↓ walk the history
  { id: 'palette.complete', short: 'complete', scope: 'palette', keys: ['tab'], title: 'palette: the next completion' },
];

/** The scopes a confirmation dialog's keys are looked up in. */
export const DIALOG_SCOPES: readonly Scope[] = ['global', 'wizard', 'dialog'];
/**
 * The scopes of a text box's keys that are not text (the `/` filter line, the logs' filter and
 * search): wizard.next keeps it, app.back clears it, list.up / list.down leave it for the list.
 */
export const TEXT_BOX_SCOPES: readonly Scope[] = ['global', 'wizard', 'list'];
/** The command palette's: wizard.next runs, app.back closes, list.up / list.down walk the history, palette.complete completes. */
export const PALETTE_SCOPES: readonly Scope[] = ['global', 'wizard', 'palette', 'list'];

/** Keys a terminal sends as the same byte as another key: a binding to them would fire on that key too (or never). */
const INDISTINCT: Record<string, string> = {
  'ctrl+j': 'Enter (line feed)',
  'ctrl+m': 'Enter (carriage return)',
  'ctrl+i': 'Tab',
  'ctrl+h': 'Backspace in many terminals',
  'ctrl+[': 'Esc',
};

const NAMED = new Set(['up', 'down', 'left', 'right', 'pageup', 'pagedown', 'home', 'end', 'enter', 'esc', 'tab', 'backspace', 'delete', 'space']);

/** Canonical spelling of a key: "ctrl+f", "enter", "G", "?". Returns null for something that is not a key. */
export function normalizeKey(raw: string): string | null {
  const s = raw.trim();
  if (s.length === 1 && s >= ' ' && s <= '~') return s === ' ' ? 'space' : s;
  const lower = s.toLowerCase();
  const alias: Record<string, string> = { return: 'enter', escape: 'esc', pgup: 'pageup', pgdn: 'pagedown', pgdown: 'pagedown', bs: 'backspace', del: 'delete' };
  if (NAMED.has(lower)) return lower;
  if (alias[lower]) return alias[lower]!;
  const m = /^(ctrl|c|control|meta|alt|m)[-+](.+)$/i.exec(s);
  if (m) {
    const mod = /^(ctrl|c|control)$/i.test(m[1]!) ? 'ctrl' : 'meta';
    const rest = normalizeKey(m[2]!);
    if (!rest || rest.includes('+')) return null;
    return `${mod}+${rest.length === 1 ? rest.toLowerCase() : rest}`;
  }
  return null;
}

/** How a key is shown to the user (help, footer). */
export function displayKey(k: string, unicode: boolean): string {
  const named: Record<string, [string, string]> = {
    up: ['↑', 'up'],
    down: ['↓', 'down'],
    left: ['←', 'left'],
    right: ['→', 'right'],
    enter: ['⏎', 'enter'],
    esc: ['esc', 'esc'],
    pageup: ['PgUp', 'PgUp'],
    pagedown: ['PgDn', 'PgDn'],
    home: ['Home', 'Home'],
    end: ['End', 'End'],
    space: ['space', 'space'],
  };
  if (named[k]) return unicode ? named[k]![0] : named[k]![1];
  if (k.startsWith('ctrl+')) return 'ctrl-' + k.slice(5);
  if (k.startsWith('meta+')) return 'alt-' + k.slice(5);
  return k;
}

/** How an action's first key is shown ("space", "⏎", "ctrl-n"), for a form's own hint line. */
export function keyOf(keymap: Keymap, action: string, unicode: boolean): string {
  const k = keymap.keys[action]?.[0];
  return k ? displayKey(k, unicode) : '(unbound)';
}

/** An action's first key as a word in a sentence ("Enter keep, Esc clear"; "Ctrl-x" when remapped). */
export function keyWord(keymap: Keymap, action: string): string {
  const d = displayKey(keymap.keys[action]?.[0] ?? '?', false);
  return d.length > 1 ? d[0]!.toUpperCase() + d.slice(1) : d;
}

/** Minimal shape of Ink's key object (keeps this module free of Ink). */
export interface InkKeyLike {
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  meta?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
  shift?: boolean;
}

/** The canonical key for an Ink input event. Ink 6.8 reports Backspace as `delete`. */
export function keyFromInk(input: string, key: InkKeyLike): string | null {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape && !input) return 'esc';
  if (key.tab) return 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`;
  if (key.meta && input) return `meta+${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  if (input.length === 1) return input;
  return null;
}

/** One character of a coalesced input chunk as an Ink-style key event. */
export function charKey(ch: string): [string, InkKeyLike] {
  const c = ch.charCodeAt(0);
  if (ch === '\r' || ch === '\n') return ['', { return: true }];
  if (ch === '\t') return ['', { tab: true }];
  if (c === 0x7f || c === 0x08) return ['', { delete: true }];
  if (c < 0x20) return [String.fromCharCode(c + 0x60), { ctrl: true }];
  return [ch, {}];
}

/**
 * The keys of one read. Keys typed faster than we read arrive as one chunk ("fleet\r", "jjj") that Ink
 * hands over as one input: split so every key counts. Escape sequences (arrows, PgUp) arrive already
 * split. An Escape and the key after it in one read ("\x1bj" over a slow link) reach Ink as one
 * meta+key, and Ink drops the Escape; the console binds no meta keys by default, so it is Escape and
 * then the key — unless the keymap binds that meta key (`bound`). `read` is the raw text of the read.
 */
export function inputKeys(read: string, input: string, key: InkKeyLike, bound: (k: string) => boolean): { input: string; key: InkKeyLike }[] {
  const split = (text: string): { input: string; key: InkKeyLike }[] =>
    [...text].map((ch) => {
      const [i, k] = charKey(ch);
      return { input: i, key: k };
    });
  if (read.length > 1 && read[0] === '\x1b' && !'[O\x1b'.includes(read[1]!)) {
    const meta = keyFromInk(input, key);
    if (!(meta && meta.startsWith('meta+') && bound(meta))) return [{ input: '', key: { escape: true } }, ...split(read.slice(1))];
  }
  if (input.length > 1 && !input.startsWith('\x1b')) return split(input);
  return [{ input, key }];
}

export interface Binding {
  action: ActionDef;
  keys: string[];
}

export interface Conflict {
  key: string;
  actions: string[];
  view: string;
  message: string;
}

export interface Keymap {
  /** Effective keys per action id. */
  keys: Record<string, string[]>;
  /** Actions by id. */
  actions: Record<string, ActionDef>;
  conflicts: Conflict[];
  /** The action bound to `key` among `scopes` (first by scope order), or null. */
  lookup(key: string, scopes: readonly Scope[]): string | null;
  /** The actions active in a view, in definition order. */
  forScopes(scopes: readonly Scope[]): Binding[];
}

export class KeymapError extends Error {
  constructor(
    message: string,
    readonly action?: string,
  ) {
    super(message);
    this.name = 'KeymapError';
  }
}

/** Keys bound to two actions that are active together in some view (every scope's own view, and `views`). */
function findConflicts(keys: Record<string, string[]>, views: Record<string, readonly Scope[]>): Conflict[] {
  const conflicts: Conflict[] = [];
  // Every view has the global scope and each scope's own actions are active together; the screen
  // table (screens/screens.ts, passed in as `views`) says which scopes a view combines.
  const scopeSets: Record<string, readonly Scope[]> = {};
  for (const a of ACTIONS) if (a.scope !== 'global') scopeSets[a.scope] ??= ['global', a.scope];
  Object.assign(scopeSets, views);
  for (const [view, scopes] of Object.entries(scopeSets)) {
    const byKey = new Map<string, string[]>();
    for (const a of ACTIONS) {
      if (!scopes.includes(a.scope)) continue;
      for (const k of keys[a.id]!) byKey.set(k, [...(byKey.get(k) ?? []), a.id]);
    }
    for (const [k, ids] of byKey) {
      if (ids.length < 2) continue;
      if (conflicts.some((c) => c.key === k && c.actions.join() === ids.join())) continue;
      conflicts.push({ key: k, actions: ids, view, message: `key "${k}" is bound to ${ids.join(' and ')} (both active in the ${view} view)` });
    }
  }
  return conflicts;
}

/**
 * Merge user overrides (`{ "fleet.sort": ["s"] }`, a string or a list; an empty list unbinds) over the
 * defaults. Unknown action ids and unknown key names throw a KeymapError naming them.
 */
export function buildKeymap(overrides: Record<string, string | string[]> = {}, views: Record<string, readonly Scope[]> = {}): Keymap {
  const actions: Record<string, ActionDef> = {};
  const keys: Record<string, string[]> = {};
  for (const a of ACTIONS) {
    actions[a.id] = a;
    keys[a.id] = [...a.keys];
  }
  for (const [id, v] of Object.entries(overrides)) {
    if (!actions[id]) throw new KeymapError(`unknown action "${id}" (known: ${nearest(id, Object.keys(actions))})`, id);
    const list = typeof v === 'string' ? [v] : v;
    const out: string[] = [];
    for (const k of list) {
      const nk = normalizeKey(k);
      if (!nk) throw new KeymapError(`"${k}" is not a key name for ${id} (use a character, ctrl+x, enter, esc, up, pageup …)`, id);
      const same = INDISTINCT[nk];
      if (same) throw new KeymapError(`"${k}" cannot be bound to ${id}: a terminal sends it as ${same} (the same byte), so the console cannot tell them apart; choose another key`, id);
      out.push(nk);
    }
    keys[id] = out;
  }
  let conflicts: Conflict[] | undefined;
  return {
    keys,
    actions,
    // found when first asked (a config file's keys are checked at load): the defaults have none
    // (test/ui/config.test.ts), and the console's start does not spend ~2–4 ms finding that out
    get conflicts() {
      return (conflicts ??= findConflicts(keys, views));
    },
    lookup(key, scopes) {
      for (const s of scopes) {
        for (const a of ACTIONS) if (a.scope === s && keys[a.id]!.includes(key)) return a.id;
      }
      return null;
    },
    forScopes(scopes) {
      return ACTIONS.filter((a) => scopes.includes(a.scope)).map((a) => ({ action: a, keys: keys[a.id]! }));
    },
  };
}

function nearest(id: string, known: string[]): string {
  const prefix = id.split('.')[0];
  const same = known.filter((k) => k.startsWith(prefix + '.'));
  return (same.length ? same : known).slice(0, 8).join(', ');
}
