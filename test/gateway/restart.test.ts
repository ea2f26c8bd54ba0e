// The gateway process is killed (SIGKILL) mid-stream and restarted: the client is live again
// quickly, lines continue, and nothing is lost silently.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { build } from 'esbuild';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { GatewayClient, type GapInfo } from '../../src/client/index.js';
import type { LogLine, LogMarker } from '../../src/domain/index.js';
import { sleep, waitFor } from './helpers.js';

const TOKEN = 'child-gateway-token-0123456789';
let sandbox: Sandbox;
let dataDir: string;
let child: ChildProcess | null = null;
let childScript: string;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 11, ephemeral: true, ssh: false, logRate: 0, speed: 1 });
  dataDir = mkdtempSync(join(tmpdir(), 'divio-tui-gw-child-'));
  // bundled once, so that each (re)start of the child takes a fraction of a second
  // (inside the repository, so that the native modules left external resolve from node_modules)
  childScript = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'divio-tui-tests', `gateway-child-${process.pid}.mjs`);
  await build({
    entryPoints: [join(import.meta.dirname, 'fixtures', 'gateway-child.ts')],
    outfile: childScript,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    external: ['ssh2', 'cpu-features', 'dockerode', '@lydell/node-pty'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (childScript) rmSync(childScript, { force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

function startChild(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [childScript], {
      env: { ...process.env, GW_UPSTREAM_URL: sandbox.divioUrl, GW_UPSTREAM_TOKEN: sandbox.token, GW_PORT: String(port), GW_TOKEN: TOKEN, GW_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const t = setTimeout(() => reject(new Error(`gateway child did not start: ${err}`)), 15_000);
    p.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('READY ')) {
        clearTimeout(t);
        resolve(p);
      }
    });
    p.stderr!.on('data', (d) => (err += d));
    p.once('exit', (code) => reject(new Error(`gateway child exited (${code}): ${err}`)));
  });
}

test('SIGKILL mid-stream: live again within 3 s of the restart, lines continue, no silent loss', async () => {
  const env = sandbox.ids('acme-reports', 'live').env!;
  const port = await freePort();
  child = await startChild(port);
  const client = new GatewayClient({ url: `ws://127.0.0.1:${port}`, token: TOKEN, backoff: { baseMs: 50, maxMs: 400 } });
  client.connect();
  await client.waitLive(5000);
  const got: string[] = [];
  const gaps: GapInfo[] = [];
  const markers: LogMarker[] = [];
  const take = (lines: LogLine[], m: LogMarker[]) => {
    for (const l of lines) if (l.message.startsWith('n-')) got.push(l.message);
    markers.push(...m);
  };
  const sub = client.subscribe('logs', { envs: [env] }, {
    onSnapshot: (d) => take(d.lines, d.markers),
    onEvent: (d) => take(d.lines, d.markers),
    onGap: (g) => gaps.push(g),
  });
  await waitFor(() => sub.lastSeq > 0, 5000, 'first answer');

  // a steady numbered stream, going on across the kill and the restart
  let n = 0;
  let feeding = true;
  const feeder = (async () => {
    while (feeding) {
      const batch = Array.from({ length: 5 }, () => ({ message: `n-${String(n++).padStart(6, '0')}` }));
      sandbox.emitLog(env, batch);
      await sleep(40);
    }
  })();

  await waitFor(() => got.length > 50, 5000, 'lines before the kill');
  child.kill('SIGKILL');
  const atKill = n;
  await waitFor(() => client.state.status === 'reconnecting', 3000, 'client notices the loss');
  // lines keep arriving upstream while the gateway is down
  await waitFor(() => n >= atKill + 50, 10_000, 'lines emitted while the gateway is down');
  const beforeRestart = got.length;
  child = await startChild(port);
  const restartedAt = Date.now();
  await waitFor(() => client.state.status === 'live', 3000, 'client live again within 3 s');
  expect(Date.now() - restartedAt).toBeLessThan(3000);

  await waitFor(() => got.length > beforeRestart + 50, 5000, 'lines continue after the restart');
  feeding = false;
  await feeder;
  await waitFor(() => got.includes(`n-${String(n - 1).padStart(6, '0')}`), 5000, 'the last line');

  const seen = new Set(got);
  const missing: number[] = [];
  for (let i = 0; i < n; i++) if (!seen.has(`n-${String(i).padStart(6, '0')}`)) missing.push(i);
  console.log(`restart: ${n} lines emitted, ${missing.length} missing, ${gaps.length} gap(s)`);
  if (missing.length) {
    // anything lost must be stated by a gap event
    expect(gaps.length).toBeGreaterThan(0);
    expect(gaps[0].text).toMatch(/restart/);
  } else {
    expect(missing).toEqual([]);
  }
  // and nothing twice: the restarted gateway resumed where the client's stream ended
  expect(got.length).toBe(seen.size);
  await client.close();
}, 30_000);

test('lines that expired upstream while the gateway was down: the restarted gateway says exactly how many', async () => {
  // its own sandbox, keeping only 300 lines per environment, and its own data directory
  const small = await startSandbox({ seed: 12, ephemeral: true, ssh: false, logRate: 0, speed: 1, logRetention: 300 });
  const dir = mkdtempSync(join(tmpdir(), 'divio-tui-gw-cursor-'));
  const start = (port: number) => {
    const p = spawn(process.execPath, [childScript], {
      env: { ...process.env, GW_UPSTREAM_URL: small.divioUrl, GW_UPSTREAM_TOKEN: small.token, GW_PORT: String(port), GW_TOKEN: TOKEN, GW_DATA_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Promise<ChildProcess>((resolve, reject) => {
      let out = '';
      p.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('READY ')) resolve(p);
      });
      p.once('exit', (code) => reject(new Error(`gateway child exited (${code})`)));
    });
  };
  let gw: ChildProcess | null = null;
  try {
    const env = small.ids('acme-reports', 'live').env!;
    const port = await freePort();
    gw = await start(port);
    const client = new GatewayClient({ url: `ws://127.0.0.1:${port}`, token: TOKEN, backoff: { baseMs: 50, maxMs: 400 } });
    client.connect();
    await client.waitLive(5000);
    const got: string[] = [];
    const markers: LogMarker[] = [];
    const gaps: GapInfo[] = [];
    const take = (lines: LogLine[], m: LogMarker[]) => {
      for (const l of lines) if (l.message.startsWith('m-')) got.push(l.message);
      markers.push(...m);
    };
    client.subscribe('logs', { envs: [env] }, { onSnapshot: (d) => take(d.lines, d.markers), onEvent: (d) => take(d.lines, d.markers), onGap: (g) => gaps.push(g) });
    const line = (i: number) => `m-${String(i).padStart(6, '0')}`;
    small.emitLog(env, Array.from({ length: 20 }, (_, i) => ({ message: line(i) })));
    await waitFor(() => got.includes(line(19)), 5000, 'the first 20 lines');
    // the gateway writes where it stands at most every 5 s: wait until the file holds this environment's cursor
    await waitFor(() => {
      try {
        return readFileSync(join(dir, 'log-cursors.json'), 'utf8').includes(env);
      } catch {
        return false;
      }
    }, 15_000, 'the cursor file');
    gw.kill('SIGKILL');
    await waitFor(() => client.state.status === 'reconnecting', 3000, 'client notices the loss');
    // 1,000 lines while the gateway is down: the upstream keeps the last 300, so 700 expire
    for (let b = 0; b < 10; b++) small.emitLog(env, Array.from({ length: 100 }, (_, i) => ({ message: line(20 + b * 100 + i) })));
    gw = await start(port);
    await waitFor(() => got.includes(line(1019)), 8000, 'the lines the upstream still has');
    const seen = new Set(got);
    const missing = Array.from({ length: 1020 }, (_, i) => line(i)).filter((l) => !seen.has(l));
    expect(missing.length).toBe(700);
    // said in-band, with the count, where the lines are missing — not "unknown count"
    const retention = markers.filter((m) => m.kind === 'retention');
    expect(retention.map((m) => m.text)).toEqual([expect.stringMatching(/^700 lines of acme-reports@live expired upstream/)]);
    expect(retention[0].count).toBe(700);
    expect(gaps.filter((g) => /unknown count/.test(g.text))).toEqual([]);
    // nothing twice
    expect(got.length).toBe(seen.size);
    await client.close();
  } finally {
    gw?.kill('SIGKILL');
    await small.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);
