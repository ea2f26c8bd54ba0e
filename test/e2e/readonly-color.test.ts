// End to end through the shipped program: --read-only (the console and the commands refuse every
// action and say so; a deploy is refused before any check, on an in-process gateway and on a shared
// one), and NO_COLOR / --no-color (no escape byte from `logs` on a terminal, no colour in the console
// even when the config file asks for 256 colours).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, KEYS, ROOT } from './harness.js';
import { cleanEnv, runBin, type SandboxBin } from './cli-harness.js';
import { useE2e } from './setup.js';

const e2e = useE2e();
let sb: SandboxBin;
const procs: ChildProcess[] = [];
const dir = e2e.tempDir('divio-tui-ro-e2e-');

beforeAll(async () => {
  // many log lines a second: the sandbox's coloured lines (about 1 in 100) come soon
  sb = await e2e.sandbox(['--seed', '7', '--speed', '20', '--log-rate', '100']);
});
afterAll(() => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
});

const run = (args: string[], env: Record<string, string | undefined> = {}) => runBin(args, { home: sb.home, env: { ...sb.env, ...env }, timeoutMs: 60_000 });
const colourSgr = /\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m/;

describe('--read-only', () => {
  test('a deploy is refused before anything else is checked (even live without --confirm): exit 1, no job', async () => {
    const [t, l, b] = await Promise.all([
      run(['deploy', 'acme-reports', 'test', '--read-only']),
      run(['deploy', 'acme-reports', 'live', '--read-only']),
      run(['backup', 'acme-reports', 'test', '--read-only']),
    ]);
    for (const r of [t, l]) {
      expect(r.code, r.all).toBe(1);
      expect(r.stderr).toMatch(/^divio-tui: deploy refused: this session is read-only \(--read-only, or a gateway started with --read-only\); nothing was changed$/m);
    }
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/backup refused: this session is read-only/);
    const jobs = await run(['jobs', '--json']);
    expect(JSON.parse(jobs.stdout)).toEqual([]);
    // reading is what read-only is for
    const apps = await run(['apps', '--json', '--read-only']);
    expect(apps.code, apps.all).toBe(0);
  }, 120_000);

  test('on a shared gateway (serve) that allows it, --read-only refuses in the client; without it the same deploy is accepted', async () => {
    const token = 'e2e-operator-token-0123456789';
    const home = join(dir, 'serve');
    mkdirSync(home);
    const url = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'serve', '--sandbox', '--port', '0', '--token', token, '--data-dir', join(home, 'gw')], { cwd: ROOT, env: cleanEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
      procs.push(child);
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /gateway listening on (ws:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
    });
    const ro = await runBin(['deploy', 'acme-reports', 'test', '--gateway', url, '--token', token, '--read-only', '--no-wait'], { home });
    expect(ro.code, ro.all).toBe(1);
    expect(ro.stderr).toMatch(/deploy refused: this session is read-only/);
    const rw = await runBin(['deploy', 'acme-reports', 'test', '--gateway', url, '--token', token, '--no-wait'], { home });
    expect(rw.code, rw.all).toBe(0);
    expect(rw.stdout).toMatch(/^deploy job \S+ (queued|running): the gateway runs it on/);
  }, 120_000);

  test('the console says read-only in its header and refuses an action', async () => {
    const p = e2e.console({ args: ['--sandbox', '--ephemeral', '--seed', '7', '--read-only'], env: { XDG_STATE_HOME: join(dir, 'console-ro') } });
    await p.waitForText(/nordwind-shop/, 15_000);
    expect(p.lines()[0]).toMatch(/read-only/);
    await p.press(KEYS.enter);
    await p.waitForText(/URL\s+\S+/, 10_000);
    await p.press('B');
    await p.waitForText(/backup: not available \(read-only/); // said before anything is sent
  }, 60_000);
});

describe('NO_COLOR and --no-color', () => {
  /** `logs -f` in a terminal until a line the sandbox colours has come; the raw bytes. */
  async function logsOnTerminal(args: string[], env: Record<string, string>): Promise<string> {
    const p = e2e.console({ args: ['logs', 'acme-reports', 'live', '-f', ...args], env: { ...sb.env, ...env } });
    await p.waitForText(/gunicorn\.error: Booting worker|redis timeout after/, 30_000);
    p.kill();
    return p.raw();
  }

  test('logs on a terminal keeps the log\'s colours; with NO_COLOR=1 or --no-color not one escape byte', async () => {
    const [coloured, noColor, flag] = await Promise.all([
      logsOnTerminal([], {}),
      logsOnTerminal([], { NO_COLOR: '1' }),
      logsOnTerminal(['--no-color'], {}),
    ]);
    expect(coloured).toMatch(colourSgr);
    expect(noColor).not.toContain('\x1b');
    expect(flag).not.toContain('\x1b');
  }, 90_000);

  test('every other command writes no escape byte with NO_COLOR (help, apps, jobs, a usage error)', async () => {
    const rs = await Promise.all([run(['--help']), run(['apps']), run(['jobs']), run(['logs', 'x'])]);
    for (const r of rs) expect(r.all).not.toContain('\x1b');
  }, 90_000);

  test('the console with --no-color draws no colour even when the config file asks for 256 colours', async () => {
    const config = join(dir, 'config');
    mkdirSync(join(config, 'divio-tui'), { recursive: true });
    writeFileSync(join(config, 'divio-tui', 'config.json'), JSON.stringify({ ui: { color: '256' } }));
    // no CI variable at all (the harness's CI=false makes chalk draw no colour: this test could not fail)
    const env = { XDG_CONFIG_HOME: config, CI: undefined };
    const withColour = e2e.console({ args: ['--sandbox', '--ephemeral', '--seed', '7'], env: { ...env, XDG_STATE_HOME: join(dir, 's1') } });
    const without = e2e.console({ args: ['--sandbox', '--ephemeral', '--seed', '7', '--no-color'], env: { ...env, XDG_STATE_HOME: join(dir, 's2') } });
    await Promise.all([withColour.waitForText(/nordwind-shop/, 15_000), without.waitForText(/nordwind-shop/, 15_000)]);
    expect(withColour.raw()).toMatch(colourSgr);
    expect(without.raw()).not.toMatch(colourSgr);
  }, 60_000);
});
