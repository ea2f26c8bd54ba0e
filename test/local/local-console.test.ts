// End to end, as a user sees it: the console in a real pseudo-terminal (in-process gateway, sandbox
// upstream) with its Local environment on a REAL Docker Engine API served by Podman. The linked
// compose project shows as a "local" row of its application on the fleet; the Local view lists its
// containers; a container that prints to stdout and stderr shows both, in order, in the log viewer;
// stop (confirmed) updates the view; the shell hand-off runs a command in the container and comes
// back. Skipped with one clear line where Podman cannot run (a failure with DIVIO_TUI_REQUIRE_PODMAN=1).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnConsole, KEYS, type Pty } from '../e2e/harness.js';
import { usePodman } from './podman-env.js';

const IMAGE = 'localhost/busybox:latest';
const podman = usePodman('local-console.test');
const { skipReason, dockerHost } = podman;

describe.runIf(skipReason !== null && podman.required)('podman (required)', () => {
  it('Podman must run in CI', () => {
    expect.fail(`DIVIO_TUI_REQUIRE_PODMAN=1 but ${skipReason}`);
  });
});

describe.skipIf(skipReason !== null)('the Local environment in the console (real pty, real Podman)', () => {
  const project = `dtuie2e${process.pid}`;
  let docker: Docker;
  let workDir: string;
  let p: Pty | null = null;
  const ids: string[] = [];

  beforeAll(async () => {
    docker = new Docker({ socketPath: dockerHost.replace(/^unix:\/\//, '') });
    workDir = await mkdtemp(join(tmpdir(), 'dtui-e2e-'));
    await mkdir(join(workDir, '.divio'));
    // acme-portal is an application of the sandbox (seed 1)
    await writeFile(join(workDir, '.divio', 'config.json'), JSON.stringify({ id: 1, slug: 'acme-portal' }));
    for (const s of ['web', 'worker']) {
      const c = await docker.createContainer({
        name: `${project}-${s}-1`,
        Image: IMAGE,
        Cmd: ['sh', '-c', "trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo out$i; echo err$i >&2; sleep 0.3; done"],
        Labels: { 'com.docker.compose.project': project, 'com.docker.compose.service': s, 'com.docker.compose.project.working_dir': workDir },
        HostConfig: { NetworkMode: 'none' },
      });
      await c.start();
      ids.push(c.id);
    }
  }, 30_000);

  afterAll(async () => {
    p?.kill();
    p?.cleanup();
    await Promise.all(ids.map((id) => docker.getContainer(id).remove({ force: true }).catch(() => {})));
    if (workDir) await rm(workDir, { recursive: true, force: true });
    podman.release();
  });

  it('fleet row, Local view, logs in order, confirmed stop, shell hand-off', async () => {
    p = spawnConsole({ node: ['--import', 'tsx', 'src/cli.tsx', '--sandbox', '--ephemeral', '--seed', '1'], env: { DOCKER_HOST: dockerHost }, cols: 130, rows: 32 });
    // Local beside Test and Live
    const fleet = await p.waitForText(/acme-portal\s+Acme Health\s+local\s+2\/2 up/, 25_000);
    expect(fleet).toMatch(/acme-portal\s+Acme Health\s+live[\s\S]*acme-portal\s+Acme Health\s+local/);
    await p.press('C');
    const local = await p.waitForText(`${project}-worker-1`, 10_000);
    expect(local).toMatch(new RegExp(`${project}\\s+→ acme-portal \\(Local\\)`));
    expect(local).toMatch(new RegExp(`web  ${project}-web-1\\s+running\\s+-\\s+localhost/busybox`));
    // (other test files may have containers on the same engine: select rows by name)
    const select = async (name: string): Promise<void> => {
      const rows = p!.lines();
      const first = rows.findIndex((l) => l.includes('SERVICE / CONTAINER')) + 1;
      const at = rows.findIndex((l) => l.includes(name));
      expect(at).toBeGreaterThanOrEqual(first);
      await p!.press('g');
      for (let i = first; i < at; i++) await p!.press('j');
      await p!.waitForText(new RegExp(`[▶>] .*${name}`), 3000);
    };
    // logs of web: stdout and stderr, in order
    await select(`${project}-web-1`);
    await p.press(KEYS.enter);
    await p.waitForText(/err\d+[\s\S]*out\d+[\s\S]*err\d+/, 10_000);
    const msgs = p
      .lines()
      .map((l) => /\s((?:out|err)\d+)$/.exec(l)?.[1])
      .filter((m): m is string => !!m);
    expect(msgs.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < msgs.length; i++) {
      const n = Number(msgs[i - 1]!.slice(3));
      expect(msgs[i]).toBe(msgs[i - 1]!.startsWith('out') ? `err${n}` : `out${n + 1}`);
    }
    // back; stop the worker after confirming
    await p.press(KEYS.esc);
    await p.waitForText(`${project}-worker-1`, 5000);
    await select(`${project}-worker-1`);
    await p.press('S');
    await p.waitForText(`Stop ${project}-worker-1?`, 5000);
    await p.press('y');
    await p.waitForText(new RegExp(`${project}-worker-1\\s+exited`), 15_000);
    // shell into web and come back
    await select(`${project}-web-1`);
    await p.press('s');
    await p.waitForText(`Shell in ${project}-web-1`, 10_000);
    await p.waitForText(/# $/m, 10_000);
    await p.type('echo inside-$((40+2))\r');
    await p.waitForText('inside-42', 5000);
    await p.type('exit\r');
    await p.waitForText(`shell ${project}-web-1: session ended`, 10_000);
    expect(p.screenText()).toMatch(new RegExp(`${project}-worker-1\\s+exited`));
  }, 60_000);
});
