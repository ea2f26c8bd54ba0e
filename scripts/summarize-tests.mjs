// Prints the final `N passed, N failed` line from vitest's JSON report (CI reads only this line), with
// the golden paths counted in: each PASS/FAIL line of their log, and a failure when the script failed
// without a FAIL line (it could not start its sandbox, say).
//   node scripts/summarize-tests.mjs REPORT.json VITEST_STATUS [GOLDEN_PATHS.log GOLDEN_PATHS_STATUS]
import { existsSync, readFileSync } from 'node:fs';

const [file, status, smokeLog, smokeStatus] = process.argv.slice(2);
let smokePassed = 0;
let smokeFailed = 0;
if (smokeLog !== undefined) {
  const lines = existsSync(smokeLog) ? readFileSync(smokeLog, 'utf8').split('\n') : [];
  smokePassed = lines.filter((l) => l.startsWith('PASS ')).length;
  smokeFailed = lines.filter((l) => l.startsWith('FAIL ')).length;
  if (smokeStatus !== '0' && smokeFailed === 0) smokeFailed = 1;
  console.log(`golden paths: ${smokePassed} passed, ${smokeFailed} failed`);
}
if (!file || !existsSync(file)) {
  // typecheck, lint or bundle failed before vitest ran: say so, and count it as a failure.
  console.log(`no vitest report (the checks before vitest failed, exit ${status ?? '?'})`);
  console.log(`${smokePassed} passed, ${1 + smokeFailed} failed`);
  process.exit(0);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const passed = (r.numPassedTests ?? 0) + smokePassed;
let failed = (r.numFailedTests ?? 0) + smokeFailed;
// A test file that fails to load has no failed tests but is a failure all the same.
const brokenSuites = (r.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
failed += brokenSuites;
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
if (skipped) console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
