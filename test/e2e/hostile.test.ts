// The hostile-input corpus (src/sandbox/hostile.ts: every escape-sequence family, C1, bidi, invisible
// formatting, invalid UTF-8, huge lines, secrets in every free-text field) driven through the built
// program against `--scenario hostile`, and asserted on every output: `serve`'s own output, what a
// viewer receives over the WebSocket, jobs.json and audit.log, CLI text and --json, the console's raw
// pty output and a log file saved with S. Zero foreign control sequences, zero secret values.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GatewayClient } from '../../src/client/index.js';
import { PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { HOSTILE_SECRETS, hostile } from '../../src/sandbox/hostile.js';
import { BIN, KEYS } from './harness.js';
import { useE2e } from './setup.js';

const OPERATOR = 'op-token-HOSTILE-0123456789abcdef';
const VIEWER = 'viewer-token-HOSTILE-0123456789abcdef';
/** Payload markers that exist only inside removed sequences: seeing one means a sequence got through. */
const MARKERS = ['pwned-title', 'ZWNobyBwd25lZA', 'hostile-apc', 'hostile-pm', 'hostile-sos', 'evil.example', '#0;2;0;0;0'];
const NOTE_SECRET = 'NoteDsnPassword-777';

const e2e = useE2e();

/** Text a terminal can print: no C0 but \n (and \t), no DEL, no C1, no bidi/invisible formatting; ESC only as SGR when allowed. */
function unsafeIn(text: string, allowSgr: boolean): string | null {
  const t = allowSgr ? text.replace(/\x1b\[[0-9;]*m/g, '') : text;
  const m = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]/.exec(t);
  return m ? JSON.stringify(t.slice(Math.max(0, m.index - 30), m.index + 30)) : null;
}

function expectClean(what: string, text: string, opts: { allowSgr?: boolean } = {}): void {
  expect(unsafeIn(text, opts.allowSgr ?? false), `${what}: a control or formatting character`).toBeNull();
  for (const m of MARKERS) expect(text.includes(m), `${what}: the payload "${m}" of a removed sequence`).toBe(false);
  for (const s of [...HOSTILE_SECRETS, NOTE_SECRET, OPERATOR, VIEWER]) expect(text.includes(s), `${what}: the secret ${s}`).toBe(false);
}

/** Every string inside a JSON value (where escapes like \u009b have become characters again). */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      strings(x, out);
    }
  return out;
}

let dir: string;
let serve: ChildProcess;
let serveOut = '';
let url = '';

function cli(args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, XDG_STATE_HOME: join(dir, 'state'), XDG_CONFIG_HOME: join(dir, 'config'), DIVIO_TOKEN: '', NO_COLOR: '', ...env },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  dir = e2e.tempDir('divio-tui-hostile-');
  writeFileSync(join(dir, 'viewer.token'), VIEWER + '\n', { mode: 0o600 });
  serve = spawn(
    process.execPath,
    [BIN, 'serve', '--sandbox', '--scenario', 'hostile', '--port', '0', `--token=${OPERATOR}`, '--viewer-token-file', join(dir, 'viewer.token'), '--data-dir', join(dir, 'gw')],
    { env: { ...process.env, DIVIO_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  serve.stdout!.on('data', (d) => (serveOut += d));
  serve.stderr!.on('data', (d) => (serveOut += d));
  const end = Date.now() + 30_000;
  while (!/gateway listening on (ws:\/\/\S+)[^]*limits: /.test(serveOut)) {
    if (Date.now() > end || serve.exitCode !== null) throw new Error(`serve did not start: ${serveOut}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  url = /gateway listening on (ws:\/\/\S+)/.exec(serveOut)![1]!;
}, 60_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((r) => serve.once('exit', r));
    serve.kill('SIGTERM');
    await exited;
  }
}, 30_000);

describe('the hostile corpus', () => {
  it('serve never echoes a given token and states its limits', () => {
    expect(serveOut).not.toContain(OPERATOR);
    expect(serveOut).not.toContain(VIEWER);
    expect(serveOut).not.toMatch(/token \(operator/);
    expect(serveOut).toMatch(/limits: 20 upstream requests\/s/);
  });

  it('a viewer receives no control sequence and no secret; jobs.json and audit.log neither', async () => {
    // the operator starts a backup whose notes are hostile and hold a DSN password
    const op = new GatewayClient({ url, token: OPERATOR });
    op.connect();
    await op.waitLive(15_000);

    const frames: string[] = [];
    const ws = new WebSocket(url);
    const data: Record<string, any> = {};
    ws.on('message', (d) => {
      const text = d.toString();
      frames.push(text);
      const m = JSON.parse(text);
      if (m.type === 'snapshot' || m.type === 'event') (data[m.sub] ??= []).push(m.data);
    });
    await new Promise((r) => ws.once('open', r));
    const send = (m: unknown) => ws.send(JSON.stringify(m));
    send({ type: 'hello', protocol: PROTOCOL_VERSION, token: VIEWER, client: 'hostile-viewer' });
    send({ type: 'subscribe', id: 'fleet', topic: 'fleet', params: {} });
    send({ type: 'subscribe', id: 'jobs', topic: 'jobs', params: {} });
    const until = async (f: () => unknown, ms = 20_000, what = 'data') => {
      const end = Date.now() + ms;
      while (!f()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(() => data.fleet?.some((d: any) => d.rows.some((r: any) => r.app === 'evil' && !r.pending)), 30_000, 'the fleet with "evil"');
    const rows = data.fleet.at(-1).rows as any[];
    const live = rows.find((r) => r.app === 'evil' && r.env === 'live');
    expect(rows.every((r) => r.org && !/[\x1b\u009b\u202e]/.test(r.org))).toBe(true);
    for (const [id, topic, params] of [
      ['env', 'env', { env: live.envUuid }],
      ['logs', 'logs', { envs: [live.envUuid] }],
      ['backups', 'backups', { env: live.envUuid }],
      ['deps', 'deployments', { env: live.envUuid }],
      ['metrics', 'metrics', { env: live.envUuid, minutes: 60 }],
    ] as const)
      send({ type: 'subscribe', id, topic, params });
    await until(() => data.logs?.some((d: any) => JSON.stringify(d).includes('request failed for evil')), 20_000, 'the hostile log lines');
    await until(() => data.backups?.length && data.env?.length && data.deps?.length, 20_000, 'backups, env and deployments');
    const dep = data.deps.at(-1).deployments[0];
    send({ type: 'subscribe', id: 'dep', topic: 'deployment', params: { deployment: dep.uuid } });
    await until(() => data.dep?.length, 20_000, 'the deployment log');

    const job = await op.command('backup', { env: live.envUuid, notes: `${hostile('before-migration')} postgres://app:${NOTE_SECRET}@db/app` });
    await until(() => data.jobs?.some((d: any) => d.jobs.some((j: any) => j.id === job.id)), 20_000, 'the backup job on the jobs topic');
    await op.close();
    ws.close();

    // what went over the wire, raw and decoded
    const wire = frames.join('\n');
    expectClean('viewer frames (raw)', wire.replace(/\\u001b\[[0-9;]*m/g, ''));
    const decoded = frames.flatMap((f) => strings(JSON.parse(f)));
    for (const s of decoded) expectClean('viewer frames (decoded)', s.replace(/\n/g, ' '), { allowSgr: true });
    // the masking kept what is not secret
    expect(wire).toContain('postgres://app:****@db.internal:5432/app');
    expect(wire).toContain('token refreshed for evil');
    expect(JSON.stringify(data.env.at(-1).variables)).toMatch(/"name":"GITHUB_TOKEN","value":"\*\*\*\*"/);

    const jobsFile = readFileSync(join(dir, 'gw', 'jobs.json'), 'utf8');
    expect(jobsFile).toContain('before-migration');
    expectClean('jobs.json', jobsFile.replace(/\\u001b\[[0-9;]*m/g, ''));
    for (const s of strings(JSON.parse(jobsFile))) expectClean('jobs.json (decoded)', s);
    const audit = readFileSync(join(dir, 'gw', 'audit.log'), 'utf8');
    expect(audit).toContain('backup');
    for (const line of audit.trim().split('\n')) for (const s of strings(JSON.parse(line))) expectClean('audit.log (decoded)', s);
    expectClean('audit.log', audit);
  }, 120_000);

  it('CLI text and --json: no control sequence, no secret, "did you mean" safe', () => {
    const env = { DIVIO_TUI_TOKEN: OPERATOR };
    const runs = [
      cli(['apps', '--gateway', url], env),
      cli(['apps', '--json', '--gateway', url], env),
      cli(['backups', 'evil', 'live', '--gateway', url], env),
      cli(['backups', 'evil', 'live', '--json', '--gateway', url], env),
      cli(['jobs', '--json', '--gateway', url], env),
      cli(['metrics', 'evil', 'live', '--gateway', url], env),
      cli(['deploy', 'evi', 'live', '--gateway', url], env),
      cli(['logs', 'evil', 'live', '--since', '1h', '--sandbox', '--scenario', 'hostile']),
      cli(['logs', 'evil', 'live', '--since', '1h', '--json', '--sandbox', '--scenario', 'hostile']),
      cli(['services', 'evil', 'live', '--gateway', url], env),
    ];
    for (const [i, r] of runs.entries()) {
      expectClean(`CLI run ${i} stdout`, r.out);
      expectClean(`CLI run ${i} stderr`, r.err);
    }
    expect(runs[0]!.code).toBe(0);
    expect(runs[0]!.out).toMatch(/^evil\s/m);
    expect(JSON.parse(runs[1]!.out).some((r: any) => r.app === 'evil')).toBe(true);
    expect(runs[3]!.out).toContain('postgres://app:****@db/app');
    expect(runs[6]!.code).toBe(2);
    expect(runs[6]!.err).toMatch(/no application "evi" \(did you mean evil\?\)/);
    expect(runs[7]!.code).toBe(0);
    expect(runs[7]!.out).toContain('request failed for evil');
    expect(runs[8]!.out).toContain('GITHUB_TOKEN=****');
    // a service status the console does not know (and hostile): shown, cleaned, marked
    expect(runs[9]!.code).toBe(0);
    expect(runs[9]!.out).toMatch(/^database\s+DEFAULT\s.*\sunknown: WARMING_UP\s/m);
  }, 240_000);

  describe('the console in a real terminal', () => {
    it('draws hostile names and logs without replaying them; the saved log file is clean', async () => {
      const state = join(dir, 'console-state');
      const p = e2e.console({ cols: 160, rows: 40, args: ['--sandbox', '--scenario', 'hostile', '--log-rate', '0'], env: { XDG_STATE_HOME: state, DIVIO_TOKEN: '' } });
      await p.waitForText(/evil/, 30_000);
      await p.press(':');
      await p.waitForText(/^:_?$/m, 5000);
      await p.type('logs evil@live');
      await p.press(KEYS.enter);
      await p.waitForText(/evil › live › logs/, 10_000);
      // the hostile lines (whatever scrolled past): filter to them
      await p.press('/');
      await p.type('request failed');
      await p.press(KEYS.enter);
      await p.waitForText(/request failed for evil/, 20_000);
      await p.press('S');
      await p.waitForText(/saved [\d,]+ lines/, 10_000);
      const raw = p.raw();
      // the console's own output is CSI (cursor, erase, modes, SGR): nothing else may appear
      const foreign = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1b[78=>]/g, '');
      expectClean('console pty output', foreign.replace(/[\r\n\t]/g, ' '));
      const logs = join(state, 'divio-tui', 'logs');
      const file = readFileSync(join(logs, readdirSync(logs)[0]!), 'utf8');
      expect(file).toContain('request failed for evil');
      expectClean('saved log file', file.replace(/\n/g, ' '));
      await p.press('q', 'q'); // q on the fleet asks, the second q quits
    }, 120_000);
  });
});
