// Where the Divio API lives (zone) and which token to use (DIVIO_TOKEN, else the netrc file that
// `divio login` writes). Never logs or returns anything but the token itself to the caller.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_ZONE = 'divio.com';

export interface ZoneInfo {
  /** The zone as given ("divio.com") or the verbatim base URL. */
  zone: string;
  /** Base URL without a trailing slash, e.g. "https://api.divio.com". */
  baseUrl: string;
  /** netrc machine names to look up, in order. */
  machines: string[];
}

/**
 * Resolve the zone: explicit `zone` (from `--zone`), else `DIVIO_ZONE`, else divio.com.
 * A zone starting with http:// or https:// is the base URL verbatim (trailing slashes stripped);
 * otherwise the base is `https://api.<zone>`. Throws an Error with a clear message on nonsense.
 */
export function resolveZone(zone?: string | null, env: NodeJS.ProcessEnv = process.env): ZoneInfo {
  const raw = (zone ?? env.DIVIO_ZONE ?? '').trim() || DEFAULT_ZONE;
  if (/^https?:\/\//i.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new Error(`invalid Divio zone URL "${raw}": expected e.g. https://api.divio.com`);
    }
    if (u.username || u.password) throw new Error('the Divio zone URL must not contain credentials; use DIVIO_TOKEN or netrc');
    const baseUrl = raw.replace(/\/+$/, '');
    return { zone: baseUrl, baseUrl, machines: [u.hostname] };
  }
  const z = raw.replace(/\/+$/, '').toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/.test(z)) {
    throw new Error(`invalid Divio zone "${raw}": expected a domain such as divio.com, or an http(s):// URL`);
  }
  const host = z.replace(/:\d+$/, '');
  return { zone: z, baseUrl: `https://api.${z}`, machines: [`api.${host}`, `control.${host}`] };
}

export interface NetrcEntry {
  /** null for the `default` entry. */
  machine: string | null;
  login?: string;
  password?: string;
  account?: string;
}

/** Split netrc text into tokens, honouring double quotes and backslash escapes inside them. */
function tokenizeLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) break;
    let tok = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        tok += line[i++];
      }
      i++; // closing quote
    } else {
      while (i < line.length && !/\s/.test(line[i])) tok += line[i++];
    }
    out.push(tok);
  }
  return out;
}

/**
 * Parse a netrc file: `machine`, `default`, `login`, `password`, `account`, `macdef` (its body, up
 * to the next blank line, is skipped), `#` comments (a token starting with # where a keyword is
 * expected comments out the rest of the line; a value may contain #), any number of tokens per line.
 * Unknown keywords are ignored. Never throws.
 */
export function parseNetrc(text: string): NetrcEntry[] {
  const entries: NetrcEntry[] = [];
  let cur: NetrcEntry | null = null;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let pendingKey: 'machine' | 'login' | 'password' | 'account' | 'macdef' | null = null;
  let inMacro = false;
  for (const line of lines) {
    if (inMacro) {
      if (line.trim() === '') inMacro = false;
      continue;
    }
    const toks = tokenizeLine(line);
    for (let t = 0; t < toks.length; t++) {
      const tok = toks[t];
      if (pendingKey) {
        const key = pendingKey;
        pendingKey = null;
        if (key === 'machine') {
          cur = { machine: tok };
          entries.push(cur);
        } else if (key === 'macdef') {
          inMacro = true; // the rest of this line and following lines, to a blank line
          break;
        } else if (cur) {
          cur[key] = tok;
        }
        continue;
      }
      if (tok.startsWith('#')) break; // comment to end of line
      switch (tok) {
        case 'machine':
        case 'login':
        case 'password':
        case 'account':
        case 'macdef':
          pendingKey = tok;
          break;
        case 'default':
          cur = { machine: null };
          entries.push(cur);
          break;
        default:
          break; // unknown token: tolerate
      }
    }
    if (inMacro) pendingKey = null;
  }
  return entries;
}

export interface TokenLookup {
  env?: NodeJS.ProcessEnv;
  zone?: string | null;
  netrcPath?: string;
}

export interface FoundToken {
  token: string;
  /** `config`: a zone's entry in the config file (src/cli/zones.ts); findToken never returns it. */
  source: 'env' | 'netrc' | 'config';
  /** netrc only: file and machine the token came from. */
  path?: string;
  machine?: string;
}

/** The default netrc path: `NETRC_PATH` if set, else ~/.netrc. */
export function netrcPathFor(env: NodeJS.ProcessEnv = process.env): string {
  return env.NETRC_PATH?.trim() || join(homedir(), '.netrc');
}

/**
 * The Divio token: `DIVIO_TOKEN` wins; else the netrc file (`netrcPath`, `NETRC_PATH`, ~/.netrc),
 * `machine api.<zone>`, then `control.<zone>` (never `default`). Entries without a password are
 * skipped. Returns null when there is none (a missing or unreadable file is "none").
 */
export function findToken(opts: TokenLookup = {}): FoundToken | null {
  const env = opts.env ?? process.env;
  const fromEnv = env.DIVIO_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: 'env' };
  const { machines } = resolveZone(opts.zone, env);
  const path = opts.netrcPath ?? netrcPathFor(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  const entries = parseNetrc(text);
  for (const m of machines) {
    const hit = entries.find((e) => e.machine?.toLowerCase() === m.toLowerCase() && e.password);
    if (hit?.password) return { token: hit.password, source: 'netrc', path, machine: m };
  }
  // Not the `default` entry: Divio's CLI reads its zone's host only (`netrc.hosts.get(host)`), and a
  // default meant for another service would be sent to Divio (and taken for a Divio token, so the
  // console would not start on the sandbox)
  return null;
}
