// Edge cases against a small fake Engine API (node:http on a unix socket): frames split across
// writes, a socket cut mid-stream, a 500 on stats, TTY logs, events-driven refresh and reconnect.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalEngine, encodeFrame, type ContainerLogLine, type LocalEngineError, type LocalSnapshot, type StatsSample } from '../../src/local/index.js';

import { sleep, waitFor } from '../wait.js';

let dir: string;
let sock: string;
let server: Server;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);

// ---- the fake engine's state
let list: unknown[] = [];
const eventStreams: ServerResponse[] = [];
let eventsRequests = 0;
let listRequests = 0;
let followClosed = false;

function json(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function entry(id: string, name: string, state: string, labels: Record<string, string>) {
  return { Id: id, Names: [`/${name}`], Image: 'busybox', State: state, Status: state === 'running' ? 'Up 2 seconds' : 'Exited (0)', Created: 1_700_000_000, Ports: [{ PrivatePort: 80, PublicPort: 8000, IP: '0.0.0.0', Type: 'tcp' }], Labels: labels };
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://engine');
  const p = url.pathname;
  let m: RegExpExecArray | null;
  if (p === '/_ping') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return res.end('OK'); // no Server header: the probe falls back to /version
  }
  if (p === '/version') return json(res, 200, { Version: '99.0', ApiVersion: '1.99' });
  if (p === '/containers/json') {
    listRequests++;
    return json(res, 200, list);
  }
  if ((m = /^\/containers\/([^/]+)\/json$/.exec(p))) {
    const id = m[1];
    if (id === 'gone') return json(res, 404, { message: 'no such container' });
    const listed = list.find((e) => (e as { Id: string }).Id === id) as { State: string } | undefined;
    return json(res, 200, { Id: id, Created: '2026-01-01T00:00:00Z', State: { Status: listed?.State ?? 'running', StartedAt: '2026-01-01T00:00:05.5Z', Health: { Status: id === 'sick' ? 'unhealthy' : '' } }, Config: { Tty: id === 'tty', Labels: {} } });
  }
  if (p === '/events') {
    eventsRequests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    eventStreams.push(res);
    return;
  }
  if ((m = /^\/containers\/([^/]+)\/logs$/.exec(p))) {
    const id = m[1];
    res.writeHead(200, { 'content-type': 'application/vnd.docker.multiplexed-stream' });
    res.flushHeaders();
    if (id === 'split') {
      const f1 = encodeFrame(1, '2026-01-01T00:00:01.000000001Z hello world\n');
      const f2 = encodeFrame(2, '2026-01-01T00:00:01.000000002Z bad thing\n');
      const f3 = encodeFrame(1, '2026-01-01T00:00:01.000000003Z partial-');
      const f4 = encodeFrame(1, 'line\n');
      const all = Buffer.concat([f1, f2, f3, f4]);
      // header split (3 + 5 bytes), payload split, then the rest of f1 + all of f2 + part of f3 in one write
      const cuts = [3, 8, 20, f1.length + f2.length + 10, all.length];
      let prev = 0;
      for (const cut of cuts) {
        res.write(all.subarray(prev, cut));
        prev = cut;
        await sleep(15);
      }
      return res.end();
    }
    if (id === 'cut') {
      res.write(encodeFrame(1, 'before the cut\n'));
      await sleep(20);
      res.write(encodeFrame(2, 'half a fr').subarray(0, 12));
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    if (id === 'tty') {
      // raw bytes; demuxing would read "tty " as a header and garble everything
      res.write('tty line 1\r\n\u0001\u0000\u0000\u0000 tty line 2\n');
      await sleep(10);
      return res.end('no newline at the end');
    }
    if (id === 'follow') {
      req.on('close', () => {
        followClosed = true;
      });
      res.write(encodeFrame(1, 'first\n'));
      return; // keeps the stream open until the client stops it
    }
    return json(res, 404, { message: 'no such container' });
  }
  if ((m = /^\/containers\/([^/]+)\/stats$/.exec(p))) {
    if (m[1] === 'broken') return json(res, 500, { message: 'cgroup stats unavailable' });
    res.writeHead(200, { 'content-type': 'application/json' });
    const sample = JSON.stringify({
      read: '2026-01-01T00:00:02Z',
      cpu_stats: { cpu_usage: { total_usage: 300 }, system_cpu_usage: 2000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 200 }, system_cpu_usage: 1000 },
      memory_stats: { usage: 1000, limit: 4000, stats: { inactive_file: 200 } },
    });
    res.write(sample.slice(0, 40));
    await sleep(15);
    res.write(`${sample.slice(40)}\n{"garbage"\n`);
    await sleep(15);
    return res.end(`${sample}\n`);
  }
  json(res, 404, { message: `no route ${p}` });
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  dir = await mkdtemp(join(tmpdir(), 'fake-engine-'));
  sock = join(dir, 'engine.sock');
  server = createServer((req, res) => {
    handle(req, res).catch((e) => res.destroy(e));
  });
  await new Promise<void>((r) => server.listen(sock, r));
});

afterAll(async () => {
  for (const r of eventStreams) r.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

let engine: LocalEngine;
afterEach(() => {
  engine?.close();
});

function eng(): LocalEngine {
  engine = new LocalEngine({ target: { kind: 'unix', socketPath: sock, source: 'explicit' }, env: {} });
  return engine;
}

function collectLogs(e: LocalEngine, id: string, opts = {}): Promise<{ lines: ContainerLogLine[]; err?: LocalEngineError }> {
  return new Promise((resolve) => {
    const lines: ContainerLogLine[] = [];
    e.logs(id, opts, (l) => lines.push(l), (err) => resolve({ lines, err }));
  });
}

describe('fake Engine API edge cases', () => {
  it('probe reports the engine', async () => {
    expect(await eng().probe()).toMatchObject({ ok: true, version: '99.0', apiVersion: '1.99', product: 'docker', socket: `unix://${sock}` });
  });

  it('a multiplexed frame split across writes (header split, payload split) gives whole lines, tagged and timestamped', async () => {
    const { lines, err } = await collectLogs(eng(), 'split');
    expect(err).toBeUndefined();
    expect(lines.map((l) => [l.stream, l.text, l.tsIso])).toEqual([
      ['stdout', 'hello world', '2026-01-01T00:00:01.000000001Z'],
      ['stderr', 'bad thing', '2026-01-01T00:00:01.000000002Z'],
      ['stdout', 'partial-line', '2026-01-01T00:00:01.000000003Z'],
    ]);
    expect(lines[0].ts).toBe(Date.parse('2026-01-01T00:00:01Z'));
  });

  it('a socket closed mid-stream: lines before the cut arrive, onEnd gets an error, nothing crashes', async () => {
    const { lines, err } = await collectLogs(eng(), 'cut');
    expect(lines.map((l) => l.text)).toEqual(['before the cut']);
    expect(err).toBeDefined();
    expect(err!.message).toMatch(/logs of cut: .*(reset|closed|aborted)/i);
    await sleep(20);
    expect(unhandled).toEqual([]);
  });

  it('TTY containers are not demultiplexed', async () => {
    const { lines, err } = await collectLogs(eng(), 'tty');
    expect(err).toBeUndefined();
    expect(lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'tty line 1'],
      // bytes that look like a stream header stay part of the line (not read as a frame); their
      // control characters are removed where upstream text enters (the issue on the boundary)
      ['stdout', ' tty line 2'],
      ['stdout', 'no newline at the end'],
    ]);
  });

  it('an unknown container is a clear error', async () => {
    const { err } = await collectLogs(eng(), 'gone');
    expect(err?.message).toMatch(/logs of gone: engine answered HTTP 404 \(no such container\)/);
  });

  it('stop() ends a following stream on the engine side too', async () => {
    const e = eng();
    followClosed = false;
    const lines: string[] = [];
    let ended = 0;
    const h = e.logs('follow', { follow: true }, (l) => lines.push(l.text), () => ended++);
    await waitFor(() => lines.length > 0, 10_000, 'the first line');
    expect(lines).toEqual(['first']);
    h.stop();
    h.stop();
    await waitFor(() => followClosed, 10_000, 'the follow request to close');
    expect(followClosed).toBe(true);
    expect(ended).toBe(1);
  });

  it('a 500 on stats: clear error, no crash', async () => {
    const err = await new Promise<LocalEngineError | undefined>((resolve) => {
      eng().stats('broken', () => {}, { onEnd: resolve });
    });
    expect(err?.message).toBe('stats of broken: engine answered HTTP 500 (cgroup stats unavailable)');
    expect(err?.statusCode).toBe(500);
    expect(unhandled).toEqual([]);
  });

  it('stats samples split across writes are computed; a bad line is reported and skipped', async () => {
    const samples: StatsSample[] = [];
    const bad: Error[] = [];
    const err = await new Promise<LocalEngineError | undefined>((resolve) => {
      eng().stats('ok', (s) => samples.push(s), { onEnd: resolve, onBadSample: (e) => bad.push(e) });
    });
    expect(err).toBeUndefined();
    expect(samples).toHaveLength(2);
    // cpuDelta 100 / systemDelta 1000 × 2 cpus × 100 = 20 %
    expect(samples[0]).toMatchObject({ cpuPercent: 20, memoryUsed: 800, memoryLimit: 4000, memoryPercent: 20 });
    expect(bad).toHaveLength(1);
  });

  it('the list follows events (no polling) and the events stream is reopened after a cut', async () => {
    list = [entry('aaa', 'shop-web-1', 'running', { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' })];
    eventsRequests = 0;
    listRequests = 0;
    const snaps: LocalSnapshot[] = [];
    const statuses: string[] = [];
    const w = eng().watch((s) => snaps.push(s), { backoffMs: { min: 20, max: 100 }, onStatus: (s) => statuses.push(s) });
    await waitFor(() => snaps.length > 0, 10_000, 'the first snapshot');
    expect(snaps[0].projects.map((p) => [p.project, p.services.map((c) => [c.service, c.state, c.ports[0]?.publicPort, c.startedAt])])).toEqual([
      ['shop', [['web', 'running', 8000, Date.parse('2026-01-01T00:00:05.5Z')]]],
    ]);
    // no events → no further list requests (not polling)
    const before = listRequests;
    await sleep(200);
    expect(listRequests).toBe(before);

    // an event burst → one refresh with the new state
    list = [entry('aaa', 'shop-web-1', 'exited', { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' })];
    const ev = eventStreams[eventStreams.length - 1];
    ev.write(`${JSON.stringify({ Type: 'container', Action: 'die', id: 'aaa' })}\n`);
    ev.write(`${JSON.stringify({ Type: 'container', Action: 'stop', id: 'aaa' })}\n`);
    await waitFor(() => snaps.length >= 2, 10_000, 'a second snapshot');
    expect(snaps[1].containers[0].state).toBe('exited');
    expect(listRequests).toBe(before + 1);

    // the engine cuts the events stream: reconnect with backoff, then a refresh catches up
    list = [...list, entry('bbb', 'shop-db-1', 'running', { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'db' })];
    ev.destroy();
    await waitFor(() => snaps.length >= 3, 10_000, 'a third snapshot');
    expect(eventsRequests).toBe(2);
    expect(statuses).toContain('reconnecting');
    expect(snaps[2].projects[0].services.map((c) => c.service)).toEqual(['db', 'web']);
    w.stop();
    expect(unhandled).toEqual([]);
  });
});
