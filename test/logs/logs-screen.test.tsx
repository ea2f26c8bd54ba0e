// The log screen in the real App frame (ink-testing-library), fed by a fake gateway with LogsData:
// follow / pause / "N new lines", filter, search with n/N and "3/17", level toggles, timestamps,
// saving the filtered buffer, gaps as markers, coming back to the screen without losing lines,
// `:logs a@x,a@y` merged and `l` on the environment screen.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
vi.hoisted(() => {
  process.env.FORCE_COLOR = '3';
});
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mount, KEY, type Harness } from '../ui/fake.js';
import { topicKey } from '../../src/protocol/messages.js';
import type { LogLine, LogMarker } from '../../src/domain/console.js';
import { logSessionsOf } from '../../src/store/logsession.js';
import { buildKeymap, type Keymap } from '../../src/config/keymap.js';

let h: Harness | null = null;
let stateDir = '';
const savedXdg = process.env.XDG_STATE_HOME;
beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'divio-logs-ui-'));
  process.env.XDG_STATE_HOME = stateDir;
});
afterAll(() => {
  if (savedXdg === undefined) delete process.env.XDG_STATE_HOME;
  else process.env.XDG_STATE_HOME = savedXdg;
  rmSync(stateDir, { recursive: true, force: true });
});
afterEach(() => {
  h?.unmount();
  h = null;
});

const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');
const LIVE = { env: 'env-shop-live', slug: 'live', app: 'shop', appUuid: 'app-shop', org: 'Acme' };
const LOGS_KEY = topicKey('logs', { envs: ['env-shop-live'] });
const T0 = Date.UTC(2026, 0, 2, 10, 0, 0);
let seq = 0;

function line(message: string, i: number, source = 'shop@live', service = 'web'): LogLine {
  return { seq: ++seq, ts: T0 + i * 1000, tsIso: new Date(T0 + i * 1000).toISOString(), source, service, message };
}

function feed(h: Harness, lines: LogLine[], markers: LogMarker[] = [], key = LOGS_KEY, snapshot = false): void {
  const sub = h.gw.subs.get(key);
  if (!sub) throw new Error(`no subscription ${key}; have ${[...h.gw.subs.keys()].join(' ')}`);
  if (snapshot) sub.h.onSnapshot?.({ lines, markers }, seq);
  else sub.h.onEvent?.({ lines, markers }, seq);
}

async function openLogs(keymap?: Keymap): Promise<Harness> {
  const x = await mount(keymap ? { keymap } : {});
  x.store.push('logs', LIVE);
  await x.waitFor(() => x.gw.subs.has(LOGS_KEY));
  return x;
}

const numbered = (from: number, n: number): LogLine[] => Array.from({ length: n }, (_, k) => line(`request ${from + k} GET /items/${from + k} 200`, from + k));

describe('log screen', () => {
  it('a sleeping environment\'s logs say "asleep", not FOLLOW (no lines will come until it wakes)', async () => {
    h = await mount();
    await h.waitFor((x) => x.includes('7 environments'));
    h.store.push('logs', { env: 'env-blog-test', slug: 'test', app: 'blog', appUuid: 'app-blog', org: 'Globex' });
    const f = strip(await h.waitFor((x) => strip(x).includes('asleep: no new lines until it wakes')));
    expect(f).not.toContain('FOLLOW');
  });

  it('follows the tail; scrolling up pauses with a "N new lines" badge; f returns and nothing is missing', async () => {
    h = await openLogs();
    feed(h, numbered(0, 60), [], LOGS_KEY, true);
    let f = strip(await h.waitFor((x) => x.includes('request 59 ')));
    expect(f).toContain('FOLLOW');
    expect(f).not.toContain('request 20 ');
    await h.press('k', 'k', 'k');
    f = strip(await h.waitFor((x) => x.includes('PAUSED')));
    expect(f).toContain('0 new lines');
    expect(f).not.toContain('request 59 ');
    feed(h, numbered(60, 40));
    f = strip(await h.waitFor((x) => strip(x).includes('40 new lines')));
    expect(f).not.toContain('request 99 '); // still where the user left it
    expect(f).toContain('request 50 ');
    await h.press('f');
    f = strip(await h.waitFor((x) => x.includes('request 99 ') && x.includes('FOLLOW')));
    expect(f).not.toContain('new lines');
    const session = logSessionsOf(h.store)[0]!;
    const msgs = [...session.buffer.entries()].map((e) => (e.kind === 'line' ? e.text : ''));
    expect(msgs).toEqual(Array.from({ length: 100 }, (_, i) => `request ${i} GET /items/${i} 200`));
    // PgUp pauses too; End follows again
    await h.press('\x1b[5~');
    await h.waitFor((x) => x.includes('PAUSED'));
    await h.press('\x1b[F');
    await h.waitFor((x) => x.includes('FOLLOW'));
  });

  it('filters the whole buffer (substring, inverse, field filter) and says how many lines are shown', async () => {
    h = await openLogs();
    const lines = [
      ...numbered(0, 200),
      line('ERROR payment failed for order 7', 200),
      line('{"level":"error","msg":"db timeout","status":503,"path":"/api/pay"}', 201),
      line('"GET /api/items HTTP/1.1" 500 12 0.012', 202),
    ];
    feed(h, lines, [], LOGS_KEY, true);
    await h.waitFor((x) => x.includes('GET /api/items HTTP/1.1'));
    await h.press('/');
    for (const ch of 'request 7') h.stdin.write(ch);
    let f = strip(await h.waitFor((x) => strip(x).includes('/request 7_')));
    // matches from the whole buffer, not only the window: request 7, 70-79 (11 lines)
    expect(f).toContain('11 shown');
    expect(f).toContain('request 7 GET');
    expect(f).toContain('request 79 GET');
    expect(f).not.toContain('request 80 ');
    await h.press(KEY.enter);
    f = strip(await h.waitFor((x) => strip(x).includes('/request 7 (11 shown)')));
    // field filter replaces it: @status>=500 matches the JSON line and the access line
    await h.press('/', '\x15');
    for (const ch of '@status>=500') h.stdin.write(ch);
    await h.press(KEY.enter);
    f = strip(await h.waitFor((x) => strip(x).includes('(2 shown)')));
    expect(f).toContain('db timeout');
    expect(f).toContain('GET /api/items HTTP/1.1" 500');
    expect(f).not.toContain('payment failed');
    // an invalid regex is reported and the previous filter stays active
    await h.press('/', '\x15');
    for (const ch of '/([/') h.stdin.write(ch);
    f = strip(await h.waitFor((x) => strip(x).includes('invalid regex')));
    await h.press(KEY.esc);
    f = strip(await h.waitFor((x) => x.includes('request 199 ') && !strip(x).includes(' shown)')));
    // inverse: ! hides what matches (typed in one chunk, as a paste arrives: nothing is lost to the keymap)
    h.stdin.write('/!request\r');
    await h.wait(40);
    f = strip(await h.waitFor((x) => strip(x).includes('(3 shown)')));
    expect(f).toContain('payment failed');
    expect(f).not.toContain('request 1');
  });

  it('an invalid filter or search is refused on Enter and its error stays on screen (never another filter in its place)', async () => {
    h = await openLogs();
    const lines = [...numbered(0, 50), line('"GET /api/items HTTP/1.1" 503 12 0.012', 50), line('"GET /api/pay HTTP/1.1" 500 12 0.012', 51), line('"GET / HTTP/1.1" 301 0 0.001', 52)];
    feed(h, lines, [], LOGS_KEY, true);
    await h.waitFor((x) => x.includes('GET / HTTP/1.1'));
    for (const bad of ['@status>=50O', '@status>=abc']) {
      await h.press('/', '\x15');
      for (const ch of bad) h.stdin.write(ch);
      await h.waitFor((x) => strip(x).includes(`/${bad}_`));
      await h.press(KEY.enter);
      const f = strip(await h.waitFor((x) => strip(x).includes('not applied')));
      expect(f).toContain(`/${bad}_`); // still editing what was typed
      expect(f).toMatch(/needs a number, got "(50O|abc)"; not applied/);
      expect(f).not.toMatch(/\/@status>=50 \(|\/@status \(|no line matches/);
      // the line stays open: more keys still edit it
      await h.press(KEY.backspace);
      await h.waitFor((x) => strip(x).includes(`/${bad.slice(0, -1)}_`));
      await h.press(KEY.esc);
      await h.waitFor((x) => !strip(x).includes(' shown') && x.includes('request 49 ') && !strip(x).includes('/@status'));
    }
    // fixed, it applies
    await h.press('/');
    for (const ch of '@status>=500') h.stdin.write(ch);
    await h.press(KEY.enter);
    await h.waitFor((x) => strip(x).includes('/@status>=500 (2 shown)'));
    // an invalid search regex is refused the same way
    await h.press('s');
    for (const ch of '/([/') h.stdin.write(ch);
    await h.waitFor((x) => strip(x).includes('invalid regex'));
    await h.press(KEY.enter);
    const f = strip(await h.waitFor((x) => strip(x).includes('not applied')));
    expect(f).toContain('search: /([/_');
  });

  it('searches the whole buffer: highlights, "1/17", n and N step and wrap, Esc clears', async () => {
    h = await openLogs();
    const lines: LogLine[] = [];
    for (let i = 0; i < 170; i++) lines.push(line(i % 10 === 3 ? `needle number ${(i - 3) / 10 + 1}` : `hay ${i}`, i));
    feed(h, lines, [], LOGS_KEY, true);
    await h.waitFor((x) => x.includes('hay 169'));
    // from the tail, Enter selects the first match at or after the top of the window
    await h.press('s');
    for (const ch of 'needle') h.stdin.write(ch);
    let f = strip(await h.waitFor((x) => strip(x).includes('"needle" 0/17')));
    await h.press(KEY.enter);
    f = strip(await h.waitFor((x) => strip(x).includes('"needle" 16/17')));
    expect(f).toContain('needle number 16');
    await h.press('n');
    f = strip(await h.waitFor((x) => strip(x).includes('"needle" 17/17')));
    await h.press('n'); // wraps around
    f = strip(await h.waitFor((x) => strip(x).includes('"needle" 1/17')));
    expect(f).toContain('needle number 1');
    expect(f).toContain('PAUSED');
    await h.press('n', 'n');
    f = strip(await h.waitFor((x) => strip(x).includes('"needle" 3/17')));
    expect(f).toContain('needle number 3');
    await h.press('N');
    f = strip(await h.waitFor((x) => strip(x).includes('"needle" 2/17')));
    expect(f).toContain('needle number 2');
    await h.press('N', 'N');
    f = strip(await h.waitFor((x) => strip(x).includes('"needle" 17/17')));
    expect(f).toContain('needle number 17');
    // highlighted: the current match is drawn with a background colour
    expect(h.frame()).toMatch(/\x1b\[(?:43|48;[25];[0-9;]+)m(?:\x1b\[[0-9;]*m)*needle(?:\x1b\[[0-9;]*m)* number 17/);
    // the other matches in the window are highlighted too (inverse)
    expect(h.frame()).toMatch(/\x1b\[7mneedle\x1b\[27m number 16/);
    await h.press(KEY.esc);
    f = strip(await h.waitFor((x) => !strip(x).includes('search "needle"')));
    expect(f).toContain('logs'); // Esc cleared the search, it did not leave the screen
  });

  it('one-key level toggles: e errors only, 2 hides warnings, 0 shows all', async () => {
    h = await openLogs();
    feed(
      h,
      [line('INFO boot ok', 0), line('WARNING disk at 85%', 1), line('ERROR cannot connect', 2), line('{"level":"debug","msg":"cache miss"}', 3), line('"GET /x HTTP/1.1" 503 4 0.004', 4)],
      [],
      LOGS_KEY,
      true,
    );
    await h.waitFor((x) => x.includes('cache miss'));
    await h.press('e');
    let f = strip(await h.waitFor((x) => strip(x).includes('levels E---')));
    expect(f).toContain('ERROR cannot connect');
    expect(f).toContain('GET /x HTTP/1.1" 503'); // 5xx access lines are errors
    expect(f).not.toContain('boot ok');
    expect(f).not.toContain('disk at');
    await h.press('0', '2');
    f = strip(await h.waitFor((x) => strip(x).includes('levels E-ID')));
    expect(f).not.toContain('disk at');
    expect(f).toContain('boot ok');
    await h.press('0');
    f = strip(await h.waitFor((x) => x.includes('disk at')));
    expect(f).not.toContain('levels');
  });

  it('t cycles timestamps local → UTC → off; w, p and x toggle wrap, prefix and JSON', async () => {
    h = await openLogs();
    feed(h, [line('{"level":"info","msg":"hello","user":"ada"}', 0)], [], LOGS_KEY, true);
    let f = strip(await h.waitFor((x) => x.includes('hello')));
    const d = new Date(T0);
    const local = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:00.000`;
    expect(f).toContain(`${local} shop@live/web`);
    await h.press('t');
    f = strip(await h.waitFor((x) => strip(x).includes('ts UTC')));
    expect(f).toContain('10:00:00.000Z shop@live/web');
    await h.press('t');
    f = strip(await h.waitFor((x) => strip(x).includes('ts off')));
    expect(f).not.toMatch(/\d\d:\d\d:\d\d\.\d{3}/);
    expect(f).toMatch(/shop@live\/web\s+\{"level"/);
    await h.press('p');
    f = strip(await h.waitFor((x) => !x.includes('shop@live/web')));
    // wrap: a long line continues on the next rows instead of being cut
    feed(h, [line(`long ${'abcdefghij'.repeat(25)} END`, 1)]);
    f = strip(await h.waitFor((x) => x.includes('long abcdefghij')));
    expect(f).not.toContain('END');
    await h.press('w');
    f = strip(await h.waitFor((x) => x.includes(' END')));
    expect(f).toContain(' wrap');
    await h.press('w');
    await h.waitFor((x) => !x.includes(' END'));
    await h.press('x');
    f = strip(await h.waitFor((x) => strip(x).includes('"user": "ada"')));
    expect(f).toMatch(/^\{$/m);
    await h.press('t');
    await h.waitFor((x) => strip(x).includes('ts local'));
  });

  it('S with a filter that matches nothing writes no file and says why', async () => {
    h = await openLogs();
    feed(h, numbered(0, 5), [], LOGS_KEY, true);
    await h.waitFor((x) => x.includes('request 4 '));
    await h.press('/');
    for (const ch of 'no-such-text-anywhere') h.stdin.write(ch);
    await h.press(KEY.enter, 'S');
    await h.waitFor((x) => strip(x).includes('nothing to save: the filter matches no line'));
    expect(existsSync(join(stateDir, 'divio-tui', 'logs')) ? readdir(join(stateDir, 'divio-tui', 'logs')) : []).toHaveLength(0);
  });

  it('S saves what the filter shows (whole buffer, markers included) to the XDG state dir and shows the path', async () => {
    h = await openLogs();
    feed(h, [...numbered(0, 300), line('ERROR boom 1', 300), line('ERROR boom 2', 301)], [{ kind: 'gap', ts: T0 + 302_000, count: 42, text: 'test gap' }], LOGS_KEY, true);
    await h.waitFor((x) => x.includes('boom 2'));
    await h.press('/');
    for (const ch of '!request') h.stdin.write(ch);
    await h.press(KEY.enter, 'S');
    const f = strip(await h.waitFor((x) => strip(x).includes('saved 3 lines (filtered) to')));
    const m = /to (\S+\.log)/.exec(f.replace(/\n/g, ''));
    const files = readdir(join(stateDir, 'divio-tui', 'logs'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^shop-live-\d{8}-\d{6}\.log$/);
    expect(m?.[1] ?? '').toContain('shop-live-');
    const text = readFileSync(join(stateDir, 'divio-tui', 'logs', files[0]!), 'utf8');
    const out = text.trim().split('\n');
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/ shop@live\/web ERROR boom 1$/);
    expect(out[1]).toMatch(/ shop@live\/web ERROR boom 2$/);
    expect(out[2]).toMatch(/-- 42 lines missed: test gap --$/);
  });

  it('turns a gateway gap into a marker line with the count; usage shows lines, caps and lost', async () => {
    h = await openLogs();
    feed(h, numbered(0, 5), [], LOGS_KEY, true);
    await h.waitFor((x) => x.includes('request 4 '));
    h.gw.subs.get(LOGS_KEY)!.h.onGap?.({ from: 10, to: 259, missed: 250, reason: 'replay-exhausted', text: "250 lines no longer in the gateway's replay buffer" });
    feed(h, numbered(5, 2));
    const f = strip(await h.waitFor((x) => x.includes('request 6 ') && x.includes('250 lines missed')));
    expect(f).toMatch(/250 lines missed: replay exhausted: 250 lines no longer/);
    expect(f).toMatch(/8 lines of 100k · .* · evicted 0 · lost 250/); // 7 lines + the marker
    const rows = f.split('\n');
    const gapRow = rows.findIndex((r) => r.includes('250 lines missed'));
    expect(rows.findIndex((r) => r.includes('request 4 '))).toBeLessThan(gapRow);
    expect(rows.findIndex((r) => r.includes('request 5 '))).toBeGreaterThan(gapRow);
    // the stream goes on across a deployment, and the switch is marked in-band
    feed(h, numbered(7, 1), [{ kind: 'deployment', ts: T0 + 7500, count: 0, text: '\u2014 deployment 4f2c finished \u2014' }]);
    feed(h, numbered(8, 1));
    const g = strip(await h.waitFor((x) => x.includes('request 8 ') && x.includes('deployment 4f2c finished')));
    const grows = g.split('\n');
    const dep = grows.findIndex((r) => r.includes('deployment 4f2c finished'));
    expect(grows.findIndex((r) => r.includes('request 7 '))).toBeLessThan(dep);
    expect(grows.findIndex((r) => r.includes('request 8 '))).toBeGreaterThan(dep);
    expect(g).toMatch(/lost 250/); // a deployment is not a loss
  });

  it('keeps the buffer when the user leaves and comes back; the snapshot is spliced without duplicates', async () => {
    h = await openLogs();
    feed(h, numbered(0, 30), [], LOGS_KEY, true);
    await h.waitFor((x) => x.includes('request 29 '));
    await h.press(KEY.esc);
    await h.waitFor(() => !h!.gw.subs.has(LOGS_KEY)); // not watched while not shown
    h.store.push('logs', LIVE);
    await h.waitFor(() => h!.gw.subs.has(LOGS_KEY));
    // the gateway answers a new subscriber with its recent tail: 20..44 (overlaps what we hold)
    seq = 0;
    feed(h, numbered(20, 25), [], LOGS_KEY, true);
    await h.waitFor((x) => x.includes('request 44 '));
    const session = logSessionsOf(h.store)[0]!;
    const msgs = [...session.buffer.entries()].map((e) => (e.kind === 'line' ? e.text.split(' ')[1] : 'marker'));
    expect(msgs).toEqual(Array.from({ length: 45 }, (_, i) => String(i)));
    // away again; this time the tail does not reach back: the possible hole is marked
    await h.press(KEY.esc);
    await h.waitFor(() => !h!.gw.subs.has(LOGS_KEY));
    h.store.push('logs', LIVE);
    await h.waitFor(() => h!.gw.subs.has(LOGS_KEY));
    feed(h, numbered(100, 3), [], LOGS_KEY, true);
    const f = strip(await h.waitFor((x) => x.includes('request 102 ')));
    expect(f).toMatch(/lines while the log view was closed may be missing/);
  });

  it(':logs shop@test,shop@live merges both environments with a prefix per source; m mutes one', async () => {
    h = await mount();
    await h.press(':');
    for (const ch of 'logs shop@test,shop@live') h.stdin.write(ch);
    await h.wait(30);
    await h.press(KEY.enter);
    const key = topicKey('logs', { envs: ['env-shop-test', 'env-shop-live'] });
    await h.waitFor(() => h!.gw.subs.has(key));
    feed(h, [line('from test one', 0, 'shop@test'), line('from live one', 1, 'shop@live'), line('from test two', 2, 'shop@test')], [], key, true);
    let f = strip(await h.waitFor((x) => x.includes('from test two')));
    expect(f).toMatch(/shop › test\+live › logs \(2 merged\)/);
    const rows = f.split('\n');
    expect(rows.findIndex((r) => /shop@test\/web\s+from test one/.test(r))).toBeLessThan(rows.findIndex((r) => /shop@live\/web\s+from live one/.test(r)));
    await h.press('m');
    f = strip(await h.waitFor((x) => strip(x).includes('digits toggle')));
    await h.press('1', KEY.esc);
    f = strip(await h.waitFor((x) => strip(x).includes('shop@test (muted)')));
    expect(f).not.toContain('from test one');
    expect(f).toContain('from live one');
  });

  it('c keeps upstream colours (sanitised SGR only) or strips them; hostile sequences never reach the screen', async () => {
    h = await openLogs();
    feed(h, [line('\x1b[31mred word\x1b[0m plain \x1b]52;c;ZXZpbA==\x07 \x1b[2J after', 0)], [], LOGS_KEY, true);
    let raw = await h.waitFor((x) => x.includes('plain'));
    expect(raw).not.toMatch(/\x1b\[31mred word/);
    expect(raw).not.toContain('\x1b]52');
    expect(raw).not.toContain('\x1b[2J');
    await h.press('c');
    raw = await h.waitFor((x) => strip(x).includes(' colour'));
    expect(raw).toMatch(/\x1b\[31mred word/);
    expect(raw).not.toContain('\x1b]52');
    expect(raw).not.toContain('\x1b[2J');
  });

  it('without UTF-8 the log screen draws only ASCII', async () => {
    h = await mount({ unicode: false });
    h.store.push('logs', LIVE);
    await h.waitFor(() => h!.gw.subs.has(LOGS_KEY));
    feed(h, [line('caf\u00e9 \u4e2d\u6587 ok', 0), line('x'.repeat(300), 1), ...numbered(2, 30)], [{ kind: 'gap', ts: T0 + 500, count: 3, text: 'gap \u2014 test' }], LOGS_KEY, true);
    await h.waitFor((x) => x.includes('request 31 '));
    await h.press('g');
    const f = strip(await h.waitFor((x) => x.includes('PAUSED')));
    const bad = [...f].find((ch) => ch.charCodeAt(0) > 0x7e);
    expect(bad, f).toBeUndefined();
    expect(f).toContain('3 lines missed');
  });

  it('l on the environment screen opens its logs; L opens every environment of the app', async () => {
    h = await mount();
    h.store.push('env', LIVE);
    await h.waitFor((x) => x.includes('https://shop-live.example.com'));
    await h.press('l');
    await h.waitFor(() => h!.gw.subs.has(LOGS_KEY));
    await h.waitFor((x) => strip(x).includes('shop › live › logs'));
    await h.press(KEY.esc);
    await h.waitFor((x) => x.includes('https://shop-live.example.com'));
    await h.press('L');
    const key = topicKey('logs', { envs: ['env-shop-live', 'env-shop-qa', 'env-shop-test'] });
    await h.waitFor(() => [...h!.gw.subs.keys()].some((k) => k.startsWith('logs:') && k.includes('env-shop-qa')));
    const sub = [...h.gw.subs.values()].find((s) => s.topic === 'logs')!;
    expect((sub.params as { envs: string[] }).envs[0]).toBe('env-shop-live');
    expect([...(sub.params as { envs: string[] }).envs].sort()).toEqual(JSON.parse(key.slice(5)).envs.sort());
  });
});

/** Pages help down (ctrl-f) until `re` is on screen. */
async function helpShows(hh: Harness, re: RegExp): Promise<string> {
  for (let i = 0; i < 10; i++) {
    const f = strip(hh.frame());
    if (re.test(f)) return f;
    await hh.press('\x06');
  }
  return strip(hh.frame());
}

describe('the log boxes follow the keymap', () => {
  it('filter and search remapped (\\ filters, z searches, > and < step, ctrl+g keeps, ctrl+x clears): the old keys are inert, the boxes and help say the new keys', async () => {
    const km = buildKeymap({ 'list.filter': '\\', 'logs.search': 'z', 'logs.next': '>', 'logs.prev': '<', 'wizard.next': 'ctrl+g', 'app.back': 'ctrl+x' });
    h = await openLogs(km);
    const lines: LogLine[] = [];
    for (let i = 0; i < 60; i++) lines.push(line(i % 10 === 3 ? `needle number ${(i - 3) / 10 + 1}` : `hay ${i}`, i));
    feed(h, lines, [], LOGS_KEY, true);
    await h.waitFor((x) => x.includes('hay 59'));
    // the default keys open nothing
    await h.press('/', 's');
    expect(strip(h.frame())).not.toMatch(/^\/_|search: /m);
    // the filter line opens on \, says its keys, Enter and Esc are inert in it, ctrl+g keeps it
    await h.press('\\');
    for (const ch of 'hay 5') h.stdin.write(ch);
    let f = strip(await h.waitFor((x) => strip(x).includes('/hay 5_')));
    expect(f).toContain('10 shown');
    expect(f).toContain('Ctrl-g keep, Ctrl-x clear');
    await h.press(KEY.enter, KEY.esc);
    expect(strip(h.frame())).toContain('/hay 5_');
    await h.press('\x07');
    f = strip(await h.waitFor((x) => strip(x).includes('/hay 5 (10 shown)')));
    expect(f).not.toContain('/hay 5_');
    // Esc no longer clears the kept filter; ctrl+x does
    await h.press(KEY.esc);
    expect(strip(h.frame())).toContain('/hay 5 (10 shown)');
    await h.press('\x18');
    await h.waitFor((x) => !strip(x).includes('shown)') && x.includes('needle number 6'));
    // an invalid filter kept with ctrl+g is refused, and the refusal names the key that clears it
    await h.press('\\');
    for (const ch of '/([/') h.stdin.write(ch);
    await h.waitFor((x) => strip(x).includes('invalid regex'));
    await h.press('\x07');
    f = strip(await h.waitFor((x) => strip(x).includes('not applied')));
    expect(f).toContain('; not applied: fix it, or Ctrl-x clears');
    await h.press('\x18');
    await h.waitFor((x) => !strip(x).includes('not applied') && !strip(x).includes('/([/'));
    // search: z opens it, the box names ctrl+g, > and <, ctrl+x; Enter is inert, ctrl+g goes to a match
    await h.press('z');
    for (const ch of 'needle') h.stdin.write(ch);
    f = strip(await h.waitFor((x) => strip(x).includes('search: needle_')));
    expect(f).toContain('Ctrl-g: first match, then >/<  Ctrl-x clear');
    await h.press(KEY.enter);
    expect(strip(h.frame())).toContain('search: needle_');
    await h.press('\x07');
    f = strip(await h.waitFor((x) => /"needle" \d\/6/.test(strip(x)) && !strip(x).includes('search: needle_')));
    const at = (x: string): number => Number(/"needle" (\d)\/6/.exec(strip(x))![1]);
    const first = at(f);
    // n and N are inert, > and < step
    await h.press('n', 'N');
    expect(at(h.frame())).toBe(first);
    await h.press('>');
    f = await h.waitFor((x) => at(x) === (first % 6) + 1);
    await h.press('<');
    await h.waitFor((x) => at(x) === first);
    // ctrl+x clears the search (Esc does not)
    await h.press(KEY.esc);
    expect(strip(h.frame())).toContain('search "needle"');
    await h.press('\x18');
    await h.waitFor((x) => !strip(x).includes('search "needle"'));
    // help lists the new keys
    await h.press('?');
    await h.waitFor((x) => x.includes('help (logs)'));
    f = await helpShows(h, /\n\s+z\s+search the whole buffer/);
    expect(f).toMatch(/\n\s+z\s+search the whole buffer/);
    f = await helpShows(h, /\n\s+>\s+next match/);
    expect(f).toMatch(/\n\s+<\s+previous match/);
    // and so do its notes
    f = await helpShows(h, /z searches it \(highlights, >\/< step/);
    expect(f).toContain('z searches it (highlights, >/< step, "3/17"); Ctrl-x clears the search, then the filter.');
    expect(f).toContain('Logs: \\ filters the whole buffer');
    expect(f).toContain('Ctrl-x closes help');
  });

  it('the mute picker remapped (u opens and closes it, ctrl+x is done): m and Esc are inert, the picker and help say the new keys', async () => {
    const km = buildKeymap({ 'logs.mute': 'u', 'app.back': 'ctrl+x', 'wizard.next': 'ctrl+g' });
    h = await mount({ keymap: km });
    const key = topicKey('logs', { envs: ['env-shop-test', 'env-shop-live'] });
    h.store.push('logs', { env: 'env-shop-test', envs: 'env-shop-test,env-shop-live', labels: 'shop@test,shop@live', app: 'shop', slug: 'test+live', appUuid: 'app-shop', org: 'Acme' });
    await h.waitFor(() => h!.gw.subs.has(key));
    feed(h, [line('from test one', 0, 'shop@test'), line('from live one', 1, 'shop@live')], [], key, true);
    await h.waitFor((x) => x.includes('from live one'));
    // m no longer opens the picker
    await h.press('m');
    expect(strip(h.frame())).not.toContain('mute: ');
    await h.press('u');
    let f = strip(await h.waitFor((x) => strip(x).includes('mute: ')));
    expect(f).toContain('digits toggle, Ctrl-x done');
    await h.press('1');
    await h.waitFor((x) => strip(x).includes('shop@test (muted)') && !x.includes('from test one'));
    // Esc and Enter do not close it (ctrl+g does: wizard.next; ctrl+x: app.back; u: logs.mute)
    await h.press(KEY.esc, KEY.enter);
    expect(strip(h.frame())).toContain('mute: ');
    await h.press('\x18');
    await h.waitFor((x) => !strip(x).includes('mute: '));
    await h.press('u');
    await h.waitFor((x) => strip(x).includes('mute: '));
    await h.press('1', 'u');
    f = strip(await h.waitFor((x) => !strip(x).includes('mute: ') && x.includes('from test one')));
    expect(f).not.toContain('(muted)');
    await h.press('u');
    await h.waitFor((x) => strip(x).includes('mute: '));
    await h.press('\x07');
    await h.waitFor((x) => !strip(x).includes('mute: '));
    // help lists u for mute
    await h.press('?');
    await h.waitFor((x) => x.includes('help (logs)'));
    f = await helpShows(h, /\n\s+u\s+mute \/ unmute sources/);
    expect(f).toMatch(/\n\s+u\s+mute \/ unmute sources/);
  });
});

function readdir(dir: string): string[] {
  return readdirSync(dir);
}
