// One call for the CLI: zone + token from flags/environment/netrc → a ready DivioClient.
import { findToken, resolveZone, type FoundToken } from './auth.js';
import { DivioClient, type DivioClientOptions } from './client.js';

export interface ClientFromEnvOptions extends Partial<Omit<DivioClientOptions, 'baseUrl' | 'token'>> {
  /** `--zone` (wins over DIVIO_ZONE). */
  zone?: string | null;
  env?: NodeJS.ProcessEnv;
  netrcPath?: string;
}

export interface ClientFromEnv {
  client: DivioClient;
  /** "divio.com", or the verbatim URL. */
  zone: string;
  baseUrl: string;
  /** Where the token came from (never the token itself). */
  tokenSource: Omit<FoundToken, 'token'>;
}

/**
 * Build a client for the configured zone when a token is found (DIVIO_TOKEN, else netrc); null when
 * there is none (the caller then offers the sandbox or `divio login`). Throws on an invalid zone.
 */
export function clientFromEnv(opts: ClientFromEnvOptions = {}): ClientFromEnv | null {
  const env = opts.env ?? process.env;
  const { zone, baseUrl } = resolveZone(opts.zone, env);
  const found = findToken({ env, zone: opts.zone, netrcPath: opts.netrcPath });
  if (!found) return null;
  const { token, ...tokenSource } = found;
  const { zone: _z, env: _e, netrcPath: _n, ...clientOpts } = opts;
  return { client: new DivioClient({ ...clientOpts, baseUrl, token }), zone, baseUrl, tokenSource };
}
