// Realistic text: runtime log lines of a Django app on Divio, and deployment (build/release) logs.
import type { Rng } from './rng.js';
import type { ScriptLine, StageRec } from './model.js';

export interface GenLine { service: string; message: string }

const PATHS = [
  '/', '/en/', '/en/shop/', '/en/shop/cart/', '/en/shop/checkout/', '/api/v1/orders/', '/api/v1/orders/4711/',
  '/api/v1/products/?page=2', '/static/css/main.4f2a1c.css', '/static/js/app.93bd01.js', '/media/uploads/hero.jpg',
  '/admin/', '/admin/shop/order/', '/healthz', '/sitemap.xml', '/en/blog/release-notes/', '/accounts/login/',
];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'curl/8.5.0', 'kube-probe/1.30', 'Googlebot/2.1 (+http://www.google.com/bot.html)',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function ip(rng: Rng): string {
  return `10.${rng.int(0, 9)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}
function status(rng: Rng): number {
  return rng.weighted([[80, 200], [5, 301], [5, 304], [4, 404], [2, 403], [2, 500], [1, 502], [1, 503]] as const);
}

/** One or more runtime lines (a traceback spans several consecutive lines). */
export function runtimeLines(rng: Rng, now: Date, app: string): GenLine[] {
  const kind = rng.weighted([
    [30, 'nginx'], [28, 'uwsgi'], [6, 'django-warning'], [2, 'traceback'], [10, 'worker'], [4, 'cron'],
    [8, 'json'], [3, 'control'],
  ] as const);
  const path = rng.pick(PATHS);
  const method = rng.weighted([[75, 'GET'], [15, 'POST'], [5, 'PUT'], [3, 'DELETE'], [2, 'HEAD']] as const);
  switch (kind) {
    case 'nginx': {
      const st = status(rng);
      const ms = st >= 500 ? rng.int(800, 30000) : rng.int(2, 400);
      const ts = `${pad(now.getUTCDate())}/${MONTHS[now.getUTCMonth()]}/${now.getUTCFullYear()}:${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())} +0000`;
      return [{ service: 'web', message: `${ip(rng)} - - [${ts}] "${method} ${path} HTTP/1.1" ${st} ${rng.int(0, 90000)} "-" "${rng.pick(AGENTS)}" rt=${(ms / 1000).toFixed(3)} ms=${ms}` }];
    }
    case 'uwsgi': {
      const st = status(rng);
      const ms = st >= 500 ? rng.int(800, 30000) : rng.int(3, 600);
      const ts = `${DAYS[now.getUTCDay()]} ${MONTHS[now.getUTCMonth()]} ${pad(now.getUTCDate())} ${pad(now.getUTCHours())}:${pad(now.getUTCMinutes())}:${pad(now.getUTCSeconds())} ${now.getUTCFullYear()}`;
      return [{ service: 'web', message: `[pid: ${rng.int(10, 40)}|app: 0|req: ${rng.int(1, 9000)}/${rng.int(9000, 90000)}] ${ip(rng)} () {${rng.int(30, 60)} vars in ${rng.int(500, 1500)} bytes} [${ts}] ${method} ${path} => generated ${rng.int(0, 90000)} bytes in ${ms} msecs (HTTP/1.1 ${st}) ${rng.int(4, 9)} headers in ${rng.int(150, 400)} bytes (1 switches on core ${rng.int(0, 3)})` }];
    }
    case 'django-warning':
      return [{ service: 'web', message: rng.pick([
        `WARNING django.request: Not Found: /wp-login.php`,
        `WARNING django.security.DisallowedHost: Invalid HTTP_HOST header: '203.0.113.${rng.int(1, 254)}'. You may need to add '203.0.113.7' to ALLOWED_HOSTS.`,
        `/app/shop/models.py:88: RuntimeWarning: DateTimeField Order.created received a naive datetime (2026-11-23 10:00:00) while time zone support is active.`,
        `WARNING django.request: Method Not Allowed (GET): /api/v1/orders/4711/refund/`,
        `WARNING py.warnings: /usr/local/lib/python3.11/site-packages/rest_framework/pagination.py:207: UnorderedObjectListWarning: Pagination may yield inconsistent results with an unordered object_list`,
      ]) }];
    case 'traceback': {
      const id = rng.int(1000, 99999);
      return [
        `ERROR django.request: Internal Server Error: /api/v1/orders/${id}/`,
        'Traceback (most recent call last):',
        '  File "/usr/local/lib/python3.11/site-packages/django/core/handlers/exception.py", line 55, in inner',
        '    response = get_response(request)',
        '  File "/usr/local/lib/python3.11/site-packages/django/core/handlers/base.py", line 197, in _get_response',
        '    response = wrapped_callback(request, *callback_args, **callback_kwargs)',
        `  File "/app/${app.replace(/-/g, '_')}/api/views.py", line 142, in retrieve`,
        '    order = Order.objects.select_related("customer").get(pk=pk)',
        `shop.models.Order.DoesNotExist: Order matching query does not exist. (pk=${id})`,
      ].map((message) => ({ service: 'web', message }));
    }
    case 'worker': {
      const task = rng.pick(['shop.tasks.send_order_confirmation', 'shop.tasks.sync_inventory', 'newsletter.tasks.deliver', 'search.tasks.reindex_product']);
      const tid = rng.uuid();
      const ts = `${now.toISOString().slice(0, 10)} ${now.toISOString().slice(11, 19)},${pad(now.getUTCMilliseconds(), 3)}`;
      return [{ service: 'worker', message: rng.chance(0.5)
        ? `[${ts}: INFO/MainProcess] Task ${task}[${tid}] received`
        : rng.chance(0.9)
          ? `[${ts}: INFO/ForkPoolWorker-${rng.int(1, 4)}] Task ${task}[${tid}] succeeded in ${(rng.next() * 3).toFixed(3)}s: None`
          : `[${ts}: ERROR/ForkPoolWorker-${rng.int(1, 4)}] Task ${task}[${tid}] raised unexpected: ConnectionError('SMTP server closed the connection')` }];
    }
    case 'cron': {
      const job = rng.pick(['clearsessions', 'send_abandoned_cart_reminders', 'rebuild_sitemap', 'expire_reservations']);
      return [{ service: 'cronjob', message: rng.chance(0.5)
        ? `Running cron job: python manage.py ${job}`
        : `cron: ${job} finished in ${(rng.next() * 20).toFixed(1)}s (exit ${rng.chance(0.9) ? 0 : 1})` }];
    }
    case 'json': {
      const level = rng.weighted([[70, 'info'], [15, 'warning'], [10, 'error'], [5, 'debug']] as const);
      const obj = {
        level, ts: now.toISOString(), logger: rng.pick(['payments', 'checkout', 'auth', 'search']),
        msg: rng.pick(['charge captured', 'webhook received', 'token refreshed', 'cache miss', 'payment declined', 'slow query']),
        request_id: rng.hex(16), duration_ms: rng.int(1, 2500),
      };
      return [{ service: rng.chance(0.8) ? 'web' : 'worker', message: JSON.stringify(obj) }];
    }
    case 'control':
    default:
      return [{ service: rng.pick(['web', 'shell', 'worker']), message: rng.pick([
        '\x1b[2J\x1b[HPython 3.11.9 (main) [GCC 12.2.0] on linux — interactive shell started',
        '\x1b]0;root@web-1: /app\x07collectstatic: 0 static files copied, 412 unmodified',
        '\x1b]52;c;Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlL3ggfCBzaA==\x07 user-agent sent clipboard sequence',
        'Reindexing products:  10%\rReindexing products:  60%\rReindexing products: 100%',
        'terminal probe \x1b[6n from a misbehaving CLI tool',
        '\x1b[32mINFO\x1b[0m  gunicorn.error: Booting worker with pid: 41',
        '\x1b[1;31mERROR\x1b[0m \x1b[33mcache\x1b[0m: redis timeout after 2.0s',
      ]) }];
  }
}

export const STAGES: readonly { name: string; title: string; weight: number }[] = [
  { name: 'services', title: 'Services check', weight: 5 },
  { name: 'checkout', title: 'Git checkout', weight: 5 },
  { name: 'build', title: 'Docker build', weight: 55 },
  { name: 'release', title: 'Release commands', weight: 15 },
  { name: 'scaling', title: 'Scaling and health checks', weight: 20 },
];

/** Stage durations in virtual ms. */
export function planStages(rng: Rng, buildMode: 'AUTO' | 'ADOPT' | 'FORCE', reuseImage: boolean): StageRec[] {
  const build = buildMode === 'ADOPT' || reuseImage ? rng.int(3000, 6000) : buildMode === 'FORCE' ? rng.int(70000, 110000) : rng.int(30000, 55000);
  return [
    { name: 'services', title: 'Services check', durationMs: rng.int(2000, 4000) },
    { name: 'checkout', title: 'Git checkout', durationMs: rng.int(2000, 5000) },
    { name: 'build', title: 'Docker build', durationMs: build },
    { name: 'release', title: 'Release commands', durationMs: rng.int(6000, 12000) },
    { name: 'scaling', title: 'Scaling and health checks', durationMs: rng.int(8000, 16000) },
  ];
}

type ScriptInput = { app: string; env: string; branch: string; commit: string; buildMode: string; reuseImage: boolean; stages: StageRec[]; fail: boolean; instances: number };
/** What a deployment's log takes at random, drawn in the order its lines use it. */
interface ScriptDraws { commitMessage: string; wheelKb: number[]; staticFiles: number; imageId: string; healthySeconds: number[] }
const WHEELS = ['Django==4.2.17', 'djangorestframework==3.15.2', 'psycopg[binary]==3.2.3', 'django-storages==1.14.4', 'celery==5.4.0', 'uwsgi==2.0.28', 'sentry-sdk==2.19.0'];
const ownImage = (o: ScriptInput) => !(o.buildMode === 'ADOPT' || o.reuseImage);

/**
 * A deployment's log: its random parts are drawn now (from `rng`, as the deployment is made), its
 * lines are made by `render` when the log is first read. A scenario's ~60 past deployments made
 * ~3,500 lines at start-up that are seldom read (issue 16). `failAtMs`: when it fails (null: it succeeds).
 */
export function deploymentScript(rng: Rng, o: ScriptInput): { render: () => ScriptLine[]; failAtMs: number | null } {
  const d: ScriptDraws = { commitMessage: '', wheelKb: [], staticFiles: 0, imageId: '', healthySeconds: [] };
  let t0 = 0;
  let failAtMs: number | null = null;
  for (const st of o.stages) {
    if (st.name === 'checkout') d.commitMessage = rng.pick(['Fix checkout tax rounding', 'Bump Django to 4.2.17', 'Add order export', 'Tune uWSGI workers', 'Update translations']);
    else if (st.name === 'build' && ownImage(o)) {
      for (let i = 0; i < WHEELS.length; i++) d.wheelKb.push(rng.int(40, 9000));
      d.staticFiles = rng.int(200, 900);
      d.imageId = rng.hex(12);
    } else if (st.name === 'release' && o.fail) {
      failAtMs = t0 + st.durationMs; // the log ends with the failed release
      break;
    } else if (st.name === 'scaling') for (let i = 1; i <= o.instances; i++) d.healthySeconds.push(rng.next() * 8 + 1);
    t0 += st.durationMs;
  }
  return { render: () => renderScript(o, d), failAtMs };
}

/** The full deployment log, each line stamped with the virtual ms at which it appears. */
function renderScript(o: ScriptInput, d: ScriptDraws): ScriptLine[] {
  const script: ScriptLine[] = [];
  let t0 = 0;
  const stamp = (stage: StageRec, lines: string[]) => {
    lines.forEach((text, i) => script.push({ at: Math.round(t0 + (stage.durationMs * i) / Math.max(1, lines.length)), text }));
  };
  const mod = o.app.replace(/-/g, '_');
  for (const st of o.stages) {
    const head = `==> ${st.title}`;
    switch (st.name) {
      case 'services':
        stamp(st, [head, 'Checking service instances of the environment…', '  DATABASE DEFAULT (postgres-15): ready', '  STORAGE DEFAULT (s3-object-storage): ready', 'All services are ready.']);
        break;
      case 'checkout':
        stamp(st, [head, `Cloning repository (branch ${o.branch})…`, `HEAD is now at ${o.commit.slice(0, 7)} ${d.commitMessage}`]);
        break;
      case 'build':
        if (!ownImage(o)) {
          stamp(st, [head, o.reuseImage ? 'No new commits since the image built for another environment: reusing it.' : 'Build mode ADOPT: adopting the existing image.', `Using image registry.divio.com/${o.app}:${o.commit.slice(0, 12)}`]);
        } else {
          const lines = [head, o.buildMode === 'FORCE' ? 'Build mode FORCE: building without cache.' : 'Building image…', 'Step 1/12 : FROM divio/base:4.18-py3.11-slim-bookworm', o.buildMode === 'FORCE' ? ' ---> Pulling from divio/base' : ' ---> Using cache', 'Step 2/12 : ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1', 'Step 3/12 : COPY requirements.txt /app/', 'Step 4/12 : RUN pip install -r requirements.txt'];
          WHEELS.forEach((p, i) => {
            lines.push(`Collecting ${p}`, `  Downloading ${p.split('==')[0].replace(/\[.*\]/, '')}-${p.split('==')[1]}-py3-none-any.whl (${d.wheelKb[i]} kB)`);
          });
          lines.push('Successfully installed Django-4.2.17 djangorestframework-3.15.2 psycopg-3.2.3 celery-5.4.0 uwsgi-2.0.28', 'Step 5/12 : COPY . /app', 'Step 6/12 : RUN DJANGO_MODE=build python manage.py collectstatic --noinput', `${d.staticFiles} static files copied to '/app/static_collected'.`, 'Step 12/12 : CMD ["uwsgi", "--ini", "/app/uwsgi.ini"]', `Successfully built ${d.imageId}`, `Pushing image registry.divio.com/${o.app}:${o.commit.slice(0, 12)}…`, `  layer ${o.commit.slice(0, 12)}: pushing  10%\r  layer ${o.commit.slice(0, 12)}: pushing  60%\r  layer ${o.commit.slice(0, 12)}: pushed 100%`, 'Image pushed.');
          stamp(st, lines);
        }
        break;
      case 'release': {
        const ok = [head, '$ python manage.py migrate --noinput', 'Operations to perform:', '  Apply all migrations: admin, auth, contenttypes, sessions, shop', 'Running migrations:'];
        if (o.fail) {
          ok.push('  Applying shop.0042_order_tax_rate... OK', '  Applying shop.0043_order_currency_not_null...Traceback (most recent call last):',
            '  File "/usr/local/lib/python3.11/site-packages/django/db/backends/utils.py", line 89, in _execute',
            '    return self.cursor.execute(sql, params)',
            'psycopg.errors.NotNullViolation: column "currency" of relation "shop_order" contains null values',
            '',
            'The above exception was the direct cause of the following exception:',
            '',
            'Traceback (most recent call last):',
            '  File "/app/manage.py", line 22, in <module>',
            '    main()',
            '  File "/usr/local/lib/python3.11/site-packages/django/core/management/commands/migrate.py", line 357, in handle',
            '    post_migrate_state = executor.migrate(',
            '  File "/usr/local/lib/python3.11/site-packages/django/db/migrations/executor.py", line 135, in migrate',
            '    state = self._migrate_all_forwards(',
            `  File "/app/${mod}/migrations/0043_order_currency_not_null.py", line 14, in <module>`,
            'django.db.utils.IntegrityError: column "currency" of relation "shop_order" contains null values',
            "ERROR: release command 'python manage.py migrate --noinput' failed with exit code 1",
            'Deployment failed: the previous version keeps serving (no downtime).');
          stamp(st, ok);
          script.push({ at: t0 + st.durationMs, text: 'Deployment finished: FAILURE' });
          return script;
        }
        ok.push('  Applying shop.0042_order_tax_rate... OK', '$ python manage.py compilemessages', 'processing file django.po in /app/locale/de/LC_MESSAGES', 'Release commands finished.');
        stamp(st, ok);
        break;
      }
      case 'scaling': {
        const lines = [head, `Starting ${o.instances} new instance(s)…`];
        for (let i = 1; i <= o.instances; i++) lines.push(`  web-${i}: container started, waiting for HTTP (must answer within 20 s)…`, `  web-${i}: healthy after ${d.healthySeconds[i - 1]!.toFixed(1)} s`);
        lines.push('Switching traffic to the new instances.', 'Stopping previous instances.');
        stamp(st, lines);
        break;
      }
    }
    t0 += st.durationMs;
  }
  script.push({ at: t0, text: 'Deployment finished: SUCCESS' });
  return script;
}
