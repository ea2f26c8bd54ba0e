// CI's last line (scripts/summarize-tests.mjs): vitest's figures with the golden paths counted in.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(import.meta.dirname, '../../scripts/summarize-tests.mjs');
const summarize = (...args: string[]): string[] => execFileSync(process.execPath, [script, ...args], { encoding: 'utf8' }).trim().split('\n');

describe('summarize-tests', () => {
  const dir = mkdtempSync(join(tmpdir(), 'summ-'));
  const report = join(dir, 'r.json');
  writeFileSync(report, JSON.stringify({ numPassedTests: 10, numFailedTests: 0, testResults: [] }));
  const smoke = join(dir, 'smoke.log');

  it('adds the PASS and FAIL lines of the golden paths to the last line', () => {
    writeFileSync(smoke, 'PASS apps --json  rc=0\nFAIL logs APP ENV  rc=124 (want 0)\nPASS jobs rc=0\ngolden paths: 1 failed\n');
    const out = summarize(report, '1', smoke, '1');
    expect(out).toEqual(['golden paths: 2 passed, 1 failed', '12 passed, 1 failed']);
  });

  it('a golden-paths script that failed without a FAIL line is one failure; a missing report another', () => {
    writeFileSync(smoke, 'something broke before the first path\n');
    expect(summarize(report, '0', smoke, '2').at(-1)).toBe('10 passed, 1 failed');
    expect(summarize(join(dir, 'none.json'), '2', smoke, '0').at(-1)).toBe('0 passed, 1 failed');
    rmSync(dir, { recursive: true, force: true });
  });

  it('without a golden-paths log: vitest alone, as before', () => {
    const d = mkdtempSync(join(tmpdir(), 'summ-'));
    const r = join(d, 'r.json');
    writeFileSync(r, JSON.stringify({ numPassedTests: 3, numFailedTests: 1, testResults: [] }));
    expect(summarize(r, '1')).toEqual(['3 passed, 1 failed']);
    rmSync(d, { recursive: true, force: true });
  });
});
