// End to end: the one command-line parser of the shipped program (the bundle, started as a process):
// every command's own help, short options, "did you mean", and exit 2 with a pointer on every usage
// error — what a user typing at a shell sees.
import { beforeAll, describe, expect, test } from 'vitest';
import { runBin, type SandboxBin } from './cli-harness.js';
import { useE2e } from './setup.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { VERSION } from '../../src/version.js';

const e2e = useE2e();
const home = e2e.tempDir('divio-tui-parser-e2e-');
const run = (args: string[], env: Record<string, string | undefined> = {}) => runBin(args, { home, env, timeoutMs: 30_000 });

describe('help', () => {
  test('--help lists every command of the table; -V and --version print the version', async () => {
    const [help, v, version] = await Promise.all([run(['--help']), run(['-V']), run(['--version'])]);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    for (const r of [v, version]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`divio-tui ${VERSION}\n`);
    }
  });

  test.each(COMMANDS.map((c) => c.name))('"%s --help", "-h" and "help" show that command\'s own usage, options and examples', async (name) => {
    const c = COMMANDS.find((x) => x.name === name)!;
    const forms = [[...name.split(' '), '--help'], [...name.split(' '), '-h'], ['help', ...name.split(' ')]];
    const rs = await Promise.all(forms.map((f) => run(f)));
    for (const [i, r] of rs.entries()) {
      const what = `divio-tui ${forms[i]!.join(' ')}`;
      expect(r.code, what).toBe(0);
      expect(r.stderr, what).toBe('');
      expect(r.stdout.split('\n')[0], what).toMatch(new RegExp(`^Usage: divio-tui ${name}\\b`));
      for (const [k, o] of Object.entries(c.options)) if (!o.hidden) expect(r.stdout, `${what}: --${k}`).toContain(`--${k}`);
      for (const e of c.examples) expect(r.stdout, what).toContain(e);
      // not the global usage
      expect(r.stdout, what).not.toContain('Commands:');
      expect(r.stdout, what).toBe(rs[0]!.stdout);
    }
  });
});

describe('usage errors: exit 2, the reason and a pointer on stderr, nothing on stdout', () => {
  test.each([
    [['lgos', 'shop', 'live'], /^divio-tui: unknown command "lgos" \(did you mean logs\?\)\nSee `divio-tui --help`\.\n$/],
    [['help', 'deplyo'], /unknown command "deplyo" \(did you mean deploy\?\)/],
    [['logs', 'shop', 'live', '--folow'], /^divio-tui: unknown option --folow for "logs" \(did you mean --follow\?\)\nSee `divio-tui logs --help`\.\n$/],
    [['deploy', 'shop', 'live', '--confrim', 'shop@live'], /unknown option --confrim for "deploy" \(did you mean --confirm\?\)\nSee `divio-tui deploy --help`/],
    [['logs', 'shop', 'live', '--since'], /--since needs a value[^\n]*\nSee `divio-tui logs --help`/],
    [['logs', 'shop'], /logs needs APP ENV \(missing ENV\)\nSee `divio-tui logs --help`/],
    [['apps', 'shop'], /unexpected argument "shop" for "apps"\nSee `divio-tui apps --help`/],
    [['metrics', 'shop', 'live', '--minutes', 'lots'], /--minutes expects a number, got "lots"/],
    [['deploy', 'shop', 'live', '--build-mode', 'fast'], /--build-mode must be AUTO, ADOPT, FORCE; got "fast"/],
    [['serve', '--prot', '1'], /unknown option --prot for "serve" \(did you mean --port\?\)/],
    [['-x'], /^divio-tui: unknown option -x\nSee `divio-tui --help`\.\n$/],
  ])('divio-tui %j', async (args, message) => {
    const r = await run(args);
    expect(r.code, r.all).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('against a sandbox', () => {
  let sb: SandboxBin;
  beforeAll(async () => {
    sb = await e2e.sandbox();
  });

  test("a usage error found by the command itself also points to that command's help", async () => {
    const r = await runBin(['deploy', 'acme-reports', 'live'], { home: sb.home, env: sb.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/deploying acme-reports@live needs --confirm acme-reports@live\nSee `divio-tui deploy --help`\.\n$/);
  });
});
