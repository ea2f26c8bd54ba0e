// CDN purges. `cdn-clear`: Divio's CDN, through Divio's endpoint, one domain or every domain of an
// environment that may be on it (Divio's default domains are skipped; a 400 "not processed" is a
// domain not on Divio's CDN: skipped, not a failure). `cloudflare-purge`: a Cloudflare zone the
// customer owns: URLs, prefixes and hosts only of the environment's own domains; everything only
// with `confirm: "APP@ENV"`; split by 100 and paced to the plan's rate limit.
import type { Domain, Environment } from '../../domain/index.js';
import { divioCdnCandidate, domainName } from '../../domain/index.js';
import { collect } from '../../divio/client.js';
import { DivioApiError } from '../../divio/errors.js';
import { errorText } from '../hub.js';
import type { PurgeRequest } from '../../cloudflare/client.js';
import { envOf, JobRejected, needConfirmation, type JobKindDef, type KindContext, type Prepared } from './kind.js';

interface CdnClearPrepared extends Prepared {
  domains: { uuid: string; name: string }[];
  skipped: { name: string; reason: string }[];
}

async function envDomains(ctx: KindContext, env: Environment, label: string): Promise<Domain[]> {
  try {
    return (await collect(ctx.up.divio.domains({ environment: env.uuid }))).filter((d) => !d.environment || d.environment === env.uuid);
  } catch (e) {
    throw new JobRejected(`domains of ${label}: ${errorText(e)}`);
  }
}

const NO_CDN_HINT = 'a Cloudflare zone of your own is purged by URL, prefix, host, tag or everything';

export const cdnClearKind: JobKindDef<'cdn-clear', CdnClearPrepared> = {
  async prepare(ctx, p) {
    if (!p.env === !p.domain) throw new JobRejected('cdn-clear needs exactly one of: domain, env');
    if (p.domain) {
      let name = `domain ${p.domain}`;
      try {
        for await (const d of ctx.up.divio.domains({})) {
          if (d.uuid === p.domain) {
            name = domainName(d);
            break;
          }
        }
      } catch {}
      return { target: name, steps: [`clear ${name}`], domains: [{ uuid: p.domain, name }], skipped: [] };
    }
    const { env, app } = await envOf(ctx, p.env!);
    const label = `${app}@${env.slug}`;
    const domains: CdnClearPrepared['domains'] = [];
    const skipped: CdnClearPrepared['skipped'] = [];
    for (const d of await envDomains(ctx, env, label)) {
      const v = divioCdnCandidate(d);
      if (v.candidate) domains.push({ uuid: d.uuid, name: domainName(d) });
      else skipped.push({ name: domainName(d), reason: v.reason });
    }
    if (!domains.length) throw new JobRejected(`${label} has no domain on Divio's CDN${skipped.length ? ` (${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})` : ''}; ${NO_CDN_HINT}`);
    return { target: label, app, env: env.slug, steps: domains.map((d) => `clear ${d.name}`), domains, skipped };
  },

  async run(h, p, pre, ctx) {
    const cleared: string[] = [];
    const skipped = [...pre.skipped];
    const failed: string[] = [];
    for (const d of pre.domains) {
      const step = `clear ${d.name}`;
      h.stepStart(step);
      try {
        await ctx.up.divio.clearCdnCache(d.uuid);
        h.stepEnd(step, 'succeeded');
        cleared.push(d.name);
      } catch (e) {
        if (p.env && e instanceof DivioApiError && e.status === 400) {
          h.stepEnd(step, 'skipped', "not on Divio's CDN");
          skipped.push({ name: d.name, reason: "not on Divio's CDN" });
        } else {
          h.stepEnd(step, 'failed', errorText(e).slice(0, 300));
          failed.push(`${d.name}: ${errorText(e)}`);
        }
      }
    }
    h.record(p.domain ? { domain: p.domain } : { cleared, skipped: skipped.map((s) => `${s.name} (${s.reason})`) });
    if (failed.length) throw new Error(`clearing the CDN cache failed for ${failed.join('; ')}`);
    if (!cleared.length) throw new Error(`${pre.target} has no domain on Divio's CDN (${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}); ${NO_CDN_HINT}`);
  },
};

interface PurgePrepared extends Prepared {
  envObj: Environment;
}

/** The host of a purge item: a URL's host, a prefix's first segment (`host/path`), a host as given. */
function hostOf(kind: 'files' | 'prefixes' | 'hosts', item: string): string | null {
  if (kind === 'files') {
    try {
      return new URL(item).hostname.toLowerCase();
    } catch {
      return null;
    }
  }
  const h = (kind === 'prefixes' ? item.split('/')[0] : item) ?? '';
  return h.toLowerCase().replace(/:\d+$/, '') || null;
}

export const cloudflarePurgeKind: JobKindDef<'cloudflare-purge', PurgePrepared> = {
  async prepare(ctx, p) {
    const { env, app } = await envOf(ctx, p.env);
    const label = `${app}@${env.slug}`;
    const kinds = (['files', 'prefixes', 'hosts', 'tags'] as const).filter((k) => Array.isArray(p[k]) && p[k]!.length);
    if (!p.everything && kinds.length !== 1) throw new JobRejected('purge needs exactly one of: everything, files, prefixes, hosts, tags');
    if (p.everything && kinds.length) throw new JobRejected('purge everything cannot be combined with files, prefixes, hosts or tags');
    if (p.everything) needConfirmation(p.confirm, app, env.slug, 'purging everything cached for');
    const kind = kinds[0];
    if (kind && kind !== 'tags') {
      // Only the environment's own hosts: a purge must not touch another site sharing the zone.
      const own = new Set((await envDomains(ctx, env, label)).map((d) => domainName(d).toLowerCase()));
      const foreign = p[kind]!.filter((item) => {
        const host = hostOf(kind, item);
        return !host || !own.has(host);
      });
      if (foreign.length)
        throw new JobRejected(
          `${foreign.length} of ${p[kind]!.length} ${kind} are not on the hosts of ${label} (${[...own].join(', ') || 'it has no domains'}): ${foreign.slice(0, 3).join(', ').slice(0, 200)}${foreign.length > 3 ? ' …' : ''}`,
        );
    }
    return { target: label, app, env: env.slug, envObj: env, steps: ['purge'] };
  },

  async run(h, p, pre, ctx) {
    h.stepStart('purge');
    const target = ctx.up.cloudflare ? await ctx.up.cloudflare(pre.envObj) : null;
    if (!target) throw new Error(`no customer-owned Cloudflare zone is configured for ${pre.target} (domains on Divio's CDN use "cdn-clear")`);
    let zoneId = p.zone ?? target.zoneId ?? null;
    if (!zoneId && target.zoneName) zoneId = (await target.client.zoneByName(target.zoneName)).id;
    if (!zoneId) throw new Error('no Cloudflare zone id known for this environment');
    const req: PurgeRequest = p.everything ? { everything: true } : p.files?.length ? { files: p.files } : p.prefixes?.length ? { prefixes: p.prefixes } : p.hosts?.length ? { hosts: p.hosts } : { tags: p.tags ?? [] };
    const rate = () => {
      const b = target.client.bucketState();
      return { plan: b.plan, tokens: Math.floor(b.tokens), capacity: b.capacity, perSecond: b.perSecond, waitMs: b.waitMs };
    };
    h.patch({ result: { zone: zoneId, rateLimit: rate() } });
    const r = await target.client.purge(zoneId, req, {
      signal: h.signal,
      onProgress: (sent: number, total: number) => {
        const rl = rate();
        h.patch({
          percent: total ? Math.round((sent / total) * 100) : null,
          stage: `purge: ${sent}/${total} sent; rate limit ${rl.tokens}/${rl.capacity} (${rl.plan}, ${rl.perSecond}/s)${rl.waitMs ? `, next in ${Math.ceil(rl.waitMs / 100) / 10} s` : ''}`,
          result: { zone: zoneId, sent, total, rateLimit: rl },
        });
      },
    });
    h.stepEnd('purge', 'succeeded', `${r.requests} request(s)`);
    h.patch({ result: { zone: zoneId, requests: r.requests, ids: r.ids, rateLimit: rate() } });
  },
};
