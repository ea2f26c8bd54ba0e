// The side-by-side stack the log measurements run on: the real sandbox (`divio-tui sandbox`, its own
// process), the real gateway (`divio-tui serve`, its own process) pointed at the sandbox as a zone,
// and consoles attached with `--gateway` in a pty. Log lines are emitted through the sandbox's
// control surface (POST /_sandbox/emit-log), each stamped with its number and emission time
// ("BENCH n=17 t=1732406400123"), so loss and latency can be measured wherever a line shows up.
import { createServer, connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { spawnBinary, spawnService, type Service } from './procs.js';

export interface Emitted { n: number; first: number; last: number; ms: number; posts: number }
export interface SandboxStats { total: number; byRoute: Record<string, number>; logRequests?: number }

export interface SandboxHost {
  url: string;
  token: string;
  /** "app/env" → environment uuid. */
  envs: Record<string, string>;
  pid: number;
  /** How it was started ("divio-tui sandbox" or the fallback). */
  how: string;
  /** Emit `rate` stamped lines/s into `env` for `seconds`; resolves when all were accepted. */
  emit(env: string, rate: number, seconds: number, pad?: number): Promise<Emitted>;
  stats(): Promise<SandboxStats>;
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(p));
    });
  });
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

async function waitListening(svc: Service, port: number, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (svc.exited()) throw new Error(`${what} exited: ${svc.output().trim().split('\n').slice(-3).join(' | ').slice(0, 300) || '(no output)'}`);
    if (await canConnect(port)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within ${timeoutMs / 1000} s: ${svc.output().slice(-300)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const FILLER =
  '10.4.17.203 - - "GET /api/v1/orders/?page=2 HTTP/1.1" 200 5123 "-" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0" rt=0.042 upstream=web-1';

let counter = 0;

/** Start the sandbox: `divio-tui sandbox --ephemeral --seed N --log-rate 0`, else the in-repo fallback. */
export async function startSandboxHost(seed = 1, log: (s: string) => void = () => {}, apps?: number): Promise<SandboxHost> {
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const size = apps ? ['--apps', String(apps), '--no-ssh'] : [];
  let svc: Service | null = spawnBinary(['sandbox', '--port', String(port), '--token', token, '--ephemeral', '--seed', String(seed), '--log-rate', '0', ...size], {
    HOME: `/tmp/divio-bench-sb-${process.pid}`,
    XDG_STATE_HOME: `/tmp/divio-bench-sb-${process.pid}/state`,
  });
  let how = 'divio-tui sandbox';
  let url = `http://127.0.0.1:${port}`;
  let tok = token;
  try {
    // (a big scenario takes a few seconds to build)
    await waitListening(svc, port, 'divio-tui sandbox', apps ? 90_000 : 20_000);
  } catch (e) {
    log(`  divio-tui sandbox: ${(e as Error).message}; using the in-repo launcher (bench/sandbox-host.ts)`);
    await svc.kill();
    const tsxCli = resolve(process.cwd(), 'node_modules/tsx/dist/cli.mjs');
    svc = spawnService(process.execPath, [tsxCli, resolve(process.cwd(), 'bench/sandbox-host.ts')], {
      env: { BENCH_SEED: String(seed), BENCH_PORT: String(port), BENCH_TOKEN: token, ...(apps ? { BENCH_APPS: String(apps) } : {}) },
    });
    const m = await svc.waitOutput(/^\{"ready".*\}$/m, apps ? 90_000 : 30_000).catch(async (err) => {
      await svc!.kill();
      throw err;
    });
    const info = JSON.parse(m[0]);
    if (!info.ready) {
      await svc.kill();
      throw new Error(`sandbox did not start: ${info.error}`);
    }
    url = String(info.url).replace(/\/$/, '');
    tok = info.token;
    how = 'src/sandbox startSandbox() (fallback launcher)';
  }
  const s = svc;
  const auth = { authorization: `Token ${tok}` };
  const ctl = async (path: string, body?: unknown): Promise<any> => {
    const r = await fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`sandbox ${path}: HTTP ${r.status} ${(await r.text()).slice(0, 200)}`);
    return r.json();
  };
  const envs: Record<string, string> = {};
  try {
    const sc = await ctl('/_sandbox/scenario');
    for (const [slug, a] of Object.entries<any>(sc.applications ?? {})) for (const [e, uuid] of Object.entries<any>(a.environments ?? {})) envs[`${slug}/${e}`] = String(uuid);
  } catch (e) {
    await s.kill();
    throw e;
  }
  return {
    url,
    token: tok,
    envs,
    pid: s.pid,
    how,
    async emit(env, rate, seconds, pad = 60) {
      const total = Math.round(rate * seconds);
      const filler = FILLER.slice(0, Math.max(0, pad));
      const first = counter + 1;
      const t0 = Date.now();
      let sent = 0;
      let posts = 0;
      while (sent < total) {
        const due = Math.min(total, Math.floor(((Date.now() - t0) / 1000) * rate));
        if (due > sent) {
          const now = Date.now();
          const lines: { service: string; message: string }[] = [];
          for (; sent < due; sent++) lines.push({ service: 'web', message: `BENCH n=${++counter} t=${now} ${filler}` });
          // The sandbox takes request bodies up to 1 MB: post in slices of at most 4,000 lines.
          for (let i = 0; i < lines.length; i += 4000) {
            await ctl('/_sandbox/emit-log', { environment: env, lines: lines.slice(i, i + 4000) });
            posts++;
          }
        } else await new Promise((r) => setTimeout(r, 10));
      }
      return { n: total, first, last: counter, ms: Date.now() - t0, posts };
    },
    stats: () => ctl('/_sandbox/stats'),
    resetStats: async () => {
      await ctl('/_sandbox/stats/reset', {});
    },
    close: () => s.kill(2000),
  };
}

export interface GatewayProc { url: string; token: string; pid: number; svc: Service; how: string; close(): Promise<void> }

/** `divio-tui serve --port P --token T --zone <sandbox>` with DIVIO_TOKEN = the sandbox's token. */
export async function startGatewayProc(sb: SandboxHost, log: (s: string) => void = () => {}, viewerToken?: string): Promise<GatewayProc> {
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const dir = `/tmp/divio-bench-gw-${process.pid}-${port}`;
  let svc = spawnBinary(['serve', '--port', String(port), '--token', token, '--zone', sb.url], {
    DIVIO_TOKEN: sb.token,
    HOME: dir,
    XDG_STATE_HOME: `${dir}/state`,
    XDG_CONFIG_HOME: `${dir}/config`,
    XDG_DATA_HOME: `${dir}/data`,
    ...(viewerToken ? { DIVIO_TUI_VIEWER_TOKEN: viewerToken } : {}),
  });
  let how = 'divio-tui serve';
  try {
    await waitListening(svc, port, 'divio-tui serve');
  } catch (e) {
    await svc.kill();
    log(`  divio-tui serve: ${(e as Error).message}; using the in-repo launcher (bench/gateway-host.ts)`);
    const tsxCli = resolve(process.cwd(), 'node_modules/tsx/dist/cli.mjs');
    svc = spawnService(process.execPath, [tsxCli, resolve(process.cwd(), 'bench/gateway-host.ts')], {
      env: { BENCH_PORT: String(port), BENCH_TOKEN: token, BENCH_ZONE: sb.url, DIVIO_TOKEN: sb.token, BENCH_DIR: dir },
    });
    try {
      await waitListening(svc, port, 'bench/gateway-host.ts', 30_000);
    } catch (e2) {
      await svc.kill();
      throw e2;
    }
    how = 'src/gateway startGateway() (fallback launcher)';
  }
  const s = svc;
  return { url: `ws://127.0.0.1:${port}`, token, pid: s.pid, svc: s, how, close: () => s.kill(2000) };
}

/** Upstream requests in a stats reading (control-surface calls are not counted by the sandbox). */
export function requestCount(s: SandboxStats, logsOnly: boolean): number {
  if (!logsOnly) return s.total ?? 0;
  if (typeof s.logRequests === 'number') return s.logRequests;
  let n = 0;
  for (const [k, v] of Object.entries(s.byRoute ?? {})) if (/environments\/\{uuid\}\/logs/.test(k)) n += v;
  return n;
}
