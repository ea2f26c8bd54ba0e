// The Local screen with a fake gateway feeding LocalData (the real gateway side is covered by
// local-topic.test.ts against Podman): grouping, figures, logs route, confirmed actions, the engine
// status line, and when the shell hand-off is (not) offered.
import { afterEach, describe, expect, it, vi } from 'vitest';
vi.hoisted(() => {
  process.env.FORCE_COLOR = '3';
});
import { mount, KEY, type Harness } from '../ui/fake.js';
import { cpuSpark, localItems, memSpark, shellInto, withoutTruncatingNames, type ShellRunner } from '../../screens/Local.js';
import { createAppStore } from '../../src/store/app.js';
import type { LocalContainerData, LocalData } from '../../src/protocol/messages.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});
const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

function ctr(name: string, over: Partial<LocalContainerData> = {}): LocalContainerData {
  return {
    id: `${name}-id`.padEnd(64, '0'),
    shortId: `${name}-id`.padEnd(12, '0').slice(0, 12),
    name,
    project: 'shop',
    service: name.split('-')[1] ?? name,
    image: 'shop-web:latest',
    state: 'running',
    status: 'Up 5 minutes',
    health: 'none',
    startedAt: Date.now() - 5 * 60_000,
    exitCode: null,
    ports: [],
    tty: false,
    cpuPercent: 12.5,
    memoryUsed: 150 * 1024 * 1024,
    memoryLimit: 1024 * 1024 * 1024,
    statsAt: Date.now(),
    cpuHistory: [],
    memHistory: [],
    ...over,
  };
}

function data(over: Partial<LocalData> = {}): LocalData {
  return {
    engine: { status: 'live', reason: null, product: 'podman', version: '4.3.1', address: 'unix:///tmp/p.sock', shell: { argv: ['podman', '--remote', 'exec', '-it', '{container}', 'sh'], env: {} }, shellReason: null },
    projects: [
      {
        project: 'shop',
        workingDir: '/home/dev/shop',
        app: { id: 7, slug: 'shop' },
        appError: null,
        containers: [
          ctr('shop-db-1', { service: 'db', image: 'postgres:15', ports: [{ privatePort: 5432, publicPort: 5432, ip: '0.0.0.0', type: 'tcp' }], health: 'healthy', cpuPercent: 95 }),
          ctr('shop-web-1', { service: 'web', ports: [{ privatePort: 80, publicPort: 8000, ip: '0.0.0.0', type: 'tcp' }] }),
        ],
      },
    ],
    standalone: [ctr('lonely', { project: null, service: null, state: 'exited', exitCode: 137, cpuPercent: null, memoryUsed: null, memoryLimit: null, startedAt: null })],
    updatedAt: Date.now(),
    historyStepMs: 2000,
    ...over,
  };
}

async function openLocal(d: LocalData): Promise<Harness> {
  const hh = await mount();
  hh.gw.serve('local', { stats: true }, d);
  await hh.press('C'); // from the fleet
  await hh.waitFor((f) => f.includes('Local '));
  return hh;
}

describe('local screen', () => {
  it('groups containers under their project (linked app) with state, health, uptime, ports, CPU and memory', async () => {
    h = await openLocal(data());
    const f = strip(await h.waitFor((x) => x.includes('shop-web-1')));
    expect(f).toContain('podman 4.3.1 at unix:///tmp/p.sock  connected (events)  1 project, 3 containers');
    expect(f).toMatch(/shop {2}→ shop \(Local\)/);
    expect(f).toMatch(/db {2}shop-db-1\s+running\s+healthy\s+postgres:15\s+5m\s+5432->5432\s+95\.0\s+150M\/1\.0G/);
    expect(f).toMatch(/web {2}shop-web-1\s+running/);
    expect(f).toContain('containers outside any compose project');
    expect(f).toMatch(/lonely\s+exited\(137\)/);
    const lines = f.split('\n');
    expect(lines.findIndex((l) => l.includes('shop-db-1'))).toBeLessThan(lines.findIndex((l) => l.includes('shop-web-1')));
    expect(lines.findIndex((l) => l.includes('shop-web-1'))).toBeLessThan(lines.findIndex((l) => l.includes('lonely')));
  });

  it('CPU above 90 % is drawn in the critical colour', async () => {
    h = await openLocal(data());
    const f = await h.waitFor((x) => x.includes('shop-web-1'));
    expect(f).toMatch(/\x1b\[(31|91|38;[25];[0-9;]+)m[^\x1b]*95\.0/);
  });

  it('Enter on a container opens its logs in the log viewer (local:<id> through the logs topic)', async () => {
    h = await openLocal(data());
    await h.waitFor((x) => x.includes('shop-web-1'));
    await h.press('j', 'j'); // project header → db → web
    await h.press(KEY.enter);
    const r = h.store.current();
    expect(r.screen).toBe('logs');
    expect(r.params.env).toBe(`local:${ctr('shop-web-1').id}`);
    await h.waitFor(() => [...h!.gw.subs.values()].some((s) => s.topic === 'logs' && JSON.stringify(s.params).includes(`local:${ctr('shop-web-1').id}`)));
  });

  it('stop asks first, then runs a local-action job; n cancels', async () => {
    h = await openLocal(data());
    await h.waitFor((x) => x.includes('shop-web-1'));
    await h.press('j', 'j', 'S');
    const f = strip(await h.waitFor((x) => x.includes('Stop shop-web-1?')));
    expect(f).toContain('service web of shop');
    expect(h.gw.commands).toEqual([]);
    await h.press('n');
    await h.waitFor((x) => !x.includes('Stop shop-web-1?'));
    expect(h.gw.commands).toEqual([]);
    await h.press('R');
    await h.waitFor((x) => x.includes('Restart shop-web-1?'));
    await h.press('y');
    await h.waitFor(() => h!.gw.commands.length > 0);
    expect(h.gw.commands).toEqual([{ kind: 'local-action', params: { container: ctr('shop-web-1').id, action: 'restart' } }]);
  });

  it('on a project header the container keys ask for a container', async () => {
    h = await openLocal(data());
    await h.waitFor((x) => x.includes('shop-web-1'));
    await h.press('S');
    await h.waitFor((x) => x.includes('select a container first'));
    expect(h.gw.commands).toEqual([]);
  });

  it('no engine: one clear line, no table, no crash', async () => {
    h = await openLocal(data({ engine: { status: 'unavailable', reason: 'no Docker engine: DOCKER_HOST unset and /var/run/docker.sock missing', product: null, version: null, address: null, shell: null, shellReason: null }, projects: [], standalone: [] }));
    const f = strip(await h.waitFor((x) => x.includes('no Docker engine')));
    expect(f).toContain('Local · no Docker engine: DOCKER_HOST unset and /var/run/docker.sock missing');
    expect(f).toContain('this view retries by itself');
  });

  it('below the table, the selected container’s CPU and memory over the whole history the gateway keeps: gaps blank, spikes kept', async () => {
    const cpu = [0, 1, 2, 4, 8, 16, null, null, 32, 64];
    const mem = [10, 10, 20, 20, 30, 30, null, null, 40, 80].map((m) => (m === null ? null : m * 1024 * 1024));
    const long = Array.from({ length: 150 }, (_, i) => (i === 3 ? 90 : i % 2));
    const d = data();
    d.projects[0]!.containers[1] = { ...d.projects[0]!.containers[1]!, cpuHistory: cpu, memHistory: mem, cpuPercent: 64, memoryUsed: 80 * 1024 * 1024 };
    d.projects[0]!.containers[0] = { ...d.projects[0]!.containers[0]!, cpuHistory: long, memHistory: long.map(() => 1024 ** 3) };
    h = await openLocal(d);
    let f = strip(await h.waitFor((x) => x.includes('shop-web-1')));
    // the project header is selected: no history line
    expect(f).not.toMatch(/ peak /);
    await h.press('j', 'j');
    f = strip(await h.waitFor((x) => /web {2}CPU .*peak/.test(strip(x))));
    // ten 2-second values: a rising line with a 4-second gap (blanks, not zeros)
    expect(f).toMatch(/web {2}CPU +▁▂▂▂▂▃ {2}▅█ 64\.0% peak 64\.0% {2}MEM +▂▂▃▃▄▄ {2}▅█ 80M peak 80M {2}last 20s/);
    // db: 150 values (5 minutes) fitted into the room, the early spike kept as the tallest bar
    await h.press('k');
    f = strip(await h.waitFor((x) => /db {2}CPU .*peak/.test(strip(x))));
    expect(f).toMatch(/db {2}CPU ▂█▂+ 95\.0% peak 90\.0% {2}MEM █+ 150M peak 1\.0G {2}last 5m/);
    // a running container without history yet says so; an exited one shows nothing
    await h.press('k', 'j', 'j', 'j', 'j');
    await h.waitFor((x) => /▶ .*lonely/.test(strip(x)));
    expect(strip(h.frame())).not.toMatch(/peak|waiting for the first samples/);
  });

  it('the sparkline columns show the last values: CPU scaled to its peak (at least 1 %), memory from 0', () => {
    expect(cpuSpark([0.1, 0.2, 0.1], 5, true)).toBe('  ▂▂▂');
    expect(cpuSpark([0, 50, 100, null], 4, true)).toBe('▁▅█ ');
    expect(memSpark([10, 20, null, 40], 6, true)).toBe('  ▃▅ █');
    expect(cpuSpark([0, 50, 100], 3, false)).toMatch(/^[ -~]{3}$/);
  });

  it('the sparkline columns never cut a container name short: shown where the names still fit, left out otherwise', () => {
    const cols = (ids: string[]) => ids.map((id) => ({ id, title: id, width: id === 'name' ? undefined : 10, flex: id === 'name' ? 1 : undefined, min: 10, cell: (it: { kind: string; c?: { name: string } }) => (it.kind === 'container' ? it.c!.name : '') }));
    const all = cols(['name', 'cpu', 'cpuHistory', 'memHistory']) as never;
    const short = localItems(data());
    const long = localItems(data({ standalone: [ctr('a-container-name-of-thirty-chars', { project: null })] }));
    const ids = (c: Array<{ id: string }>) => c.map((x) => x.id);
    // 58 columns for four columns of at least 10: the name gets 25 (too short for 32), at 70 it gets 35
    expect(ids(withoutTruncatingNames(all, short, 60))).toEqual(['name', 'cpu', 'cpuHistory', 'memHistory']);
    expect(ids(withoutTruncatingNames(all, long, 60))).toEqual(['name', 'cpu']);
    expect(ids(withoutTruncatingNames(all, long, 70))).toEqual(['name', 'cpu', 'cpuHistory', 'memHistory']);
  });

  it('pure: items are project header, its containers, then the standalone group', () => {
    expect(localItems(data()).map((i) => (i.kind === 'container' ? i.c.name : i.kind))).toEqual(['project', 'shop-db-1', 'shop-web-1', 'standalone', 'lonely']);
  });
});

describe('shell hand-off into a local container', () => {
  function storeWith(url: string | null) {
    const store = createAppStore({ commitIntervalMs: 0 });
    const toasts: string[] = [];
    const orig = store.toast.bind(store);
    store.toast = (t, k) => {
      toasts.push(t);
      orig(t, k);
    };
    if (url !== null) store.attach({ ...fakeClient(), opts: { url } } as never);
    return { store, toasts };
  }
  function fakeClient() {
    return {
      state: { status: 'live', attempt: 0, retryAt: null, error: null, since: 0 },
      welcome: null,
      onState: () => () => {},
      onJob: () => () => {},
      subscribe: () => ({ unsubscribe() {} }),
      command: async () => {
        throw new Error('no');
      },
    };
  }
  const runner = (): ShellRunner & { calls: Array<{ argv: string[]; env: Record<string, string> }> } => {
    const calls: Array<{ argv: string[]; env: Record<string, string> }> = [];
    return { calls, run: async (argv, env) => (calls.push({ argv, env }), 0), write: () => {} };
  };

  it('runs the engine CLI with the container id through the suspend hand-off when the gateway is on this machine', async () => {
    const { store, toasts } = storeWith('ws://127.0.0.1:40123');
    let suspended = 0;
    store.services.suspend = async (fn) => {
      suspended++;
      return fn();
    };
    const r = runner();
    const code = await shellInto(store, data(), ctr('shop-web-1'), { runner: r });
    expect(code).toBe(0);
    expect(suspended).toBe(1);
    expect(r.calls).toEqual([{ argv: ['podman', '--remote', 'exec', '-it', ctr('shop-web-1').id, 'sh'], env: {} }]);
    expect(toasts.at(-1)).toBe('shell shop-web-1: session ended');
    store.dispose();
  });

  it('is refused with a reason when the gateway is remote, the container stopped, or no CLI exists', async () => {
    const remote = storeWith('ws://ops.example.com:7000');
    remote.store.services.suspend = async (fn) => fn();
    const r = runner();
    expect(await shellInto(remote.store, data(), ctr('shop-web-1'), { runner: r })).toBeNull();
    expect(remote.toasts.at(-1)).toMatch(/gateway runs on another machine \(ops\.example\.com:7000\)/);
    expect(await shellInto(remote.store, data(), ctr('x', { state: 'exited' }), { runner: r })).toBeNull();
    expect(remote.toasts.at(-1)).toMatch(/the container is exited; start it first/);
    const local = storeWith('ws://127.0.0.1:1');
    local.store.services.suspend = async (fn) => fn();
    const d = data();
    d.engine = { ...d.engine, shell: null, shellReason: 'no docker or podman CLI on PATH to open a shell in the container' };
    expect(await shellInto(local.store, d, ctr('shop-web-1'), { runner: r })).toBeNull();
    expect(local.toasts.at(-1)).toMatch(/no docker or podman CLI on PATH/);
    expect(r.calls).toEqual([]);
    remote.store.dispose();
    local.store.dispose();
  });
});

describe('Local beside Test and Live on the fleet', () => {
  it('a compose project linked to a fleet app is a "local" row of that app; Enter opens its Local view', async () => {
    h = await mount();
    h.gw.serve('local', {}, data()); // the fleet subscribes without stats
    h.gw.serve('local', { project: 'shop', stats: true }, data());
    const f = strip(await h.waitFor((x) => x.includes('2/2 up')));
    const lines = f.split('\n');
    const i = lines.findIndex((l) => /shop\s+Acme\s+local\s+2\/2 up\s+-\s+up/.test(l));
    expect(i).toBeGreaterThan(0);
    // beside the app's cloud environments: right after shop's live and test rows
    expect(lines[i - 2]).toMatch(/shop\s+Acme\s+live/);
    expect(lines[i - 1]).toMatch(/shop\s+Acme\s+test/);
    // cloud actions do not apply to it; Enter opens the project
    h.store.updateView({ cursor: i - 3 }, 'fleet');
    await h.wait(30);
    expect(strip(h.frame()).split('\n')[i]).toMatch(/▶/);
    await h.press('D');
    await h.waitFor((x) => x.includes('Enter opens it'));
    expect(h.gw.commands).toEqual([]);
    await h.press(KEY.enter);
    expect(h.store.current()).toEqual({ screen: 'local', params: { project: 'shop' } });
    await h.waitFor((x) => x.includes('shop-web-1'));
  });
});
