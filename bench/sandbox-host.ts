// Fallback launcher for the bench: the real sandbox (src/sandbox) in a child process, used only when
// `divio-tui sandbox` (the bundled binary) cannot be started. Prints one JSON line {ready, url, token}.
import { startSandbox } from '../src/sandbox/index.js';

const seed = Number(process.env.BENCH_SEED ?? '1');
const port = Number(process.env.BENCH_PORT ?? '0');
const token = process.env.BENCH_TOKEN || undefined;

const apps = process.env.BENCH_APPS ? Number(process.env.BENCH_APPS) : undefined;

startSandbox({ ephemeral: true, seed, logRate: 0, ssh: false, port, token, apps }).then(
  (sb) => {
    process.stdout.write(JSON.stringify({ ready: true, url: sb.divioUrl, token: sb.token }) + '\n');
    const stop = () => void sb.close().finally(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  },
  (e) => {
    process.stdout.write(JSON.stringify({ ready: false, error: e instanceof Error ? e.message : String(e) }) + '\n');
    process.exit(1);
  },
);
