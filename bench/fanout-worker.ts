// A child process holding some of the fan-out clients (so a hundred sockets are read in parallel, not
// one after another in the measuring process). IPC: {cmd:'start', url, token, env, n, base} → 'ready';
// {cmd:'reset'}; {cmd:'collect'} → {type:'frames', frames: number[][]} (per client: first stamp,
// last stamp, arrival ms, …); {cmd:'quit'}.
import { rawClient, type RawClient } from './wsclient.js';

const MARK = Buffer.from('BENCH n=');
function readInt(buf: Buffer, at: number): number {
  let n = 0;
  for (let k = at; k < buf.length; k++) {
    const c = buf[k];
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return n;
}

let clients: RawClient[] = [];
let frames: number[][] = [];

process.on('message', async (m: any) => {
  try {
    if (m.cmd === 'start') {
      clients = Array.from({ length: m.n }, (_, i) => rawClient(m.url, m.token, `bench-fanout-${m.base + i}`));
      frames = clients.map(() => []);
      await Promise.all(clients.map((c) => c.welcome));
      clients.forEach((c, i) => {
        const f = frames[i];
        c.subscribeLogsRaw([m.env], (buf, at) => {
          const a = buf.indexOf(MARK);
          if (a < 0) return;
          const b = buf.lastIndexOf(MARK);
          f.push(readInt(buf, a + MARK.length), readInt(buf, b + MARK.length), at);
        });
      });
      process.send!({ type: 'ready' });
    } else if (m.cmd === 'reset') {
      for (const f of frames) f.length = 0;
      process.send!({ type: 'reset' });
    } else if (m.cmd === 'collect') {
      process.send!({ type: 'frames', frames, errors: clients.flatMap((c) => c.errors).slice(0, 3) });
    } else if (m.cmd === 'quit') {
      for (const c of clients) c.close();
      process.exit(0);
    }
  } catch (e) {
    process.send!({ type: 'error', message: (e as Error).message });
  }
});
process.on('disconnect', () => process.exit(0));
