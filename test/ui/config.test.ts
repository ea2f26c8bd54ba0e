import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText, loadConfig, ConfigError, configPath, Config, defaultConfig } from '../../src/config/config.js';
import { loadConfigAtStart } from '../../src/config/start.js';
import { buildKeymap, normalizeKey, keyFromInk, ACTIONS, KeymapError } from '../../src/config/keymap.js';
import { makeTheme } from '../../src/config/theme.js';
import { runDoctor } from '../../src/config/doctor.js';
import { screenScopes } from '../../src/tui.js';
import { helpLines } from '../../screens/Help.js';

function problems(text: string): ConfigError {
  try {
    parseConfigText(text, 'config.json', screenScopes());
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config file', () => {
  it('accepts an empty object and fills defaults', () => {
    const { config, keymap } = parseConfigText('{}');
    expect(config.theme).toBe('default');
    expect(config.ui.ascii).toBe(false);
    expect(keymap.keys['fleet.sort']).toEqual(['o']);
  });

  it('names the line and key of a bad value', () => {
    const e = problems('{\n  "theme": "default",\n  "ui": {\n    "ascii": "yes"\n  }\n}\n');
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatchObject({ line: 4, key: 'ui.ascii' });
    expect(e.message).toMatch(/^config\.json:4: ui\.ascii: /);
  });

  it('names the line of an unknown setting', () => {
    const e = problems('{\n  "theme": "default",\n\n  "colour": true\n}');
    expect(e.message).toContain('config.json:4: colour: unknown setting "colour"');
  });

  it('names the line of a JSON syntax error', () => {
    const e = problems('{\n  "theme": "default",\n  "keys": {\n    "fleet.sort": "s",\n  }\n}');
    expect(e.problems[0]!.line).toBe(5);
    expect(e.message).toMatch(/not valid JSON: .*trailing comma/);
  });

  it('names an unknown action and a bad key name with their line', () => {
    const e = problems('{\n  "keys": {\n    "fleet.sortt": "s"\n  }\n}');
    expect(e.message).toMatch(/config\.json:3: keys\.fleet\.sortt: unknown action "fleet\.sortt"/);
    const e2 = problems('{\n  "keys": {\n    "fleet.sort": "hyper+x"\n  }\n}');
    expect(e2.message).toMatch(/config\.json:3: .*"hyper\+x" is not a key name/);
  });

  it('refuses keys a terminal cannot tell apart from another key, with the reason', () => {
    const e = problems('{\n  "keys": {\n    "app.jobs": "ctrl+j"\n  }\n}');
    expect(e.message).toMatch(/config\.json:3: keys\.app\.jobs: "ctrl\+j" cannot be bound to app\.jobs: a terminal sends it as Enter/);
    expect(problems('{ "keys": { "wizard.toggle": "ctrl+i" } }').message).toMatch(/as Tab/);
    expect(problems('{ "keys": { "app.help": "ctrl+m" } }').message).toMatch(/as Enter/);
  });

  it('reports keymap conflicts (two actions on one key in one view)', () => {
    const e = problems('{\n  "keys": {\n\n    "fleet.sort": "j"\n  }\n}');
    expect(e.problems[0]!.line).toBe(4);
    expect(e.message).toContain('key "j" is bound to list.down and fleet.sort');
  });

  it('loads from $XDG_CONFIG_HOME, treats a missing default file as defaults and a missing --config as an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    try {
      const env = { XDG_CONFIG_HOME: dir, HOME: dir };
      expect(configPath(env)).toBe(join(dir, 'divio-tui', 'config.json'));
      const none = loadConfig({ env });
      expect(none.ok && none.path).toBe(null);
      mkdirSync(join(dir, 'divio-tui'));
      writeFileSync(join(dir, 'divio-tui', 'config.json'), '{ "keys": { "app.jobs": ["ctrl+o", "J"] } }');
      const ok = loadConfig({ env });
      expect(ok.ok && ok.keymap.keys['app.jobs']).toEqual(['ctrl+o', 'J']);
      const missing = loadConfig({ path: join(dir, 'nope.json'), env });
      expect(missing.ok).toBe(false);
      expect(!missing.ok && missing.error).toMatch(/nope\.json:0: file not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the console's config at start (no schema loaded without a file)", () => {
  it("defaultConfig() is exactly what the schema makes of an empty file", () => {
    expect(defaultConfig()).toEqual(Config.parse({}));
    // a new object each time: a caller that changes it changes nobody else's
    const a = defaultConfig();
    a.ui.ascii = true;
    expect(defaultConfig().ui.ascii).toBe(false);
  });

  it('gives what loadConfig gives: defaults without a file, the file validated, a bad or missing --config an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    try {
      const env = { XDG_CONFIG_HOME: dir, HOME: dir };
      const views = screenScopes();
      const none = await loadConfigAtStart({ env, views });
      const sync = loadConfig({ env, views });
      if (!none.ok || !sync.ok) throw new Error('expected the defaults');
      expect(none.config).toEqual(sync.config);
      expect(none.keymap.keys).toEqual(sync.keymap.keys);
      expect([none.path, none.searched]).toEqual([null, join(dir, 'divio-tui', 'config.json')]);
      mkdirSync(join(dir, 'divio-tui'));
      const file = join(dir, 'divio-tui', 'config.json');
      writeFileSync(file, '{ "ui": { "groupByOrg": true }, "keys": { "app.jobs": ["ctrl+o", "J"] } }');
      const ok = await loadConfigAtStart({ env, views });
      expect(ok.ok && ok.path).toBe(file);
      expect(ok.ok && ok.config.ui.groupByOrg).toBe(true);
      expect(ok.ok && ok.keymap.keys['app.jobs']).toEqual(['ctrl+o', 'J']);
      writeFileSync(file, '{\n  "ui": { "colour": 1 }\n}');
      const bad = await loadConfigAtStart({ env, views });
      expect(!bad.ok && bad.error).toMatch(/config\.json:2: ui\.colour: unknown setting "colour"/);
      const missing = await loadConfigAtStart({ path: join(dir, 'nope.json'), env, views });
      expect(!missing.ok && missing.error).toMatch(/nope\.json:0: file not found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('keymap', () => {
  it('has no conflicts by default and every action has a key', () => {
    const km = buildKeymap({}, screenScopes());
    expect(km.conflicts).toEqual([]);
    for (const a of ACTIONS) expect(km.keys[a.id]!.length).toBeGreaterThan(0);
  });

  it('puts every destructive action behind a confirmation flag', () => {
    const destructive = ACTIONS.filter((a) => a.destructive).map((a) => a.id);
    expect(destructive).toEqual(expect.arrayContaining(['env.backup', 'env.deploy', 'env.purge', 'env.restore']));
    expect(ACTIONS.find((a) => a.id === 'env.logs')!.destructive).toBeFalsy();
  });

  it('normalises key names and Ink key events the same way', () => {
    expect(normalizeKey('Ctrl-F')).toBe('ctrl+f');
    expect(normalizeKey('Return')).toBe('enter');
    expect(normalizeKey('PgDn')).toBe('pagedown');
    expect(normalizeKey('G')).toBe('G');
    expect(normalizeKey('nope')).toBe(null);
    expect(keyFromInk('f', { ctrl: true })).toBe('ctrl+f');
    expect(keyFromInk('', { delete: true })).toBe('backspace'); // Ink 6.8 reports Backspace as delete
    expect(keyFromInk('', { escape: true })).toBe('esc');
    expect(keyFromInk('G', { shift: true })).toBe('G');
  });

  it('remaps and unbinds; lookup respects the view scopes', () => {
    const km = buildKeymap({ 'fleet.sort': ['s', 'ctrl+s'], 'env.ssh': [] });
    expect(km.lookup('s', ['global', 'list', 'target', 'fleet'])).toBe('fleet.sort');
    expect(km.lookup('o', ['global', 'list', 'target', 'fleet'])).toBe(null);
    expect(km.lookup('s', ['global', 'list', 'jobs'])).toBe(null);
    expect(() => buildKeymap({ 'nope.x': 'a' })).toThrow(KeymapError);
  });
});

describe('help titles name the keys bound', () => {
  it('a title that mentions another action says its key as remapped, never the default', () => {
    const text = (k: ReturnType<typeof buildKeymap>) => helpLines(k, ['global', 'target', 'dialog'], true).map((l) => l.text).join('\n');
    const plain = text(buildKeymap());
    expect(plain).toContain('Enter switches (also :zone NAME)');
    expect(plain).toContain('(Enter opens one log, r redeploys)');
    expect(plain).toContain('cancel the dialog (Esc too)');
    const moved = text(buildKeymap({ 'list.open': 'ctrl+o', 'releases.redeploy': 'R', 'app.back': 'ctrl+b' }));
    expect(moved).toContain('Ctrl-o switches (also :zone NAME)');
    expect(moved).toContain('(Ctrl-o opens one log, R redeploys)');
    expect(moved).toContain('cancel the dialog (Ctrl-b too)');
    expect(moved).not.toMatch(/\{[a-z]+\.[a-zA-Z.]+\}/);
  });
});

describe('themes', () => {
  it('no colour at all without colour support; 16-colour names as fallback', () => {
    const none = makeTheme('none');
    expect(none.color).toBe(false);
    expect(Object.values(none).filter((v) => typeof v === 'string')).toEqual([]);
    expect(makeTheme('16').live).toBe('red');
    expect(makeTheme('truecolor').live).toMatch(/^#/);
  });
});

describe('doctor', () => {
  it('checks config, token (never shown), zone, terminal, ssh and docker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doc-'));
    try {
      const env: Record<string, string | undefined> = { ...process.env, HOME: dir, XDG_CONFIG_HOME: dir, DIVIO_TOKEN: 'tok-very-secret-123', TERM: 'xterm-256color', LANG: 'C', DOCKER_HOST: 'unix:///nonexistent.sock' };
      for (const k of ['CI', 'DIVIO_TUI_NO_NOTIFY', 'TERM_PROGRAM', 'LC_TERMINAL', 'VTE_VERSION', 'KITTY_WINDOW_ID', 'WEZTERM_PANE', 'GHOSTTY_RESOURCES_DIR', 'TMUX']) delete env[k];
      const r = await runDoctor({ env, isTTY: true, columns: 100, rows: 30 });
      const names = r.checks.map((c) => c.name);
      expect(names).toEqual(['config', 'token', 'zone', 'terminal', 'notify', 'ssh', 'ssh key', 'docker']);
      expect(r.checks.find((c) => c.name === 'notify')!.detail).toMatch(/^bell; no desktop notification \(terminal not known/);
      expect((await runDoctor({ env: { ...env, CI: 'true' }, isTTY: true, columns: 100, rows: 30 })).checks.find((c) => c.name === 'notify')!.detail).toBe('off (CI is set)');
      expect(JSON.stringify(r)).not.toContain('tok-very-secret-123');
      expect(r.checks.find((c) => c.name === 'token')!.detail).toContain('DIVIO_TOKEN');
      expect(r.checks.find((c) => c.name === 'terminal')!.detail).toMatch(/colour 256, ASCII/);
      expect(r.checks.find((c) => c.name === 'docker')).toMatchObject({ ok: false });
      writeFileSync(join(dir, 'bad.json'), '{ "theme": 3 }');
      const bad = await runDoctor({ env, configPath: join(dir, 'bad.json'), isTTY: false });
      expect(bad.checks[0]).toMatchObject({ name: 'config', ok: false });
      expect(bad.checks[0]!.detail).toMatch(/bad\.json:1: theme/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
