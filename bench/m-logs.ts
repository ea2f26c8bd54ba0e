// 3. log ingest, 4. long tail memory, 5. terminal bytes, 6. latency: the console attached to a real
// gateway (`serve`) that follows the real sandbox, lines stamped at emission, read off the pty screen.
import { resolve } from 'node:path';
import { spawnConsole, screenLines, sleep, type ConsoleProc } from './pty.js';
import { rssBytes, rssSampler, spawnService } from './procs.js';
import { openLogsScreen } from './nav.js';
import { rawClient, type LogFrame, type RawClient } from './wsclient.js';
import type { GatewayProc, SandboxHost } from './stack.js';
import { median, percentile, fmtMs, fmtMB, fmtInt, MB } from './stats.js';
import { row, naRow, oneLine, type Row } from './report.js';
import { renderRow, renderWindow } from './m-render.js';

/** Budgets of issue 16: terminal bytes per byte of log text shown, at a slow and a fast tail. */
const BYTES_SLOW_X = 2;
const BYTES_FAST_X = 1.5;
const SLOW_RATE = 2;
const LATENCY_P95_MS = 50;

const STAMP = /BENCH n=(\d+) t=(\d+)/;
const LOSS_KINDS = new Set(['gap', 'dropped', 'slow-link', 'retention']);
/** A loss marker row as the log view shows it: "00:44:20.014 ── 1,320 lines missed: …". */
const LOSS_ROW = /^(\S+)\s+(?:──|--)\s+([\d,]+) lines? (?:missed|skipped|lost|dropped)\b/;

export interface LogsOpts {
  ingestRate: number;
  ingestSeconds: number;
  longTailLines: number;
  fastRate: number;
  bytesRate: number;
  bytesSeconds: number;
  latencyRate: number;
  latencySeconds: number;
  log: (s: string) => void;
}

/** Counts what a ws client receives on a logs topic: stamped lines (distinct) and loss markers. */
export class Observer {
  seen = new Map<number, number>(); // n → Date.now() of receipt
  maxN = 0;
  markerCount = 0;
  markerUnknown = 0;
  /** Marker objects of any kind (the console's buffer holds each as one entry). */
  markerObjects = 0;
  markers: string[] = [];
  gapMissed = 0;
  frames = 0;
  constructor(public client: RawClient) {}
  onFrame = (f: LogFrame) => {
    this.frames++;
    for (const l of f.lines) {
      const m = STAMP.exec(l.message);
      if (!m) continue;
      const n = Number(m[1]);
      if (!this.seen.has(n)) this.seen.set(n, f.at);
      if (n > this.maxN) this.maxN = n;
    }
    for (const mk of f.markers) {
      this.markerObjects++;
      if (!LOSS_KINDS.has(mk.kind)) continue;
      if (mk.count > 0) this.markerCount += mk.count;
      else this.markerUnknown++;
      if (this.markers.length < 5) this.markers.push(`${mk.kind}: ${mk.text}`);
    }
    if (f.type === 'gap') {
      this.gapMissed += f.missed ?? 0;
      this.markerObjects++;
    }
  };
  delivered(first: number, last: number): number {
    let d = 0;
    for (const n of this.seen.keys()) if (n >= first && n <= last) d++;
    return d;
  }
}

export async function observe(gw: GatewayProc, env: string, name = 'bench-observer'): Promise<Observer> {
  const c = rawClient(gw.url, gw.token, name);
  await c.welcome;
  const o = new Observer(c);
  c.subscribeLogs([env], o.onFrame);
  return o;
}

/** Wait until `pred` holds or nothing changed for `quietMs` (or `maxMs` passed). */
async function settle(progress: () => number, done: () => boolean, quietMs = 4000, maxMs = 30_000): Promise<void> {
  const t0 = Date.now();
  let last = progress();
  let lastChange = Date.now();
  while (!done() && Date.now() - t0 < maxMs) {
    await sleep(200);
    const p = progress();
    if (p !== last) {
      last = p;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > quietMs) break;
  }
}

/** Stamped rows currently on screen. */
export function stampedRows(c: ConsoleProc): { n: number; t: number; text: string }[] {
  const out: { n: number; t: number; text: string }[] = [];
  for (const line of screenLines(c.term)) {
    const m = STAMP.exec(line);
    if (m) out.push({ n: Number(m[1]), t: Number(m[2]), text: line.trimEnd() });
  }
  return out;
}

async function attachedConsole(gw: GatewayProc, app: string, envSlug: string, trace = false): Promise<ConsoleProc> {
  const c = spawnConsole({ args: ['--gateway', gw.url, '--token', gw.token], trace });
  try {
    await openLogsScreen(c, app, envSlug);
    return c;
  } catch (e) {
    await c.kill();
    throw e;
  }
}

// ---------------------------------------------------------------- 3 + 4
/** Counts of one receiver: stamped lines delivered, and loss stated in markers/gaps. */
interface Counts {
  delivered(first: number, last: number): number;
  maxN: number;
  markerCount: number;
  markerUnknown: number;
  gapMissed: number;
  markers: string[];
  markerObjects?: number;
}

/** The logs screen's usage line: lines held, evicted by the caps, lost (stated by markers). */
export interface Usage { lines: number; evicted: number; lost: number }
const USAGE_ROW = /([\d,]+) lines of .*?evicted ([\d,]+).*?lost ([\d,]+)/;
const num = (x: string) => Number(x.replace(/,/g, ''));

export function readUsage(c: ConsoleProc): Usage | null {
  for (const line of screenLines(c.term)) {
    const m = USAGE_ROW.exec(line);
    if (m) return { lines: num(m[1]), evicted: num(m[2]), lost: num(m[3]) };
  }
  return null;
}

/** What receives the feed: the console in a pty (preferred), or its ws client path in a child process. */
interface Receiver {
  pid: number;
  how: string;
  exited(): boolean;
  /** Current counts (the client path reports its own; the pty path uses a ws observer next to it). */
  counts(): Promise<Counts>;
  /** pty only: the console's own usage line ("N lines of 100k · … · evicted E · lost L"), if shown. */
  usage?(): Usage | null;
  /** pty only: newest stamp on screen and when; loss marker rows seen. */
  screen?: { max: number; maxAt: number; /** performance.now() when the usage line first showed evictions (buffer full). */ fullAt: number; markerRows: Map<string, number>; stop(): void };
  close(): Promise<void>;
}

async function ptyReceiver(gw: GatewayProc, env: string, app: string, envSlug: string): Promise<Receiver> {
  const c = await attachedConsole(gw, app, envSlug);
  let obs: Observer;
  try {
    obs = await observe(gw, env);
  } catch (e) {
    await c.kill();
    throw e;
  }
  const screen = { max: 0, maxAt: 0, fullAt: 0, markerRows: new Map<string, number>(), stop: () => {} };
  // What the console itself shows: the newest stamp on screen, and loss markers as they scroll by.
  screen.stop = c.onParsed(() => {
    for (const line of screenLines(c.term)) {
      const m = STAMP.exec(line);
      if (m) {
        const n = Number(m[1]);
        if (n > screen.max) {
          screen.max = n;
          screen.maxAt = Date.now();
        }
      } else if (!screen.fullAt && USAGE_ROW.test(line)) {
        const u = USAGE_ROW.exec(line)!;
        if (num(u[2]) > 0) screen.fullAt = performance.now();
      } else {
        const mk = LOSS_ROW.exec(line);
        const key = mk ? `${mk[1]}|${mk[2]}` : '';
        if (mk && !screen.markerRows.has(key)) {
          screen.markerRows.set(key, num(mk[2]));
          if (process.env.BENCH_DEBUG) process.stderr.write(`marker row: ${line}\n`);
        }
      }
    }
  });
  return {
    pid: c.pid,
    how: 'the console (--gateway) in a 120x40 pty on the logs screen',
    exited: () => !!c.exitInfo(),
    counts: async () => obs,
    usage: () => readUsage(c),
    screen,
    async close() {
      screen.stop();
      obs.client.close();
      await c.kill();
    },
  };
}

async function clientPathReceiver(gw: GatewayProc, env: string): Promise<Receiver> {
  const tsxCli = resolve(process.cwd(), 'node_modules/tsx/dist/cli.mjs');
  const svc = spawnService(process.execPath, [tsxCli, resolve(process.cwd(), 'bench/client-host.ts')], {
    ipc: true,
    env: { BENCH_GW: gw.url, BENCH_TOKEN: gw.token, BENCH_ENV: env },
  });
  const call = (msg: object | null, reply: string, timeoutMs = 30_000) =>
    new Promise<any>((res, rej) => {
      const t = setTimeout(() => done(new Error(`client path: no ${reply} within ${timeoutMs / 1000} s ${svc.output().slice(-200)}`)), timeoutMs);
      const on = (m: any) => {
        if (m?.type === reply) done(null, m);
        else if (m?.type === 'error') done(new Error(`client path: ${m.message}`));
      };
      const done = (e: Error | null, v?: unknown) => {
        clearTimeout(t);
        svc.child.off('message', on);
        if (e) rej(e);
        else res(v);
      };
      svc.child.on('message', on);
      if (msg) svc.child.send(msg);
    });
  try {
    await call(null, 'ready');
  } catch (e) {
    await svc.kill();
    throw e;
  }
  return {
    pid: svc.pid,
    how: "the console's ws client path (GatewayClient + LogBuffer) in a child process, without the pty",
    exited: () => svc.exited(),
    async counts() {
      const r = await call({ cmd: 'collect' }, 'counts');
      const ranges: [number, number][] = r.seen;
      return {
        maxN: r.maxN,
        markerCount: r.markerCount,
        markerUnknown: r.markerUnknown,
        gapMissed: r.gapMissed,
        markers: [],
        delivered(first: number, last: number) {
          let d = 0;
          for (const [lo, hi] of ranges) d += Math.max(0, Math.min(hi, last) - Math.max(lo, first) + 1);
          return d;
        },
      };
    },
    close: () => svc.kill(1000),
  };
}

export async function measureIngest(sb: SandboxHost, gw: GatewayProc, app: string, envSlug: string, o: LogsOpts): Promise<Row[]> {
  const env = sb.envs[`${app}/${envSlug}`];
  const what3 = `log ingest ${fmtInt(o.ingestRate)} lines/s × ${o.ingestSeconds} s`;
  const what3m = 'console RSS during ingest';
  const what4 = `long tail: ${fmtInt(o.longTailLines)} lines, RSS growth after the buffer fills`;
  if (!env) return [naRow('ingestSilentLoss', what3, '0 silent loss', `no environment ${app}/${envSlug} in the sandbox`), naRow('ingestRssMB', what3m, '≤ 250 MB', 'no environment'), naRow('longTailGrowthPct', what4, '≤ 10 %', 'no environment')];
  let rc: Receiver | null = null;
  const rows: Row[] = [];
  try {
    try {
      rc = await ptyReceiver(gw, env, app, envSlug);
    } catch (e) {
      o.log(`  the console's logs screen: ${(e as Error).message}`);
      o.log('  measuring the ws client path (GatewayClient + LogBuffer) without the pty instead');
      rc = await clientPathReceiver(gw, env);
      rc.how += ` (the logs screen could not be used: ${oneLine((e as Error).message).slice(0, 80)})`;
    }
    const r = rc;
    await sleep(1000);
    const rss0 = rssBytes(r.pid);
    const usage0 = r.usage?.() ?? null;
    const markers0 = (await r.counts()).markerObjects ?? 0;
    const sampler = rssSampler(r.pid, 500);
    const tStart = performance.now();
    o.log(`  ingest: ${o.ingestRate}/s for ${o.ingestSeconds} s …`);
    const e1 = await sb.emit(env, o.ingestRate, o.ingestSeconds);
    const peakIngest = sampler.peak();
    const rest = Math.max(0, o.longTailLines - e1.n);
    o.log(`  long tail: ${fmtInt(rest)} more lines at ${fmtInt(o.fastRate)}/s …`);
    const e2 = rest > 0 ? await sb.emit(env, o.fastRate, rest / o.fastRate) : { n: 0, first: e1.last + 1, last: e1.last, ms: 0 };
    const emitEnd = performance.now();
    const emitEndWall = Date.now();
    const first = e1.first;
    const last = e2.n ? e2.last : e1.last;
    let k = await r.counts();
    const complete = (c: Counts) => c.maxN >= last && c.delivered(first, last) + c.markerCount + c.gapMissed >= last - first + 1;
    {
      const t0 = Date.now();
      let lastProgress = -1;
      let lastChange = Date.now();
      while (!complete(k) && Date.now() - t0 < 60_000 && !r.exited()) {
        await sleep(500);
        k = await r.counts();
        const p = k.delivered(first, last) + k.markerCount + k.gapMissed;
        if (p !== lastProgress) {
          lastProgress = p;
          lastChange = Date.now();
        } else if (Date.now() - lastChange > 5000) break;
      }
    }
    const scr = r.screen;
    if (scr) await settle(() => scr.max, () => scr.max >= last, 5000, 60_000); // the console reaches the tail
    await sleep(1000);
    scr?.stop();
    const tailSamples = [rssBytes(r.pid)];
    for (let i = 0; i < 4; i++) {
      await sleep(500);
      tailSamples.push(rssBytes(r.pid));
    }
    sampler.stop();
    if (r.exited()) throw new Error('the receiver (console) exited during the feed');
    k = await r.counts();

    // The console's own accounting, read off its usage line: received = held + evicted; lost = stated.
    const usage1 = r.usage?.() ?? null;
    let consoleNote = '';
    let consoleSilent: number | null = null;
    if (usage0 && usage1) {
      // Marker entries count as buffer lines too: take those the gateway sent out of the total.
      const markerEntries = Math.max(0, (k.markerObjects ?? 0) - markers0);
      const received = usage1.lines + usage1.evicted - (usage0.lines + usage0.evicted) - markerEntries;
      const lost = usage1.lost - usage0.lost;
      consoleSilent = Math.max(0, last - first + 1 - received - lost);
      consoleNote = ` The console's usage line: ${fmtInt(received)} lines received, ${fmtInt(lost)} stated lost → ${fmtInt(consoleSilent)} silently lost in the console.`;
    } else if (scr) consoleNote = ' (The console showed no usage line to read its own counts from.)';

    // 3. loss: every emitted line either delivered or counted in a marker.
    const delivered1 = k.delivered(e1.first, e1.last);
    const emittedAll = last - first + 1;
    const deliveredAll = k.delivered(first, last);
    const counted = k.markerCount + k.gapMissed;
    const wsSilent = Math.max(0, emittedAll - deliveredAll - counted);
    // The console's own figure when it shows one; else the client path's / observer's.
    const silent = consoleSilent ?? wsSilent;
    const achieved = (e1.n / e1.ms) * 1000;
    const pass = silent === 0 ? true : k.markerUnknown > 0 && consoleSilent === null ? null : false;
    const screenNote = scr
      ? ' The console ' +
        (scr.max >= last ? `reached the tail ${fmtMs(Math.max(0, scr.maxAt - emitEndWall))} after emission ended` : `did NOT reach the tail (newest line on screen n=${fmtInt(scr.max)} of ${fmtInt(last)})`) +
        `, and showed ${scr.markerRows.size} loss marker row(s)${scr.markerRows.size ? ` (${fmtInt([...scr.markerRows.values()].reduce((a, b) => a + b, 0))} lines)` : ''}.`
      : '';
    rows.push(row('ingestSilentLoss', what3, silent, 'lines', `${fmtInt(silent)} silently lost`, '0 silent loss', pass,
      `receiver: ${r.how}. ${fmtInt(emittedAll)} emitted (${fmtInt(e1.n)} at ${fmtInt(achieved)}/s, then ${fmtInt(e2.n)} at up to ${fmtInt(o.fastRate)}/s); ` +
      `${fmtInt(deliveredAll)} delivered (${fmtInt(delivered1)} of the ingest window), ${fmtInt(counted)} counted in markers` +
      (k.markerUnknown ? `, ${k.markerUnknown} loss marker(s) without a count` : '') +
      (k.markers.length ? ` [${k.markers.slice(0, 2).join('; ')}]` : '') +
      (scr ? `; a ws client on the same topic next to the console: ${fmtInt(wsSilent)} silently lost.` : '.') + consoleNote + screenNote));
    const pct = (delivered1 / Math.max(1, e1.n)) * 100;
    rows.push(row('ingestDeliveredPct', `  lines delivered at ${fmtInt(o.ingestRate)}/s (rest stated in markers)`, pct, '%', `${pct.toFixed(1)} %`, 'reported', null,
      `${fmtInt(delivered1)} of ${fmtInt(e1.n)} lines of the ingest window reached ${scr ? 'a ws client next to the console' : 'the client path'}; the rest expired upstream (sandbox retention ${fmtInt(10_000)} lines/env) or was skipped, each counted by a marker`));
    rows.push(row('ingestRssMB', what3m, peakIngest / MB, 'MB', fmtMB(peakIngest), '≤ 250 MB', peakIngest <= 250 * MB, `peak; ${fmtMB(rss0)} before the feed${scr ? '' : '; client path without the pty'}`));

    // 4. long tail: reference RSS once the console's buffer (100k lines) is well past full, end after drain.
    // The reference point: 2 s after the console's usage line first shows evictions (its buffer is
    // full); without a usage line (client path), once ~150k lines were emitted.
    const refLines = Math.max(150_000, Math.round(emittedAll * 0.3));
    const refAt = scr
      ? scr.fullAt > 0 ? scr.fullAt + 2000 : Infinity
      : tStart + (refLines <= e1.n ? (refLines / o.ingestRate) * 1000 : e1.ms + ((refLines - e1.n) / o.fastRate) * 1000);
    const ref = sampler.samples.filter((x) => x.t >= refAt && x.t <= refAt + 3000).map((x) => x.rss);
    const refRss = ref.length ? median(ref) : NaN;
    const endRss = median(tailSamples);
    const refWhat = scr ? `${((refAt - tStart) / 1000).toFixed(0)} s in, 2 s after the console's buffer filled (first eviction)` : `after ~${fmtInt(refLines)} lines emitted`;
    if (!Number.isFinite(refRss) || refAt > emitEnd) {
      rows.push(naRow('longTailGrowthPct', what4, '≤ 10 %', `${scr && !scr.fullAt ? 'the console buffer never filled' : 'the buffer filled too late in the feed to compare'} (${fmtInt(emittedAll)} lines emitted); end RSS ${fmtMB(endRss)}`));
    } else {
      const growth = (endRss / refRss - 1) * 100;
      rows.push(row('longTailGrowthPct', what4, growth, '%', `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} %`, '≤ 10 %', growth <= 10,
        `RSS ${fmtMB(refRss)} ${refWhat} → ${fmtMB(endRss)} after all ${fmtInt(emittedAll)} lines (${((emitEnd - tStart) / 1000).toFixed(0)} s); peak ${fmtMB(sampler.peak())}`));
    }
  } catch (e) {
    const why = (e as Error).message;
    for (const [key, w, b] of [['ingestSilentLoss', what3, '0 silent loss'], ['ingestRssMB', what3m, '≤ 250 MB'], ['longTailGrowthPct', what4, '≤ 10 %']] as const) {
      if (!rows.some((x) => x.key === key)) rows.push(naRow(key, w, b, why));
    }
  } finally {
    if (rc) await rc.close();
  }
  return rows;
}

// ---------------------------------------------------------------- 5 + 6
/** Bytes written to the terminal per byte of log text shown, while `rate` stamped lines/s arrive. */
async function bytesRun(cc: ConsoleProc, sb: SandboxHost, env: string, rate: number, seconds: number): Promise<{ ratio: number; note: string }> {
  const shown = new Map<number, number>();
  const off = cc.onParsed(() => {
    for (const r of stampedRows(cc)) {
      // The longest text seen for the line (a frame may be parsed in several chunks).
      const b = Buffer.byteLength(r.text.trim(), 'utf8');
      if (b > (shown.get(r.n) ?? 0)) shown.set(r.n, b);
    }
  });
  const b0 = cc.bytes();
  const e = await sb.emit(env, rate, seconds, 100);
  await sleep(1500);
  const written = cc.bytes() - b0;
  off();
  let textBytes = 0;
  let count = 0;
  for (const [n, b] of shown) if (n >= e.first && n <= e.last) {
    textBytes += b;
    count++;
  }
  if (!count) throw new Error(`none of the ${e.n} stamped lines appeared on the logs screen`);
  return { ratio: written / textBytes, note: `${fmtInt(written)} B written for ${fmtInt(textBytes)} B of log rows shown (${fmtInt(count)} of ${fmtInt(e.n)} lines appeared; ${fmtInt(written / ((e.ms + 1500) / 1000))} B/s)` };
}

export async function measureScreen(sb: SandboxHost, gw: GatewayProc, app: string, envSlug: string, o: LogsOpts): Promise<Row[]> {
  const env = sb.envs[`${app}/${envSlug}`];
  const what5s = `terminal bytes, tailing ${SLOW_RATE} lines/s × ${o.bytesSeconds} s`;
  const what5 = `terminal bytes, tailing ${o.bytesRate} lines/s × ${o.bytesSeconds} s`;
  const whatR = `one render, following log view (${SLOW_RATE} and ${o.bytesRate} lines/s)`;
  const what6 = `latency gateway → screen p95 (${fmtInt(o.latencyRate)} lines/s)`;
  const what6e = 'latency emission → screen p95';
  const budgets: [string, string, string][] = [
    ['bytesSlowRatio', what5s, `≤ ${BYTES_SLOW_X}×`],
    ['bytesRatio', what5, `≤ ${BYTES_FAST_X}×`],
    ['renderLogP95', whatR, 'p95 ≤ 8 ms'],
    ['latencyGwP95', what6, `≤ ${LATENCY_P95_MS} ms`],
    ['latencyEmitP95', what6e, 'reported'],
  ];
  if (!env) return budgets.map(([k, w, b]) => naRow(k, w, b, 'no environment'));
  const rows: Row[] = [];
  let c: ConsoleProc | null = null;
  let obs: Observer | null = null;
  try {
    c = await attachedConsole(gw, app, envSlug, true);
    const cc = c;
    obs = await observe(gw, env);
    await sleep(1500);

    // 5. bytes written vs log text shown, at a slow tail (an SRE watching a quiet service) and a fast one;
    // the renders of both runs are the log view's frame cost
    const renders = renderWindow(cc);
    renders.start();
    {
      const r = await bytesRun(cc, sb, env, SLOW_RATE, o.bytesSeconds);
      rows.push(row('bytesSlowRatio', what5s, r.ratio, '×', `${r.ratio.toFixed(2)}×`, `≤ ${BYTES_SLOW_X}×`, r.ratio <= BYTES_SLOW_X, r.note));
    }
    {
      const r = await bytesRun(cc, sb, env, o.bytesRate, o.bytesSeconds);
      rows.push(row('bytesRatio', what5, r.ratio, '×', `${r.ratio.toFixed(2)}×`, `≤ ${BYTES_FAST_X}×`, r.ratio <= BYTES_FAST_X, r.note));
    }
    rows.push(renderRow('renderLogP95', whatR, renders.times(), 'the console following the log view during both bytes runs'));

    // 6. latency: first appearance of each stamp on screen vs its emission time and its arrival at a ws client
    {
      const firstSeen = new Map<number, { at: number; t: number }>();
      const off = cc.onParsed(() => {
        const now = Date.now();
        for (const r of stampedRows(cc)) if (!firstSeen.has(r.n)) firstSeen.set(r.n, { at: now, t: r.t });
      });
      const e = await sb.emit(env, o.latencyRate, o.latencySeconds, 60);
      await sleep(1500);
      off();
      const emitLat: number[] = [];
      const gwLat: number[] = [];
      for (const [n, s] of firstSeen) {
        if (n < e.first || n > e.last) continue;
        emitLat.push(s.at - s.t);
        const g = obs.seen.get(n);
        if (g !== undefined) gwLat.push(s.at - g);
      }
      if (!emitLat.length) throw new Error('no stamped line of the latency run appeared on screen');
      const p95g = percentile(gwLat, 95);
      const p95e = percentile(emitLat, 95);
      rows.push(row('latencyGwP95', what6, p95g, 'ms', fmtMs(p95g), `≤ ${LATENCY_P95_MS} ms`, Number.isFinite(p95g) ? p95g <= LATENCY_P95_MS : null,
        `median ${fmtMs(median(gwLat))}; ${fmtInt(gwLat.length)} lines timed on screen (a ${fmtInt(o.latencyRate)}/s tail scrolls faster than the screen shows every line); gateway time = arrival at a ws client on the same topic`));
      rows.push(row('latencyEmitP95', what6e, p95e, 'ms', fmtMs(p95e), 'reported', null, `median ${fmtMs(median(emitLat))}; includes the gateway's upstream polling interval`));
    }
  } catch (e) {
    const err = e as Error & { cause?: { message?: string } };
    const why = `${err.message}${err.cause?.message ? ` (${err.cause.message})` : ''}`;
    for (const [k, w, b] of budgets) if (!rows.some((r) => r.key === k)) rows.push(naRow(k, w, b, why));
  } finally {
    obs?.client.close();
    if (c) await c.kill();
  }
  return rows;
}
