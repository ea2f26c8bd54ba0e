// The CLI and the console say a backup's age with the same word (src/domain/format.ts): a backup
// taken 47 hours ago is "1d" in both — the CLI used to say "47h ago" where the console said "1d".
// The shipped program against one sandbox (seed 7: acme-reports@live has a daily backup two days ago,
// 47–48 h old), as a command and in a real terminal.
import { beforeAll, describe, expect, test } from 'vitest';
import { KEYS } from './harness.js';
import { runBin, type SandboxBin } from './cli-harness.js';
import { useE2e } from './setup.js';
import { waitFor } from '../wait.js';

const e2e = useE2e();
let sb: SandboxBin;
beforeAll(async () => {
  sb = await e2e.sandbox();
});

/** The ages ("1d", "3h" …) in lines that mention a scheduled backup. */
const ages = (lines: string[]): string[] => lines.filter((l) => /scheduled/i.test(l)).map((l) => /\b(\d+[smhd]) ago\b/.exec(l)?.[1] ?? '?');

describe('one age word', () => {
  test('`backups` and the console\'s Backups view give each backup of acme-reports@live the same age', async () => {
    const r = await runBin(['backups', 'acme-reports', 'live'], { home: sb.home, env: sb.env });
    expect(r.code, r.all).toBe(0);
    const cli = ages(r.stdout.split('\n'));
    expect(cli).toHaveLength(7);
    expect(cli).toContain('1d'); // the one taken two days ago: 47–48 h
    expect(cli.filter((a) => /^(2[4-9]|[3-9]\d)h$/.test(a))).toEqual([]);

    const pty = e2e.console({ env: sb.env, cols: 150, rows: 30 });
    await pty.waitForText('acme-reports', 20_000);
    await pty.press(':');
    await pty.type('backups acme-reports@live');
    await pty.waitForText('backups acme-reports@live', 5000);
    await pty.press(KEYS.enter);
    await pty.waitForText(/ago\)\s+scheduled/i, 15_000);
    const seen = await waitFor(() => {
      const a = ages(pty.lines());
      return a.length >= 7 && a;
    }, 10_000, 'the seven scheduled backups on screen');
    expect(seen).toEqual(cli);
  });
});
