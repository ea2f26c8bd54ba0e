// The living scenario the sandbox starts with (deterministic for a given seed).
import { Rng } from './rng.js';
import {
  DAY_MS, QUEUE_MS, Engine, dbChecksum, deploymentTotalMs, iso, makeBackup, makeDeployment, mediaChecksum,
} from './engine.js';
import type { AppRec, CdnKind, CfPlan, DeploymentRec, EnvRec, SandboxState } from './model.js';

/** Documented facts other tests rely on (application slugs unless said otherwise). */
export const SCENARIO = {
  orgs: ['Nordwind Digital', 'Acme Health', 'Lindqvist & Co'],
  apps: ['nordwind-shop', 'nordwind-cms', 'nordwind-api', 'nordwind-intranet', 'acme-portal', 'acme-booking', 'acme-reports', 'acme-labs', 'lindqvist-web'],
  /** Plain healthy app (test + live deployed, no CDN): safe to deploy/backup/restore in tests. */
  healthyApp: 'acme-reports',
  healthyApps: ['nordwind-shop', 'nordwind-cms', 'acme-portal', 'acme-reports', 'lindqvist-web'],
  /** Its `test` environment has a deployment running at start and gets a new one ~3 virtual minutes after each. */
  deployingApp: 'nordwind-api',
  deployingEnv: 'test',
  /** Its `test` environment's last deployment failed (release command traceback); every deployment of it fails. */
  failedApp: 'acme-booking',
  failedEnv: 'test',
  neverDeployedApp: 'acme-labs',
  /** All of its environments are `sleeping` (deployed, idle, no runtime logs) until deployed again. */
  sleepingApp: 'nordwind-intranet',
  /** Apps with domains on Divio-managed Cloudflare (`cdn: "divio-cloudflare"`). */
  divioCdnApps: ['nordwind-cms', 'acme-portal'],
  /** App whose domains are in a Cloudflare zone the customer owns (zone visible in the CF API). */
  customerZoneApp: 'nordwind-shop',
  customerZoneName: 'nordwind-shop.com',
  customerZonePlan: 'pro' as CfPlan,
  /** Apps with a custom `qa` environment. */
  qaApps: ['nordwind-shop', 'acme-portal'],
  /** Its live environment holds one failed scheduled backup (two days ago). */
  failedBackupApp: 'acme-reports',
  failedBackupEnv: 'live',
  userEmail: 'sam.rivera@nordwind.example',
} as const;

interface AppDef {
  slug: string; name: string; org: number; kind: 'healthy' | 'deploying' | 'failed' | 'never' | 'sleeping';
  qa?: boolean; liveInstances: number;
  domains: { name: string; cdn: CdnKind }[];
  /** A fourth environment (generated applications). */
  extraEnv?: string;
  /** Generated (scenario size): a shorter history, fewer log lines. */
  generated?: boolean;
}

const APPS: AppDef[] = [
  { slug: 'nordwind-shop', name: 'Nordwind Shop', org: 0, kind: 'healthy', qa: true, liveInstances: 3, domains: [{ name: 'nordwind-shop.com', cdn: 'customer-cloudflare' }, { name: 'www.nordwind-shop.com', cdn: 'customer-cloudflare' }] },
  { slug: 'nordwind-cms', name: 'Nordwind CMS', org: 0, kind: 'healthy', liveInstances: 2, domains: [{ name: 'www.nordwind.de', cdn: 'divio-cloudflare' }, { name: 'nordwind.de', cdn: 'divio-cloudflare' }] },
  { slug: 'nordwind-api', name: 'Nordwind API', org: 0, kind: 'deploying', liveInstances: 2, domains: [{ name: 'api.nordwind.de', cdn: 'none' }] },
  { slug: 'nordwind-intranet', name: 'Nordwind Intranet', org: 0, kind: 'sleeping', liveInstances: 1, domains: [] },
  { slug: 'acme-portal', name: 'Acme Patient Portal', org: 1, kind: 'healthy', qa: true, liveInstances: 2, domains: [{ name: 'portal.acme-health.org', cdn: 'divio-cloudflare' }] },
  { slug: 'acme-booking', name: 'Acme Booking', org: 1, kind: 'failed', liveInstances: 2, domains: [{ name: 'booking.acme-health.org', cdn: 'none' }] },
  { slug: 'acme-reports', name: 'Acme Reports', org: 1, kind: 'healthy', liveInstances: 1, domains: [{ name: 'reports.acme-health.org', cdn: 'none' }] },
  { slug: 'acme-labs', name: 'Acme Labs', org: 1, kind: 'never', liveInstances: 1, domains: [] },
  { slug: 'lindqvist-web', name: 'Lindqvist Website', org: 2, kind: 'healthy', liveInstances: 1, domains: [{ name: 'www.lindqvist.se', cdn: 'none' }] },
];

export interface ScenarioOptions {
  seed: number; nowMs: number; cloudflarePlan?: CfPlan; logRetention: number; prefillLines?: number;
  /** Scenario size: this many applications (default and minimum: the 9 named ones). Every
   * application past the named ones is generated (mostly healthy; some sleeping, never deployed,
   * failing; one in 250 deploys continuously), and the whole account then holds 3 × apps environments. */
  apps?: number;
}

/** The named scenario's size; `--apps N` grows it. */
export const SCENARIO_APPS = APPS.length;
/** Most applications a scenario may hold (memory and generation time stay bounded). */
export const MAX_SCENARIO_APPS = 5000;

/** Generated applications past the named ones (deterministic: their index decides their kind). */
function generatedApps(total: number, orgBase: number): AppDef[] {
  const out: AppDef[] = [];
  const extra = Math.max(0, total - APPS.length);
  // environments: 3 per application on average (the named ones hold 20 for 9 applications)
  let fourth = 3 * APPS.length - 20;
  for (let i = 0; i < extra; i++) {
    const n = String(i + 1).padStart(4, '0');
    const kind: AppDef['kind'] = i % 250 === 100 ? 'deploying' : i % 37 === 5 ? 'failed' : i % 23 === 7 ? 'never' : i % 11 === 3 ? 'sleeping' : 'healthy';
    out.push({
      slug: `client-${n}-${WORDS[i % WORDS.length]}`, name: `Client ${n} ${WORDS[i % WORDS.length][0].toUpperCase()}${WORDS[i % WORDS.length].slice(1)}`,
      org: orgBase + Math.floor(i / 25), kind, qa: true, extraEnv: fourth-- > 0 ? 'staging' : undefined,
      liveInstances: 1 + (i % 3), domains: [], generated: true,
    });
  }
  return out;
}
const WORDS = ['shop', 'site', 'api', 'portal', 'blog', 'docs', 'booking', 'intranet', 'events', 'careers', 'store', 'forms'];

export function buildScenario(o: ScenarioOptions): SandboxState {
  const rng = new Rng(o.seed).fork('scenario');
  const now = o.nowMs;
  const s: SandboxState = {
    version: 1, seed: o.seed, createdAt: iso(now), vclock: now,
    me: { uuid: rng.uuid(), email: SCENARIO.userEmail, first_name: 'Sam', last_name: 'Rivera' },
    regions: [{ uuid: rng.uuid(), name: 'eu-central' }, { uuid: rng.uuid(), name: 'us-east' }],
    organisations: SCENARIO.orgs.map((name, i) => ({ uuid: rng.uuid(), name, created_at: iso(now - (900 - i * 200) * DAY_MS) })),
    ...(o.apps && o.apps > APPS.length ? { apps: o.apps } : {}),
    applications: [], environments: [], deployments: [], envVars: [], serviceInstances: [], backups: [], siBackups: [],
    restores: [], downloads: [], downloadSis: [], domains: [], zones: [], purges: [], cdnClears: [], logs: {},
  };
  const zoneId = rng.hex(32);
  s.zones.push({ id: zoneId, name: SCENARIO.customerZoneName, plan: o.cloudflarePlan ?? SCENARIO.customerZonePlan, status: 'active', created_on: iso(now - 400 * DAY_MS) });
  const engine = new Engine(s, { speed: 1, logRate: 0, logRetention: o.logRetention, seed: o.seed, rngLabel: 'scenario-engine' });

  const defs = [...APPS, ...generatedApps(o.apps ?? APPS.length, SCENARIO.orgs.length)];
  for (let k = SCENARIO.orgs.length; k <= (defs.at(-1)?.org ?? 0); k++) {
    s.organisations.push({ uuid: rng.uuid(), name: `Agency Client Group ${k - SCENARIO.orgs.length + 1}`, created_at: iso(now - 500 * DAY_MS) });
  }
  defs.forEach((def, ai) => {
    const app: AppRec = {
      uuid: rng.uuid(), slug: def.slug, name: def.name, organisation: s.organisations[def.org].uuid,
      repository: ai % 3 === 0 ? rng.uuid() : null, region: s.regions[ai === 8 ? 1 : 0].uuid,
      created_at: iso(now - (def.generated ? 700 - (ai % 300) : 600 - ai * 40) * DAY_MS), branches: { main: rng.hex(40), develop: rng.hex(40), qa: rng.hex(40) },
    };
    s.applications.push(app);
    const slugs = ['test', 'live', ...(def.qa ? ['qa'] : []), ...(def.extraEnv ? [def.extraEnv] : [])];
    for (const slug of slugs) {
      const rows = rng.int(2_000, 400_000);
      const files = rng.int(40, 9_000);
      const bytes = files * rng.int(20_000, 400_000);
      const env: EnvRec = {
        uuid: rng.uuid(), slug, branch: slug === 'live' ? 'main' : slug === 'qa' ? 'qa' : 'develop', application: app.uuid,
        created_at: app.created_at, last_finished_deployment: null,
        status: def.kind === 'never' ? 'not_deployed' : def.kind === 'sleeping' ? 'sleeping' : 'live',
        instances: slug === 'live' ? def.liveInstances : 1, memory_nominal_mb: slug === 'live' ? 1024 : 512,
        failDeploys: def.kind === 'failed' && slug === 'test', autoDeploy: def.kind === 'deploying' && slug === 'test',
        content: {
          database: { rows, checksum: dbChecksum(`${app.slug}/${slug}`, rows) },
          media: { files, bytes, checksum: mediaChecksum(`${app.slug}/${slug}`, files, bytes) },
        },
        nextScheduledBackupV: slug === 'live' && def.kind !== 'never' ? now + rng.int(1, 23) * 3_600_000 + rng.int(0, 3_599_999) : null,
        nextAutoDeployV: null, deployedCommit: null,
      };
      s.environments.push(env);
      const region = app.region;
      const dbSi = { uuid: rng.uuid(), environment: env.uuid, prefix: 'DEFAULT', type: 'DATABASE' as const, service: 'postgres-15', service_status: 'READY' as const, region };
      const stSi = { uuid: rng.uuid(), environment: env.uuid, prefix: 'DEFAULT', type: 'STORAGE' as const, service: 's3-object-storage', service_status: 'READY' as const, region };
      s.serviceInstances.push(dbSi, stSi);
      const dbName = `${def.slug.replace(/-/g, '_')}_${slug}`;
      const vars: [string, string, boolean][] = [
        ['DATABASE_URL', `postgres://${dbName}:${rng.hex(24)}@${def.slug}-${slug}-db.eu-central.pg.divio-services.net:5432/${dbName}`, true],
        ['DEFAULT_STORAGE_DSN', `s3://AKIA${rng.hex(16).toUpperCase()}:${rng.hex(40)}@${def.slug}-${slug}-media.s3.eu-central-1.amazonaws.com/?auth=s3v4&domain=${def.slug}-${slug}-media.divio-media.net`, true],
        ['SECRET_KEY', rng.hex(50), true],
        ['SENTRY_DSN', `https://${rng.hex(32)}@o${rng.int(10000, 99999)}.ingest.sentry.io/${rng.int(100000, 999999)}`, true],
        ['DJANGO_SETTINGS_MODULE', 'settings', false],
        ['DEBUG', slug === 'live' ? 'False' : 'True', false],
        ['STAGE', slug, false],
        ['DOMAIN', slug === 'live' && def.domains[0] ? def.domains[0].name : `${def.slug}-${slug === 'test' ? 'stage' : slug}.eu.aldryn.io`, false],
      ];
      if (def.slug === 'nordwind-shop') vars.push(['STRIPE_API_KEY', `sk_live_${rng.hex(24)}`, true], ['EMAIL_URL', `smtp://mailer:${rng.hex(16)}@smtp.mailgun.org:587/?tls=True`, true]);
      const varNames = vars.map((v) => v[0]);
      for (const [name, value, is_sensitive] of vars) s.envVars.push({ uuid: rng.uuid(), name, value, is_sensitive, environment: env.uuid });

      // domains: the platform default domain, plus the custom ones on live
      const defaultDomain = slug === 'live' ? `${def.slug}.eu.aldryn.io` : `${def.slug}-${slug === 'test' ? 'stage' : slug}.eu.aldryn.io`;
      const custom = slug === 'live' ? def.domains : [];
      s.domains.push({ uuid: rng.uuid(), domain: defaultDomain, environment: env.uuid, application: app.uuid, is_primary: custom.length === 0, cdn: 'none', cloudflare_zone: null, created_at: app.created_at });
      custom.forEach((d, i) => s.domains.push({
        uuid: rng.uuid(), domain: d.name, environment: env.uuid, application: app.uuid, is_primary: i === 0, cdn: d.cdn,
        cloudflare_zone: d.cdn === 'customer-cloudflare' ? zoneId : null, created_at: app.created_at,
      }));

      if (def.kind === 'never') continue;
      // deployment history: a few past successful deploys
      const past = def.generated ? (slug === 'live' ? 2 : 1) : slug === 'live' ? 4 : 3;
      for (let k = past; k >= 1; k--) {
        const created = now - k * rng.int(2, 6) * DAY_MS - rng.int(0, DAY_MS / 2);
        const failThis = def.kind === 'failed' && slug === 'test' && k === 1;
        historic(s, engine, rng, env, created, failThis, varNames);
      }
      if (def.kind === 'failed' && slug === 'test') {
        historic(s, engine, rng, env, now - 2 * 3_600_000, true, varNames);
      }
      if (def.kind === 'deploying' && slug === 'test') {
        app.branches[env.branch] = rng.hex(40);
        const d = engine.startDeployment(env, 'AUTO', now - 20_000);
        d.progressMs = QUEUE_MS + Math.round(deploymentTotalMs(d) * 0.35);
        d.started_at = iso(now - 19_000);
        d.status = 'running';
        d.stage = 'build';
        d.percent = 35;
      }

      // backup history: daily scheduled on live (7 days), a few manual ones on test
      const sis = [dbSi, stSi];
      // (generated applications: their qa and staging environments were never backed up)
      const backupDays = slug === 'live' ? [7, 6, 5, 4, 3, 2, 1] : def.generated && slug !== 'test' ? [] : [9, 3];
      for (const day of backupDays) {
        const created = now - day * DAY_MS + rng.int(0, 3_600_000);
        const fail = def.slug === SCENARIO.failedBackupApp && slug === SCENARIO.failedBackupEnv && day === 2;
        const b = makeBackup(s, rng, env, sis, slug === 'live' ? 'SCHEDULED' : 'MANUAL', slug === 'live' ? 'Daily backup' : 'Before data migration', created, fail);
        // content then: a little smaller than now
        const db = env.content.database!;
        const md = env.content.media!;
        const oldRows = Math.max(0, db.rows - day * 137);
        const oldFiles = Math.max(0, md.files - day * 3);
        const oldBytes = Math.max(0, md.bytes - day * 3 * 150_000);
        // (its service-instance backups are the last ones pushed: no scan of the whole list)
        for (const sib of s.siBackups.slice(-b.service_instance_backups.length)) {
          sib.snapshot = sib.service_type === 'DATABASE'
            ? { database: { rows: oldRows, checksum: dbChecksum(`${app.slug}/${slug}`, oldRows) } }
            : { media: { files: oldFiles, bytes: oldBytes, checksum: mediaChecksum(`${app.slug}/${slug}`, oldFiles, oldBytes) } };
        }
        b.progressMs = QUEUE_MS + b.durationMs;
        b.state = 'RUNNING';
        finishHistoricBackup(s, b, created);
      }

      // runtime log history (made when first read: Engine.deferHistory)
      if (env.status === 'live') engine.deferHistory(env, def.generated ? Math.min(40, o.prefillLines ?? 40) : (o.prefillLines ?? 200), now, 10 * 60_000, o.seed);
      else if (env.status === 'sleeping') engine.deferHistory(env, def.generated ? 10 : 40, now - 3 * 3_600_000, 30 * 60_000, o.seed);
    }
  });
  settleLastFinished(s);
  return s;
}

/**
 * The history is drawn at random ages, not in order: point each environment at its newest finished
 * deployment (success or failure, as Divio's `last_finished_deployment`) and its newest successful commit.
 */
function settleLastFinished(s: SandboxState): void {
  const newest = new Map<string, DeploymentRec>();
  const newestOk = new Map<string, DeploymentRec>();
  for (const d of s.deployments) {
    if (!d.ended_at) continue;
    const n = newest.get(d.environment);
    if (!n || n.ended_at! < d.ended_at) newest.set(d.environment, d);
    const k = newestOk.get(d.environment);
    if (d.success && (!k || k.ended_at! < d.ended_at)) newestOk.set(d.environment, d);
  }
  for (const e of s.environments) {
    e.last_finished_deployment = newest.get(e.uuid)?.uuid ?? null;
    if (newestOk.has(e.uuid)) e.deployedCommit = newestOk.get(e.uuid)!.commit;
  }
}

function historic(s: SandboxState, engine: Engine, rng: Rng, env: EnvRec, createdMs: number, fail: boolean, varNames: string[]): void {
  const d = makeDeployment(s, rng, env, 'AUTO', createdMs, fail, varNames);
  const total = deploymentTotalMs(d);
  const runMs = fail && d.failAtMs !== null ? d.failAtMs : total;
  d.started_at = iso(createdMs + QUEUE_MS);
  d.ended_at = iso(createdMs + QUEUE_MS + runMs);
  d.progressMs = QUEUE_MS + runMs;
  d.status = fail ? 'failure' : 'success';
  d.success = !fail;
  d.percent = fail ? Math.floor((100 * runMs) / total) : 100;
  d.stage = fail ? 'release' : 'scaling';
  s.deployments.push(d);
  env.last_finished_deployment = d.uuid;
  if (!fail) env.deployedCommit = d.commit;
  void engine;
}

function finishHistoricBackup(s: SandboxState, b: SandboxState['backups'][number], createdMs: number): void {
  b.state = 'COMPLETED';
  b.started_at = iso(createdMs + QUEUE_MS);
  b.ended_at = iso(createdMs + QUEUE_MS + b.durationMs);
  b.success = b.willFail ? 'FAILURE' : 'SUCCESS';
  s.siBackups.slice(-b.service_instance_backups.length).forEach((sib, i) => {
    sib.started_at = b.started_at;
    sib.taken_at = b.started_at;
    sib.ended_at = b.ended_at;
    if (b.willFail && i === 0) {
      sib.errors = ['pg_dump: error: connection to server at "10.2.0.14", port 5432 failed: timeout expired'];
      sib.snapshot = null;
      sib.size = null;
    } else if (sib.snapshot?.database) sib.size = 8192 + sib.snapshot.database.rows * 187;
    else if (sib.snapshot?.media) sib.size = sib.snapshot.media.bytes + sib.snapshot.media.files * 512;
  });
}
