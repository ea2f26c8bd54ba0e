// The fleet of a big account (issue 13): the sandbox with `--apps 500` (500 applications, 1,500
// environments, its own process), a gateway (in this process, upstream = the sandbox as a Divio zone;
// its start-up job rediscovery is off: a one-off scan, not the fleet's cost) and one fleet watcher
// (GatewayClient, as the console) that shows the first screenful of rows. Measured: the time from
// subscribing to the first snapshot holding every row, and the upstream requests per minute once the
// fleet runs (the sandbox's own request counter), both against the budgets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startSandboxHost, type SandboxHost } from './stack.js';
import { naRow, row, type Row } from './report.js';
import { createUpstream, startGateway, type Gateway, type Upstream } from '../src/gateway/index.js';
import { GatewayClient } from '../src/client/index.js';
import type { FleetRow } from '../src/domain/index.js';

export interface FleetOpts {
  apps: number;
  /** Steady-state measurement window (s). */
  windowS: number;
  /** Rows the watcher shows (the first screenful). */
  visible: number;
  log: (s: string) => void;
}

const ALL_ROWS = 'fleetAllRowsMs';
const PER_MIN = 'fleetRequestsPerMin';

export async function measureFleet(o: FleetOpts): Promise<Row[]> {
  const whatAll = `fleet of ${o.apps * 3} environments: all rows`;
  const whatMin = `fleet of ${o.apps * 3} environments: upstream requests`;
  let sb: SandboxHost | null = null;
  let up: Upstream | null = null;
  let gw: Gateway | null = null;
  let client: GatewayClient | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'divio-bench-fleet-'));
  try {
    o.log(`  sandbox --apps ${o.apps} …`);
    const tb = Date.now();
    sb = await startSandboxHost(3, o.log, o.apps);
    o.log(`  sandbox up in ${((Date.now() - tb) / 1000).toFixed(1)} s (${sb.how})`);
    const expected = Object.keys(sb.envs).length;
    up = await createUpstream({ zone: sb.url, token: sb.token, whoami: false });
    const token = randomBytes(16).toString('hex');
    gw = await startGateway({ host: '127.0.0.1', port: 0, tokens: [{ token, role: 'operator', name: 'bench' }], upstream: up, dataDir: dir, rediscover: false });
    client = new GatewayClient({ url: gw.url, token, clientName: 'divio-tui-bench' });
    client.connect();
    await client.waitLive();
    await sb.resetStats();

    let rows: FleetRow[] = [];
    let allAt: number | null = null;
    const t0 = performance.now();
    const sub = client.subscribe('fleet', {}, {
      onSnapshot: (d) => {
        rows = d.rows;
        if (allAt === null && rows.length >= expected) {
          allAt = performance.now() - t0;
          // the first screenful, as the console's fleet screen says
          sub.view(rows.slice(0, o.visible).map((r) => r.envUuid));
        }
      },
    });
    const deadline = Date.now() + 60_000;
    while (allAt === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const out: Row[] = [];
    const bootRequests = (await sb.stats()).total;
    if (allAt === null) out.push(naRow(ALL_ROWS, whatAll, '≤ 3000 ms', `only ${rows.length} of ${expected} rows within 60 s`));
    else out.push(row(ALL_ROWS, whatAll, Math.round(allAt), 'ms', `${Math.round(allAt)} ms`, '≤ 3000 ms', allAt <= 3000, `${expected} rows, ${bootRequests} upstream requests until then (no request per environment)`));

    // steady state: what the fleet costs while it runs (a few seconds after the rows are in)
    await new Promise((r) => setTimeout(r, 5000));
    await sb.resetStats();
    const w0 = Date.now();
    await new Promise((r) => setTimeout(r, o.windowS * 1000));
    const st = await sb.stats();
    const minutes = (Date.now() - w0) / 60_000;
    const perMin = Math.round((st.total / minutes) * 10) / 10;
    const top = Object.entries(st.byRoute)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([k, v]) => `${k.replace(/^GET /, '')} ${v}`)
      .join(', ');
    const known = rows.filter((r) => r.backupKnown !== false).length;
    out.push(
      row(PER_MIN, whatMin, perMin, '/min', `${perMin}/min`, '≤ 60/min', perMin <= 60, `over ${Math.round(minutes * 60)} s: ${top}; ${known} of ${rows.length} backup ages known by then`),
    );
    return out;
  } catch (e) {
    const why = (e as Error).message;
    return [naRow(ALL_ROWS, whatAll, '≤ 3000 ms', why), naRow(PER_MIN, whatMin, '≤ 60/min', why)];
  } finally {
    await client?.close().catch(() => {});
    await gw?.close().catch(() => {});
    await up?.close().catch(() => {});
    await sb?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}
