// 1. first frame / fleet populated; 2. idle CPU on the fleet screen.
import { spawn } from 'node:child_process';
import { SCENARIO } from '../src/sandbox/scenario.js';
import { spawnConsole, waitFor, sleep, type ConsoleProc } from './pty.js';
import { cpuSeconds, ownCpuSeconds, rssBytes } from './procs.js';
import { median, fmtMs, fmtMB } from './stats.js';
import { row, naRow, type Row } from './report.js';

export interface StartupOpts { runs: number; idleSeconds: number; log: (s: string) => void }

const FLEET = (s: string) => SCENARIO.apps.some((slug) => s.includes(slug));

/** Wall time of `node -e ""` (spawn to exit), median of `runs`. */
export async function nodeBaseline(runs: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await new Promise<void>((res) => spawn(process.execPath, ['-e', ''], { stdio: 'ignore' }).on('exit', () => res()));
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

export async function measureStartup(o: StartupOpts): Promise<Row[]> {
  const rows: Row[] = [];
  const base = await nodeBaseline(Math.max(3, o.runs));
  const first: number[] = [];
  const fleet: number[] = [];
  let keep: ConsoleProc | null = null;
  let err: string | null = null;
  for (let i = 0; i < o.runs; i++) {
    const c = spawnConsole({ args: ['--sandbox', '--ephemeral', '--seed', '1'] });
    try {
      const tFirst = await waitFor(c, (s) => s.trim().length > 0, 15_000, 'the first frame');
      first.push(tFirst - c.spawnedAt);
      const tFleet = await waitFor(c, FLEET, 20_000, 'fleet rows (an app slug of the scenario)');
      fleet.push(tFleet - c.spawnedAt);
      o.log(`  run ${i + 1}: first frame ${fmtMs(tFirst - c.spawnedAt)}, fleet ${fmtMs(tFleet - c.spawnedAt)}`);
    } catch (e) {
      err = (e as Error).message;
      o.log(`  run ${i + 1}: ${err}`);
    }
    if (i === o.runs - 1 && fleet.length && !c.exitInfo()) keep = c;
    else await c.kill();
  }
  const note = `median of ${first.length}; node -e "" alone: ${fmtMs(base)}`;
  if (first.length) {
    const m = median(first);
    rows.push(row('firstFrameMs', 'first frame (console --sandbox, 120x40 pty)', m, 'ms', fmtMs(m), '≤ 400 ms', m <= 400, note));
  } else rows.push(naRow('firstFrameMs', 'first frame (console --sandbox, 120x40 pty)', '≤ 400 ms', err ?? 'no run succeeded'));
  if (fleet.length) {
    const m = median(fleet);
    rows.push(row('fleetMs', 'fleet rows on screen', m, 'ms', fmtMs(m), '≤ 800 ms', m <= 800, `median of ${fleet.length}`));
  } else rows.push(naRow('fleetMs', 'fleet rows on screen', '≤ 800 ms', err ?? 'no run succeeded'));
  rows.push(row('nodeBaselineMs', 'baseline: node -e "" (spawn to exit)', base, 'ms', fmtMs(base), '', null));

  // 2. idle CPU: the fleet screen, no input.
  if (!keep) {
    rows.push(naRow('idleCpuPct', `idle CPU, fleet screen, ${o.idleSeconds} s`, '≤ 2 % of a core', err ?? 'the console did not reach the fleet screen'));
    return rows;
  }
  try {
    await sleep(2000); // let start-up work settle
    const c0 = cpuSeconds(keep.pid);
    const own0 = ownCpuSeconds(keep.pid);
    const b0 = keep.bytes();
    const t0 = performance.now();
    await sleep(o.idleSeconds * 1000);
    if (keep.exitInfo()) throw new Error('the console exited during the idle period');
    const c1 = cpuSeconds(keep.pid);
    const own1 = ownCpuSeconds(keep.pid);
    const wall = (performance.now() - t0) / 1000;
    const pct = ((c1 - c0) / wall) * 100;
    const ownPct = ((own1 - own0) / wall) * 100;
    const bps = (keep.bytes() - b0) / wall;
    const rss = rssBytes(keep.pid);
    rows.push(row('idleCpuPct', `idle CPU, fleet screen, ${o.idleSeconds} s`, pct, '%', `${pct.toFixed(2)} % of a core`, '≤ 2 % of a core', pct <= 2,
      `the console and its sandbox together: the console process (UI + in-process gateway) ${ownPct.toFixed(2)} %, the sandbox process (the stand-in for Divio's servers) ${(pct - ownPct).toFixed(2)} %; ${bps.toFixed(0)} B/s written to the terminal while idle; RSS ${fmtMB(rss)} (both)`));
  } catch (e) {
    rows.push(naRow('idleCpuPct', `idle CPU, fleet screen, ${o.idleSeconds} s`, '≤ 2 % of a core', (e as Error).message));
  } finally {
    await keep.kill();
  }
  return rows;
}
