// End to end in a real pseudo-terminal: the bundled console against its embedded sandbox, the whole
// restore wizard driven with keys (live → test, database only, safety backup on), until the result
// shows the destination's new content version.
import { describe, expect, test } from 'vitest';
import { KEYS, type Pty } from './harness.js';
import { useE2e } from './setup.js';

const e2e = useE2e();

/** Type into the palette one character at a time, each seen on screen before the next. */
async function typeSeen(p: Pty, prefix: string, text: string): Promise<void> {
  for (let i = 1; i <= text.length; i++) {
    await p.press(text[i - 1]!);
    await p.waitForText((prefix + text.slice(0, i)).trimEnd(), 5000);
  }
}

describe('restore wizard in a real terminal', () => {
  test('choose a backup of live, restore its database into test with a safety backup, see the new content version', async () => {
    const pty = e2e.console({ args: ['--sandbox', '--ephemeral', '--seed', '1', '--speed', '40'], cols: 140, rows: 40 });
    await pty.waitForText('acme-reports', 20_000);
    await pty.press(':');
    await typeSeen(pty, ':', 'env acme-reports@live');
    await pty.press(KEYS.enter);
    let s = await pty.waitForText(/Services \(\d+\)/, 8000);
    // content version of test before, from its environment screen
    await pty.press('R');
    s = await pty.waitForText('step 1/7', 5000);
    s = await pty.waitForText(/ago\s+(manual|scheduled)\s+/, 10_000);
    expect(s).toMatch(/scheduled\s+ok/);
    // step 1: the newest backup that is ok (skip failed ones with j)
    const rows = pty.lines();
    const list = rows.filter((l) => /ago\s+(manual|scheduled)\s+/.test(l));
    const firstOk = list.findIndex((l) => /\sok\s/.test(l));
    expect(firstOk).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < firstOk; i++) await pty.press('j');
    await pty.press(KEYS.enter);
    s = await pty.waitForText('step 2/7');
    expect(s).toMatch(/\[x\] database/);
    expect(s).toMatch(/\[x\] media/);
    // step 2: media off
    await pty.press('j', ' ');
    await pty.waitForText(/\[ \] media/);
    await pty.press(KEYS.enter);
    // step 3: test as destination
    await pty.waitForText('step 3/7');
    const destRows = pty.lines();
    const testRow = destRows.findIndex((l) => /live → test/.test(l));
    const cur = destRows.findIndex((l) => /live → live/.test(l));
    expect(testRow).toBeGreaterThan(0);
    // no default destination: the first j lands on the first environment listed
    expect(pty.screenText()).toContain('Nothing is chosen for you');
    await pty.press('j');
    for (let i = Math.min(cur, testRow); i < testRow; i++) await pty.press('j');
    // Esc goes back a step, Enter comes forward again
    await pty.press(KEYS.esc);
    await pty.waitForText('step 2/7');
    await pty.press(KEYS.enter);
    await pty.waitForText('step 3/7');
    await pty.press(KEYS.enter);
    s = await pty.waitForText('step 4/7');
    expect(s).toContain('[x] ON: a backup of test');
    await pty.press(KEYS.enter);
    s = await pty.waitForText('step 5/7');
    expect(s).toContain('live → test');
    const before = /Now on dest\s+(database \d+ rows \(\w+\))/.exec(await pty.waitForText(/Now on dest\s+database \d+ rows/, 8000))![1]!;
    await pty.press(KEYS.enter);
    await pty.waitForText('step 6/7');
    await pty.type('test');
    await pty.press(KEYS.enter);
    await pty.waitForText('does not name the destination');
    await pty.type('acme-reports@test');
    await pty.press(KEYS.enter);
    s = await pty.waitForText('step 7/7', 8000);
    s = await pty.waitForText(/safety backup/);
    s = await pty.waitForText(/Restored into test/, 30_000);
    expect(s).toMatch(/succeeded\s+safety backup/);
    expect(s).toMatch(/succeeded\s+restore/);
    const after = /New content version: (database \d+ rows \(\w+\))/.exec(s)![1]!;
    expect(after).not.toBe(before);
    // Esc closes the wizard: back on the environment screen, which still answers keys
    await pty.press(KEYS.esc);
    await pty.waitForGone('step 7/7');
    await pty.waitForText(/Services \(\d+\)/);
    await pty.press('J');
    // the jobs table's row (the toast "restore acme-reports@test succeeded" may still be on the screen before)
    s = await pty.waitForText(/\bSTATE\s+KIND\s+TARGET\b[\s\S]*\brestore\s+acme-reports@test\b/);
    expect(s).toMatch(/succeeded\s+restore\s+acme-reports@test/);
  }, 90_000);

  test('in a short terminal (100×20) the confirmation box stays on screen under the summary, and a wrong name is said there', async () => {
    const pty = e2e.console({ args: ['--sandbox', '--ephemeral', '--seed', '1'], cols: 100, rows: 20 });
    await pty.waitForText('acme-reports', 20_000);
    await pty.press(':');
    await typeSeen(pty, ':', 'env acme-reports@live');
    await pty.press(KEYS.enter);
    await pty.waitForText(/Services \(\d+\)/, 8000);
    await pty.press('R');
    await pty.waitForText(/ago\s+(manual|scheduled)\s+/, 10_000);
    const list = pty.lines().filter((l) => /ago\s+(manual|scheduled)\s+/.test(l));
    for (let i = 0; i < list.findIndex((l) => /\sok\s/.test(l)); i++) await pty.press('j');
    await pty.press(KEYS.enter);
    await pty.waitForText('step 2/7');
    await pty.press(KEYS.enter);
    await pty.waitForText('step 3/7');
    const rows = pty.lines();
    const testRow = rows.findIndex((l) => /live → test/.test(l));
    const firstRow = rows.findIndex((l) => /live → (live|test|qa)/.test(l));
    for (let i = firstRow - 1; i < testRow; i++) await pty.press('j');
    await pty.press(KEYS.enter);
    await pty.waitForText('step 4/7');
    await pty.press(KEYS.enter);
    await pty.waitForText('step 5/7');
    await pty.press(KEYS.enter);
    await pty.waitForText('step 6/7');
    await pty.type('acme-rep');
    let s = await pty.waitForText('> acme-rep_');
    expect(s).toMatch(/Type acme-reports@test to restore into it/);
    // what did not fit is said, not silently cut
    expect(s).toMatch(/… \d+ more lines? \(a taller terminal shows them\)/);
    await pty.press(KEYS.enter);
    s = await pty.waitForText('does not name the destination');
    expect(s).toContain('Type acme-reports@test to restore into it');
  }, 60_000);
});
