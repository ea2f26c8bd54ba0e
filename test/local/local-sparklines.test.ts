// End to end, as a user sees it: the BUILT console (dist/divio-tui.js) in a real pseudo-terminal,
// its Local view on a REAL Docker Engine API served by Podman. While the view is open, each running
// container's row grows CPU and memory sparklines, and the line under the table draws the selected
// container's history with its latest figure and peak. Skipped with one clear line where Podman
// cannot run (a failure with DIVIO_TUI_REQUIRE_PODMAN=1).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binAvailable, spawnConsole, type Pty } from '../e2e/harness.js';
import { usePodman } from './podman-env.js';

const IMAGE = 'localhost/busybox:latest';
const podman = usePodman('local-sparklines.test');
const { skipReason, dockerHost } = podman;

describe.runIf(skipReason !== null && podman.required)('podman (required)', () => {
  it('Podman must run in CI', () => {
    expect.fail(`DIVIO_TUI_REQUIRE_PODMAN=1 but ${skipReason}`);
  });
});

describe.skipIf(skipReason !== null)('Local view sparklines (built console, real pty, real Podman)', () => {
  const project = `dtuispark${process.pid}`;
  let docker: Docker;
  let workDir: string;
  let p: Pty | null = null;
  let id = '';

  beforeAll(async () => {
    expect(binAvailable(), 'dist/divio-tui.js: run npm run build first').toBe(true);
    docker = new Docker({ socketPath: dockerHost.replace(/^unix:\/\//, '') });
    workDir = await mkdtemp(join(tmpdir(), 'dtui-spark-'));
    await mkdir(join(workDir, '.divio'));
    await writeFile(join(workDir, '.divio', 'config.json'), JSON.stringify({ id: 1, slug: 'acme-portal' }));
    const c = await docker.createContainer({
      name: `${project}-web-1`,
      Image: IMAGE,
      Cmd: ['sh', '-c', "trap 'exit 0' TERM; while true; do echo tick; sleep 0.5; done"],
      Labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': 'web', 'com.docker.compose.project.working_dir': workDir },
      HostConfig: { NetworkMode: 'none' },
    });
    await c.start();
    id = c.id;
  }, 30_000);

  afterAll(async () => {
    p?.kill();
    p?.cleanup();
    if (id) await docker.getContainer(id).remove({ force: true }).catch(() => {});
    if (workDir) await rm(workDir, { recursive: true, force: true });
    podman.release();
  });

  it('a running container grows CPU and memory sparklines; the selected one’s history is drawn under the table', async () => {
    p = spawnConsole({ args: ['--sandbox', '--ephemeral', '--seed', '1'], env: { DOCKER_HOST: dockerHost }, cols: 220, rows: 30 });
    await p.waitForText(/acme-portal\s+Acme Health\s+local/, 25_000);
    await p.press('C');
    const name = `${project}-web-1`;
    const first = await p.waitForText(name, 10_000);
    expect(first).toMatch(/CPU%\s+CPU 20s\s+MEM\s+MEM 20s/);
    // Podman sends a sample every 5 s: after two of them the row carries several columns of history
    // (10 characters each; at least the last 3 drawn)
    const G = '[▁▂▃▄▅▆▇█]';
    const rowRe = new RegExp(`${name}\\s+running.*\\d\\.\\d ([ ▁▂▃▄▅▆▇█]{7}${G}{3})\\s+\\S+ ([ ▁▂▃▄▅▆▇█]{7}${G}{3})`);
    const screen = await p.waitForText(rowRe, 30_000);
    expect(rowRe.exec(screen)![2]!.trimStart()).toMatch(/^[▁▂▃▄▅▆▇█]+$/); // memory: no gap while the stream runs
    // select the container: its history under the table, with the latest figure, the peak and the span
    const at = p.lines().findIndex((l) => l.includes(name));
    const top = p.lines().findIndex((l) => l.includes('SERVICE / CONTAINER')) + 1;
    await p.press('g');
    for (let i = top; i < at; i++) await p.press('j');
    const hist = await p.waitForText(/web {2}CPU +[▁▂▃▄▅▆▇█]+ \d+\.\d% peak \d+\.\d% {2}MEM +[▁▂▃▄▅▆▇█]+ \S+ peak \S+ {2}last \d+s/, 10_000);
    expect(hist).toMatch(new RegExp(`[▶>] .*${name}`));
  }, 90_000);
});
