// Integration against a REAL Docker Engine API served by Podman (`podman system service` on a
// private unix socket, started and stopped by scripts/podman-service.sh; busybox image imported from
// a local rootfs, no registry). Skipped with one clear line where Podman is missing or cannot run;
// with DIVIO_TUI_REQUIRE_PODMAN=1 (CI) a skip becomes a failure.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usePodman } from './podman-env.js';
import { LocalEngine, uptimeMs, type ContainerLogLine, type LocalSnapshot, type StatsSample } from '../../src/local/index.js';

const IMAGE = 'localhost/busybox:latest';
import { waitFor } from '../wait.js';

// ---- start the service at collection time, so the suite can be skipped with a reason (shared with
// the other Podman test files: the last one to finish stops it)
const podman = usePodman('podman.test');
const { skipReason, dockerHost, required } = podman;

describe.runIf(skipReason !== null && required)('podman (required)', () => {
  it('Podman must run in CI', () => {
    expect.fail(`DIVIO_TUI_REQUIRE_PODMAN=1 but ${skipReason}`);
  });
});

describe.skipIf(skipReason !== null)('Local environment against the real Podman Engine API', () => {
  const project = `dtui${process.pid}${Date.now() % 100000}`;
  let docker: Docker;
  let engine: LocalEngine;
  let workDir: string;
  const ids: Record<string, string> = {};
  const loop = 'i=0; while true; do i=$((i+1)); echo out$i; echo err$i >&2; sleep 0.2; done';

  async function run(name: string, cmd: string, labels: Record<string, string>): Promise<string> {
    const c = await docker.createContainer({
      name: `${project}-${name}`,
      Image: IMAGE,
      Cmd: ['sh', '-c', cmd],
      Labels: labels,
      HostConfig: { NetworkMode: 'none' },
    });
    await c.start();
    return c.id;
  }

  beforeAll(async () => {
    docker = new Docker({ socketPath: dockerHost.replace(/^unix:\/\//, '') });
    workDir = await mkdtemp(join(tmpdir(), 'dtui-compose-'));
    await mkdir(join(workDir, '.divio'));
    await writeFile(join(workDir, '.divio', 'config.json'), JSON.stringify({ id: 4242, slug: 'podman-shop', application_uuid: 'u-4242' }));
    const compose = (service: string) => ({
      'com.docker.compose.project': project,
      'com.docker.compose.service': service,
      'com.docker.compose.project.working_dir': workDir,
    });
    ids.web = await run('web-1', loop, compose('web'));
    ids.worker = await run('worker-1', loop, compose('worker'));
    ids.seq = await run('seq', 'echo 1; sleep 0.3; echo 2 >&2; sleep 0.3; echo 3; sleep 0.3; echo 4 >&2', {});
    engine = new LocalEngine({ env: { DOCKER_HOST: dockerHost, PATH: process.env.PATH }, cwd: workDir });
  });

  afterAll(async () => {
    engine?.close();
    await Promise.all(Object.values(ids).map((id) => docker.getContainer(id).remove({ force: true }).catch(() => {})));
    if (workDir) await rm(workDir, { recursive: true, force: true });
    podman.release();
  });

  it('finds the engine through DOCKER_HOST and knows it is Podman', async () => {
    const p = await engine.probe();
    expect(p).toMatchObject({ ok: true, product: 'podman', socket: dockerHost });
  });

  it('two compose-labelled containers appear under their project, linked to the app of .divio/config.json', async () => {
    const projects = await engine.projects();
    const mine = projects.find((p) => p.project === project);
    expect(mine).toBeDefined();
    expect(mine!.services.map((c) => [c.service, c.state, c.image, c.name])).toEqual([
      ['web', 'running', IMAGE, `${project}-web-1`],
      ['worker', 'running', IMAGE, `${project}-worker-1`],
    ]);
    expect(mine!.app).toMatchObject({ id: 4242, slug: 'podman-shop', uuid: 'u-4242' });
    const web = mine!.services[0];
    expect(web.startedAt).not.toBeNull();
    expect(uptimeMs(web)).toBeGreaterThanOrEqual(0);
    expect(web.health).toBe('none');
    // the unlabelled container is not part of any project
    expect(projects.some((p) => p.services.some((c) => c.id === ids.seq))).toBe(false);
  });

  it('a container printing to stdout and stderr shows both, tagged and in order', async () => {
    await docker.getContainer(ids.seq).wait();
    const lines = await new Promise<ContainerLogLine[]>((res, rej) => {
      const out: ContainerLogLine[] = [];
      engine.logs(ids.seq, {}, (l) => out.push(l), (err) => (err ? rej(err) : res(out)));
    });
    expect(lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', '1'],
      ['stderr', '2'],
      ['stdout', '3'],
      ['stderr', '4'],
    ]);
    for (const l of lines) expect(l.tsIso).toMatch(/^\d{4}-\d\d-\d\dT/);
    for (let i = 1; i < lines.length; i++) expect(lines[i].ts).toBeGreaterThanOrEqual(lines[i - 1].ts);
  });

  it('following logs of a running container streams both streams until stopped', async () => {
    const got: ContainerLogLine[] = [];
    let endErr: unknown = 'not ended';
    const h = engine.logs(ids.web, { follow: true, tail: 2 }, (l) => got.push(l), (err) => (endErr = err));
    await waitFor(() => got.some((l) => l.stream === 'stderr' && l.text.startsWith('err')) && got.length >= 6, 15_000, 'lines of both streams');
    h.stop();
    expect(endErr).toBeUndefined();
    const outs = got.filter((l) => l.stream === 'stdout').map((l) => Number(l.text.replace('out', '')));
    const errs = got.filter((l) => l.stream === 'stderr').map((l) => Number(l.text.replace('err', '')));
    expect(outs.length).toBeGreaterThan(1);
    expect(errs.length).toBeGreaterThan(1);
    // per stream the sequence numbers only go up
    expect([...outs].sort((a, b) => a - b)).toEqual(outs);
    expect([...errs].sort((a, b) => a - b)).toEqual(errs);
  });

  it('stopping a container updates the list from the engine events; starting it again too', async () => {
    const snaps: LocalSnapshot[] = [];
    const w = engine.watch((s) => snaps.push(s));
    const stateOf = (s: LocalSnapshot | undefined, id: string) => s?.containers.find((c) => c.id === id)?.state;
    await waitFor(() => snaps.length > 0, 10_000, 'the first snapshot');
    expect(stateOf(snaps[0], ids.worker)).toBe('running');

    await engine.stop(ids.worker, 0);
    await waitFor(() => stateOf(snaps[snaps.length - 1], ids.worker) !== 'running', 10_000, 'the stopped state');
    expect(stateOf(snaps[snaps.length - 1], ids.worker)).toBe('exited');

    await engine.start(ids.worker);
    await waitFor(() => stateOf(snaps[snaps.length - 1], ids.worker) === 'running', 10_000, 'the running state again');
    expect(stateOf(snaps[snaps.length - 1], ids.worker)).toBe('running');
    w.stop();
  });

  it('CPU and memory figures appear from the stats stream', async () => {
    const samples: StatsSample[] = [];
    let err: unknown;
    const h = engine.stats(ids.web, (s) => samples.push(s), { onEnd: (e) => (err = e) });
    await waitFor(() => samples.some((s) => s.cpuPercent !== null), 20_000, 'a CPU figure');
    h.stop();
    expect(err).toBeUndefined();
    const s = samples.find((x) => x.cpuPercent !== null)!;
    expect(s).toBeDefined();
    expect(s.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(s.onlineCpus).toBeGreaterThanOrEqual(1);
    expect(s.memoryUsed).toBeGreaterThan(0);
    // Podman with cgroupfs sends usage and limit but no cache breakdown
    expect(['usage', 'cgroup-v1', 'cgroup-v2', 'cache']).toContain(s.memorySource);
  });

  it('restart keeps the container running with a new start time; shell hand-off argv targets this engine', async () => {
    const before = (await engine.containers()).find((c) => c.id === ids.web)!;
    await engine.restart(ids.web, 0);
    const after = (await engine.containers()).find((c) => c.id === ids.web)!;
    expect(after.state).toBe('running');
    expect(after.startedAt!).toBeGreaterThan(before.startedAt!);
    const sh = engine.shell(ids.web);
    expect(sh.ok).toBe(true);
    if (sh.ok) expect(sh.argv.join(' ')).toMatch(new RegExp(`^(docker exec -it ${ids.web}|podman --remote --url ${dockerHost} exec -it ${ids.web}) sh -c `));
  });
});
