// Types shared inside the gateway (kept apart so that modules do not import each other in a cycle).
import type { DivioClient } from '../divio/client.js';
import type { CloudflareClient } from '../cloudflare/client.js';
import type { Environment } from '../domain/index.js';

/** A customer-owned Cloudflare zone that serves an environment (from config or the sandbox). */
export interface CloudflareTarget {
  client: CloudflareClient;
  /** Zone id when known; else `zoneName` is resolved with `zoneByName`. */
  zoneId?: string | null;
  zoneName?: string | null;
}

export interface Upstream {
  kind: 'sandbox' | 'divio';
  /** "SANDBOX" or the Divio zone (divio.com). */
  zone: string;
  divio: DivioClient;
  /** Customer-owned Cloudflare zone for an environment, or null when none is configured. */
  cloudflare?: (env: Environment) => Promise<CloudflareTarget | null> | CloudflareTarget | null;
  /** me().email when known. */
  user: string | null;
  /** Settles once `user` is known or the question failed (absent: nothing was asked). */
  identified?: Promise<void>;
  close(): Promise<void>;
}
