// Shared helpers for the sandbox tests: a started sandbox and small HTTP helpers (global fetch).
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';

export async function start(o: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ ephemeral: true, seed: 42, speed: 500, logRate: 0, ssh: false, extensions: true, ...o });
}

export interface Res<T = any> { status: number; body: T; headers: Headers }

export function client(sb: Sandbox) {
  const url = (p: string) => (p.startsWith('http') ? p : sb.divioUrl + p);
  const call = async <T = any>(method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res<T>> => {
    const r = await fetch(url(p), {
      method,
      headers: { authorization: `Token ${sb.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await r.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch {}
    return { status: r.status, body: parsed as T, headers: r.headers };
  };
  return {
    get: <T = any>(p: string, h?: Record<string, string>) => call<T>('GET', p, undefined, h),
    post: <T = any>(p: string, b?: unknown, h?: Record<string, string>) => call<T>('POST', p, b ?? {}, h),
    patch: <T = any>(p: string, b: unknown) => call<T>('PATCH', p, b),
    put: <T = any>(p: string, b: unknown) => call<T>('PUT', p, b),
    call,
    /** Follow `next` to the end; returns all results and the number of pages. */
    async all<T = any>(p: string): Promise<{ results: T[]; pages: number; count: number }> {
      let next: string | null = url(p);
      const results: T[] = [];
      let pages = 0;
      let count = -1;
      while (next) {
        const r: Res = await call('GET', next);
        if (r.status !== 200) throw new Error(`GET ${next} → ${r.status} ${JSON.stringify(r.body)}`);
        if (count === -1) count = r.body.count;
        results.push(...r.body.results);
        next = r.body.next;
        pages++;
        if (pages > 1000) throw new Error('paging does not end');
      }
      return { results, pages, count };
    },
  };
}

/** Poll `fn` until it returns a truthy value (or throw after timeoutMs). */
export async function until<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
