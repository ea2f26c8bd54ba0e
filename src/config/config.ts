// The user's config file: $XDG_CONFIG_HOME/divio-tui/config.json (default ~/.config/divio-tui/),
// or --config PATH. Validated with zod; errors name the file, the line and the key.
import * as z from '../domain/zod.js';
import { readFileSync } from 'node:fs';
import { parseJsonWithLines, lineOf, JsonSyntaxError } from './jsonpos.js';
import { buildKeymap, KeymapError, type Keymap, type Scope } from './keymap.js';
import { configPath, defaultConfig, DEFAULT_NOTIFY, DEFAULT_UI } from './defaults.js';

export { configPath, defaultConfig } from './defaults.js';

export const ThemeName = z.enum(['default', 'high-contrast', 'mono']);
export type ThemeName = z.infer<typeof ThemeName>;

const KeyList = z.union([z.string(), z.array(z.string())]);

export const ZoneConfig = z
  .object({
    /** The Divio zone: a domain (divio.com) or the API's http(s):// URL. Default: the entry's name. */
    zone: z.string().min(1).optional(),
    /** The zone's API token (else netrc: machine control.ZONE / api.ZONE). Keep the file private. */
    token: z.string().min(1).regex(/^\S+$/, 'a token has no spaces').optional(),
    /** A team gateway (`divio-tui serve`) serving this zone instead: ws:// or wss:// URL. */
    gateway: z.string().regex(/^wss?:\/\/\S+$/, 'a gateway is a ws:// or wss:// URL').optional(),
    /** That gateway's token (else DIVIO_TUI_TOKEN). */
    gatewayToken: z.string().min(1).optional(),
  })
  .strict()
  .refine((z) => !(z.gateway && (z.zone || z.token)), { message: 'a zone is either a Divio zone (zone, token) or a team gateway (gateway, gatewayToken), not both' });
export type ZoneConfig = z.infer<typeof ZoneConfig>;

export const Config = z
  .object({
    $schema: z.string().optional(),
    theme: ThemeName.default('default'),
    /** Action id → key or keys. An empty list unbinds. */
    keys: z.record(z.string(), KeyList).default({}),
    ui: z
      .object({
        /** Force ASCII drawing (also: --ascii, or a non-UTF-8 locale). */
        ascii: z.boolean().default(DEFAULT_UI.ascii),
        /** Override the detected colour depth. */
        color: z.enum(['auto', 'none', '16', '256', 'truecolor']).default(DEFAULT_UI.color),
        /** Start the fleet grouped by organisation. */
        groupByOrg: z.boolean().default(DEFAULT_UI.groupByOrg),
        /** Timestamps in local time (default) or UTC. */
        utc: z.boolean().default(DEFAULT_UI.utc),
        /** URLs drawn as OSC 8 hyperlinks (the text stays the same; off for terminals that show the bytes). */
        hyperlinks: z.boolean().default(DEFAULT_UI.hyperlinks),
      })
      .strict()
      .default({ ...DEFAULT_UI }),
    /** When a deploy, backup, restore, download or purge ends (DIVIO_TUI_NO_NOTIFY or CI turn both off). */
    notify: z
      .object({
        /** Ring the bell when the job ends while another view is on screen. */
        bell: z.boolean().default(DEFAULT_NOTIFY.bell),
        /** Desktop notification: detected from the terminal, OSC 9, OSC 777, or off. */
        desktop: z.enum(['auto', 'osc9', 'osc777', 'off']).default(DEFAULT_NOTIFY.desktop),
      })
      .strict()
      .default({ ...DEFAULT_NOTIFY }),
    /** Log viewer settings (owned by the log viewer). */
    logs: z.looseObject({}).optional(),
    /** Customer-owned Cloudflare zones and similar (owned by the actions). */
    cloudflare: z.unknown().optional(),
    ssh: z.looseObject({}).optional(),
    /**
     * Zones to switch between inside the console (`:zone NAME`): name → a Divio zone (domain or API
     * URL; default the name) with its token from netrc (as `divio login` writes it) or `token`, or a
     * team gateway serving that zone (`gateway` ws(s) URL, `gatewayToken` or DIVIO_TUI_TOKEN).
     */
    zones: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'a zone name is letters, digits, - and _ (at most 32)'), ZoneConfig).default({}),
    /** Default gateway to attach to. */
    gateway: z.object({ url: z.string().optional() }).strict().optional(),
  })
  .strict();
export type Config = z.infer<typeof Config>;


export interface ConfigProblem {
  /** 1-based line in the file (0 when there is no file). */
  line: number;
  /** Dotted key path, e.g. "keys.fleet.sort". */
  key: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems.map((p) => `${file}:${p.line}: ${p.key ? p.key + ': ' : ''}${p.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

export type LoadedConfig =
  | {
      ok: true;
      config: Config;
      keymap: Keymap;
      /** The file read, or null when none existed (defaults). */
      path: string | null;
      /** Where we looked. */
      searched: string;
    }
  | { ok: false; error: string; problems: ConfigProblem[]; path: string };


function dotted(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join('.');
}

/** Validate config text. Throws ConfigError with line numbers. */
/** `views`: the keymap scopes of each screen (the screen table's screenScopes()), for the conflict check. */
export function parseConfigText(text: string, file = 'config.json', views: Record<string, readonly Scope[]> = {}): { config: Config; keymap: Keymap } {
  let parsed;
  try {
    parsed = parseJsonWithLines(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new ConfigError(file, [{ line: e.line, key: '', message: `not valid JSON: ${e.message.replace(/^line \d+, /, '')}` }]);
    throw e;
  }
  const r = Config.safeParse(parsed.value);
  if (!r.success) {
    const problems: ConfigProblem[] = r.error.issues.map((iss) => {
      let path = [...iss.path];
      let message = iss.message;
      if (iss.code === 'unrecognized_keys') {
        const k = (iss as { keys: string[] }).keys[0]!;
        path = [...path, k];
        message = `unknown setting "${k}"`;
      }
      return { line: lineOf(parsed, path as (string | number)[]), key: dotted(path), message };
    });
    throw new ConfigError(file, problems);
  }
  let keymap: Keymap;
  try {
    keymap = buildKeymap(r.data.keys, views);
  } catch (e) {
    if (e instanceof KeymapError) {
      throw new ConfigError(file, [{ line: lineOf(parsed, ['keys', e.action ?? '']), key: `keys.${e.action ?? ''}`, message: e.message }]);
    }
    throw e;
  }
  if (keymap.conflicts.length) {
    throw new ConfigError(
      file,
      keymap.conflicts.map((c) => ({
        line: lineOf(parsed, ['keys', c.actions.find((a) => a in r.data.keys) ?? '']),
        key: 'keys',
        message: c.message,
      })),
    );
  }
  return { config: r.data, keymap };
}

/**
 * Load the config file (synchronously: it is read before the first frame). A missing default file
 * means defaults; a missing --config file, bad JSON, a bad key or a keymap conflict is `ok: false`
 * with an error that names the file and line.
 */
export function loadConfig(opts: { path?: string; env?: Record<string, string | undefined>; views?: Record<string, readonly Scope[]> } = {}): LoadedConfig {
  const path = opts.path ?? configPath(opts.env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !opts.path) return { ok: true, config: defaultConfig(), keymap: buildKeymap({}, opts.views), path: null, searched: path };
    const problems = [{ line: 0, key: '', message: code === 'ENOENT' ? 'file not found' : `cannot read: ${(e as Error).message}` }];
    return { ok: false, error: new ConfigError(path, problems).message, problems, path };
  }
  try {
    const { config, keymap } = parseConfigText(text, path, opts.views);
    return { ok: true, config, keymap, path, searched: path };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, error: e.message, problems: e.problems, path };
    throw e;
  }
}
