// Zones the console can switch between (`:zone NAME`, the zone list `:zone`): the config file's
// `zones` section, the zone the console started in, and the embedded sandbox. Each zone has its own
// token, resolved as Divio's CLI resolves it — per zone host in the netrc file `divio login --zone Z`
// writes (`machine control.Z`; we also accept `api.Z`, then `default`) — or given in the config entry.
// DIVIO_TOKEN is one token for one zone: it applies only to the zone the console started in (never
// sent to another zone). A zone may instead be served by a team gateway (`gateway` URL + its token).
// Nothing here ever returns a token to the UI: only where it came from.
import { findToken, resolveZone } from '../divio/auth.js';
import type { ZoneConfig } from '../config/config.js';
import type { NamedZone } from '../config/doctor.js';
import { resolveUpstream, type UpstreamChoice } from './upstream.js';
import type { ZoneItem } from '../store/app.js';

export const SANDBOX_ZONE = 'sandbox';

/** A zone of the list (the store's shape: the console's zone list shows it as it is). */
export type ZoneListItem = ZoneItem;

export interface ZoneQuery {
  /** `--zone` (a configured zone's name, a domain or an API URL); default DIVIO_ZONE. */
  zone?: string;
  sandbox?: boolean;
  gateway?: string;
  gatewayToken?: string;
  env?: NodeJS.ProcessEnv;
}

/** True for a value of `--zone` that can only be a zone's name in the config (no dot, colon or slash). */
export function looksLikeZoneName(z: string | undefined): boolean {
  return !!z && !/[.:/]/.test(z);
}

/** The configured zones plus the start zone and the sandbox, and how each one connects. */
export class ZoneDirectory {
  private readonly env: NodeJS.ProcessEnv;
  /** The name of the zone the console started in. */
  readonly startName: string;
  private readonly startChoice: UpstreamChoice;

  constructor(
    private readonly zones: Record<string, ZoneConfig>,
    private readonly q: ZoneQuery,
    resolveStart: (q: ZoneQuery) => UpstreamChoice = resolveUpstream,
  ) {
    this.env = q.env ?? process.env;
    const named = q.zone ?? this.env.DIVIO_ZONE;
    if (!q.gateway && !q.sandbox && named && zones[named]) {
      this.startName = named;
      this.startChoice = this.resolve(named, true);
      return;
    }
    if (!q.gateway && !q.sandbox && looksLikeZoneName(named) && named !== SANDBOX_ZONE) {
      throw new Error(`no zone "${named}" in the config file's "zones" (${this.names().join(', ') || 'none configured'}); a Divio zone is a domain (divio.com) or an https:// URL`);
    }
    this.startChoice = resolveStart(q);
    this.startName = this.nameOf(this.startChoice);
  }

  /** The choice for the start zone (the session the console opens first). */
  start(): UpstreamChoice {
    return this.startChoice;
  }

  names(): string[] {
    return Object.keys(this.zones).sort();
  }

  /** Every zone one can switch to, configured ones first (sorted), then the start zone and the sandbox. */
  list(): ZoneListItem[] {
    const out: ZoneListItem[] = this.names().map((n) => this.describe(n));
    if (!out.some((z) => z.name === this.startName)) out.push(this.describeChoice(this.startName, this.startChoice, false));
    if (!out.some((z) => z.name === SANDBOX_ZONE)) out.push({ name: SANDBOX_ZONE, kind: 'sandbox', target: 'embedded', token: 'none needed', usable: true, configured: false });
    return out;
  }

  /** How to reach zone `name`. Throws an Error saying what is missing (unknown zone, no token). */
  resolve(name: string, asStart = false): UpstreamChoice {
    if (name === this.startName && !asStart && this.startChoice) return this.startChoice;
    const z = this.zones[name];
    if (!z) {
      if (name === SANDBOX_ZONE) return { kind: 'sandbox', forced: true, zone: null };
      throw new Error(`no zone "${name}": known zones are ${this.list().map((x) => x.name).join(', ')} (config file: "zones")`);
    }
    if (z.gateway) {
      const token = z.gatewayToken ?? this.env.DIVIO_TUI_TOKEN;
      if (!token) throw new Error(`zone ${name}: the gateway ${z.gateway} needs its token: "gatewayToken" in zones.${name} or DIVIO_TUI_TOKEN`);
      return { kind: 'gateway', url: z.gateway, token };
    }
    const info = resolveZone(z.zone ?? name, {});
    if (z.token) return { kind: 'divio', zone: info.zone, baseUrl: info.baseUrl, token: z.token, tokenSource: { source: 'config' } };
    const found = findToken({ env: this.tokenEnv(asStart), zone: info.zone });
    if (!found) throw new Error(`zone ${name}: no token for ${info.zone}: run "divio login" for that zone (netrc machine ${info.machines.join(' or ')}) or set "token" in zones.${name}`);
    const { token, ...tokenSource } = found;
    return { kind: 'divio', zone: info.zone, baseUrl: info.baseUrl, token, tokenSource };
  }

  /** DIVIO_TOKEN belongs to the start zone only; NETRC_PATH and HOME still apply. */
  private tokenEnv(asStart: boolean): NodeJS.ProcessEnv {
    if (asStart) return this.env;
    const { DIVIO_TOKEN: _t, ...rest } = this.env;
    return rest;
  }

  private describe(name: string): ZoneListItem {
    const z = this.zones[name]!;
    if (z.gateway) {
      const has = !!(z.gatewayToken ?? this.env.DIVIO_TUI_TOKEN);
      return { name, kind: 'gateway', target: z.gateway, token: has ? (z.gatewayToken ? 'gateway token (config)' : 'gateway token (DIVIO_TUI_TOKEN)') : 'none: set gatewayToken', usable: has, configured: true };
    }
    let target = z.zone ?? name;
    try {
      const info = resolveZone(target, {});
      target = info.zone;
      if (z.token) return { name, kind: 'divio', target, token: 'config', usable: true, configured: true };
      const found = findToken({ env: this.tokenEnv(name === this.startName), zone: info.zone });
      return { name, kind: 'divio', target, token: found ? tokenText(found) : `none: divio login (netrc machine ${info.machines[0]})`, usable: !!found, configured: true };
    } catch (e) {
      return { name, kind: 'divio', target, token: (e as Error).message, usable: false, configured: true };
    }
  }

  private describeChoice(name: string, c: UpstreamChoice, configured: boolean): ZoneListItem {
    if (c.kind === 'gateway') return { name, kind: 'gateway', target: c.url, token: 'gateway token', usable: true, configured };
    if (c.kind === 'sandbox') return { name, kind: 'sandbox', target: 'embedded', token: c.forced ? 'none needed' : `none for ${c.zone ?? '?'}: the sandbox stands in`, usable: true, configured };
    return { name, kind: 'divio', target: c.zone, token: tokenText(c.tokenSource), usable: true, configured };
  }

  /** The name a start choice goes by: a configured zone with the same target, else the zone itself. */
  private nameOf(c: UpstreamChoice): string {
    if (c.kind === 'sandbox') return SANDBOX_ZONE;
    for (const n of this.names()) {
      const z = this.zones[n]!;
      if (c.kind === 'gateway' && z.gateway === c.url) return n;
      if (c.kind === 'divio' && !z.gateway) {
        try {
          if (resolveZone(z.zone ?? n, {}).zone === c.zone) return n;
        } catch {
          // an invalid entry names nothing
        }
      }
    }
    return c.kind === 'gateway' ? 'gateway' : c.zone;
  }
}

function tokenText(t: { source: 'env' | 'netrc' | 'config'; machine?: string }): string {
  return t.source === 'env' ? 'DIVIO_TOKEN' : t.source === 'config' ? 'config' : `netrc machine ${t.machine ?? '?'}`;
}

/** The upstream a command starts with: `--zone NAME` of the config file, else as resolveUpstream decides. */
export function startUpstream(zones: Record<string, ZoneConfig>, o: ZoneQuery): UpstreamChoice {
  return new ZoneDirectory(zones, o).start();
}

/**
 * What `divio-tui doctor` checks for `--zone NAME` (else DIVIO_ZONE): a zone of the config file's
 * "zones" resolved as the console resolves it (its API, its token or why there is none), or why the
 * name is unknown; undefined for a domain or URL (doctor checks those as before), the sandbox or none.
 */
export function doctorZone(zones: Record<string, ZoneConfig>, q: { zone?: string; env?: NodeJS.ProcessEnv }): NamedZone | undefined {
  const env = q.env ?? process.env;
  const from = q.zone ? 'flag' : 'env';
  const name = q.zone ?? env.DIVIO_ZONE;
  if (!name || (!zones[name] && (!looksLikeZoneName(name) || name === SANDBOX_ZONE))) return undefined;
  const z = zones[name];
  let choice: UpstreamChoice;
  try {
    choice = new ZoneDirectory(zones, { zone: name, env }).start();
  } catch (e) {
    const message = (e as Error).message;
    if (!z) return { name, from, unknown: message };
    let target = z.gateway ?? z.zone ?? name;
    try {
      if (!z.gateway) target = resolveZone(target, {}).zone;
    } catch {
      // an invalid zone in the entry: the message says so
    }
    return { name, from, kind: z.gateway ? 'gateway' : 'divio', target, token: { error: message } };
  }
  if (choice.kind === 'gateway') return { name, from, kind: 'gateway', target: choice.url, token: { secret: choice.token, where: z?.gatewayToken ? `found in the config file's zones.${name}.gatewayToken` : 'found in DIVIO_TUI_TOKEN' } };
  if (choice.kind !== 'divio') return undefined;
  const t = choice.tokenSource;
  const where = t.source === 'config' ? `found in the config file's zones.${name}.token` : t.source === 'env' ? 'found in DIVIO_TOKEN' : `found in ${t.path} (machine ${t.machine})`;
  return { name, from, kind: 'divio', target: choice.zone, token: { secret: choice.token, where } };
}
