// A minimal raw WebSocket client speaking the gateway protocol (src/protocol/messages.ts): hello →
// welcome, subscribe → snapshot/event/gap frames. Cheaper than a GatewayClient when the bench opens
// a hundred of them; frames are JSON-parsed but not zod-validated (the bench only counts and times).
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../src/protocol/messages.js';

export interface LogFrame {
  /** Date.now() when the frame was received. */
  at: number;
  type: 'snapshot' | 'event' | 'gap';
  lines: { seq: number; ts: number; message: string }[];
  markers: { kind: string; count: number; text: string }[];
  /** For gap frames. */
  missed?: number;
}

export interface RawClient {
  ws: WebSocket;
  welcome: Promise<unknown>;
  subscribeLogs(envs: string[], onFrame: (f: LogFrame) => void): void;
  /**
   * Subscribe without parsing frames: `onRaw` gets each frame's bytes and arrival time (for the
   * fan-out run, where a hundred clients in one process must not delay each other by parsing).
   */
  subscribeLogsRaw(envs: string[], onRaw: (buf: Buffer, at: number) => void): void;
  close(): void;
  errors: string[];
}

let nextId = 1;

export function rawClient(url: string, token: string, name = 'divio-tui-bench'): RawClient {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const errors: string[] = [];
  const handlers = new Map<string, (f: LogFrame) => void>();
  let welcomed = false;
  let resolveWelcome!: (v: unknown) => void;
  let rejectWelcome!: (e: Error) => void;
  const welcome = new Promise<unknown>((res, rej) => {
    resolveWelcome = res;
    rejectWelcome = rej;
  });
  welcome.catch(() => {});
  const t = setTimeout(() => rejectWelcome(new Error(`no welcome from ${url} within 10 s`)), 10_000);
  ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, token, client: name })));
  ws.on('error', (e) => {
    errors.push(e.message);
    rejectWelcome(e);
  });
  ws.on('close', (code, reason) => {
    clearTimeout(t);
    rejectWelcome(new Error(`closed ${code} ${reason.toString()}`));
  });
  let rawHandler: ((buf: Buffer, at: number) => void) | null = null;
  ws.on('message', (raw) => {
    const at = Date.now();
    if (rawHandler && welcomed) {
      rawHandler(raw as Buffer, at);
      return;
    }
    let m: any;
    try {
      m = JSON.parse(raw.toString());
    } catch {
      errors.push('bad frame');
      return;
    }
    if (m.type === 'welcome') {
      welcomed = true;
      clearTimeout(t);
      resolveWelcome(m);
      return;
    }
    if (m.type === 'error') {
      errors.push(`${m.code}: ${m.message}`);
      if (m.code === 'unauthorized') rejectWelcome(new Error(m.message));
      return;
    }
    const h = m.sub ? handlers.get(m.sub) : undefined;
    if (!h) return;
    if (m.type === 'snapshot' || m.type === 'event') {
      h({ at, type: m.type, lines: m.data?.lines ?? [], markers: m.data?.markers ?? [] });
    } else if (m.type === 'gap') {
      h({ at, type: 'gap', lines: [], markers: [], missed: m.missed ?? 0 });
    }
  });
  return {
    ws,
    welcome,
    errors,
    subscribeLogs(envs, onFrame) {
      const id = `b${nextId++}`;
      handlers.set(id, onFrame);
      ws.send(JSON.stringify({ type: 'subscribe', id, topic: 'logs', params: { envs } }));
    },
    subscribeLogsRaw(envs, onRaw) {
      rawHandler = onRaw;
      ws.send(JSON.stringify({ type: 'subscribe', id: `b${nextId++}`, topic: 'logs', params: { envs } }));
    },
    close() {
      try {
        ws.terminate();
      } catch {}
    },
  };
}
