// Fallback launcher for the bench: the real gateway (src/gateway) in a child process, pointed at a
// running sandbox as a Divio zone; used only when `divio-tui serve` (the bundled binary) cannot start.
// Env: BENCH_PORT, BENCH_TOKEN (gateway token), BENCH_ZONE (sandbox URL), DIVIO_TOKEN, BENCH_DIR.
import { mkdirSync } from 'node:fs';
import { createUpstream, startGateway } from '../src/gateway/index.js';

async function main() {
  const dir = process.env.BENCH_DIR ?? `/tmp/divio-bench-gwhost-${process.pid}`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const upstream = await createUpstream({ zone: process.env.BENCH_ZONE, token: process.env.DIVIO_TOKEN });
  const gw = await startGateway({
    host: '127.0.0.1',
    port: Number(process.env.BENCH_PORT ?? '0'),
    tokens: [{ token: process.env.BENCH_TOKEN ?? '', role: 'operator', name: 'bench' }],
    upstream,
    dataDir: dir,
  });
  process.stdout.write(JSON.stringify({ ready: true, url: gw.url }) + '\n');
  const stop = () => void gw.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ ready: false, error: e instanceof Error ? e.message : String(e) }) + '\n');
  process.exit(1);
});
