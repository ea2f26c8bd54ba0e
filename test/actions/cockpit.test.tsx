// The deploy cockpit, the backups view and the purge screen as a user drives them (the real App
// frame, ink-testing-library, a unit fake of the gateway surface).
import { afterEach, describe, expect, test } from 'vitest';
import type { Deployment, Job } from '../../src/domain/index.js';
import type { EnvData } from '../../src/protocol/messages.js';
import { envData, fleetRow, mount, KEY, type Harness } from '../ui/fake.js';
import { buildKeymap, type Keymap } from '../../src/config/keymap.js';

const test_ = fleetRow('shop', 'test', { org: 'Acme' });
const live = fleetRow('shop', 'live', { org: 'Acme' });
const T = { env: test_.envUuid, slug: 'test', app: 'shop', appUuid: test_.appUuid, org: 'Acme' };
const STAGES = ['services', 'checkout', 'build', 'release', 'scaling'].map((n) => ({ name: n, title: n }));

function dep(uuid: string, o: Partial<Deployment> = {}): Deployment {
  return { uuid, environment: test_.envUuid, started_at: new Date(Date.now() - 90e3).toISOString(), ended_at: null, status: 'running', percent: 42, stage: 'build', success: null, commit: 'abc12345def', build_mode: 'AUTO', stages: STAGES, ...o } as Deployment;
}

function env(deps: Deployment[], over: Partial<EnvData> = {}): EnvData {
  const d = envData(test_);
  d.environments = [envData(test_).environment, envData(live).environment];
  d.deployments = deps;
  return { ...d, ...over };
}

const LOG_OK = ['==> Services', 'All services are ready.', '==> Build', 'Step 1/12 : FROM divio/base', ' ---> Using cache', 'Step 2/12 : ENV X=1'].join('\n') + '\n';
const FAIL_LOG = [
  '==> Services',
  'All services are ready.',
  '==> Build the image',
  ...Array.from({ length: 120 }, (_, i) => `Collecting package-${i}`),
  '==> Release commands',
  '$ python manage.py migrate --noinput',
  '  Applying shop.0043_order_currency_not_null...Traceback (most recent call last):',
  '  File "/app/x.py", line 1, in <module>',
  'django.db.utils.IntegrityError: column "currency" contains null values',
  ...Array.from({ length: 80 }, (_, i) => `  cleanup line ${i}`),
  'Deployment finished: FAILURE',
].join('\n') + '\n';

function job(over: Partial<Job>): Job {
  const now = Date.now();
  return { id: 'job-1', kind: 'deploy', idempotencyKey: 'k-1-xxxxxxxx', state: 'running', target: 'shop@test', params: {}, percent: null, stage: null, steps: [], createdAt: now - 5000, updatedAt: now + 50, endedAt: null, error: null, result: null, upstreamId: null, ...over };
}

/** Page through help (ctrl-f) until `re` is on screen. */
async function helpShows(hh: Harness, re: RegExp): Promise<string> {
  for (let i = 0; i < 8; i++) {
    const f = hh.frame();
    if (re.test(f)) return f;
    await hh.press('\x06');
  }
  return hh.frame();
}

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

async function open(e: EnvData, screen: string, extra: Array<[string, Record<string, unknown>, unknown]> = [], keymap?: Keymap): Promise<Harness> {
  const harness = await mount({ fleet: [test_, live], attach: false, keymap });
  harness.gw.serve('env', { env: test_.envUuid }, e);
  harness.gw.serve('env', { env: live.envUuid }, envData(live));
  for (const [t, p, d] of extra) harness.gw.serve(t as never, p, d);
  harness.store.attach(harness.gw);
  harness.store.push(screen, T);
  return harness;
}

describe('deploy cockpit', () => {
  test('attaches to a running deployment: stages, percent, elapsed, heartbeat, the live log; m changes the build mode and D deploys after a confirmation', async () => {
    const running = dep('dep-run');
    h = await open(env([running]), 'deploy', [['deployment', { deployment: 'dep-run' }, { deployment: running, log: LOG_OK, append: false }]]);
    const f = await h.waitFor((x) => x.includes('Step 2/12'));
    // work under way: a spinner (braille dots) before the state
    expect(f).toMatch(/Deployment dep-run \(attached: running\)\s+[\u2800-\u28ff] deploying 42 %/);
    expect(f).toMatch(/elapsed 1m3\ds/);
    expect(f).toMatch(/heartbeat \ds ago/);
    expect(f).toMatch(/✓ services\s+✓ checkout\s+● build\s+○ release/);
    expect(f).toContain('[AUTO]');
    await h.press('m');
    expect(h.frame()).toContain('[ADOPT]');
    await h.press('D');
    await h.waitFor((x) => x.includes('Deploy shop@test?'));
    expect(h.gw.commands).toHaveLength(0); // never on the key alone
    await h.press('y');
    await h.waitFor(() => h!.gw.commands.length === 1);
    expect(h.gw.commands[0]).toEqual({ kind: 'deploy', params: { env: test_.envUuid, buildMode: 'ADOPT' } });
  });

  test('a failed deployment opens its log at the first error and names the failing stage; l is one key to the runtime logs', async () => {
    const failed = dep('dep-fail', { ended_at: new Date().toISOString(), status: 'failure', success: false, stage: 'release', percent: 80 });
    h = await open(env([failed]), 'deploy', [['deployment', { deployment: 'dep-fail' }, { deployment: failed, log: FAIL_LOG, append: false }]]);
    const f = await h.waitFor((x) => x.includes('Failed at stage release') && x.includes('Traceback'));
    expect(f).toMatch(/✗ release/);
    expect(f).toMatch(/first error on log line \d+: Applying shop\.0043/);
    expect(f).toContain('Traceback (most recent call last)'); // the error is on screen …
    expect(f).not.toContain('Deployment finished: FAILURE'); // … not the tail
    expect(f).toContain('FAILED');
    await h.press('l');
    const r = h.store.current();
    if (r.screen === 'logs') expect(r.params.env).toBe(test_.envUuid);
    else expect(h.frame()).toMatch(/runtime log viewer is not available/);
  });

  test('after a successful test deploy with a good probe, p deploys live in one step after APP@live typed', async () => {
    const ok = dep('dep-ok', { ended_at: new Date().toISOString(), status: 'success', success: true, percent: 100, stage: 'scaling' });
    h = await open(env([ok]), 'deploy', [['deployment', { deployment: 'dep-ok' }, { deployment: ok, log: LOG_OK, append: false }]]);
    h.store.updateView({ job: 'job-1' }, h.store.viewKey());
    h.gw.pushJob(
      job({
        state: 'succeeded',
        endedAt: Date.now(),
        steps: [
          { name: 'deploy', state: 'succeeded', startedAt: Date.now() - 4000, endedAt: Date.now() - 1000 },
          { name: 'probe', state: 'succeeded', startedAt: Date.now() - 1000, endedAt: Date.now(), detail: 'HTTP 200' },
        ],
        result: { deployment: 'dep-ok', probe: { url: 'https://shop-test.example.com', ok: true, status: 200 } },
      }),
    );
    let f = await h.waitFor((x) => x.includes('answered HTTP 200'));
    expect(f).toMatch(/Verdict: succeeded: API success and https:\/\/shop-test\.example\.com answered HTTP 200/);
    expect(f).toMatch(/l runtime logs\s+p deploy live/);
    await h.press('p');
    f = await h.waitFor((x) => x.includes('Deploy shop@live (LIVE)?'));
    await h.press('l', 'i', 'v', 'e');
    await h.press(KEY.enter);
    f = await h.waitFor((x) => x.includes('type "shop@live" exactly'));
    expect(h.gw.commands).toHaveLength(0);
    await h.press(KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace);
    for (const ch of 'shop@live') await h.press(ch);
    await h.press(KEY.enter);
    await h.waitFor(() => h!.gw.commands.length === 1);
    expect(h.gw.commands[0]).toEqual({ kind: 'deploy', params: { env: live.envUuid, buildMode: 'AUTO', confirm: 'shop@live' } });
    await h.waitFor(() => h!.store.current().params.slug === 'live');
    expect(h.store.current().screen).toBe('deploy');
  });

  test('on live itself the footer shows "deploy live" as not available (this is live) and p says why; to a read-only token the footer and help show deploy unavailable with the reason', async () => {
    h = await mount({ fleet: [test_, live], attach: false });
    h.gw.serve('env', { env: live.envUuid }, envData(live));
    h.store.attach(h.gw);
    h.store.push('deploy', { ...T, env: live.envUuid, slug: 'live' });
    let f = await h.waitFor((x) => x.includes('deploy') && x.includes('mode'));
    const footer = (x: string): string => x.split('\n').at(-1) ?? '';
    expect(footer(f)).toMatch(/D deploy {2}m mode {2}p deploy live \(this is liv/);
    await h.press('p');
    await h.waitFor((x) => x.includes('deploy live: not available (this is live)'));
    h.unmount();

    h = await mount({ fleet: [test_, live], attach: false });
    h.gw.welcome = { ...h.gw.welcome, role: 'viewer' };
    h.gw.serve('env', { env: test_.envUuid }, envData(test_));
    h.store.attach(h.gw);
    h.store.push('deploy', T);
    f = await h.waitFor((x) => x.includes('mode') && x.includes('read-only'));
    // before any key: the footer marks them in place, with the reason (cut at 100 columns)
    expect(footer(f)).toMatch(/D deploy \(read-only token\) {2}m mode {2}p deploy/);
    await h.press('D');
    await h.waitFor((x) => x.includes('deploy: not available (read-only token)'));
    expect(h.gw.commands).toHaveLength(0);
    // help says the same, beside each key
    await h.press('?');
    f = await h.waitFor((x) => x.includes('help (deploy)'));
    f = await helpShows(h, /D\s+\(not now: read-only token\) deploy with the chosen build mode/);
    expect(f).toMatch(/D\s+\(not now: read-only token\) deploy with the chosen build mode/);
    expect(f).toMatch(/p\s+\(not now: read-only token\) promote: deploy live/);
    expect(f).toMatch(/m\s+build mode: AUTO/); // available: no mark
  });

  test('remapped confirmation keys: the deploy dialog says the new keys and only they act (confirm ctrl+y, cancel ctrl+d, Enter is ctrl+g, Esc is ctrl+x); help lists them', async () => {
    const km = buildKeymap({ 'dialog.yes': 'ctrl+y', 'dialog.no': 'ctrl+d', 'wizard.next': 'ctrl+g', 'app.back': 'ctrl+x' });
    h = await open(env([]), 'deploy', [], km);
    await h.waitFor((x) => x.includes('never deployed'));
    await h.press('D');
    let f = await h.waitFor((x) => x.includes('Deploy shop@test?'));
    expect(f).toContain('ctrl-y / ctrl-g: deploy    ctrl-d / ctrl-x: cancel');
    await h.press('y', 'n', KEY.enter, KEY.esc); // none of them is bound in the dialog any more
    expect(h.frame()).toContain('Deploy shop@test?');
    expect(h.gw.commands).toHaveLength(0);
    await h.press('\x04'); // ctrl+d cancels
    await h.waitFor((x) => !x.includes('Deploy shop@test?'));
    await h.press('D');
    await h.waitFor((x) => x.includes('Deploy shop@test?'));
    await h.press('\x19'); // ctrl+y confirms
    await h.waitFor(() => h!.gw.commands.length === 1);
    expect(h.gw.commands[0]).toEqual({ kind: 'deploy', params: { env: test_.envUuid, buildMode: 'AUTO' } });
    // a typed confirmation (live): Enter does not confirm, ctrl+g does; the box says ctrl-x cancels
    h.store.push('deploy', { ...T, env: live.envUuid, slug: 'live' });
    await h.waitFor((x) => x.includes('shop › live') || /live › deploy/.test(x));
    await h.press('D');
    f = await h.waitFor((x) => x.includes('Type shop@live to deploy, ctrl-x to cancel:'));
    h.stdin.write('shop@live');
    await h.waitFor((x) => x.includes('> shop@live_'));
    await h.press(KEY.enter);
    expect(h.gw.commands).toHaveLength(1);
    await h.press('\x07'); // ctrl+g
    await h.waitFor(() => h!.gw.commands.length === 2);
    expect(h.gw.commands[1]).toEqual({ kind: 'deploy', params: { env: live.envUuid, buildMode: 'AUTO', confirm: 'shop@live' } });
    await h.waitFor((x) => !x.includes('Type shop@live'));
    await h.press('?');
    await h.waitFor((x) => x.includes('help (deploy)'));
    f = await helpShows(h, /ctrl-y\s+confirm the dialog/);
    expect(f).toMatch(/ctrl-y\s+confirm the dialog/);
    expect(f).toMatch(/ctrl-d\s+cancel the dialog/);
  });

  test('API success but a failing probe is not called a success', async () => {
    const ok = dep('dep-ok2', { ended_at: new Date().toISOString(), status: 'success', success: true, percent: 100 });
    h = await open(env([ok]), 'deploy', [['deployment', { deployment: 'dep-ok2' }, { deployment: ok, log: LOG_OK, append: false }]]);
    h.store.updateView({ job: 'job-1' }, h.store.viewKey());
    h.gw.pushJob(job({ state: 'failed', endedAt: Date.now(), error: 'probe failed', result: { deployment: 'dep-ok2', probe: { url: 'https://shop-test.example.com', ok: false, status: 502 } } }));
    const f = await h.waitFor((x) => x.includes('answered HTTP 502'));
    expect(f).toMatch(/Verdict: API success, but https:\/\/shop-test\.example\.com answered HTTP 502/);
    expect(f).not.toMatch(/l runtime logs\s+p deploy live/);
    await h.press('p');
    expect(h.frame()).not.toContain('Deploy shop@live');
  });
});

describe('backups view', () => {
  const backups = {
    backups: [
      {
        uuid: 'bk-1', environment: test_.envUuid, state: 'COMPLETED', success: 'SUCCESS', service_instance_backups: ['bk-1-db'], notes: 'nightly', trigger: 'SCHEDULED',
        created_at: new Date(Date.now() - 3600e3).toISOString(), ended_at: new Date().toISOString(),
        details: [{ uuid: 'bk-1-db', backup: 'bk-1', service_instance: 'si-db', service_type: 'DATABASE', size: 3 * 1024 * 1024, ended_at: new Date().toISOString(), errors: [] }],
      },
    ],
    serviceInstances: [
      { uuid: 'si-db', prefix: 'DEFAULT', type: 'DATABASE', service: 'postgres-15' },
      { uuid: 'si-media', prefix: 'DEFAULT', type: 'STORAGE', service: 's3' },
    ],
  };

  test('lists backups; n creates one with chosen services and a note; w downloads (where the gateway chooses) and shows the path; Enter opens the restore wizard on it', async () => {
    h = await open(env([]), 'backups', [['backups', { env: test_.envUuid }, backups]]);
    let f = await h.waitFor((x) => x.includes('nightly'));
    expect(f).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d \(1h ago\)\s+scheduled\s+ok\s+db\s+3\.0 MB\s+nightly/); // absolute time, age beside it
    await h.press('n');
    f = await h.waitFor((x) => x.includes('New backup of shop@test'));
    expect(f).toMatch(/\[x\] database/);
    expect(f).toMatch(/\[x\] media/);
    await h.press(KEY.down, ' ', KEY.tab);
    await h.press(...'pre deploy'.split(''));
    expect(h.frame()).toContain('Note: pre deploy_');
    await h.press(KEY.enter);
    await h.waitFor(() => h!.gw.commands.length === 1);
    expect(h.gw.commands[0]).toEqual({ kind: 'backup', params: { env: test_.envUuid, services: ['si-db'], notes: 'pre deploy' } });
    await h.press('w');
    await h.waitFor((x) => x.includes('Download backup bk-1'));
    expect(h.frame()).toContain("the gateway's download folder, under a name it chooses");
    await h.press(KEY.tab, KEY.enter); // no path to type: the gateway chooses where
    await h.waitFor(() => h!.gw.commands.length === 2);
    expect(h.gw.commands[1]).toEqual({ kind: 'download', params: { backup: 'bk-1', siBackups: ['bk-1-db'] } });
    h.gw.pushJob(job({ id: 'job-2', kind: 'download', state: 'succeeded', endedAt: Date.now(), result: { files: [{ path: '/gw/downloads/shop-test-bk-1-1-db.tar', bytes: 2048 }] } }));
    f = await h.waitFor((x) => x.includes('Saved to'));
    expect(f).toContain('/gw/downloads/shop-test-bk-1-1-db.tar (2.0 KB)');
    await h.press(KEY.enter);
    f = await h.waitFor((x) => x.includes('step 2/7'));
    expect(f).toMatch(/\[x\] database/);
  });

  test('the backups view names its keys as bound (new a, download W, restore ctrl+r, open ctrl+o, jobs T), and n opens no form any more', async () => {
    const km = buildKeymap({ 'backups.new': 'a', 'backups.download': 'W', 'backups.restore': 'ctrl+r', 'list.open': 'ctrl+o', 'app.jobs': 'T' });
    h = await open(env([]), 'backups', [['backups', { env: test_.envUuid }, backups]], km);
    const f = await h.waitFor((x) => x.includes('nightly'));
    expect(f).toContain('a new backup   W download   ctrl-r/ctrl-o restore   T jobs');
    expect(f).not.toContain('n new backup');
    await h.press('n');
    expect(h.frame()).not.toContain('New backup of shop@test');
    await h.press('a');
    await h.waitFor((x) => x.includes('New backup of shop@test'));
  });

  test('remapped form keys: help and the form say the new keys, and only they act (toggle v, note ctrl+n, create ctrl+g, cancel ctrl+x)', async () => {
    const km = buildKeymap({ 'wizard.toggle': 'v', 'form.field': 'ctrl+n', 'wizard.next': 'ctrl+g', 'app.back': 'ctrl+x' });
    h = await open(env([]), 'backups', [['backups', { env: test_.envUuid }, backups]], km);
    await h.waitFor((x) => x.includes('nightly'));
    await h.press('n');
    let f = await h.waitFor((x) => x.includes('New backup of shop@test'));
    expect(f).toContain('v toggle   ctrl-n note   ctrl-g create the backup   ctrl-x cancel');
    await h.press(KEY.down, ' '); // space is no longer "toggle"
    expect(h.frame()).toMatch(/\[x\] media/);
    await h.press('v');
    await h.waitFor((x) => /\[ \] media/.test(x));
    await h.press(KEY.tab); // nor is Tab "note"
    await h.press('\x0e'); // ctrl+n
    await h.press(...'hi'.split(''));
    await h.waitFor((x) => x.includes('Note: hi_'));
    await h.press(KEY.enter); // Enter no longer submits
    expect(h.gw.commands).toHaveLength(0);
    await h.press('\x07'); // ctrl+g
    await h.waitFor(() => h!.gw.commands.length === 1);
    expect(h.gw.commands[0]).toEqual({ kind: 'backup', params: { env: test_.envUuid, services: ['si-db'], notes: 'hi' } });
    await h.press('?');
    f = await h.waitFor((x) => x.includes('help (backups)'));
    expect(await helpShows(h, /v\s+toggle the item under the cursor/)).toMatch(/v\s+toggle the item under the cursor/);
    expect(await helpShows(h, /ctrl-n\s+new backup: switch between the services and the note/)).toMatch(/ctrl-n\s+new backup: switch between the services and the note/);
  });
});

describe('purge', () => {
  const domains = [
    { uuid: 'dom-d', domain: 'www.shop.de', cdn: 'divio-cloudflare' as const },
    { uuid: 'dom-c', domain: 'shop.com', cdn: 'customer-cloudflare' as const, cloudflare_zone: 'zone1234abcd' },
  ];

  test('a Divio-managed domain is cleared after a confirmation with y: a double Enter does not purge', async () => {
    h = await open(env([], { domains }), 'purge');
    await h.waitFor((x) => x.includes('www.shop.de'));
    await h.press(KEY.enter);
    await h.waitFor((x) => x.includes('Clear the CDN cache of www.shop.de?'));
    await h.press(KEY.enter); // the key that opened it
    await h.waitFor((x) => x.includes('press y to clear'));
    expect(h.gw.commands).toHaveLength(0);
    await h.press('y');
    await h.waitFor(() => h!.gw.commands.length === 1);
    expect(h.gw.commands[0]).toEqual({ kind: 'cdn-clear', params: { domain: 'dom-d' } });
  });

  test('a customer zone: input validated before sending, 250 URLs are 3 requests, everything needs the typed slug', async () => {
    h = await open(env([], { domains }), 'purge');
    await h.waitFor((x) => x.includes('shop.com'));
    await h.press(KEY.down, KEY.enter);
    await h.waitFor((x) => x.includes('[URLs]'));
    await h.press(KEY.tab); // prefixes
    h.stdin.write('https://shop.com/blog/');
    await h.press(KEY.enter);
    let f = await h.waitFor((x) => x.includes('prefixes have no scheme'));
    expect(h.gw.commands).toHaveLength(0);
    await h.press(KEY.tab, KEY.tab, KEY.tab, KEY.tab); // back to URLs
    for (let i = 0; i < 22; i++) await h.press(KEY.backspace);
    h.stdin.write(Array.from({ length: 250 }, (_, i) => `https://shop.com/p/${i}`).join(' '));
    f = await h.waitFor((x) => x.includes('250 item(s), 3 request(s)'));
    await h.press(KEY.enter);
    await h.waitFor(() => h!.gw.commands.length === 1);
    expect((h.gw.commands[0]!.params as { files: string[] }).files).toHaveLength(250);
    h.gw.pushJob(job({ id: 'job-1', kind: 'cloudflare-purge', state: 'succeeded', result: { requests: 3, rateLimit: { plan: 'pro', tokens: 22, capacity: 25, perSecond: 5, waitMs: 0 } } }));
    f = await h.waitFor((x) => x.includes('Rate limit'));
    expect(f).toContain('22/25 purge requests available (pro plan, refills 5/s)');
    await h.press(KEY.enter, KEY.tab, KEY.tab, KEY.tab, KEY.tab, KEY.enter);
    await h.waitFor((x) => x.includes('Purge EVERYTHING cached for shop@test?'));
    for (const ch of 'shop@test') await h.press(ch);
    await h.press(KEY.enter);
    await h.waitFor(() => h!.gw.commands.length === 2);
    expect(h.gw.commands[1]).toEqual({ kind: 'cloudflare-purge', params: { env: test_.envUuid, everything: true, confirm: 'shop@test' } });
  });

  test('remapped form keys: the purge kind follows ctrl+k (not Tab), submit follows ctrl+g (not Enter), help says so', async () => {
    const km = buildKeymap({ 'purge.kind': 'ctrl+k', 'wizard.next': 'ctrl+g' });
    h = await open(env([], { domains }), 'purge', [], km);
    await h.waitFor((x) => x.includes('shop.com'));
    await h.press(KEY.down, KEY.enter);
    let f = await h.waitFor((x) => x.includes('[URLs]'));
    expect(f).toContain('(ctrl-k)');
    expect(f).toContain('ctrl-g purge   ctrl-k kind');
    await h.press(KEY.tab);
    expect(h.frame()).toContain('[URLs]');
    await h.press('\x0b'); // ctrl+k
    await h.waitFor((x) => x.includes('[prefixes]'));
    h.stdin.write('shop.com/blog/');
    await h.waitFor((x) => x.includes('shop.com/blog/_'));
    await h.press(KEY.enter);
    expect(h.gw.commands).toHaveLength(0);
    await h.press('\x07'); // ctrl+g
    await h.waitFor(() => h!.gw.commands.length === 1);
    expect(h.gw.commands[0]).toEqual({ kind: 'cloudflare-purge', params: { env: test_.envUuid, prefixes: ['shop.com/blog/'] } });
    await h.press('?');
    f = await h.waitFor((x) => x.includes('help (purge)'));
    expect(await helpShows(h, /ctrl-k\s+purge kind/)).toMatch(/ctrl-k\s+purge kind/);
  });
});

describe('purge rows follow the keymap', () => {
  const domains = [
    { uuid: 'dom-d', domain: 'www.shop.de', cdn: 'divio-cloudflare' as const },
    { uuid: 'dom-c', domain: 'shop.com', cdn: 'customer-cloudflare' as const, cloudflare_zone: 'zone1234abcd' },
  ];

  test('list.open remapped to ctrl+o: the rows say ctrl-o, Enter opens nothing, ctrl+o opens the dialog and the form; the form names only the keys bound', async () => {
    const km = buildKeymap({ 'list.open': 'ctrl+o', 'wizard.next': 'ctrl+g' });
    h = await open(env([], { domains }), 'purge', [], km);
    let f = await h.waitFor((x) => x.includes('shop.com'));
    expect(f).toContain('Divio-managed Cloudflare: ctrl-o clears the whole domain');
    expect(f).toContain('own Cloudflare zone zone1234: ctrl-o purges URLs');
    expect(f).not.toMatch(/enter (clears|purges)/);
    await h.press(KEY.enter);
    expect(h.frame()).not.toContain('Clear the CDN cache of www.shop.de?');
    await h.press('\x0f'); // ctrl+o
    await h.waitFor((x) => x.includes('Clear the CDN cache of www.shop.de?'));
    await h.press('n');
    await h.waitFor((x) => !x.includes('Clear the CDN cache'));
    await h.press(KEY.down, KEY.enter);
    expect(h.frame()).not.toContain('[URLs]');
    await h.press('\x0f');
    f = await h.waitFor((x) => x.includes('[URLs]'));
    expect(f).toContain('ctrl-g purge   tab kind   esc cancel');
    expect(f).not.toContain('enter purge');
  });
});

describe('environment variables form', () => {
  test('the unset and deploy questions name the keys bound (dialog.yes ctrl+y, dialog.no ctrl+d, app.back ctrl+x, vars.deploy ctrl+e)', async () => {
    const km = buildKeymap({ 'dialog.yes': 'ctrl+y', 'dialog.no': 'ctrl+d', 'app.back': 'ctrl+x', 'vars.deploy': 'ctrl+e' });
    h = await open(env([]), 'vars', [], km);
    await h.waitFor((x) => x.includes('DJANGO_SECRET_KEY'));
    await h.press('X');
    let f = await h.waitFor((x) => x.includes('Unset '));
    expect(f).toContain('ctrl-y unsets, ctrl-x keeps it.');
    expect(f).not.toContain('y unsets, Esc');
    await h.press('\x18');
    await h.waitFor((x) => !x.includes('Unset '));
    await h.press('\x05'); // ctrl+e: deploy
    f = await h.waitFor((x) => x.includes('Deploy shop@test now?'));
    expect(f).toContain('ctrl-d / ctrl-x: not now (ctrl-e deploys later).');
    await h.press('\x04'); // ctrl+d: not now
    await h.waitFor((x) => !x.includes('Deploy shop@test now?'));
    expect(h.gw.commands).toHaveLength(0);
  });


  test('remapped form keys: the form and help say the new keys, and only they act (next field ctrl+n, toggle v, set ctrl+g, cancel ctrl+x)', async () => {
    const km = buildKeymap({ 'form.field': 'ctrl+n', 'wizard.toggle': 'v', 'wizard.next': 'ctrl+g', 'app.back': 'ctrl+x' });
    h = await open(env([]), 'vars', [], km);
    await h.waitFor((x) => x.includes('DJANGO_SECRET_KEY'));
    await h.press('n');
    let f = await h.waitFor((x) => x.includes('New variable of shop@test'));
    expect(f).toContain('ctrl-n next field   v toggles sensitive   ctrl-g set   ctrl-x cancel');
    h.stdin.write('API_KEY');
    await h.waitFor((x) => x.includes('Name:      API_KEY_'));
    await h.press(KEY.tab); // no longer "next field"
    expect(h.frame()).toContain('Name:      API_KEY_');
    await h.press('\x0e'); // ctrl+n: the sensitive flag
    await h.press(' ', 'x'); // no longer "toggle"
    expect(h.frame()).toContain('Sensitive: [ ] no');
    await h.press('v');
    await h.waitFor((x) => x.includes('Sensitive: [x] yes'));
    await h.press('\x0e'); // the value, masked from its first character
    h.stdin.write('s3cret');
    await h.waitFor((x) => x.includes('Value:     ••••••_'));
    await h.press(KEY.enter, KEY.esc); // Enter no longer sets, Esc no longer cancels
    expect(h.gw.commands).toHaveLength(0);
    expect(h.frame()).toContain('New variable of shop@test');
    await h.press('\x07'); // ctrl+g
    await h.waitFor(() => h!.gw.commands.length === 1);
    expect(h.gw.commands[0]).toEqual({ kind: 'env-var', params: { action: 'set', env: test_.envUuid, name: 'API_KEY', value: 's3cret', sensitive: true } });
    await h.press('e'); // edit the selected one, then cancel with ctrl+x
    await h.waitFor((x) => x.includes('Change '));
    await h.press('\x18');
    await h.waitFor((x) => !x.includes('Change '));
    await h.press('?');
    f = await h.waitFor((x) => x.includes('help (vars)'));
    expect(await helpShows(h, /ctrl-n\s+new backup: switch between the services and the note; variable: the next field/)).toMatch(/ctrl-n\s+new backup: switch between the services and the note; variable: the next field/);
    expect(await helpShows(h, /ctrl-g\s+next step \/ submit/)).toMatch(/ctrl-g\s+next step \/ submit/);
  });
});
