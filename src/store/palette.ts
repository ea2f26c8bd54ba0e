// The command palette's language (pure): `:env shop@qa`, `:logs shop@live`, `:deploy shop@test`,
// `:fleet`, `:jobs`. Fuzzy completion over commands and the fleet's app@env targets.
import type { FleetRow } from '../domain/index.js';
import { parseDuration } from '../domain/format.js';
import { editText } from './textinput.js';
import { isTextKey } from './forms.js';

export interface PaletteCommand {
  name: string;
  /** Needs an app@env target. */
  target: boolean;
  title: string;
  /** The keymap action this command performs (for target commands) or a frame command. */
  action: string;
  aliases?: string[];
  /** Without a target: this frame command instead (the fleet-wide view). */
  fleetWide?: { action: string; title: string };
  /** Takes one optional word instead of a target (`zone NAME`). */
  arg?: 'zone';
}

export const PALETTE_COMMANDS: readonly PaletteCommand[] = [
  { name: 'fleet', target: false, title: 'all applications and environments', action: 'app.fleet', aliases: ['apps', 'home'] },
  { name: 'jobs', target: false, title: 'running and recent jobs', action: 'app.jobs' },
  { name: 'local', target: false, title: 'Local environment: containers of the Docker engine', action: 'app.local', aliases: ['docker', 'containers'] },
  { name: 'zone', target: false, arg: 'zone', title: 'switch zone: zone NAME (without a name: the zones and their tokens)', action: 'app.zones', aliases: ['zones', 'context', 'ctx'] },
  { name: 'help', target: false, title: 'keys of this view', action: 'app.help' },
  { name: 'quit', target: false, title: 'leave the console', action: 'app.quit', aliases: ['q'] },
  { name: 'env', target: true, title: 'open an environment', action: 'env.open', aliases: ['environment', 'open'] },
  { name: 'logs', target: true, title: 'runtime logs (--since 2h: with the history of the last 2 hours)', action: 'env.logs' },
  { name: 'deployments', target: true, title: 'deployments', action: 'env.deployments', aliases: ['releases'], fleetWide: { action: 'fleet.deployments', title: 'running and failed deployments across the fleet' } },
  { name: 'vars', target: true, title: 'environment variables', action: 'env.vars', aliases: ['env-vars', 'variables'] },
  { name: 'backups', target: true, title: 'backups', action: 'env.backups', fleetWide: { action: 'fleet.backups', title: 'backups across the fleet: oldest successful first, failed flagged' } },
  { name: 'domains', target: false, title: "every environment's domains: primary, custom or Divio's, as links", action: 'fleet.domains' },
  { name: 'services', target: true, title: "the environment's services: database, storage … with region and state", action: 'env.services', aliases: ['service-instances'] },
  { name: 'metrics', target: true, title: 'metrics', action: 'env.metrics' },
  { name: 'deploy', target: true, title: 'deploy (asks first)', action: 'env.deploy' },
  { name: 'backup', target: true, title: 'create a backup (asks first)', action: 'env.backup' },
  { name: 'restore', target: true, title: 'restore a backup (wizard)', action: 'env.restore' },
  { name: 'purge', target: true, title: 'purge the CDN cache', action: 'env.purge' },
  { name: 'ssh', target: true, title: 'shell into the environment', action: 'env.ssh' },
];

export interface ParsedCommand {
  command: PaletteCommand;
  target: { app: string; env: string } | null;
  /** `logs` only: several targets merged (`logs shop@test,shop@live` or `logs shop@test,live`). */
  targets?: { app: string; env: string }[];
  /** `logs … --since 2h`: also load the history of that long (ms). */
  sinceMs?: number;
  /** `zone NAME`: the word after the command. */
  arg?: string;
}

export type ParseResult = { ok: true; value: ParsedCommand } | { ok: false; error: string };

function findCommand(name: string): PaletteCommand | undefined {
  const n = name.toLowerCase();
  return PALETTE_COMMANDS.find((c) => c.name === n || c.aliases?.includes(n));
}

/** Parse a palette line (with or without the leading ':'). */
export function parseCommand(line: string): ParseResult {
  const text = line.trim().replace(/^:/, '').trim();
  if (!text) return { ok: false, error: 'type a command, e.g. env shop@live' };
  const [name, ...rest] = text.split(/\s+/);
  const cmd = findCommand(name!);
  if (!cmd) return { ok: false, error: `unknown command "${name}" (try: ${PALETTE_COMMANDS.map((c) => c.name).join(', ')})` };
  if (cmd.arg) {
    if (rest.length > 1) return { ok: false, error: `${cmd.name} takes one name: ${cmd.name} NAME` };
    return { ok: true, value: { command: cmd, target: null, ...(rest[0] ? { arg: rest[0] } : {}) } };
  }
  if (!cmd.target) {
    if (rest.length) return { ok: false, error: `${cmd.name} takes no argument` };
    return { ok: true, value: { command: cmd, target: null } };
  }
  if (cmd.fleetWide && rest.length === 0) return { ok: true, value: { command: { ...cmd, target: false, action: cmd.fleetWide.action, title: cmd.fleetWide.title }, target: null } };
  let sinceMs: number | undefined;
  const si = rest.findIndex((r) => r === '--since' || r.startsWith('--since='));
  if (si >= 0 && cmd.name === 'logs') {
    const arg = rest[si]!.includes('=') ? rest[si]!.slice(8) : rest[si + 1];
    const ms = arg ? parseDuration(arg) : null;
    if (ms === null || ms <= 0) return { ok: false, error: `--since needs a duration: logs APP@ENV --since 2h (90s, 10m, 2h, 1d)` };
    if (ms > 24 * 3_600_000) return { ok: false, error: `--since ${arg}: at most 24h of history is read at once` };
    sinceMs = ms;
    rest.splice(si, rest[si]!.includes('=') ? 1 : 2);
  }
  if (rest.length !== 1) return { ok: false, error: `${cmd.name} needs a target: ${cmd.name} APP@ENV${cmd.name === 'logs' ? ' [--since 2h]' : ''}` };
  if (cmd.name === 'logs' && rest[0]!.includes(',')) {
    const r = parseLogTargets(cmd, rest[0]!);
    return r.ok && sinceMs !== undefined ? { ok: true, value: { ...r.value, sinceMs } } : r;
  }
  const m = /^([^@\s]+)@([^@\s]+)$/.exec(rest[0]!);
  if (!m) return { ok: false, error: `"${rest[0]}" is not APP@ENV (e.g. shop@live)` };
  return { ok: true, value: { command: cmd, target: { app: m[1]!, env: m[2]! }, ...(sinceMs !== undefined ? { sinceMs } : {}) } };
}

/** `shop@test,shop@live` or `shop@test,live` (the app carries over): 2–16 targets, merged. */
function parseLogTargets(cmd: PaletteCommand, arg: string): ParseResult {
  const parts = arg.split(',').filter((p) => p !== '');
  const targets: { app: string; env: string }[] = [];
  let app: string | null = null;
  for (const p of parts) {
    const m = /^(?:([^@\s,]+)@)?([^@\s,]+)$/.exec(p);
    if (!m || (!m[1] && !app)) return { ok: false, error: `"${p}" is not APP@ENV (e.g. logs shop@test,shop@live)` };
    app = m[1] ?? app;
    const t = { app: app!, env: m[2]! };
    if (!targets.some((x) => x.app === t.app && x.env === t.env)) targets.push(t);
  }
  if (!targets.length) return { ok: false, error: 'logs needs a target: logs APP@ENV[,APP@ENV…]' };
  if (targets.length > 16) return { ok: false, error: `at most 16 environments can be merged (${targets.length} given)` };
  return { ok: true, value: { command: cmd, target: targets[0]!, targets } };
}

/** Subsequence fuzzy score (higher is better), or -1 when `q` does not match `s`. */
export function fuzzyScore(q: string, s: string): number {
  const query = q.toLowerCase();
  const str = s.toLowerCase();
  if (!query) return 0;
  if (str.startsWith(query)) return 1000 - str.length;
  const idx = str.indexOf(query);
  if (idx >= 0) return 800 - idx - str.length / 10;
  let score = 0;
  let si = 0;
  let prev = -2;
  for (const ch of query) {
    if (ch === ' ') {
      const sp = str.indexOf(' ', si);
      if (sp < 0) return -1;
      si = sp + 1;
      prev = sp;
      continue;
    }
    const at = str.indexOf(ch, si);
    if (at < 0) return -1;
    score += at === prev + 1 ? 10 : 1;
    if (at === 0 || /[ @._-]/.test(str[at - 1]!)) score += 5;
    prev = at;
    si = at + 1;
  }
  return score - str.length / 10;
}

export interface Completion {
  text: string;
  title: string;
}

/** Completions for the current input, best first. */
export function complete(input: string, rows: readonly FleetRow[], limit = 8, zones: readonly string[] = []): Completion[] {
  const q = input.trim().replace(/^:/, '').trim();
  const cands: Completion[] = [];
  const [first, ...rest] = q.split(/\s+/);
  const cmd = first ? findCommand(first) : undefined;
  if (cmd?.arg === 'zone' && (rest.length > 0 || input.endsWith(' '))) {
    for (const z of zones) cands.push({ text: `${cmd.name} ${z}`, title: `switch to zone ${z}` });
    return rank(cands, `${cmd.name} ${rest.join(' ')}`, limit);
  }
  const targets = [...new Set(rows.map((r) => `${r.app}@${r.env}`))];
  if (cmd && cmd.target && (rest.length > 0 || q.endsWith(' '))) {
    // completing the target of a known command
    const tq = rest.join(' ');
    for (const t of targets) cands.push({ text: `${cmd.name} ${t}`, title: cmd.title });
    return rank(cands, `${cmd.name} ${tq}`, limit);
  }
  for (const c of PALETTE_COMMANDS) {
    if (c.arg === 'zone') {
      cands.push({ text: c.name, title: 'the zones: which has a token, which is shown' });
      if (q) for (const z of zones) cands.push({ text: `${c.name} ${z}`, title: `switch to zone ${z}` });
    } else if (!c.target) cands.push({ text: c.name, title: c.title });
    else {
      if (c.fleetWide) cands.push({ text: c.name, title: c.fleetWide.title });
      cands.push({ text: `${c.name} `, title: `${c.title}: ${c.name} APP@ENV` });
      if (q) for (const t of targets) cands.push({ text: `${c.name} ${t}`, title: c.title });
    }
  }
  // a bare target: open it
  return rank(cands, q, limit);
}

function rank(cands: Completion[], q: string, limit: number): Completion[] {
  if (!q) return cands.slice(0, limit);
  return cands
    .map((c) => ({ c, s: fuzzyScore(q, c.text) }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => b.s - a.s || a.c.text.localeCompare(b.c.text))
    .slice(0, limit)
    .map((x) => x.c);
}

// ------------------------------------------------------------------ the palette's input line

/** What the open palette holds: the line, the completion chosen (-1: none), the history entry shown (-1: none), the last refusal. */
export interface PaletteInput {
  text: string;
  sel: number;
  hist: number;
  error: string | null;
}

export const EMPTY_PALETTE_INPUT: PaletteInput = { text: '', sel: -1, hist: -1, error: null };

/** close: the palette closes; run: it closes and the command runs (`text` goes into the history). */
export type PaletteEffect = { type: 'close' } | { type: 'run'; command: ParsedCommand; text: string } | null;

export interface PaletteCtx {
  /** Commands run before, oldest first. */
  history: readonly string[];
  /** The fleet's rows (completion targets) and the zones' names. */
  rows: readonly FleetRow[];
  zones: readonly string[];
}

/** The completions the palette lists for its current line. */
export const PALETTE_COMPLETIONS = 8;
/** The longest line kept (characters). */
const LINE_MAX = 200;

/**
 * One key, handled against the palette's current input. `act` is the keymap action of the key in
 * PALETTE_SCOPES (wizard.next runs, app.back closes, list.up / list.down walk the history,
 * palette.complete cycles the completions); a printable key is text whatever it is bound to.
 */
export function paletteKey(s: PaletteInput, act: string | null, key: string | null, input: string, ctx: PaletteCtx): { state: PaletteInput; effect: PaletteEffect } {
  const cur: PaletteInput = s.error ? { ...s, error: null } : s;
  const a = isTextKey(key, input) ? null : act;
  if (a === 'app.back') return { state: EMPTY_PALETTE_INPUT, effect: { type: 'close' } };
  if (a === 'wizard.next') {
    // the line as typed when it parses and no completion was chosen; else the chosen completion,
    // else the first one when it is a whole command; else the line (and its error)
    const cs = complete(cur.text, ctx.rows, PALETTE_COMPLETIONS, ctx.zones);
    const direct = parseCommand(cur.text);
    let line = cur.text;
    if (direct.ok && cur.sel < 0) line = cur.text;
    else if (cur.sel >= 0 && cs[cur.sel]) line = cs[cur.sel]!.text;
    else if (!direct.ok && cs[0] && parseCommand(cs[0].text).ok) line = cs[0].text;
    const r = parseCommand(line);
    if (!r.ok) return { state: { ...cur, error: r.error }, effect: null };
    return { state: EMPTY_PALETTE_INPUT, effect: { type: 'run', command: r.value, text: line.trim() } };
  }
  if (a === 'list.up' || a === 'list.down') {
    const h = ctx.history;
    if (!h.length) return { state: cur, effect: null };
    const hist = a === 'list.up' ? Math.min(h.length - 1, cur.hist + 1) : Math.max(-1, cur.hist - 1);
    return { state: { ...cur, hist, text: hist < 0 ? '' : h[h.length - 1 - hist]!, sel: -1 }, effect: null };
  }
  if (a === 'palette.complete') {
    const cs = complete(cur.text, ctx.rows, PALETTE_COMPLETIONS, ctx.zones);
    if (!cs.length) return { state: cur, effect: null };
    const sel = (cur.sel + 1) % cs.length;
    return { state: { ...cur, sel, text: cs[sel]!.text }, effect: null };
  }
  const text = editText(cur.text, key, input, LINE_MAX);
  if (text === null) return { state: cur, effect: null };
  // deleting keeps the history entry being edited; typing starts a new line
  const deletes = key === 'backspace' || key === 'ctrl+u' || key === 'ctrl+w';
  return { state: { ...cur, text, sel: -1, hist: deletes ? cur.hist : -1 }, effect: null };
}
