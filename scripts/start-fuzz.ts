// Start-up fuzz (`npm run test:starts`): the built program started many times in a row, in parallel
// batches, each start ephemeral and fresh, to show that a start cannot fail at random (issue 20: a
// malformed SSH host key made ~1 sandbox start in 270 fail). Too slow for every CI run.
//
// One round = `divio-tui sandbox --ephemeral --port 0 --json` (answers the Divio API with its token,
// its SSH host key is one ssh2 reads, SIGINT ends it with code 0) + the console `--sandbox
// --ephemeral` in a real pty (the fleet on screen, `q`, exit code 0).
//
//   STARTS=500      rounds (default 500)
//   CONCURRENCY=4   rounds at once (default 4)
//   TIMEOUT_S=90    per start (generous: the point is that none fails, not how fast)
// Exit code 1 when any start failed; each failure is printed with the output that came with it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { BIN, binAvailable, spawnConsole } from '../test/e2e/harness.js';

const STARTS = Number(process.env.STARTS ?? 500);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);
const TIMEOUT_MS = Number(process.env.TIMEOUT_S ?? 90) * 1000;

interface Result { round: number; what: 'sandbox' | 'console'; ok: boolean; ms: number; error?: string }

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: no result within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS); })]).finally(() => clearTimeout(t));
}

/** `divio-tui sandbox --ephemeral --json`: ready line, an API answer, a usable host key, a clean stop. */
async function sandboxStart(): Promise<void> {
  const p = spawn(process.execPath, [BIN, 'sandbox', '--ephemeral', '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  p.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<number | null>((r) => p.once('exit', (code) => r(code)));
  try {
    const line = await withTimeout(new Promise<string>((resolve, reject) => {
      p.stdout.on('data', () => { if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n'))); });
      void exited.then((code) => reject(new Error(`exited with code ${code} before it was ready`)));
    }), 'sandbox ready');
    const info = JSON.parse(line) as { divioUrl: string; token: string; ssh: { knownHostsPath: string; hostKey: string } | null };
    const r = await fetch(`${info.divioUrl}/apps/v3/applications/`, { headers: { authorization: `Token ${info.token}` } });
    if (r.status !== 200) throw new Error(`GET /apps/v3/applications/ → ${r.status}`);
    await r.arrayBuffer();
    if (!info.ssh) throw new Error('no SSH endpoint');
    const pinned = readFileSync(info.ssh.knownHostsPath, 'utf8');
    if (!pinned.includes(info.ssh.hostKey)) throw new Error('the known-hosts file does not pin the host key');
    if (ssh2.utils.parseKey(info.ssh.hostKey) instanceof Error) throw new Error(`host key unreadable: ${info.ssh.hostKey}`);
    p.kill('SIGINT');
    const code = await withTimeout(exited, 'sandbox stop');
    if (code !== 0) throw new Error(`stopped with code ${code}`);
    if (err.trim()) throw new Error(`wrote to stderr: ${err.trim()}`);
  } catch (e) {
    p.kill('SIGKILL');
    throw new Error(`${(e as Error).message}${err.trim() ? ` — stderr: ${err.trim().split('\n').slice(-5).join(' | ')}` : ''}`);
  }
}

/** The console, ephemeral sandbox, in a real pty: the fleet on screen, q, exit 0. */
async function consoleStart(): Promise<void> {
  const p = spawnConsole({ args: ['--sandbox', '--ephemeral'], cols: 120, rows: 32 });
  try {
    await p.waitForText(/nordwind-shop/, TIMEOUT_MS);
    await p.press('q');
    const code = await p.waitExit(TIMEOUT_MS);
    if (code !== 0) throw new Error(`exit code ${code}`);
  } catch (e) {
    const screen = p.screenText().split('\n').filter((l) => l.trim()).slice(-6).join(' | ');
    p.kill();
    throw new Error(`${(e as Error).message} — screen: ${screen}`);
  } finally {
    p.cleanup();
  }
}

async function timed(round: number, what: Result['what'], fn: () => Promise<void>): Promise<Result> {
  const t0 = performance.now();
  try {
    await fn();
    return { round, what, ok: true, ms: performance.now() - t0 };
  } catch (e) {
    return { round, what, ok: false, ms: performance.now() - t0, error: (e as Error).message };
  }
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
}

async function main(): Promise<number> {
  if (!binAvailable()) {
    process.stderr.write(`start-fuzz: the bundle is missing at ${BIN}: run "node scripts/bundle.mjs" first\n`);
    return 2;
  }
  const t0 = Date.now();
  const results: Result[] = [];
  let next = 1;
  const worker = async (): Promise<void> => {
    for (let round = next++; round <= STARTS; round = next++) {
      const [sb, con] = await Promise.all([timed(round, 'sandbox', sandboxStart), timed(round, 'console', consoleStart)]);
      results.push(sb, con);
      for (const r of [sb, con]) if (!r.ok) process.stdout.write(`FAIL round ${r.round} ${r.what}: ${r.error}\n`);
      if (round % 25 === 0) process.stdout.write(`${round}/${STARTS} rounds, ${results.filter((r) => !r.ok).length} failed, ${Math.round((Date.now() - t0) / 1000)} s\n`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const secs = Math.round((Date.now() - t0) / 1000);
  for (const what of ['sandbox', 'console'] as const) {
    const rs = results.filter((r) => r.what === what);
    const ms = rs.filter((r) => r.ok).map((r) => r.ms);
    process.stdout.write(`${what}: ${rs.length} starts, ${rs.filter((r) => !r.ok).length} failed; start-to-done p50 ${Math.round(pct(ms, 50))} ms, p95 ${Math.round(pct(ms, 95))} ms, max ${Math.round(pct(ms, 100))} ms\n`);
  }
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(`${failed === 0 ? 'OK' : 'FAILED'}: ${results.length} starts (${STARTS} rounds x sandbox + console, ${CONCURRENCY} at once) in ${Math.floor(secs / 60)} min ${secs % 60} s; load average at the end ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  return failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (e) => { process.stderr.write(`start-fuzz: ${(e as Error).stack ?? e}\n`); process.exit(2); });
