// `npm run bench`: what users feel, measured on this machine in one run (issue 9, DESIGN.md §9).
// Drives the real binaries: the console in a pseudo-terminal, `divio-tui serve`, the sandbox, real
// WebSockets. Prints one table and writes bench/results/latest.json.
//   --quick         short durations (for iterating on the bench itself)
//   --check         exit 1 when a budget is missed (or a budgeted row could not be measured)
//   --only a,b      run only some groups: startup, logs, screen, fanout, load, fleet
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { BIN, killAllConsoles } from './pty.js';
import { killAllServices, refuseNewProcesses } from './procs.js';
import { startGatewayProc, startSandboxHost, type GatewayProc, type SandboxHost } from './stack.js';
import { measureStartup } from './m-startup.js';
import { measureIngest, measureScreen, type LogsOpts } from './m-logs.js';
import { measureFanout } from './m-fanout.js';
import { measureFleet } from './m-fleet.js';
import { measureLoad } from './m-load.js';
import { naRow, renderTable, type Row } from './report.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const check = argv.includes('--check');
const onlyIdx = argv.indexOf('--only');
const only = onlyIdx >= 0 ? new Set((argv[onlyIdx + 1] ?? '').split(',')) : null;
const want = (g: string) => !only || only.has(g);
const log = (s: string) => process.stderr.write(`${s}\n`);

const APP = 'acme-reports';
const ENV = 'live';

const cfg = quick
  ? { runs: 2, idle: 5, settle: 5, logs: { ingestRate: 20_000, ingestSeconds: 5, longTailLines: 250_000, fastRate: 40_000, bytesRate: 200, bytesSeconds: 5, latencyRate: 1000, latencySeconds: 5 }, fan: { clients: 100, rate: 1000, seconds: 5 } }
  : { runs: 5, idle: 30, settle: 60, logs: { ingestRate: 20_000, ingestSeconds: 20, longTailLines: 720_000, fastRate: 40_000, bytesRate: 200, bytesSeconds: 20, latencyRate: 1000, latencySeconds: 15 }, fan: { clients: 100, rate: 1000, seconds: 20 } };

let cleaning = false;
async function cleanup() {
  if (cleaning) return;
  cleaning = true;
  refuseNewProcesses();
  await killAllConsoles().catch(() => {});
  await killAllServices().catch(() => {});
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    log(`\nbench: ${sig}, cleaning up …`);
    cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const rows: Row[] = [];
  const t0 = Date.now();
  if (!existsSync(BIN)) {
    log(`bench: ${BIN} is missing; run \`node scripts/bundle.mjs\` first (npm run bench does).`);
    return 2;
  }
  let binOk: string | null = null;
  try {
    execFileSync(process.execPath, [BIN, '--help'], { stdio: 'pipe', timeout: 10_000 });
  } catch (e) {
    binOk = `dist/divio-tui.js --help failed: ${(e as Error).message.split('\n')[0]}`;
  }
  const load0 = loadavg()[0];
  log(`bench: ${quick ? 'quick' : 'full'} run on ${cpus().length} cores, node ${process.version}, load average ${load0.toFixed(2)}`);
  if (load0 > cpus().length * 0.5) log(`bench: warning: the machine is busy (load ${load0.toFixed(1)}); figures will not be representative`);

  if (want('startup')) {
    log('1-2. start-up and idle CPU …');
    if (binOk) rows.push(naRow('firstFrameMs', 'first frame', '≤ 2.5× node -e ""', binOk));
    else rows.push(...(await measureStartup({ runs: cfg.runs, idleSeconds: cfg.idle, settleSeconds: cfg.settle, log })));
  }

  if (want('logs') || want('screen') || want('fanout') || want('load')) {
    let sb: SandboxHost | null = null;
    let gw: GatewayProc | null = null;
    let why: string | null = null;
    try {
      log('starting the sandbox and the gateway …');
      sb = await startSandboxHost(1, log);
      log(`  sandbox: ${sb.how}`);
      gw = await startGatewayProc(sb, log);
      log(`  gateway: ${gw.how}`);
    } catch (e) {
      why = (e as Error).message;
      log(`  ${why}`);
    }
    const lo: LogsOpts = { ...cfg.logs, log };
    if (want('logs')) {
      log('3-4. log ingest and long-tail memory …');
      if (sb && gw) rows.push(...(await measureIngest(sb, gw, APP, ENV, lo)));
      else rows.push(naRow('ingestSilentLoss', 'log ingest', '0 silent loss', why!), naRow('longTailGrowthPct', 'long tail memory', '≤ 10 %', why!));
    }
    if (want('screen')) {
      log('5-6. terminal bytes and latency …');
      if (sb && gw) rows.push(...(await measureScreen(sb, gw, APP, ENV, lo)));
      else rows.push(naRow('bytesRatio', 'terminal bytes', '≤ 1.5×', why!), naRow('latencyGwP95', 'latency gateway → screen p95', '≤ 50 ms', why!));
    }
    if (want('fanout')) {
      log('7-8. fan-out and polling directly …');
      // A fresh gateway, so its RSS and pollers do not carry the log measurements' history.
      if (sb && gw) {
        await gw.close();
        gw = null;
        try {
          gw = await startGatewayProc(sb, log);
        } catch (e) {
          why = (e as Error).message;
        }
      }
      if (sb && gw) rows.push(...(await measureFanout(sb, gw, sb.envs[`${APP}/${ENV}`], { ...cfg.fan, log })));
      else rows.push(naRow('fanoutRatio', 'fan-out', '= 1.0', why!), naRow('pollingRatio', 'polling directly', 'reported', why!));
    }
    if (want('load')) {
      log('11-12. hostile viewers: the request ceiling and the memory bound …');
      if (sb) rows.push(...(await measureLoad(sb, { clients: 10, seconds: quick ? 15 : 40, log })));
      else rows.push(naRow('hostileViewersRps', 'hostile viewers: upstream requests', '≤ 20/s', why!), naRow('hostileViewersRssMB', 'hostile viewers: gateway memory', '≤ 300 MB', why!));
    }
    await gw?.close();
    await sb?.close();
  }

  if (want('fleet')) {
    log('9-10. the fleet of a big account (sandbox --apps 500) …');
    rows.push(...(await measureFleet({ apps: 500, windowS: quick ? 20 : 60, visible: 40, log })));
  }

  const load1 = loadavg()[0];
  const table = renderTable(rows);
  process.stdout.write(`\n${table}\n\n${quick ? 'QUICK run (short durations). ' : ''}${cpus().length} cores, node ${process.version}; load average ${load0.toFixed(2)} at start, ${load1.toFixed(2)} at end.\n`);
  const failed = rows.filter((r) => r.pass === false || (r.na && r.budget && !/reported/.test(r.budget)));
  mkdirSync('bench/results', { recursive: true });
  const out = {
    date: new Date().toISOString(),
    quick,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', memMB: Math.round(totalmem() / 2 ** 20), node: process.version, kernel: release() },
    durationS: Math.round((Date.now() - t0) / 1000),
    loadAverage: { start: Number(load0.toFixed(2)), end: Number(load1.toFixed(2)) },
    config: cfg,
    rows,
    failed: failed.map((r) => r.key),
  };
  writeFileSync('bench/results/latest.json', JSON.stringify(out, null, 2) + '\n');
  log(`bench: ${rows.length} rows in ${out.durationS} s; written to bench/results/latest.json`);
  if (check && failed.length) {
    log(`bench --check: ${failed.length} budget(s) missed or not measured: ${failed.map((r) => r.key).join(', ')}`);
    return 1;
  }
  return 0;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (e) => {
    log(`bench: ${(e as Error).stack ?? e}`);
    await cleanup();
    process.exit(1);
  });
