import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../src/store/app.js';
import { fleetItems, lastDeployText, parseFilter, stateText } from '../../src/store/fleet.js';
import { complete, parseCommand, fuzzyScore } from '../../src/store/palette.js';
import { layoutColumns, windowStart, type Column } from '../../components/Table.js';
import { FakeGateway, sampleFleet, fleetRow, tick } from './fake.js';

describe('app store', () => {
  it('batches notifications: a burst of updates is one commit', async () => {
    const store = createAppStore({ commitIntervalMs: 50 });
    let commits = 0;
    store.subscribe(() => commits++);
    for (let i = 0; i < 1000; i++) store.updateView({ cursor: i }, 'fleet');
    await tick(80);
    expect(commits).toBe(1);
    expect(store.view('fleet').cursor).toBe(999);
    store.dispose();
  });

  it('a "started" message gives way to the job\'s end when the job ends, even on the job\'s own view (it stayed for seconds after "succeeded")', async () => {
    const gw = new FakeGateway();
    const store = createAppStore({ commitIntervalMs: 0 });
    store.attach(gw);
    const job = await store.runCommand('env-var', { action: 'set', env: 'env-shop-test', name: 'STAGE' });
    expect(store.getState().toast?.text).toMatch(/^env-var env-shop-test: started/);
    gw.pushJob({ ...job!, state: 'succeeded', updatedAt: job!.updatedAt + 1, endedAt: Date.now() });
    expect(store.getState().toast).toMatchObject({ text: 'variable change env-shop-test succeeded', kind: 'ok' });
    // a start said after its end came (both in one read): the end is said
    const quick = await gw.command('env-var', { action: 'unset', env: 'env-shop-test', name: 'STAGE' });
    gw.pushJob({ ...quick, state: 'failed', error: 'no such variable', updatedAt: quick.updatedAt + 1, endedAt: Date.now() });
    store.toast('unset STAGE: started', 'ok', quick.id);
    expect(store.getState().toast).toMatchObject({ text: 'variable change env-shop-test failed: no such variable', kind: 'error' });
    store.dispose();
  });

  it("says the gateway's start-up notices (state files moved aside) once, as a warning, not at every reconnect", () => {
    const gw = new FakeGateway();
    const line = 'unusable sandbox state: moved to ~/.local/state/divio-tui/sandbox/state.json.corrupt-20261206T044313Z (unreadable state file: Unexpected end of JSON input); starting fresh';
    gw.welcome = { ...gw.welcome, notices: [line] };
    const store = createAppStore({ commitIntervalMs: 0 });
    store.attach(gw);
    expect(store.getState().toast).toMatchObject({ text: line, kind: 'warn' });
    store.toast('something else');
    store.attach(gw); // a reconnect: the same welcome again
    expect(store.getState().toast?.text).toBe('something else');
    store.dispose();
  });

  it('ref-counts topic subscriptions and unsubscribes when nobody watches', async () => {
    const gw = new FakeGateway();
    gw.serve('fleet', {}, { rows: sampleFleet() });
    const store = createAppStore({ commitIntervalMs: 0 });
    const a = store.watch('fleet', {});
    const b = store.watch('fleet', {});
    expect(gw.subs.size).toBe(0); // not attached yet: subscribes on attach
    store.attach(gw);
    expect([...gw.subs.keys()]).toEqual(['fleet:{}']);
    await tick(5);
    expect((store.topic('fleet', {})?.data?.rows ?? []).length).toBe(7);
    a();
    a(); // releasing twice is harmless
    expect(gw.subs.size).toBe(1);
    b();
    expect(gw.subs.size).toBe(0);
    store.dispose();
  });

  it("a quiet watch subscribes like any other, but its topic's problems are reported only while a loud watch shares it", async () => {
    const gw = new FakeGateway();
    const store = createAppStore({ commitIntervalMs: 0 });
    store.attach(gw);
    let commits = 0;
    store.subscribe(() => commits++);
    const quiet = store.watch('local', {}, { quiet: true });
    expect(gw.subs.size).toBe(1);
    expect(store.activeWatches()).toEqual(['local:{}']);
    expect(store.reportedWatches()).toEqual([]);
    const loud = store.watch('local', {});
    expect(store.reportedWatches()).toEqual(['local:{}']);
    await tick(5);
    const before = commits;
    loud();
    // the status line is told: no state changed, but what it reports did
    await tick(5);
    expect(commits).toBeGreaterThan(before);
    expect(store.reportedWatches()).toEqual([]);
    expect(gw.subs.size).toBe(1);
    quiet();
    expect(gw.subs.size).toBe(0);
    store.dispose();
  });

  it('load() waits for a topic and releases it afterwards', async () => {
    const gw = new FakeGateway();
    const store = createAppStore({ commitIntervalMs: 0 });
    store.attach(gw);
    const p = store.load('fleet', {}, 2000);
    expect(gw.subs.size).toBe(1);
    gw.serve('fleet', {}, { rows: sampleFleet() });
    expect((await p)?.rows.length).toBe(7);
    expect(gw.subs.size).toBe(0);
    store.dispose();
  });

  it('tracks connection state and jobs from the client', async () => {
    const gw = new FakeGateway();
    const store = createAppStore({ commitIntervalMs: 0 });
    store.attach(gw);
    gw.setState({ status: 'reconnecting', retryAt: Date.now() + 3000 });
    expect(store.getState().conn.status).toBe('reconnecting');
    await store.runCommand('backup', { env: 'e1' });
    expect(Object.values(store.getState().jobs)).toHaveLength(1);
    expect(store.getState().toast?.text).toMatch(/backup .*started/);
    store.dispose();
  });
});

describe('fleet logic', () => {
  it('filters by substring over app, org, env, branch and state; ! inverts', () => {
    const rows = sampleFleet();
    expect(fleetItems(rows, { filter: 'globex' })).toHaveLength(3);
    expect(fleetItems(rows, { filter: 'shop@qa' })).toHaveLength(1);
    const names = (f: string) => fleetItems(rows, { filter: f }).map((i) => (i.kind === 'row' ? `${i.row.app}@${i.row.env}` : ''));
    // "live" is the environment, never the state: a running environment reads "up", so /!live keeps every other environment
    expect(names('!live')).toEqual(['blog@test', 'shop@test', 'shop@qa', 'wiki@test']);
    expect(names('live')).toEqual(['blog@live', 'crm@live', 'shop@live']);
    // the state's words are what the filter matches
    expect(names('asleep')).toEqual(['blog@test']);
    expect(names('never deployed')).toEqual(['wiki@test']);
    expect(names('up')).toEqual(['blog@live', 'shop@live', 'shop@test']);
    expect(parseFilter('!')).toBe(null);
  });

  it('orders slugs as the collator does, and organisation names by the collator (case and accents)', () => {
    const slugs = ['shop-2', 'shop', 'a1', 'a-1', 'a10', 'a9', 'zz', 'b', '0day', 'shop-10'];
    const rows = slugs.map((s) => fleetRow(s, 'test'));
    const byApp = fleetItems(rows).map((i) => (i.kind === 'row' ? i.row.app : ''));
    expect(byApp).toEqual([...slugs].sort((a, b) => a.localeCompare(b)));
    // names are not slugs: "beta" before "Zeta" and "Ärzte" among the a's, never by code point
    const orgs = fleetItems([fleetRow('a', 'live', { org: 'Zeta' }), fleetRow('b', 'live', { org: 'beta' }), fleetRow('c', 'live', { org: 'Ärzte' })], { grouped: true });
    expect(orgs.filter((i) => i.kind === 'group').map((i) => (i.kind === 'group' ? i.org : ''))).toEqual(['Ärzte', 'beta', 'Zeta']);
  });

  it('describes the last deployment', () => {
    const now = Date.now();
    expect(lastDeployText(fleetRow('a', 'live', { lastDeployment: null }), now)).toBe('-');
    expect(lastDeployText(fleetRow('a', 'live', { lastDeployment: { uuid: 'd', startedAt: null, endedAt: null, success: null, percent: 42.4, status: 'running' } }), now)).toBe('deploying 42 %');
    expect(lastDeployText(fleetRow('a', 'live', { lastDeployment: { uuid: 'd', startedAt: null, endedAt: new Date(now - 20 * 60e3).toISOString(), success: false, percent: 100, status: 'failure' } }), now)).toBe('failed 20m');
    // the first snapshot, before the last deployments are in: loading, not "never deployed" or "-"
    const loading = fleetRow('a', 'live', { lastDeployment: null, state: 'unknown', pending: true });
    expect(lastDeployText(loading, now)).toBe('...');
    expect(stateText(loading)).toBe('loading');
  });
});

describe('palette logic', () => {
  it('parses commands and explains mistakes', () => {
    expect(parseCommand(':env shop@qa')).toMatchObject({ ok: true, value: { command: { name: 'env' }, target: { app: 'shop', env: 'qa' } } });
    expect(parseCommand('fleet')).toMatchObject({ ok: true });
    expect(parseCommand('env shop')).toMatchObject({ ok: false, error: expect.stringContaining('APP@ENV') });
    expect(parseCommand('frobnicate')).toMatchObject({ ok: false, error: expect.stringContaining('unknown command') });
  });

  it('completes fuzzily over commands and targets', () => {
    const rows = sampleFleet();
    expect(complete('lo sh@li', rows)[0]!.text).toBe('logs shop@live');
    expect(complete('dep', rows).map((c) => c.text)).toContain('deploy ');
    expect(complete('env ', rows).every((c) => c.text.startsWith('env '))).toBe(true);
    expect(fuzzyScore('xyz', 'env shop@live')).toBe(-1);
  });
});

describe('table layout', () => {
  const cols: Column<unknown>[] = [
    { id: 'app', title: 'APP', flex: 2, min: 16, priority: 0, cell: () => '' },
    { id: 'org', title: 'ORG', flex: 1, min: 12, priority: 4, cell: () => '' },
    { id: 'env', title: 'ENV', width: 9, priority: 0, cell: () => '' },
    { id: 'branch', title: 'BRANCH', flex: 1, min: 8, priority: 5, cell: () => '' },
    { id: 'state', title: 'STATE', width: 15, priority: 0, cell: () => '' },
  ];
  it('drops the least important columns first on narrow terminals and fills the width', () => {
    const wide = layoutColumns(cols, 120);
    expect(wide.map((c) => c.col.id)).toEqual(['app', 'org', 'env', 'branch', 'state']);
    expect(wide.reduce((s, c) => s + c.width, 0) + wide.length - 1).toBe(118);
    const narrow = layoutColumns(cols, 50);
    expect(narrow.map((c) => c.col.id)).toEqual(['app', 'env', 'state']);
    expect(narrow.find((c) => c.col.id === 'app')!.width).toBeGreaterThanOrEqual(16);
  });
  it('keeps the cursor inside the window', () => {
    expect(windowStart(0, 0, 10, 100)).toBe(0);
    expect(windowStart(15, 0, 10, 100)).toBe(6);
    expect(windowStart(3, 6, 10, 100)).toBe(3);
    expect(windowStart(99, 0, 10, 100)).toBe(90);
  });
});

describe('zone switching in the store', () => {
  it('switchClient releases every subscription of the old zone, clears its data and views, keeps its jobs aside and subscribes again on the new one', async () => {
    const a = new FakeGateway();
    const b = new FakeGateway();
    const alphaRows = sampleFleet();
    a.serve('fleet', {}, { rows: alphaRows });
    b.serve('fleet', {}, { rows: [] });
    const store = createAppStore({ commitIntervalMs: 0 });
    store.setState({ zone: 'alpha' });
    store.attach(a);
    const releaseFleet = store.watch('fleet', {});
    store.watch('jobs', {});
    await tick();
    expect(store.topic('fleet', {})?.data).toEqual({ rows: alphaRows });
    await store.runCommand('backup', { env: 'shop-live' });
    expect(Object.keys(store.getState().jobs)).toEqual(['job-1']);
    store.push('env', { env: 'x' });
    store.updateView({ cursor: 3 }, 'fleet');

    store.switchClient(b, 'beta');
    expect(a.subs.size).toBe(0); // the old zone is polled for nothing any more
    expect([...b.subs.keys()].sort()).toEqual(['fleet:{}', 'jobs:{}']);
    expect(store.getState()).toMatchObject({ zone: 'beta', welcome: b.welcome, jobs: {}, stack: [{ screen: 'fleet', params: {} }], ui: {} });
    expect(store.topic('fleet', {})?.data ?? null).toBeNull(); // nothing of alpha's fleet shows as beta's
    await tick();
    expect(store.topic('fleet', {})?.data).toEqual({ rows: [] });

    // back in alpha: its jobs are there again
    store.switchClient(a, 'alpha');
    expect(Object.keys(store.getState().jobs)).toEqual(['job-1']);
    expect(b.subs.size).toBe(0);
    releaseFleet();
    store.dispose();
  });

  it('palette: zone NAME, zone alone (the list), completion of zone names', () => {
    expect(parseCommand('zone beta')).toMatchObject({ ok: true, value: { command: { name: 'zone' }, arg: 'beta' } });
    expect(parseCommand(':zone')).toMatchObject({ ok: true, value: { command: { name: 'zone' } } });
    expect(parseCommand(':zone')).not.toHaveProperty('value.arg');
    expect(parseCommand('zone a b')).toEqual({ ok: false, error: 'zone takes one name: zone NAME' });
    expect(complete('zone b', [], 8, ['alpha', 'beta']).map((c) => c.text)).toEqual(['zone beta']);
    expect(complete('zon', [], 8, ['alpha']).map((c) => c.text)).toContain('zone');
  });
});
