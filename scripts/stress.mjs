// `npm run test:stress`: the whole suite (or the vitest arguments given) under artificial CPU load —
// BUSY_LOOPS busy loops (default 2: one per core on a 2-core machine) run beside it — RUNS times in a
// row (default 3), stopping at the first failure. A test that passes only on a quiet machine fails
// here: such tests must wait for a condition (a screen text, a file, a message), not for time.
// Run it on an otherwise quiet machine: other work on top of the loops measures the machine, not the
// tests. Exit code: vitest's (0 when every run passed).
import { spawn } from 'node:child_process';
import { loadavg, cpus } from 'node:os';

const RUNS = Number(process.env.RUNS ?? 3);
const LOOPS = Number(process.env.BUSY_LOOPS ?? 2);
const args = process.argv.slice(2);

const [one] = loadavg();
if (one > cpus().length) {
  process.stdout.write(`test:stress: load average ${one.toFixed(1)} on ${cpus().length} cores before starting: the machine is busy, results say little\n`);
}

const loops = Array.from({ length: LOOPS }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
const stopLoops = () => { for (const l of loops) l.kill('SIGKILL'); };
process.on('exit', stopLoops);
process.on('SIGINT', () => { stopLoops(); process.exit(130); });

let code = 0;
const t0 = Date.now();
for (let run = 1; run <= RUNS && code === 0; run++) {
  const started = Date.now();
  process.stdout.write(`test:stress: run ${run}/${RUNS} with ${LOOPS} busy loops beside it\n`);
  code = await new Promise((resolve) => {
    const v = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...args], { stdio: 'inherit' });
    v.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
  });
  process.stdout.write(`test:stress: run ${run}/${RUNS} ${code === 0 ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s\n`);
}
stopLoops();
process.stdout.write(`test:stress: ${code === 0 ? `${RUNS} runs passed` : 'failed'} in ${Math.round((Date.now() - t0) / 1000)} s\n`);
process.exit(code);
