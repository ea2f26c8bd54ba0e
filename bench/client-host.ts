// Fallback for the log measurements when the console's logs screen cannot be opened: the console's
// ws client path without the pty — the real GatewayClient (src/client) feeding the real LogBuffer
// (src/store) — in a child process whose RSS the bench reads. Env: BENCH_GW, BENCH_TOKEN, BENCH_ENV.
// IPC: → {type:'ready'} once subscribed; {cmd:'collect'} → {type:'counts', seen:[[lo,hi],…], maxN, markerCount, markerUnknown, gapMissed, lost}.
import { GatewayClient } from '../src/client/index.js';
import { LogBuffer } from '../src/store/logbuffer.js';

const STAMP = /BENCH n=(\d+)/;
const LOSS = new Set(['gap', 'dropped', 'slow-link', 'retention']);
const buffer = new LogBuffer();
const client = new GatewayClient({ url: process.env.BENCH_GW!, token: process.env.BENCH_TOKEN!, clientName: 'bench-client-path' });
// Stamps seen, as sorted ranges (lines arrive in order): cheap to keep for 720k lines.
const ranges: [number, number][] = [];
let maxN = 0;
let markerCount = 0;
let markerUnknown = 0;
let gapMissed = 0;

function take(data: { lines: { message: string }[]; markers: { kind: string; count: number; ts: number; text: string }[] }) {
  buffer.append(data.lines as never);
  for (const l of data.lines) {
    const m = STAMP.exec(l.message);
    if (!m) continue;
    const n = Number(m[1]);
    const r = ranges[ranges.length - 1];
    if (r && n === r[1] + 1) r[1] = n;
    else if (!r || n > r[1]) ranges.push([n, n]);
    if (n > maxN) maxN = n;
  }
  for (const mk of data.markers) {
    buffer.addMarker(mk as never);
    if (!LOSS.has(mk.kind)) continue;
    if (mk.count > 0) markerCount += mk.count;
    else markerUnknown++;
  }
}

client.connect();
client
  .waitLive(15_000)
  .then(() => {
    client.subscribe('logs', { envs: [process.env.BENCH_ENV!] }, {
      onSnapshot: (d) => take(d as never),
      onEvent: (d) => take(d as never),
      onGap: (g) => {
        gapMissed += g.missed;
        buffer.addMarker({ kind: 'gap', ts: Date.now(), count: g.missed, text: g.text });
      },
    });
    setTimeout(() => process.send!({ type: 'ready' }), 500);
  })
  .catch((e: Error) => process.send!({ type: 'error', message: e.message }));

process.on('message', (m: any) => {
  if (m?.cmd === 'collect') {
    process.send!({ type: 'counts', seen: ranges, maxN, markerCount, markerUnknown, gapMissed, lost: buffer.usage() });
  }
});
process.on('disconnect', () => process.exit(0));
