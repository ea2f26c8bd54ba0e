// The `local` topic end to end: a real gateway (with the sandbox upstream) whose Local environment is
// a REAL Docker Engine API served by Podman (scripts/podman-service.sh), read by a real WebSocket
// client. Skipped with one clear line where Podman cannot run; DIVIO_TUI_REQUIRE_PODMAN=1 makes a
// skip a failure (CI).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalData, LogsData } from '../../src/protocol/index.js';
import type { LocalHub } from '../../src/gateway/local.js';
import { startRig, waitFor, type Rig } from '../gateway/helpers.js';
import { usePodman } from './podman-env.js';

const IMAGE = 'localhost/busybox:latest';

const podman = usePodman('local-topic.test');
const { skipReason, dockerHost } = podman;

describe.runIf(skipReason !== null && podman.required)('podman (required)', () => {
  it('Podman must run in CI', () => {
    expect.fail(`DIVIO_TUI_REQUIRE_PODMAN=1 but ${skipReason}`);
  });
});

describe.skipIf(skipReason !== null)('the local topic of a gateway against the real Podman Engine API', () => {
  const project = `dtuitopic${process.pid}${Date.now() % 100000}`;
  let docker: Docker;
  let rig: Rig;
  let workDir: string;
  const ids: Record<string, string> = {};
  // exits promptly on SIGTERM (sh as PID 1 ignores it otherwise)
  const loop = "trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo out$i; echo err$i >&2; sleep 0.2; done";

  async function run(name: string, cmd: string, labels: Record<string, string>): Promise<string> {
    const c = await docker.createContainer({ name: `${project}-${name}`, Image: IMAGE, Cmd: ['sh', '-c', cmd], Labels: labels, HostConfig: { NetworkMode: 'none' } });
    await c.start();
    return c.id;
  }

  beforeAll(async () => {
    docker = new Docker({ socketPath: dockerHost.replace(/^unix:\/\//, '') });
    workDir = await mkdtemp(join(tmpdir(), 'dtui-topic-'));
    await mkdir(join(workDir, '.divio'));
    await writeFile(join(workDir, '.divio', 'config.json'), JSON.stringify({ id: 77, slug: 'acme-portal' }));
    const compose = (service: string) => ({
      'com.docker.compose.project': project,
      'com.docker.compose.service': service,
      'com.docker.compose.project.working_dir': workDir,
    });
    ids.web = await run('web-1', loop, compose('web'));
    ids.worker = await run('worker-1', loop, compose('worker'));
    rig = await startRig({
      sandbox: { logRate: 0 },
      gateway: { local: { engine: { env: { DOCKER_HOST: dockerHost, PATH: process.env.PATH }, cwd: workDir }, statsPublishMs: 200, history: { stepMs: 1000, capacity: 5 } } },
    });
  }, 30_000);

  afterAll(async () => {
    await rig?.close();
    await Promise.all(Object.values(ids).map((id) => docker.getContainer(id).remove({ force: true }).catch(() => {})));
    if (workDir) await rm(workDir, { recursive: true, force: true });
    podman.release();
  });

  const opened: Array<ReturnType<Rig['client']>> = [];
  function watchLocal(params: { project?: string; stats?: boolean } = {}) {
    const c = rig.client();
    opened.push(c);
    const seen: { at: number; data: LocalData }[] = [];
    c.subscribe('local', params, { onSnapshot: (d) => seen.push({ at: Date.now(), data: d }) });
    return { c, seen, latest: () => seen[seen.length - 1]?.data ?? null };
  }
  const mine = (d: LocalData | null) => d?.projects.find((p) => p.project === project) ?? null;

  it('shows the two compose-labelled containers under their project, linked to the app, with state, image and uptime', async () => {
    const w = watchLocal();
    await w.c.waitLive();
    const p = await waitFor(() => mine(w.latest()), 10_000, 'the project in the local topic');
    const d = w.latest()!;
    expect(d.engine).toMatchObject({ status: 'live', product: 'podman', address: dockerHost, reason: null });
    expect(p.containers.map((c) => [c.service, c.name, c.state, c.image])).toEqual([
      ['web', `${project}-web-1`, 'running', IMAGE],
      ['worker', `${project}-worker-1`, 'running', IMAGE],
    ]);
    expect(p.app).toEqual({ id: 77, slug: 'acme-portal' });
    expect(p.workingDir).toBe(workDir);
    for (const c of p.containers) {
      expect(c.startedAt).toBeGreaterThan(Date.now() - 120_000);
      expect(c.health).toBe('none');
    }
  }, 20_000);

  it('CPU and memory figures appear for running containers (stats streams while watched)', async () => {
    const plain = watchLocal({ project });
    const w = watchLocal({ project, stats: true });
    await w.c.waitLive();
    const web = await waitFor(
      () => {
        const c = mine(w.latest())?.containers.find((x) => x.service === 'web');
        return c && c.cpuPercent !== null && c.memoryUsed !== null ? c : null;
      },
      20_000,
      'CPU and memory of web',
    );
    expect(web.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(web.cpuPercent).toBeLessThan(100 * 64);
    expect(web.memoryUsed).toBeGreaterThan(0);
    expect(web.statsAt).toBeGreaterThan(Date.now() - 30_000);
    // only the project asked for
    expect(w.latest()!.projects.map((p) => p.project)).toEqual([project]);
    // a subscriber that did not ask for figures gets none
    expect(mine(plain.latest())!.containers.every((c) => c.cpuPercent === null && c.memoryUsed === null)).toBe(true);
  }, 25_000);

  it('CPU and memory history (sparklines): for stats subscribers only, one value per step, bounded; the stats streams stop with the last of them', async () => {
    for (const c of opened.splice(0)) await c.close();
    const hub = rig.gateway.jobs.local as unknown as LocalHub;
    const plain = watchLocal({ project });
    const w = watchLocal({ project, stats: true });
    await w.c.waitLive();
    const web = (d: LocalData | null) => mine(d)?.containers.find((x) => x.service === 'web') ?? null;
    // 5 buckets of 1 s (the rig's settings): the history grows to 5 values and stays there
    const full = await waitFor(
      () => {
        const c = web(w.latest());
        return c && c.memHistory.length === 5 && c.memHistory.filter((v) => v !== null).length >= 2 ? c : null;
      },
      20_000,
      'five seconds of memory history for web',
    );
    expect(w.latest()!.historyStepMs).toBe(1000);
    expect(full.memHistory.at(-1) === null || full.memHistory.at(-1)! > 0).toBe(true);
    for (const v of full.memHistory) if (v !== null) expect(v).toBeGreaterThan(0);
    expect(full.cpuHistory.length).toBeLessThanOrEqual(5);
    for (const v of full.cpuHistory) if (v !== null) expect(v).toBeGreaterThanOrEqual(0);
    await waitFor(() => w.seen.length > 3 && w.seen.slice(-3).every((s) => (web(s.data)?.memHistory.length ?? 0) <= 5), 10_000, 'later snapshots');
    expect(Math.max(...w.seen.map((s) => web(s.data)?.memHistory.length ?? 0))).toBe(5);
    // the subscriber that did not ask for figures gets no history either
    expect(plain.seen.every((s) => mine(s.data)?.containers.every((c) => c.cpuHistory.length === 0 && c.memHistory.length === 0) ?? true)).toBe(true);
    // the Local view closes: its stats streams stop (no polling of the engine for figures), the events stream stays for the fleet
    expect(hub.openStreams()).toBeGreaterThanOrEqual(3);
    await w.c.close();
    opened.splice(opened.indexOf(w.c), 1);
    await waitFor(() => hub.openStreams() === 1, 10_000, 'only the events stream left');
  }, 40_000);

  it('logs of a local container flow through the logs topic: stdout and stderr, in order', async () => {
    const c = rig.client();
    await c.waitLive();
    const lines: LogsData['lines'] = [];
    c.subscribe('logs', { envs: [`local:${ids.worker}`] }, { onSnapshot: (d) => lines.push(...d.lines), onEvent: (d) => lines.push(...d.lines) });
    await waitFor(() => lines.filter((l) => /^(out|err)\d+$/.test(l.message)).length >= 10, 10_000, 'worker log lines');
    const msgs = lines.map((l) => l.message).filter((m) => /^(out|err)\d+$/.test(m));
    // the loop prints outN then errN: the merged stream keeps that order
    const n = (m: string) => Number(m.slice(3));
    for (let i = 1; i < msgs.length; i++) {
      const a = msgs[i - 1]!;
      const b = msgs[i]!;
      if (a.startsWith('out')) expect(b).toBe(`err${n(a)}`);
      else expect(b).toBe(`out${n(a) + 1}`);
    }
    expect(lines[0]!.source).toBe(`${project}@local`);
    const byMsg = new Map(lines.map((l) => [l.message, l.service]));
    expect(byMsg.get(msgs.find((m) => m.startsWith('out'))!)).toBe('worker');
    expect(byMsg.get(msgs.find((m) => m.startsWith('err'))!)).toBe('worker!');
  }, 20_000);

  it('stopping a container (local-action job) updates the topic via events within 2 s', async () => {
    const w = watchLocal({ project, stats: true });
    await w.c.waitLive();
    await waitFor(() => mine(w.latest())?.containers.every((c) => c.state === 'running'), 10_000, 'both running');
    const job = await w.c.command('local-action', { container: ids.web, action: 'stop' });
    expect(job.target).toBe(`${project}/web@local`);
    const done = await waitFor(() => {
      const j = rig.gateway.jobs.get(job.id);
      return j && j.state !== 'running' && j.state !== 'queued' ? j : null;
    }, 15_000, 'the stop job to end');
    expect(done.state).toBe('succeeded');
    const stoppedAt = Date.now();
    const seen = await waitFor(
      () => w.seen.find((s) => s.at >= stoppedAt - 5000 && mine(s.data)?.containers.find((c) => c.service === 'web')?.state === 'exited'),
      2000,
      'web exited in the topic',
    );
    expect(seen.at - stoppedAt).toBeLessThan(2000);
    const web = mine(seen.data)!.containers.find((c) => c.service === 'web')!;
    expect(web.cpuPercent).toBeNull(); // no stats for a stopped container
    expect(mine(seen.data)!.containers.find((c) => c.service === 'worker')!.state).toBe('running');
  }, 30_000);

  it('an unknown container is refused before anything changes', async () => {
    const c = rig.client();
    await c.waitLive();
    await expect(c.command('local-action', { container: 'no-such-container-xyz', action: 'restart' })).rejects.toThrow(/no container "no-such-container-xyz"/);
  });
});
