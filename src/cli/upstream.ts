// The one place that decides what a command talks to (DESIGN.md §3): a team gateway when `--gateway`
// is given; else the embedded sandbox when `--sandbox` forces it; else the real Divio API when a
// token is found (DIVIO_TOKEN, else the netrc file `divio login` writes) for the zone; else the
// embedded sandbox. Everything that starts a session, a gateway or a direct client asks here.
import { findToken, resolveZone, type FoundToken } from '../divio/auth.js';
import { UsageError } from './args.js';

export type UpstreamChoice =
  /** A shared gateway (`--gateway`): its URL and the gateway token (not a Divio token). */
  | { kind: 'gateway'; url: string; token: string }
  /** The real Divio API of `zone`. */
  | { kind: 'divio'; zone: string; baseUrl: string; token: string; tokenSource: Omit<FoundToken, 'token'> }
  /** The embedded sandbox: forced by `--sandbox` (zone null: not consulted), or no Divio token was found for `zone`. */
  | { kind: 'sandbox'; forced: true; zone: null }
  | { kind: 'sandbox'; forced: false; zone: string };

export interface UpstreamQuery {
  /** `--gateway URL`. */
  gateway?: string;
  /** `--token` (the gateway token; default DIVIO_TUI_TOKEN). */
  gatewayToken?: string;
  /** `--sandbox`. */
  sandbox?: boolean;
  /** `--zone` (default DIVIO_ZONE, else divio.com). */
  zone?: string;
  env?: NodeJS.ProcessEnv;
}

/** Decide the upstream. Throws UsageError for a `--gateway` without a token or not a ws(s) URL, Error for an invalid zone. */
export function resolveUpstream(q: UpstreamQuery): UpstreamChoice {
  const env = q.env ?? process.env;
  if (q.gateway) {
    const token = q.gatewayToken ?? env.DIVIO_TUI_TOKEN;
    if (!token) throw new UsageError('--gateway needs a token: pass --token or set DIVIO_TUI_TOKEN');
    if (!/^wss?:\/\//.test(q.gateway)) throw new UsageError(`--gateway must be a ws:// or wss:// URL, got "${q.gateway}"`);
    return { kind: 'gateway', url: q.gateway, token };
  }
  if (q.sandbox) return { kind: 'sandbox', forced: true, zone: null };
  const { zone, baseUrl } = resolveZone(q.zone, env);
  const found = findToken({ env, zone: q.zone });
  if (!found) return { kind: 'sandbox', forced: false, zone };
  const { token, ...tokenSource } = found;
  return { kind: 'divio', zone, baseUrl, token, tokenSource };
}

/** What the header shows for an upstream before the gateway's welcome arrives. */
export function upstreamLabel(u: UpstreamChoice): string {
  return u.kind === 'gateway' ? u.url : u.kind === 'divio' ? u.zone : 'SANDBOX';
}
