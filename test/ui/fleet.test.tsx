import { afterEach, describe, expect, it, vi } from 'vitest';
vi.hoisted(() => {
  process.env.FORCE_COLOR = '3';
});
import { mount, sampleFleet, KEY, type Harness } from './fake.js';
import { buildKeymap } from '../../src/config/keymap.js';
import type { ZoneItem } from '../../src/store/app.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

/** The app column of the table rows, top to bottom. */
function appsInOrder(frame: string): string[] {
  return frame
    .split('\n')
    .map((l) => /^(?:\S+ )?\s*(blog|crm|shop|wiki)\s+\S+\s+(live|test|qa)\b/.exec(l.replace(/\x1b\[[0-9;]*m/g, '').replace(/^[▶▲▼> ] /, '')))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => `${m[1]}@${m[2]}`);
}

/** The frame as the user reads it (no colour sequences). */
const plain = (frame: string): string => frame.replace(/\x1b\[[0-9;]*m/g, '');

/** The selected row (the one marked ▶), as APP@ENV. */
function selectedRow(frame: string): string | undefined {
  const line = plain(frame).split('\n').find((l) => l.startsWith('▶'));
  return line ? appsInOrder(line.replace(/^▶/, ' '))[0] : undefined;
}

describe('fleet', () => {
  it('shows every application x environment with state, deploy progress and the header', async () => {
    h = await mount();
    const f = h.frame();
    expect(f).toContain('SANDBOX');
    expect(f).toContain('live');
    expect(appsInOrder(f)).toEqual(['blog@live', 'blog@test', 'crm@live', 'shop@live', 'shop@test', 'shop@qa', 'wiki@test']);
    expect(f).toContain('deploying 42 %');
    expect(f).toContain('never deployed');
    expect(f).toContain('7 environments');
  });

  it('each cell keeps its colour within its row, and the selection colours the whole row', async () => {
    h = await mount({ color: '16' });
    const lines = h.frame().split('\n');
    // the background of each visible character, from the SGR sequences (44 = the 16-colour theme's selection)
    const backgrounds = (line: string): string[] => {
      const out: string[] = [];
      let bg = '';
      for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
        const m = /^\x1b\[([0-9;]*)m$/.exec(part);
        if (!m) for (const _ch of part) out.push(bg);
        else for (const code of m[1]!.split(';')) if (code === '0' || code === '49') bg = ''; else if (/^4[0-7]$/.test(code)) bg = code;
      }
      return out;
    };
    const selected = lines.find((l) => plain(l).startsWith('▶'))!;
    const text = plain(selected).trimEnd();
    expect(backgrounds(selected).slice(0, text.length).every((b) => b === '44')).toBe(true);
    // another row: the environment "live" in red, the application name in the default colour
    const other = lines.find((l) => !plain(l).startsWith('▶') && /crm/.test(plain(l)))!;
    expect(other).toMatch(/\x1b\[31mlive\s*/);
    expect(other).not.toMatch(/\x1b\[3[0-7]mcrm/);
  });

  it('filters with / (substring) and ! inverts; Esc clears', async () => {
    h = await mount();
    await h.press('/', 's', 'h', 'o');
    expect(appsInOrder(h.frame())).toEqual(['shop@live', 'shop@test', 'shop@qa']);
    expect(h.frame()).toContain('3 of 7');
    await h.press(KEY.enter);
    // keys act on the list again after Enter: j moves
    await h.press('/', KEY.backspace, KEY.backspace, KEY.backspace);
    await h.press('!', 's', 'h', 'o', 'p');
    expect(appsInOrder(h.frame())).toEqual(['blog@live', 'blog@test', 'crm@live', 'wiki@test']);
    await h.press(KEY.esc);
    expect(appsInOrder(h.frame())).toHaveLength(7);
  });

  it('sorts with o (next column) and reverses with O', async () => {
    h = await mount();
    expect(h.frame().split('\n')[2]).toContain('APP▲'); // the sort column is marked in the header
    await h.press('o'); // organisation
    expect(h.frame()).toContain('sorted by organisation');
    expect(h.frame().split('\n')[2]).toMatch(/ORGANISATI?O?N?▲/);
    expect(h.frame().split('\n')[2]).not.toContain('APP▲');
    expect(appsInOrder(h.frame())[0]).toMatch(/^(shop|wiki)@/); // Acme first
    await h.press('O');
    expect(h.frame()).toContain('(reversed)');
    expect(h.frame().split('\n')[2]).toMatch(/ORGANISATI?O?N?▼/);
    expect(appsInOrder(h.frame())[0]).toMatch(/^(blog|crm)@/); // Globex first
  });

  it('sorted by last backup, the oldest backup (or none) comes first', async () => {
    const hour = 3600_000;
    const rows = sampleFleet().map((r, i) => ({ ...r, lastBackupAt: r.lastBackupAt === null ? null : new Date(Date.now() - (i + 1) * hour).toISOString() }));
    h = await mount({ fleet: rows });
    for (let i = 0; i < 5; i++) await h.press('o'); // app → org → env → state → deployed → backup
    await h.waitFor((x) => x.includes('sorted by last backup'));
    expect(h.frame().split('\n')[2]).toContain('BACKUP▲');
    // wiki@test has never been backed up, then crm@live (6 h), blog@test (5 h) …, shop@live (1 h) last
    expect(appsInOrder(h.frame())).toEqual(['wiki@test', 'crm@live', 'blog@test', 'blog@live', 'shop@qa', 'shop@test', 'shop@live']);
  });

  it('groups by organisation with v', async () => {
    h = await mount();
    await h.press('v');
    const f = h.frame();
    expect(f).toMatch(/Acme \(4\)/);
    expect(f).toMatch(/Globex \(3\)/);
    expect(f.indexOf('Acme (4)')).toBeLessThan(f.indexOf('Globex (3)'));
  });

  it('Enter on an organisation header folds that organisation only; Enter again unfolds it', async () => {
    h = await mount();
    await h.press('v');
    await h.waitFor((x) => x.includes('▾ Acme (4)'));
    await h.press(KEY.enter); // the cursor is on Acme's header
    let f = await h.waitFor((x) => x.includes('▸ Acme (4, folded: Enter unfolds)'));
    expect(appsInOrder(f)).toEqual(['blog@live', 'blog@test', 'crm@live']); // Globex still open, still grouped
    expect(f).toContain('grouped by organisation');
    await h.press(KEY.enter);
    f = await h.waitFor((x) => x.includes('▾ Acme (4)'));
    expect(appsInOrder(f)).toHaveLength(7);
  });

  it('list.open remapped to ctrl+o: the folded header says ctrl-o, Enter neither folds nor opens, ctrl+o does both', async () => {
    h = await mount({ keymap: buildKeymap({ 'list.open': 'ctrl+o' }) });
    await h.press('v');
    await h.waitFor((x) => x.includes('▾ Acme (4)'));
    await h.press(KEY.enter);
    expect(h.frame()).toContain('▾ Acme (4)');
    await h.press('\x0f');
    await h.waitFor((x) => x.includes('▸ Acme (4, folded: Ctrl-o unfolds)'));
    await h.press('\x0f');
    await h.waitFor((x) => x.includes('▾ Acme (4)'));
    await h.press('j', KEY.enter);
    expect(h.frame()).not.toContain('https://shop-live.example.com');
    await h.press('\x0f');
    await h.waitFor((x) => x.includes('https://shop-live.example.com'));
  });

  it('Enter opens the selected environment; Esc comes back to the same row', async () => {
    h = await mount();
    await h.press('j', 'j', 'j'); // shop@live
    await h.press(KEY.enter);
    const f = await h.waitFor((x) => x.includes('https://shop-live.example.com'));
    expect(f).toMatch(/Acme.*shop.*live.*environment/);
    expect(f).toContain('ssh -p 2222 shop-live@127.0.0.1');
    await h.press(KEY.esc);
    await h.waitFor((x) => x.includes('7 environments'));
    await h.press(KEY.enter);
    await h.waitFor((x) => x.includes('https://shop-live.example.com'));
  });

  it('subscribes to what is on screen only', async () => {
    h = await mount();
    const gw = h.gw;
    const subs = () => [...gw.subs.keys()].sort().join(' ');
    // local (linked compose projects beside test/live) is watched once the fleet's rows are drawn
    await h.waitFor(() => subs() === 'fleet:{} jobs:{} local:{}').catch(() => undefined);
    expect([...h.gw.subs.keys()].sort()).toEqual(['fleet:{}', 'jobs:{}', 'local:{}']);
    await h.press(KEY.enter);
    await h.waitFor(() => subs() === 'env:{"env":"env-blog-live"} jobs:{}').catch(() => undefined);
    expect([...h.gw.subs.keys()].sort()).toEqual(['env:{"env":"env-blog-live"}', 'jobs:{}']);
    await h.press(KEY.esc);
    await h.waitFor(() => subs() === 'fleet:{} jobs:{} local:{}').catch(() => undefined);
    expect([...h.gw.subs.keys()].sort()).toEqual(['fleet:{}', 'jobs:{}', 'local:{}']); // local: linked compose projects beside test/live
  });

  it('scrolls a long fleet: only a window of rows is rendered and the cursor stays visible', async () => {
    const { fleetRow } = await import('./fake.js');
    const rows = Array.from({ length: 2000 }, (_, i) => fleetRow(`app${String(i).padStart(4, '0')}`, 'live'));
    h = await mount({ fleet: rows });
    const f = h.frame();
    expect(f).toContain('app0000');
    expect(f).not.toContain('app0100');
    expect(f.split('\n').length).toBeLessThan(40);
    await h.press('G');
    const g = h.frame();
    expect(g).toContain('app1999');
    expect(g).not.toContain('app0000');
    await h.press('g');
    expect(h.frame()).toContain('app0000');
  });

  it('tells the gateway which rows are on screen (scrolling too); an unknown backup age is "?", the fleet\'s notes are in the footer', async () => {
    const { fleetRow } = await import('./fake.js');
    const rows = Array.from({ length: 2000 }, (_, i) => ({ ...fleetRow(`app${String(i).padStart(4, '0')}`, 'live'), ...(i === 0 ? { backupKnown: false, lastBackupAt: null } : {}) }));
    h = await mount({ fleet: rows });
    await h.waitFor(() => (h!.gw.views.get('fleet:{}')?.length ?? 0) > 0);
    const shown = h.gw.views.get('fleet:{}')!;
    expect(shown[0]).toBe(rows[0]!.envUuid);
    expect(shown.length).toBeGreaterThan(10);
    expect(shown.length).toBeLessThan(40);
    const first = h.frame().split('\n').find((l) => l.includes('app0000'))!;
    expect(first).toMatch(/\s\?\s/);
    await h.press('G');
    await h.waitFor(() => h!.gw.views.get('fleet:{}')?.includes(rows[1999]!.envUuid) ?? false);
    expect(h.gw.views.get('fleet:{}')).not.toContain(rows[0]!.envUuid);
    h.gw.subs.get('fleet:{}')!.h.onSnapshot?.({ rows, notes: ['backups: 12 of 2000 checked'] }, 99);
    await h.waitFor((f) => f.includes('backups: 12 of 2000 checked'));
  });

  it('the fleet-wide backups view tells the gateway its rows on screen too (scrolling too)', async () => {
    const { fleetRow } = await import('./fake.js');
    const rows = Array.from({ length: 2000 }, (_, i) => ({ ...fleetRow(`app${String(i).padStart(4, '0')}`, 'live'), lastBackupAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString() }));
    h = await mount({ fleet: rows });
    h.store.push('fleet-wide', { kind: 'backups' });
    // oldest successful backup first: app0000 on top, app1999 last
    await h.waitFor((f) => f.includes('backups (fleet)') && f.includes('app0000'));
    await h.waitFor(() => h!.gw.views.get('fleet:{}')?.[0] === rows[0]!.envUuid);
    const shown = h.gw.views.get('fleet:{}')!;
    expect(shown.length).toBeGreaterThan(10);
    expect(shown.length).toBeLessThan(40);
    // every row it names is on screen
    for (const id of shown) expect(h.frame()).toContain(rows.find((r) => r.envUuid === id)!.app);
    await h.press('G');
    await h.waitFor((f) => f.includes('app1999'));
    await h.waitFor(() => h!.gw.views.get('fleet:{}')?.includes(rows[1999]!.envUuid) ?? false);
    expect(h.gw.views.get('fleet:{}')).not.toContain(rows[0]!.envUuid);
  });

  it('shows the keys from a remapped keymap in the footer and help, and they work', async () => {
    h = await mount({ keymap: buildKeymap({ 'fleet.sort': 'S', 'app.help': 'h' }) });
    expect(h.frame()).toContain('S sort');
    await h.press('S');
    expect(h.frame()).toContain('sorted by organisation');
    await h.press('h');
    const top = await h.waitFor((x) => x.includes('help for this view'));
    expect(top).toMatch(/\n\s+h\s+help for this view/);
    await h.press('G'); // the fleet's own keys are further down
    const help = await h.waitFor((x) => x.includes('sort by the next column'));
    const line = help.split('\n').find((l) => l.includes('sort by the next column'))!;
    expect(line).toMatch(/^\s+S\s+sort by the next column/);
  });
});

describe('typed boxes follow the keymap', () => {
  it('the filter line and the palette: Enter and Esc remapped (ctrl+g, ctrl+x), the old keys inert, the boxes say the new keys', async () => {
    h = await mount({ keymap: buildKeymap({ 'wizard.next': 'ctrl+g', 'app.back': 'ctrl+x', 'palette.complete': 'ctrl+t' }) });
    h.stdin.write('/crm');
    await h.waitFor((x) => plain(x).includes('/crm_  1 of 7  Ctrl-g keep, Ctrl-x clear'));
    await h.press(KEY.enter, KEY.esc); // inert
    expect(plain(h.frame())).toContain('/crm_');
    await h.press('\x07'); // ctrl+g keeps
    await h.waitFor((x) => plain(x).includes('/crm  1 of 7  / edit, Ctrl-x clear'));
    await h.press('\x18'); // ctrl+x clears
    await h.waitFor((x) => appsInOrder(x).length === 7);
    h.stdin.write(':env blog@tes');
    await h.waitFor((x) => plain(x).includes(':env blog@tes'));
    await h.press(KEY.enter, KEY.tab); // inert: no run, no completion
    expect(plain(h.frame())).toContain(':env blog@tes');
    await h.press('\x14'); // ctrl+t completes
    await h.waitFor((x) => plain(x).includes(':env blog@test'));
    await h.press('\x07'); // ctrl+g runs
    await h.waitFor((x) => plain(x).includes('blog › test › environment'));
  });
});

describe('the zone list follows the keymap', () => {
  it('list.open remapped to ctrl+o: the list says "Ctrl-o switches", Enter does not switch, ctrl+o does', async () => {
    h = await mount({ keymap: buildKeymap({ 'list.open': 'ctrl+o' }) });
    const asked: string[] = [];
    const zone = (name: string): ZoneItem => ({ name, kind: 'divio', target: `https://api.${name}.example`, token: 'env DIVIO_TOKEN', usable: true, configured: true });
    h.store.services.zones = { list: () => [zone('alpha'), zone('beta')], switchTo: async (name) => (asked.push(name), true) };
    h.store.setState({ zone: 'alpha' });
    h.store.push('zones');
    const f = plain(await h.waitFor((x) => x.includes('beta')));
    expect(f).toContain('Ctrl-o switches (also :zone NAME)');
    expect(f).not.toContain('Enter switches');
    await h.press('j', KEY.enter);
    expect(asked).toEqual([]);
    await h.press('\x0f');
    await h.waitFor(() => asked.length === 1);
    expect(asked).toEqual(['beta']);
  });
});

describe('keys typed faster than the console reads', () => {
  it('a coalesced chunk counts every key, and keys after ":" reach the palette', async () => {
    h = await mount();
    h.stdin.write('jjj');
    await h.wait(40);
    h.stdin.write('\r');
    await h.waitFor((x) => x.includes('https://shop-live.example.com'));
    h.stdin.write(':env blog@test\r');
    await h.waitFor((x) => x.includes('https://blog-test.example.com'));
    expect(h.store.getState().paletteHistory).toEqual(['env blog@test']);
  });

  it('one read holding a key that opens another screen and the keys after it: each acts on the screen it reaches', async () => {
    h = await mount();
    // the palette opens, takes the command, opens blog@test, then e opens its variables
    h.stdin.write(':env blog@test\re');
    let f = await h.waitFor((x) => x.includes('DJANGO_SECRET_KEY'));
    expect(plain(f)).toContain('blog › test › variables');
    expect(h.store.current().screen).toBe('vars');
    // back twice and down twice in one read: on the fleet, the third row is selected
    h.stdin.write('qqjj');
    f = await h.waitFor((x) => selectedRow(x) === 'crm@live');
    expect(h.store.getState().stack).toHaveLength(1);
    // Enter on it and l (logs) in one read: the environment opens, l acts there (not on the fleet)
    h.stdin.write('\rm');
    await h.waitFor((x) => plain(x).includes('crm › live › metrics'));
  });

  it('an Escape and a key in one read (a slow link): the Escape acts, then the key', async () => {
    h = await mount();
    await h.press(KEY.enter);
    await h.waitFor((x) => plain(x).includes('blog › live › environment'));
    h.stdin.write('\x1bj');
    const f = await h.waitFor((x) => selectedRow(x) === 'blog@test');
    expect(plain(f)).not.toContain('› environment');
    // Escape then / in one read: the filter closes… and a new one opens
    h.stdin.write('/crm');
    await h.waitFor((x) => x.includes('/crm'));
    h.stdin.write('\r');
    await h.waitFor((x) => appsInOrder(x).join() === 'crm@live' && !x.includes('/crm_'));
    h.stdin.write('\x1b/');
    await h.waitFor((x) => appsInOrder(x).length === 7 && /^\/_\s+7 of 7/m.test(plain(x)));
  });

  it('keys arriving one by one right after "/" (before the filter line is drawn) go into the filter, not to the fleet', async () => {
    h = await mount();
    // separate reads, no render in between: s would otherwise be "ssh", h "fleet", o "sort"
    for (const k of ['/', 's', 'h', 'o']) h.stdin.write(k);
    await h.waitFor((x) => x.includes('/sho'));
    expect(appsInOrder(h.frame())).toEqual(['shop@live', 'shop@test', 'shop@qa']);
    expect(h.store.current().screen).toBe('fleet');
    expect(h.frame()).not.toContain('sorted by organisation');
  });
});
