// The gateway under hostile viewers (issue 15): N viewer connections (a viewer token, as anyone who
// was given one), each with 64 subscriptions chosen to cost the most: a metrics window per
// subscription (1–1,440 minutes), every environment's env/backups/deployments topics, log views of
// different environment sets, and environment ids that do not exist. Measured over a window: the
// upstream requests per second the sandbox answered (against the gateway's ceiling) and the gateway
// process's peak RSS (against its stated bound); the refusals the clients got are counted.
import { randomBytes, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../src/protocol/index.js';
import { rssSampler } from './procs.js';
import { startGatewayProc, type SandboxHost } from './stack.js';
import { naRow, row, type Row } from './report.js';

export interface LoadOpts {
  clients: number;
  seconds: number;
  log: (s: string) => void;
}

/** The gateway's stated ceiling (README "Limits") and memory bound. */
export const CEILING_RPS = 20;
export const RSS_BOUND_MB = 300;

const RPS = 'hostileViewersRps';
const RSS = 'hostileViewersRssMB';

export async function measureLoad(sb: SandboxHost, o: LoadOpts): Promise<Row[]> {
  const whatRps = `${o.clients} hostile viewers × 64 subscriptions: upstream requests`;
  const whatRss = `${o.clients} hostile viewers × 64 subscriptions: gateway memory`;
  const viewer = randomBytes(16).toString('hex');
  let gw: Awaited<ReturnType<typeof startGatewayProc>> | null = null;
  const sockets: WebSocket[] = [];
  try {
    gw = await startGatewayProc(sb, o.log, viewer);
    const envs = Object.values(sb.envs);
    const sampler = rssSampler(gw.pid, 250);
    const before = (await sb.stats()).total;
    const t0 = Date.now();
    let accepted = 0;
    const refusals: Record<string, number> = {};
    for (let c = 0; c < o.clients; c++) {
      const ws = new WebSocket(gw.url);
      sockets.push(ws);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.type === 'error') {
          const k = m.code === 'overloaded' ? m.message.replace(/\d+/g, 'N').slice(0, 60) : m.code;
          refusals[k] = (refusals[k] ?? 0) + 1;
        } else if (m.type === 'snapshot') accepted++;
      });
      ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token: viewer, client: `hostile-${c}` }));
      for (let i = 0; i < 64; i++) {
        const env = envs[(c * 64 + i) % envs.length]!;
        const kind = i % 8;
        const sub =
          kind < 3
            ? { topic: 'metrics', params: { env, minutes: 1 + ((c * 64 + i) % 1440) } }
            : kind === 3
              ? { topic: 'env', params: { env: randomUUID() } }
              : kind === 4
                ? { topic: 'logs', params: { envs: [env, envs[(c + i + 1) % envs.length]!], services: [`svc${c}-${i}`] } }
                : kind === 5
                  ? { topic: 'env', params: { env } }
                  : kind === 6
                    ? { topic: 'backups', params: { env } }
                    : { topic: 'deployments', params: { env } };
        ws.send(JSON.stringify({ type: 'subscribe', id: `s${i}`, ...sub }));
      }
    }
    // the first seconds may use the burst (40 at once): measure the sustained rate after them
    await new Promise((r) => setTimeout(r, 5000));
    const warm = (await sb.stats()).total;
    const w0 = Date.now();
    await new Promise((r) => setTimeout(r, o.seconds * 1000));
    const seconds = (Date.now() - w0) / 1000;
    const requests = (await sb.stats()).total - warm;
    const firstS = Math.round((w0 - t0) / 1000);
    sampler.stop();
    const rps = Math.round((requests / seconds) * 10) / 10;
    const peakMB = Math.round(sampler.peak() / 2 ** 20);
    const refused = Object.entries(refusals)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${v}× ${k}`)
      .join('; ');
    return [
      row(RPS, whatRps, rps, '/s', `${rps}/s`, `≤ ${CEILING_RPS}/s sustained`, rps <= CEILING_RPS, `${requests} requests in ${Math.round(seconds)} s after the first ${firstS} s (${warm - before} requests, the burst allowance of 40 included; before issue 15: 3,808 in 40 s, 95/s); ${accepted} snapshots delivered; refused: ${refused || 'none'}`),
      row(RSS, whatRss, peakMB, 'MB', `${peakMB} MB peak`, `≤ ${RSS_BOUND_MB} MB`, peakMB <= RSS_BOUND_MB, `gateway process RSS sampled every 250 ms (before issue 15: 413 MB)`),
    ];
  } catch (e) {
    const why = (e as Error).message;
    return [naRow(RPS, whatRps, `≤ ${CEILING_RPS}/s`, why), naRow(RSS, whatRss, `≤ ${RSS_BOUND_MB} MB`, why)];
  } finally {
    for (const ws of sockets) ws.terminate();
    await gw?.close();
  }
}
