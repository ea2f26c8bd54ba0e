// The gateway's upstream: the Divio API (a zone and a token) or the embedded sandbox, plus an
// optional customer-owned Cloudflare account for purges.
import { DivioClient, collect } from '../divio/client.js';
import { resolveZone } from '../divio/auth.js';
import { CloudflareClient, type CloudflarePlan } from '../cloudflare/client.js';
import type { Environment } from '../domain/index.js';
import type { CloudflareTarget, Upstream } from './types.js';

export interface CloudflareConfig {
  /** API token with Zone → Cache Purge (never logged). */
  token: string;
  plan?: CloudflarePlan;
  baseUrl?: string;
  /** Zone per environment: keys are environment uuids, "app@env" slugs or domain names; values zone ids or names. */
  zones?: Record<string, string>;
}

/** What the gateway needs of a running sandbox (src/sandbox, in this process or a child): its APIs. */
export interface SandboxApis {
  divioUrl: string;
  cloudflareUrl: string;
  token: string;
  cloudflareToken: string;
  state?: { zones?: { id: string; plan: string }[] };
}

export interface CreateUpstreamOptions {
  /** Use this running sandbox (kind "sandbox"): in this process, or the console's child process. */
  sandbox?: SandboxApis;
  /** Divio zone (divio.com, or an http(s) URL); default DIVIO_ZONE / divio.com. */
  zone?: string;
  /** Divio token (the command line finds it: src/cli/upstream.ts). */
  token?: string;
  cloudflare?: CloudflareConfig;
  /** Fetch me() to show the user (default true; the sandbox answers too). */
  whoami?: boolean;
}

export async function createUpstream(opts: CreateUpstreamOptions = {}): Promise<Upstream> {
  if (opts.sandbox) {
    const sb = opts.sandbox;
    const divio = new DivioClient({ baseUrl: sb.divioUrl, token: sb.token, retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 } });
    const clients = new Map<string, CloudflareClient>();
    const cloudflare = async (env: Environment): Promise<CloudflareTarget | null> => {
      const domains = await collect(divio.domains({ environment: env.uuid }));
      const d = domains.find((x) => x.cdn === 'customer-cloudflare' && x.cloudflare_zone && (!x.environment || x.environment === env.uuid));
      if (!d) return null;
      const zoneId = d.cloudflare_zone!;
      const plan = (sb.state?.zones?.find((z) => z.id === zoneId)?.plan ?? 'free') as CloudflarePlan;
      let client = clients.get(plan);
      if (!client) clients.set(plan, (client = new CloudflareClient({ baseUrl: sb.cloudflareUrl, token: sb.cloudflareToken, plan })));
      return { client, zoneId };
    };
    return identify({
      kind: 'sandbox',
      zone: 'SANDBOX',
      divio,
      cloudflare,
      user: null,
      close: async () => {
        await divio.close();
        await Promise.all([...clients.values()].map((c) => c.close()));
      },
    }, opts.whoami);
  }
  const { zone, baseUrl } = resolveZone(opts.zone);
  const token = opts.token?.trim();
  if (!token) throw new Error(`no Divio token for ${zone}: set DIVIO_TOKEN or run "divio login" (or use --sandbox)`);
  const divio = new DivioClient({ baseUrl, token });
  let cf: CloudflareClient | null = null;
  const cfg = opts.cloudflare;
  const cloudflare = cfg
    ? async (env: Environment): Promise<CloudflareTarget | null> => {
        cf ??= new CloudflareClient({ baseUrl: cfg.baseUrl, token: cfg.token, plan: cfg.plan });
        const zones = cfg.zones ?? {};
        let app = '';
        try {
          app = (await divio.application(env.application)).slug;
        } catch {}
        let z = zones[env.uuid] ?? zones[`${app}@${env.slug}`];
        if (!z) {
          const domains = await collect(divio.domains({ environment: env.uuid })).catch(() => []);
          for (const d of domains) {
            const name = d.domain ?? d.name;
            if (name && zones[name]) z = zones[name];
          }
        }
        if (!z) return null;
        return /^[0-9a-f]{32}$/i.test(z) ? { client: cf, zoneId: z } : { client: cf, zoneName: z };
      }
    : undefined;
  return identify({
    kind: 'divio',
    zone,
    divio,
    cloudflare,
    user: null,
    close: async () => {
      await divio.close();
      await cf?.close();
    },
  }, opts.whoami);
}

/**
 * Ask whose token it is (me()) without waiting for the answer: the gateway starts and its first
 * topics read meanwhile; `identified` settles when `user` is known (or the question failed: null).
 */
function identify(up: Upstream, whoami: boolean | undefined): Upstream {
  if (whoami === false) return up;
  up.identified = up.divio.me().then(
    (m) => {
      up.user = m.email;
    },
    () => {},
  );
  return up;
}
