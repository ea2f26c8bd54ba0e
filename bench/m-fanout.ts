// 7. fan-out: N ws clients on one logs topic vs 1 client — upstream requests, delivery spread, gateway RSS.
// 8. versus polling directly: N watchers each following the sandbox's log API as the divio CLI does.
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { cpuSeconds, rssSampler, spawnService, type Service } from './procs.js';
import { sleep } from './pty.js';
import { requestCount, type GatewayProc, type SandboxHost } from './stack.js';
import { percentile, fmtMs, fmtMB, fmtInt, MB } from './stats.js';
import { row, naRow, type Row } from './report.js';

const STAMP = /BENCH n=(\d+) t=(\d+)/;
/** Child processes the fan-out clients are spread over. */
const WORKERS = 4;
/** Seconds of emission before the measuring window opens. */
const WARMUP_S = 3;

export interface FanoutOpts { clients: number; rate: number; seconds: number; log: (s: string) => void }

interface FanRun {
  clients: number;
  seconds: number;
  requests: number;
  logRequests: number;
  emitted: number;
  /** lines × clients delivered */
  deliveries: number;
  spreadP99: number;
  spreadP50: number;
  emitP99: number;
  gwRssPeak: number;
  /** p99 event-loop lag of the measuring process during the run. */
  lagP99: number;
  /** CPU % of one core during the run: gateway, sandbox, the measuring process. */
  cpu: { gw: number; sb: number; me: number; cl: number };
}

/** A child process holding `n` of the clients (bench/fanout-worker.ts). */
interface Worker { svc: Service; call(msg: object, reply: string): Promise<any> }

function startWorker(): Worker {
  const tsxCli = resolve(process.cwd(), 'node_modules/tsx/dist/cli.mjs');
  const svc = spawnService(process.execPath, [tsxCli, resolve(process.cwd(), 'bench/fanout-worker.ts')], { ipc: true });
  return {
    svc,
    call(msg, reply) {
      return new Promise((res, rej) => {
        const t = setTimeout(() => done(new Error(`fan-out worker: no ${reply} within 30 s ${svc.output().slice(-200)}`)), 30_000);
        const on = (m: any) => {
          if (m?.type === reply) done(null, m);
          else if (m?.type === 'error') done(new Error(`fan-out worker: ${m.message}`));
        };
        const done = (e: Error | null, v?: unknown) => {
          clearTimeout(t);
          svc.child.off('message', on);
          if (e) rej(e);
          else res(v);
        };
        svc.child.on('message', on);
        svc.child.send(msg);
      });
    },
  };
}

/** Event-loop lag of this (measuring) process: p99 of timer overshoot, to qualify the figures. */
function lagMonitor() {
  const lags: number[] = [];
  let last = performance.now();
  const iv = setInterval(() => {
    const now = performance.now();
    lags.push(now - last - 10);
    last = now;
  }, 10);
  return { stop: () => (clearInterval(iv), percentile(lags, 99)) };
}

async function fanRun(sb: SandboxHost, gw: GatewayProc, env: string, n: number, rate: number, seconds: number): Promise<FanRun> {
  // Clients spread over child processes; per client, frames as (first stamp, last stamp, arrival ms).
  const nw = Math.min(n, WORKERS);
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < nw; i++) workers.push(startWorker());
    const per = Math.ceil(n / nw);
    await Promise.all(workers.map((w, i) => w.call({ cmd: 'start', url: gw.url, token: gw.token, env, n: Math.min(per, n - i * per), base: i * per }, 'ready')));
    await sleep(2000); // snapshots delivered
    // Emit continuously; measure in a window after a warm-up, so the poller is in its steady state.
    const emitStartMs = Date.now();
    const emitting = sb.emit(env, rate, WARMUP_S + seconds + 0.5, 60);
    await sleep(WARMUP_S * 1000);
    await Promise.all(workers.map((w) => w.call({ cmd: 'reset' }, 'reset')));
    await sb.resetStats();
    const sampler = rssSampler(gw.pid, 500);
    const lag = lagMonitor();
    const cpu0 = { gw: cpuSeconds(gw.pid), sb: cpuSeconds(sb.pid), me: process.cpuUsage(), cl: workers.reduce((a, w) => a + cpuSeconds(w.svc.pid), 0) };
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const st = await sb.stats();
    const wall = (performance.now() - t0) / 1000;
    const lagP99 = lag.stop();
    const me = process.cpuUsage(cpu0.me);
    const cpu = {
      gw: ((cpuSeconds(gw.pid) - cpu0.gw) / wall) * 100,
      sb: ((cpuSeconds(sb.pid) - cpu0.sb) / wall) * 100,
      me: ((me.user + me.system) / 1e6 / wall) * 100,
      cl: ((workers.reduce((a, w) => a + cpuSeconds(w.svc.pid), 0) - cpu0.cl) / wall) * 100,
    };
    sampler.stop();
    const e = await emitting;
    await sleep(2000); // the window's last lines reach the clients
    const frames: number[][] = [];
    for (const w of workers) frames.push(...(await w.call({ cmd: 'collect' }, 'frames')).frames);
    // The lines emitted inside the window.
    const lo0 = e.first + Math.ceil(WARMUP_S * rate);
    const hi0 = Math.min(e.last, e.first + Math.floor((WARMUP_S + seconds) * rate) - 1);
    const size = hi0 - lo0 + 1;
    // First arrival of each line over all clients.
    const first = new Float64Array(size).fill(Infinity);
    for (const f of frames) {
      for (let k = 0; k < f.length; k += 3) {
        const lo = Math.max(f[k], lo0);
        const hi = Math.min(f[k + 1], hi0);
        for (let x = lo; x <= hi; x++) if (f[k + 2] < first[x - lo0]) first[x - lo0] = f[k + 2];
      }
    }
    const spreads: number[] = [];
    let deliveries = 0;
    for (const f of frames) {
      for (let k = 0; k < f.length; k += 3) {
        const lo = Math.max(f[k], lo0);
        const hi = Math.min(f[k + 1], hi0);
        for (let x = lo; x <= hi; x++) {
          spreads.push(f[k + 2] - first[x - lo0]);
          deliveries++;
        }
      }
    }
    // Emission → first client: line i of the emission leaves at about emitStart + i / rate.
    const fromEmit: number[] = [];
    for (let x = 0; x < size; x++) if (Number.isFinite(first[x])) fromEmit.push(first[x] - (emitStartMs + ((x + lo0 - e.first) / rate) * 1000));
    return {
      clients: n,
      seconds: wall,
      requests: requestCount(st, false),
      logRequests: requestCount(st, true),
      emitted: size,
      deliveries,
      spreadP99: percentile(spreads, 99),
      spreadP50: percentile(spreads, 50),
      emitP99: percentile(fromEmit, 99),
      gwRssPeak: sampler.peak(),
      lagP99,
      cpu,
    };
  } finally {
    await Promise.all(workers.map((w) => w.svc.kill(500)));
  }
}

/** One watcher doing what `divio app logs --tail` does: GET, print, follow `next`, sleep 1 s on an empty page. */
async function pollWatcher(sb: SandboxHost, env: string, stop: () => boolean, seen: Set<number>, errors: string[]): Promise<number> {
  // No cursor: the newest page, then `next` forward (as `divio app logs --tail` does).
  let url = `${sb.url}/apps/v3/environments/${env}/logs/`;
  let requests = 0;
  while (!stop()) {
    let results: any[] = [];
    try {
      const r = await fetch(url, { headers: { authorization: `Token ${sb.token}` } });
      requests++;
      if (!r.ok) {
        errors.push(`HTTP ${r.status}`);
        await sleep(1000);
        continue;
      }
      const j: any = await r.json();
      results = Array.isArray(j.results) ? j.results : [];
      for (const l of results) {
        const m = STAMP.exec(String(l.message ?? ''));
        if (m) seen.add(Number(m[1]));
      }
      if (typeof j.next === 'string' && j.next) url = j.next;
    } catch (e) {
      errors.push((e as Error).message);
      await sleep(1000);
      continue;
    }
    if (!results.length) await sleep(1000);
  }
  return requests;
}

export async function measureFanout(sb: SandboxHost, gw: GatewayProc, env: string | undefined, o: FanoutOpts): Promise<Row[]> {
  const w7 = `fan-out: upstream requests/min, ${o.clients} clients ÷ 1 client`;
  const w7d = `fan-out: delivery p99, ${o.clients} clients at ${fmtInt(o.rate)} lines/s`;
  const w7m = 'fan-out: gateway RSS';
  const w8 = `polling directly: ${o.clients} watchers ÷ gateway, upstream requests`;
  if (!env) return [naRow('fanoutRatio', w7, '= 1.0', 'no environment'), naRow('fanoutP99', w7d, '≤ 100 ms', 'no environment'), naRow('gatewayRssMB', w7m, 'reported', 'no environment'), naRow('pollingRatio', w8, '~100× (reported)', 'no environment')];
  const rows: Row[] = [];
  let one: FanRun | null = null;
  let many: FanRun | null = null;
  try {
    o.log(`  fan-out: 1 client, ${o.rate}/s for ${o.seconds} s …`);
    one = await fanRun(sb, gw, env, 1, o.rate, o.seconds);
    o.log(`  fan-out: ${o.clients} clients …`);
    many = await fanRun(sb, gw, env, o.clients, o.rate, o.seconds);
    const perMin = (r: FanRun) => (r.logRequests || r.requests) / (r.seconds / 60);
    const ratio = perMin(many) / Math.max(1e-9, perMin(one));
    // Must not grow with N (a loaded poller may poll a little less often, with fuller pages).
    const pass = ratio <= 1.1;
    rows.push(row('fanoutRatio', w7, ratio, '×', `${ratio.toFixed(2)}`, '1.0 (≤ 1.1)', pass,
      `${fmtInt(perMin(one))}/min with 1 client, ${fmtInt(perMin(many))}/min with ${o.clients} (log-route requests; all routes: ${fmtInt(one.requests)} vs ${fmtInt(many.requests)} in ${one.seconds.toFixed(0)} s)`));
    const complete = many.deliveries / Math.max(1, many.emitted * o.clients);
    rows.push(row('fanoutP99', w7d, many.spreadP99, 'ms', fmtMs(many.spreadP99), '≤ 100 ms', Number.isFinite(many.spreadP99) ? many.spreadP99 <= 100 : null,
      `median ${fmtMs(many.spreadP50)}; each client's arrival minus the first client's arrival of the same line (emitter process lag p99 ${fmtMs(many.lagP99)}); emission → first client p99 ${fmtMs(many.emitP99)} (1 client: ${fmtMs(one.emitP99)}); ${(complete * 100).toFixed(1)} % of line×client deliveries arrived`));
    rows.push(row('gatewayRssMB', w7m, many.gwRssPeak / MB, 'MB', fmtMB(many.gwRssPeak), 'reported', null, `peak with ${o.clients} clients; ${fmtMB(one.gwRssPeak)} with 1; CPU during the ${o.clients}-client run: gateway ${many.cpu.gw.toFixed(0)} %, sandbox ${many.cpu.sb.toFixed(0)} %, the ${o.clients} clients (${WORKERS} processes) ${many.cpu.cl.toFixed(0)} %, emitter ${many.cpu.me.toFixed(0)} % of a core (${cpus().length} cores)`));
  } catch (e) {
    const why = (e as Error).message;
    for (const [k, w, b] of [['fanoutRatio', w7, '= 1.0'], ['fanoutP99', w7d, '≤ 100 ms'], ['gatewayRssMB', w7m, 'reported']] as const) {
      if (!rows.some((r) => r.key === k)) rows.push(naRow(k, w, b, why));
    }
  }

  // 8. the same watchers polling the API themselves
  try {
    await sleep(6000); // let the gateway's poller stop (grace after the last unsubscribe)
    await sb.resetStats();
    const seen = new Set<number>();
    const errors: string[] = [];
    let stopped = false;
    o.log(`  polling directly: ${o.clients} watchers …`);
    const watchers = Array.from({ length: o.clients }, () => pollWatcher(sb, env, () => stopped, seen, errors));
    const emitting = sb.emit(env, o.rate, WARMUP_S + o.seconds + 0.5, 60);
    await sleep(WARMUP_S * 1000);
    await sb.resetStats();
    const t0 = performance.now();
    await sleep(o.seconds * 1000);
    const st = await sb.stats();
    const wall = (performance.now() - t0) / 1000;
    const e = await emitting;
    await sleep(1000);
    stopped = true;
    const byWatchers = (await Promise.all(watchers)).reduce((a, b) => a + b, 0);
    const upstream = requestCount(st, false) || byWatchers;
    let got = 0;
    for (let k = e.first; k <= e.last; k++) if (seen.has(k)) got++;
    if (!many) throw new Error(`gateway side not measured; watchers made ${fmtInt(upstream)} requests in ${wall.toFixed(0)} s`);
    const perMinPoll = upstream / (wall / 60);
    const perMinGw = many.requests / (many.seconds / 60);
    const ratio = perMinPoll / Math.max(1e-9, perMinGw);
    rows.push(row('pollingRatio', w8, ratio, '×', `${ratio.toFixed(0)}×`, '~100× (reported)', null,
      `${fmtInt(perMinPoll)} req/min polling vs ${fmtInt(perMinGw)} req/min through the gateway; watchers saw ${fmtInt(got)} of ${fmtInt(e.n)} lines (at least one)` +
        (errors.length ? `; ${errors.length} errors (${errors[0]})` : '')));
  } catch (err) {
    rows.push(naRow('pollingRatio', w8, '~100× (reported)', (err as Error).message));
  }
  return rows;
}
