// LogSession edge cases with a minimal fake client (the integration test drives the real gateway):
// markers placed by time among the lines of a batch, snapshot splicing by timestamp, the client
// appearing later, gaps by reason, the per-store registry, and the palette's merged-logs syntax.
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLine, LogMarker } from '../../src/domain/console.js';
import type { ConnStateLike, GatewayLike, SubHandlersLike } from '../../src/store/app.js';
import { LogSession, logSessionFor, logSessionKey, logSessionsOf, safeFileBase, defaultLogSaveDir, type ClientSource } from '../../src/store/logsession.js';
import { parseCommand } from '../../src/store/palette.js';
import { logParams, logSpecOf } from '../../screens/logs/open.js';

class MiniClient implements GatewayLike {
  state: ConnStateLike = { status: 'live', attempt: 0, retryAt: null, error: null, since: 0 };
  welcome = null;
  subs: Array<{ params: unknown; h: SubHandlersLike; opts: unknown; active: boolean }> = [];
  private stateL = new Set<(s: ConnStateLike) => void>();
  onState(fn: (s: ConnStateLike) => void): () => void {
    this.stateL.add(fn);
    return () => this.stateL.delete(fn);
  }
  onJob(): () => void {
    return () => {};
  }
  subscribe(_t: string, params: unknown, h: SubHandlersLike, opts?: unknown): { unsubscribe(): void } {
    const rec = { params, h, opts, active: true };
    this.subs.push(rec);
    return { unsubscribe: () => void (rec.active = false) };
  }
  command(): Promise<never> {
    return Promise.reject(new Error('no'));
  }
  setStatus(status: ConnStateLike['status']): void {
    this.state = { ...this.state, status };
    for (const l of this.stateL) l(this.state);
  }
  get live(): { h: SubHandlersLike; opts: unknown } {
    const s = this.subs.filter((x) => x.active);
    if (s.length !== 1) throw new Error(`${s.length} active subscriptions`);
    return s[0]!;
  }
}

const T0 = Date.UTC(2026, 0, 2, 10, 0, 0);
const L = (i: number, msg = `l ${i}`, ms = i * 1000): LogLine => ({ seq: i + 1, ts: T0 + ms, tsIso: new Date(T0 + ms).toISOString(), source: 'a@live', service: 'web', message: msg });
const texts = (s: LogSession): string[] => [...s.buffer.entries()].map((e) => (e.kind === 'marker' ? `[${e.marker.kind}]` : e.text));

let sessions: LogSession[] = [];
function session(): LogSession {
  const s = new LogSession({ envs: ['e1'], labels: ['a@live'], name: 'a-live' }, { env: { XDG_STATE_HOME: '/tmp/x' } as NodeJS.ProcessEnv });
  sessions.push(s);
  return s;
}
afterEach(() => {
  for (const s of sessions) s.dispose();
  sessions = [];
});

const src = (c: GatewayLike | null): ClientSource & { set(c: GatewayLike): void } => {
  const ls = new Set<() => void>();
  const o = {
    client: c,
    subscribe(l: () => void) {
      ls.add(l);
      return () => void ls.delete(l);
    },
    set(n: GatewayLike) {
      o.client = n;
      for (const l of ls) l();
    },
  };
  return o;
};

describe('LogSession', () => {
  it('places markers among the lines of a batch by time', () => {
    const c = new MiniClient();
    const s = session();
    s.show(src(c));
    const dep: LogMarker = { kind: 'deployment', ts: T0 + 1500, count: 0, text: 'deployment 4f2c finished' };
    c.live.h.onSnapshot!({ lines: [L(0), L(1), L(2), L(3)], markers: [dep] }, 4);
    expect(texts(s)).toEqual(['l 0', 'l 1', '[deployment]', 'l 2', 'l 3']);
    expect(s.buffer.usage().lost).toBe(0);
  });

  it('subscribes when the client appears later, and again on a new client', () => {
    const s = session();
    const source = src(null);
    s.show(source);
    const c1 = new MiniClient();
    source.set(c1);
    expect(c1.subs.filter((x) => x.active)).toHaveLength(1);
    const c2 = new MiniClient();
    source.set(c2);
    expect(c1.subs.filter((x) => x.active)).toHaveLength(0);
    expect(c2.subs.filter((x) => x.active)).toHaveLength(1);
  });

  it('shown twice, released twice: one subscription, gone after the last release; resumes after the last line', () => {
    const c = new MiniClient();
    const s = session();
    const r1 = s.show(src(c));
    const r2 = s.show(src(c));
    expect(c.subs).toHaveLength(1);
    expect(c.subs[0]!.opts).toBeUndefined();
    c.live.h.onSnapshot!({ lines: [L(0), L(1, 'y', 2000), L(2, 'x', 2000)], markers: [] }, 3);
    r1();
    expect(s.shown).toBe(true);
    r2();
    r2();
    expect(s.shown).toBe(false);
    expect(c.subs.filter((x) => x.active)).toHaveLength(0);
    s.show(src(c));
    // two lines held at the last timestamp: the gateway skips exactly those
    expect(c.live.opts).toEqual({ resumeAfter: { tsIso: new Date(T0 + 2000).toISOString(), count: 2 } });
  });

  it('splices a snapshot by timestamp (lines with the same time counted), or marks the hole when it does not reach back', () => {
    const c = new MiniClient();
    const s = session();
    const release = s.show(src(c));
    c.live.h.onSnapshot!({ lines: [L(0), L(1, 'a', 1000), L(2, 'b', 1000)], markers: [] }, 3);
    release();
    s.show(src(c));
    c.live.h.onSnapshot!({ lines: [L(1, 'a', 1000), L(2, 'b', 1000), L(3, 'c', 1000), L(4)], markers: [] }, 5);
    expect(texts(s)).toEqual(['l 0', 'a', 'b', 'c', 'l 4']);
    c.live.h.onSnapshot!({ lines: [L(9), L(10)], markers: [] }, 7);
    expect(texts(s)).toEqual(['l 0', 'a', 'b', 'c', 'l 4', '[gap]', 'l 9', 'l 10']);
    expect(texts(s)).toHaveLength(8);
  });

  it('maps gateway gaps to marker kinds with their counts; lost adds them up', () => {
    const c = new MiniClient();
    const s = session();
    s.show(src(c));
    c.live.h.onSnapshot!({ lines: [L(0)], markers: [] }, 1);
    c.live.h.onGap!({ from: 2, to: 11, missed: 10, reason: 'slow-link', text: '10 lines skipped' });
    c.live.h.onGap!({ from: 12, to: 16, missed: 5, reason: 'upstream-retention', text: 'older lines expired' });
    c.live.h.onGap!({ from: 17, to: 19, missed: 3, reason: 'replay-exhausted', text: '3 lines no longer in the replay buffer' });
    expect(texts(s)).toEqual(['l 0', '[slow-link]', '[retention]', '[gap]']);
    expect(s.buffer.usage().lost).toBe(18);
    const m = [...s.buffer.entries()].find((e) => e.kind === 'marker' && e.marker.kind === 'slow-link')!;
    expect(m.kind === 'marker' && m.marker.count).toBe(10);
  });

  it('states a connection loss and its recovery in-band, and the problem while it lasts', () => {
    const c = new MiniClient();
    const s = session();
    s.show(src(c));
    c.setStatus('reconnecting');
    expect(s.problem()).toMatch(/gateway reconnecting/);
    c.setStatus('live');
    expect(s.problem()).toBeNull();
    expect(texts(s)).toEqual(['[info]']);
    expect(s.buffer.usage().lost).toBe(0);
  });

  it('counts new lines while paused (markers too), none while following', () => {
    const c = new MiniClient();
    const s = session();
    s.show(src(c));
    c.live.h.onSnapshot!({ lines: [L(0), L(1)], markers: [] }, 2);
    s.setScroll({ follow: false, topId: 0, row: 0 });
    c.live.h.onEvent!({ lines: [L(2), L(3)], markers: [{ kind: 'info', ts: T0 + 3500, count: 0, text: 'x' }] }, 4);
    expect(s.newLines()).toBe(3);
    s.setScroll({ follow: false, topId: 1, row: 0 }); // moving while paused keeps the count
    expect(s.newLines()).toBe(3);
    s.follow();
    expect(s.newLines()).toBe(0);
  });

  it('older history loaded while paused: only the lines that came after the pause count as new (not every line held)', async () => {
    const c = new MiniClient();
    const s = session();
    s.show(src(c));
    c.live.h.onSnapshot!({ lines: [L(0), L(1), L(2)], markers: [] }, 3);
    s.setScroll({ follow: false, topId: 0, row: 0 });
    c.live.h.onEvent!({ lines: [L(3)], markers: [] }, 4);
    expect(s.newLines()).toBe(1);
    const older = (ts: number): LogLine => ({ ...L(0), seq: 0, ts, message: `older ${ts}` });
    await s.loadOlder(async () => ({ lines: [older(T0 - 120_000), older(T0 - 60_000)], truncated: false }) as never);
    expect(texts(s)).toContain(`older ${T0 - 60_000}`);
    expect(s.newLines()).toBe(1);
    // a second window while still paused: still the one line
    await s.loadOlder(async () => ({ lines: [], truncated: false }) as never);
    expect(s.newLines()).toBe(1);
    c.live.h.onEvent!({ lines: [L(4)], markers: [] }, 5);
    expect(s.newLines()).toBe(2);
  });

  it('edits: filter applies as typed, an invalid one shows what was in effect before the edit and is refused on Enter, Esc clears', () => {
    const c = new MiniClient();
    const s = session();
    s.show(src(c));
    c.live.h.onSnapshot!({ lines: [L(0, 'alpha'), L(1, 'beta'), L(2, 'gamma')], markers: [] }, 3);
    s.beginEdit('filter');
    s.setDraft('/a$/');
    s.query.sync();
    expect(s.query.count).toBe(3);
    s.setDraft('/et/');
    s.query.sync();
    expect(s.query.count).toBe(1);
    s.setDraft('/(/');
    expect(s.draftError).toMatch(/invalid regex/);
    s.query.sync();
    expect(s.query.count).toBe(3); // not /et/, a prefix typed on the way: no filter was in effect
    expect(s.endEdit(true)).toBe(false);
    expect(s.edit).toBe('filter');
    expect(s.draftError).toMatch(/invalid regex.*not applied/);
    s.query.sync();
    expect(s.query.filterText).toBe('');
    s.endEdit(false);
    s.query.sync();
    expect(s.query.count).toBe(3);
    expect(s.edit).toBeNull();
  });

  it('default save path under the XDG state dir, with a safe name', () => {
    const s = session();
    expect(s.defaultSavePath()).toMatch(/^\/tmp\/x\/divio-tui\/logs\/a-live-\d{8}-\d{6}\.log$/);
    expect(safeFileBase('../../etc/passwd')).toBe('etc-passwd');
    expect(safeFileBase('shop-test+live')).toBe('shop-test+live');
    expect(defaultLogSaveDir({ HOME: '/h' } as NodeJS.ProcessEnv)).toMatch(/\.local\/state\/divio-tui\/logs$/);
  });

  it('rejects no or too many environments with a clear error', () => {
    expect(() => new LogSession({ envs: [] })).toThrow(/at least one environment/);
    expect(() => new LogSession({ envs: Array.from({ length: 17 }, (_, i) => `e${i}`) })).toThrow(/at most 16/);
  });
});

describe('sessions per store', () => {
  it('one session per set of environments (order does not matter); at most 4 kept, never one that is shown', () => {
    const owner = {};
    const a = logSessionFor(owner, { envs: ['x', 'y'] });
    expect(logSessionFor(owner, { envs: ['y', 'x'] })).toBe(a);
    expect(logSessionKey({ envs: ['y', 'x'], services: ['web'] })).toBe('x,y|web');
    const c = new MiniClient();
    a.show(src(c));
    for (let i = 0; i < 6; i++) logSessionFor(owner, { envs: [`e${i}`] });
    const kept = logSessionsOf(owner);
    expect(kept.length).toBeLessThanOrEqual(5);
    expect(kept).toContain(a);
    for (const s of kept) s.dispose();
  });
});

describe('opening merged logs', () => {
  it(':logs accepts a comma list (the app carries over) and refuses bad targets', () => {
    const r = parseCommand('logs shop@test,shop@live');
    expect(r.ok && r.value.targets).toEqual([
      { app: 'shop', env: 'test' },
      { app: 'shop', env: 'live' },
    ]);
    const r2 = parseCommand(':logs shop@test,live,blog@live');
    expect(r2.ok && r2.value.targets).toEqual([
      { app: 'shop', env: 'test' },
      { app: 'shop', env: 'live' },
      { app: 'blog', env: 'live' },
    ]);
    const bad = parseCommand('logs test,live');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/"test" is not APP@ENV/);
    expect(parseCommand('deploy shop@test,shop@live').ok).toBe(false);
  });

  it('route params round-trip to the session spec', () => {
    const rows = [
      { app: 'shop', env: 'test', envUuid: 'u-test', appUuid: 'a', org: 'o' },
      { app: 'shop', env: 'live', envUuid: 'u-live', appUuid: 'a', org: 'o' },
    ];
    const p = logParams(rows);
    expect(p.slug).toBe('test+live');
    expect(logSpecOf(p)).toEqual({ envs: ['u-test', 'u-live'], labels: ['shop@test', 'shop@live'], services: undefined, name: 'shop-test+live' });
    expect(logSpecOf({ env: 'u1', slug: 'live', app: 'shop' })).toEqual({ envs: ['u1'], labels: ['shop@live'], services: undefined, name: 'shop-live' });
    expect(logSpecOf({})).toBeNull();
    expect(p.org).toBe('o');
    // applications of two organisations: the header names both, not the first one's
    const two = logParams([rows[0]!, { app: 'blog', env: 'live', envUuid: 'u-blog', appUuid: 'b', org: 'Nordwind' }]);
    expect(two).toMatchObject({ org: 'o+Nordwind', app: 'shop+blog', slug: 'shop@test+blog@live' });
  });
});
