// Prints the final `N passed, N failed` line from vitest's JSON report (CI reads only this line).
import { existsSync, readFileSync } from 'node:fs';

const [file, status] = process.argv.slice(2);
if (!file || !existsSync(file)) {
  // typecheck, lint or bundle failed before vitest ran: say so, and count it as a failure.
  console.log(`no vitest report (the checks before vitest failed, exit ${status ?? '?'})`);
  console.log('0 passed, 1 failed');
  process.exit(0);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const passed = r.numPassedTests ?? 0;
let failed = r.numFailedTests ?? 0;
// A test file that fails to load has no failed tests but is a failure all the same.
const brokenSuites = (r.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).length === 0).length;
failed += brokenSuites;
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
if (skipped) console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
