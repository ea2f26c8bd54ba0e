// End to end: the non-interactive commands of the shipped program (the bundle, started as a process)
// against one sandbox process (also the bundle's), as a user runs them from a shell or a script.
// Each test asserts what that user sees: the exit status, the verdict line, the output.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, ROOT } from './harness.js';
import { cleanEnv, haveOpenSsh, runBin, startAgent, type Agent, type SandboxBin } from './cli-harness.js';
import { useE2e } from './setup.js';

const e2e = useE2e();
let sb: SandboxBin;
beforeAll(async () => {
  sb = await e2e.sandbox();
});

const run = (args: string[], env: Record<string, string | undefined> = {}, timeoutMs = 60_000) =>
  runBin(args, { home: sb.home, env: { ...sb.env, ...env }, timeoutMs });

/** A loopback port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('logs', () => {
  test('without --follow it prints the window asked for and exits 0', async () => {
    const started = Date.now();
    const r = await run(['logs', 'acme-reports', 'live', '--since', '2m', '--utc']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    // every line is inside the window: at most 2 minutes (and one minute of from_ts rounding) old
    for (const l of lines) {
      const ts = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+Z) (web|worker|cron)/.exec(l);
      expect(ts, l).not.toBeNull();
      const t = Date.parse(ts![1]!.replace(' ', 'T'));
      expect(t).toBeGreaterThanOrEqual(started - 2 * 60_000 - 1000);
      expect(t).toBeLessThanOrEqual(Date.now());
    }
  });

  test('without --follow on a never-deployed environment: says there are no lines, exits 0', async () => {
    const r = await run(['logs', 'acme-labs', 'live']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^no log lines for acme-labs@live in the last 5m\n$/);
  });

  test.each(['--follow', '-f'])('%s streams until Ctrl-C, which exits 130', async (flag) => {
    let sent = false;
    const r = await runBin(['logs', 'acme-reports', 'live', flag], {
      home: sb.home,
      env: sb.env,
      onOutput: (child, out) => {
        if (!sent && out.stdout.split('\n').length > 3) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/ web +/);
  });

  test('--follow | head -3 ends cleanly with three lines', async () => {
    const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const p = spawn('bash', ['-c', 'set -o pipefail; "$@" logs acme-reports live --follow | head -3', '_', process.execPath, BIN], {
        cwd: ROOT,
        env: cleanEnv(sb.home, sb.env),
      });
      let out = '';
      let err = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.stderr.on('data', (b: Buffer) => (err += b.toString()));
      p.on('close', (code) => resolve({ code, out, err }));
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')).toHaveLength(3);
  });
});

describe('a rejected token or an unreachable zone is named at once', () => {
  const BAD = 'not-a-valid-token-123456';
  test('apps, backups, deploy, ssh: "token rejected … (401)", exit 1, the token never printed', async () => {
    const cmds = [['apps'], ['backups', 'acme-reports', 'live'], ['deploy', 'acme-reports', 'test'], ['ssh', 'acme-reports', 'live', '--', 'true']];
    const results = await Promise.all(cmds.map((args) => run(args, { DIVIO_TOKEN: BAD }, 30_000)));
    results.forEach((r, i) => {
      const what = `divio-tui ${cmds[i]!.join(' ')}: ${r.all}`;
      expect(r.code, what).toBe(1);
      expect(r.stderr, what).toMatch(/token rejected by http:\/\/127\.0\.0\.1:\d+ \(401\): run `?divio login`? or set DIVIO_TOKEN/);
      expect(r.stderr, what).not.toMatch(/no answer|within 20 s/);
      expect(r.all, what).not.toContain(BAD);
    });
  });

  test('connection refused and host not found, in the words of the failure', async () => {
    const port = await deadPort();
    const [refused, unknown] = await Promise.all([
      run(['apps'], { DIVIO_ZONE: `http://127.0.0.1:${port}` }, 30_000),
      run(['backups', 'acme-reports', 'live'], { DIVIO_ZONE: 'http://no-such-host.invalid' }, 30_000),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`on http://127\\.0\\.0\\.1:${port} failed: connection refused`));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/on http:\/\/no-such-host\.invalid failed: host not found/);
    expect(refused.all + unknown.all).not.toContain(sb.token);
  });

  test('doctor asks the zone about the token: a rejected one is a FAIL, a good one says whose it is', async () => {
    const [bad, good] = await Promise.all([run(['doctor'], { DIVIO_TOKEN: BAD }), run(['doctor'])]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL +token +found in DIVIO_TOKEN \(not shown\), token rejected by http:\/\/127\.0\.0\.1:\d+ \(401\)/m);
    expect(bad.all).not.toContain(BAD);
    expect(good.stdout).toMatch(/^ok +token +found in DIVIO_TOKEN \(not shown\), accepted by http:\/\/127\.0\.0\.1:\d+ \(\S+@\S+\)/m);
    expect(good.all).not.toContain(sb.token);
    // no agent and no key file in this home: said plainly
    expect(good.stdout).toMatch(/^FAIL +ssh key +no key: no agent \(SSH_AUTH_SOCK unset\) and no ~\/\.ssh\/id_\* file/m);
  });

  test("doctor --zone NAME checks a configured zone as the console reaches it: its API and its token; an unknown name lists the known ones", async () => {
    const config = join(sb.home, 'zones-config.json');
    writeFileSync(config, JSON.stringify({ zones: { alpha: { zone: sb.divioUrl, token: sb.token }, nowhere: { zone: 'nowhere.example' } } }));
    const url = sb.divioUrl.replace(/[.:/]/g, '\\$&');
    // no DIVIO_TOKEN, no DIVIO_ZONE: the zone's entry alone says where and with which token
    const bare = { DIVIO_TOKEN: undefined, DIVIO_ZONE: undefined };
    const [alpha, fromEnv, nowhere, bogus] = await Promise.all([
      run(['doctor', '--config', config, '--zone', 'alpha'], bare),
      run(['doctor', '--config', config], { ...bare, DIVIO_ZONE: 'alpha' }),
      run(['doctor', '--config', config, '--zone', 'nowhere'], bare),
      run(['doctor', '--config', config, '--zone', 'bogus'], bare),
    ]);
    expect(alpha.stdout).toMatch(new RegExp(`^ok +token +found in the config file's zones\\.alpha\\.token \\(not shown\\), accepted by ${url} \\(\\S+@\\S+\\)`, 'm'));
    expect(alpha.stdout).toMatch(new RegExp(`^ok +zone +alpha: ${url} \\(--zone; the config file's "zones"\\)`, 'm'));
    expect(alpha.all).not.toContain(sb.token);
    expect(fromEnv.stdout).toMatch(new RegExp(`^ok +token +found in the config file's zones\\.alpha\\.token \\(not shown\\), accepted by ${url}`, 'm'));
    expect(fromEnv.stdout).toMatch(new RegExp(`^ok +zone +alpha: ${url} \\(from DIVIO_ZONE; the config file's "zones"\\)`, 'm'));
    // a configured zone without a token: what to do, as :zone nowhere says it
    expect(nowhere.code).toBe(1);
    expect(nowhere.stdout).toMatch(/^FAIL +token +zone nowhere: no token for nowhere\.example: run "divio login" for that zone/m);
    expect(nowhere.stdout).toMatch(/^ok +zone +nowhere: nowhere\.example \(--zone; the config file's "zones"\)/m);
    // an unknown name: a FAIL naming the zones there are
    expect(bogus.code).toBe(1);
    expect(bogus.stdout).toMatch(/^FAIL +zone +no zone "bogus" in the config file's "zones" \(alpha, nowhere\); a Divio zone is a domain \(divio\.com\) or an https:\/\/ URL/m);
    expect(bogus.stdout).not.toMatch(/api\.bogus|control\.bogus/);
  });
});

describe.skipIf(!haveOpenSsh())('ssh with the real OpenSSH client', () => {
  let agent: Agent;
  let empty: Agent;
  beforeAll(async () => {
    [agent, empty] = await Promise.all([startAgent(true), startAgent(false)]);
  });
  afterAll(() => {
    agent?.stop();
    empty?.stop();
  });

  test('ssh APP ENV -- CMD runs the command: its output comes back, its exit status is ours', async () => {
    const r = await run(['ssh', 'acme-reports', 'live', '--', 'echo smoke-$((6*7)); echo "stage=$STAGE" >&2; exit 3'], { SSH_AUTH_SOCK: agent.sock });
    expect(r.stdout).toBe('smoke-42\n');
    expect(r.stderr).toContain('stage=live');
    expect(r.stderr).not.toContain('SSH into'); // no banner around a command's output
    expect(r.code).toBe(3);
    const ok = await run(['ssh', 'acme-reports', 'test', '--', 'echo', 'two', 'words'], { SSH_AUTH_SOCK: agent.sock });
    expect(ok.stdout).toBe('two words\n');
    expect(ok.code).toBe(0);
  });

  test("a refused key: ssh's own reason is shown, exit 255", async () => {
    const r = await run(['ssh', 'acme-reports', 'live', '--', 'true'], { SSH_AUTH_SOCK: empty.sock });
    expect(r.code).toBe(255);
    expect(r.stderr).toMatch(/divio-tui: ssh acme-reports@live failed: acme-reports-live@127\.0\.0\.1: Permission denied \(publickey\)/);
  });

  test('doctor sees the key in the agent', async () => {
    const r = await run(['doctor'], { SSH_AUTH_SOCK: agent.sock });
    expect(r.stdout).toMatch(/^ok +ssh key +an agent holds 1 key \(SSH_AUTH_SOCK\)/m);
  });
});

describe('sandbox: bad input is a usage error (2), a port in use is a failure (1)', () => {
  test('bad options, a bad number, extra arguments, an option of another command: exit 2 with the reason and a pointer to its help', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--bogus'], /unknown option --bogus for "sandbox"/],
      [['--minutes', 'abc'], /unknown option --minutes for "sandbox"/],
      [['--speed', 'abc'], /--speed expects a number, got "abc"/],
      [['--apps', '3'], /--apps must be 9–5000/],
      [['extra'], /unexpected argument "extra" for "sandbox"/],
      [['--zone', 'divio.com'], /unknown option --zone for "sandbox"/],
      [['--seedd', '3'], /unknown option --seedd for "sandbox" \(did you mean --seed\?\)/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(['sandbox', ...args], {}, 20_000)));
    results.forEach((r, i) => {
      const what = `divio-tui sandbox ${cases[i]![0].join(' ')}: ${r.all}`;
      expect(r.code, what).toBe(2);
      expect(r.stderr, what).toMatch(cases[i]![1]);
      expect(r.stderr, what).toContain('See `divio-tui sandbox --help`.');
      expect(r.stdout, what).toBe('');
    });
  });

  test('a port in use exits 1 and says which', async () => {
    const port = Number(new URL(sb.divioUrl).port);
    const r = await run(['sandbox', '--port', String(port), '--ephemeral'], {}, 20_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`port ${port} is already in use (try --port 0)`);
  });
});

describe('read commands', () => {
  test('apps --json, metrics --json and jobs answer and exit 0', async () => {
    const [apps, metrics, jobs] = await Promise.all([
      run(['apps', '--json']),
      run(['metrics', 'acme-reports', 'live', '--json']),
      run(['jobs']),
    ]);
    expect(apps.code, apps.all).toBe(0);
    const rows = JSON.parse(apps.stdout) as Array<{ app: string; env: string }>;
    expect(rows.some((x) => x.app === 'acme-reports' && x.env === 'live')).toBe(true);
    expect(metrics.code, metrics.all).toBe(0);
    const m = JSON.parse(metrics.stdout) as { access: { requests: number } | null };
    expect(m).toHaveProperty('access');
    expect(jobs.code, jobs.all).toBe(0);
    expect(jobs.stdout, jobs.all).toMatch(/^(no jobs|JOB +KIND)/);
  });

  test('a passing upstream failure (503s past the retries of the client) is waited out, not reported as final', async () => {
    const r = await run(['apps', '--json', '--sandbox', '--ephemeral', '--seed', '7', '--faults', '/apps/v3/applications/ 503 times=5']);
    expect(r.code, r.all).toBe(0);
    expect((JSON.parse(r.stdout) as unknown[]).length).toBeGreaterThan(5);
  });

  test('metrics in plain text names the environment and its request figures', async () => {
    const r = await run(['metrics', 'acme-reports', 'live']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^acme-reports@live\n/);
    expect(r.stdout).toMatch(/requests [\d.]+\/s|request metrics: no access lines seen yet/);
  });
});
