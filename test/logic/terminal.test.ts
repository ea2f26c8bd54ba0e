import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { buildSync } from 'esbuild';
import stringWidth from 'string-width';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { displayWidth, isNarrowChar, padToWidth, truncateToWidth, wrapToWidth } from '../../src/terminal/width.js';
import { detectCapabilities, detectColor, detectUnicode, glyphs } from '../../src/terminal/capabilities.js';
import { ALT_SCREEN_ENTER, ALT_SCREEN_LEAVE, CURSOR_SHOW, enterAltScreen, leaveAltScreen } from '../../src/terminal/altscreen.js';

describe('displayWidth', () => {
  it('counts ASCII, wide CJK, emoji, combining marks', () => {
    expect(displayWidth('hello')).toBe(5);
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('👍')).toBe(2);
    expect(displayWidth('👨\u200d👩\u200d👧')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('')).toBe(0);
  });
  it('SGR sequences have zero width', () => {
    expect(displayWidth('\x1b[31mred\x1b[0m')).toBe(3);
  });
  it('agrees with string-width on mixes of narrow, wide and zero-width characters (its short cut for narrow text)', () => {
    const parts = ['a', 'GET /x', '…', '│', '●', '✓', 'é', '→', '▁', '\x1b[31m', '\x1b[38;2;1;2;3m', '\x1b[0m', '日', '😀', '\u00ad', '◽', 'e\u0301', '⌚', '\u200d', '❤\ufe0f', '🇩🇪'];
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return (seed >>> 8) % n;
    };
    for (let i = 0; i < 2000; i++) {
      let s = '';
      for (let k = 0, n = 1 + rnd(6); k < n; k++) s += parts[rnd(parts.length)];
      expect([s, displayWidth(s)]).toEqual([s, stringWidth(s)]);
    }
    expect(displayWidth('\x1b[2mabc…\x1b[22m')).toBe(4);
  });
  it('takes a character for narrow exactly when string-width gives it one column (every candidate range, one by one)', () => {
    const wrong: string[] = [];
    for (const [from, to] of [[0xa0, 0x24f], [0x2010, 0x205e], [0x2190, 0x23ff], [0x2500, 0x27bf], [0x2800, 0x28ff]] as const) {
      for (let c = from; c <= to; c++) {
        const ch = String.fromCharCode(c);
        if (isNarrowChar(c) !== (stringWidth(ch) === 1)) wrong.push(`U+${c.toString(16)} ${isNarrowChar(c)} ${stringWidth(ch)}`);
        // and beside other characters: a narrow one adds exactly one column
        if (isNarrowChar(c)) expect(displayWidth(`a${ch}b…`)).toBe(stringWidth(`a${ch}b…`));
      }
    }
    expect(wrong).toEqual([]);
    expect(isNarrowChar(0x2026)).toBe(true); // …
    expect(isNarrowChar(0x231a)).toBe(false); // ⌚ (emoji, two columns)
    expect(isNarrowChar(0xad)).toBe(false); // soft hyphen (no column)
  });
});

describe('truncateToWidth', () => {
  it('cuts ASCII with an ellipsis inside the width', () => {
    expect(truncateToWidth('abcdefgh', 5, '…')).toBe('abcd…');
    expect(truncateToWidth('abc', 5, '…')).toBe('abc');
  });
  it('never splits a wide character', () => {
    const t = truncateToWidth('日本語テキスト', 5);
    expect(t).toBe('日本');
    expect(displayWidth(t)).toBeLessThanOrEqual(5);
  });
  it('keeps combining marks with their base', () => {
    expect(truncateToWidth('e\u0301e\u0301e\u0301', 2)).toBe('e\u0301e\u0301');
  });
  it('does not cut SGR in half and resets an open colour', () => {
    const t = truncateToWidth('\x1b[31mabcdef\x1b[0m', 3);
    expect(t).toBe('\x1b[31mabc\x1b[0m');
    expect(displayWidth(t)).toBe(3);
  });
});

describe('padToWidth / wrapToWidth', () => {
  it('pads by display width', () => {
    expect(padToWidth('日本', 6)).toBe('日本  ');
    expect(padToWidth('ab', 4, 'right')).toBe('  ab');
    expect(padToWidth('abcdef', 4)).toBe('abcd');
  });
  it('wraps by grapheme; rows never exceed the width', () => {
    expect(wrapToWidth('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
    const rows = wrapToWidth('日本語テキスト', 5);
    expect(rows).toEqual(['日本', '語テ', 'キス', 'ト']);
    for (const r of rows) expect(displayWidth(r)).toBeLessThanOrEqual(5);
  });
  it('carries SGR across rows', () => {
    expect(wrapToWidth('\x1b[31mabcd\x1b[0mef', 3)).toEqual(['\x1b[31mabc\x1b[0m', '\x1b[31md\x1b[0mef']);
  });
});

describe('capabilities', () => {
  it('NO_COLOR (non-empty) disables colour; empty NO_COLOR does not', () => {
    expect(detectColor({ NO_COLOR: '1', TERM: 'xterm-256color' }, true)).toBe('none');
    expect(detectColor({ NO_COLOR: '', TERM: 'xterm-256color' }, true)).toBe('256');
  });
  it('TERM=dumb → none; COLORTERM truecolor; 256color; else 16', () => {
    expect(detectColor({ TERM: 'dumb' }, true)).toBe('none');
    expect(detectColor({ TERM: 'xterm', COLORTERM: 'truecolor' }, true)).toBe('truecolor');
    expect(detectColor({ TERM: 'screen', COLORTERM: '24bit' }, true)).toBe('truecolor');
    expect(detectColor({ TERM: 'tmux-256color' }, true)).toBe('256');
    expect(detectColor({ TERM: 'vt100' }, true)).toBe('16');
    expect(detectColor({ TERM: 'xterm-256color' }, false)).toBe('none');
  });
  it('unicode from LC_ALL > LC_CTYPE > LANG', () => {
    expect(detectUnicode({ LANG: 'en_US.UTF-8' })).toBe(true);
    expect(detectUnicode({ LANG: 'C' })).toBe(false);
    expect(detectUnicode({ LC_ALL: 'C', LANG: 'en_US.UTF-8' })).toBe(false);
    expect(detectUnicode({ LC_CTYPE: 'de_DE.utf8', LANG: 'C' })).toBe(true);
    expect(detectUnicode({})).toBe(false);
  });
  it('--ascii override wins', () => {
    expect(detectCapabilities({ LANG: 'en_US.UTF-8', TERM: 'xterm' }, true, { ascii: true })).toEqual({ color: '16', unicode: false });
  });
  it('ASCII glyph table has only ASCII characters', () => {
    const flat = JSON.stringify(glyphs(false));
    expect([...flat].filter((c) => c.charCodeAt(0) >= 0x80)).toEqual([]);
    expect(glyphs(false).spark).toEqual(['_', '.', '-', '=', '+', '*', '#']);
    expect(glyphs(true).spark.join('')).toBe('▁▂▃▄▅▆▇█');
  });
});

describe('alt screen', () => {
  it('enter/leave are idempotent and leave shows the cursor', () => {
    let out = '';
    const stream = { write: (s: string) => (out += s) };
    enterAltScreen(stream);
    enterAltScreen(stream);
    expect(out.split(ALT_SCREEN_ENTER).length - 1).toBe(1);
    leaveAltScreen(stream);
    leaveAltScreen(stream);
    expect(out.split(ALT_SCREEN_LEAVE).length - 1).toBe(1);
    expect(out.endsWith(ALT_SCREEN_LEAVE + CURSOR_SHOW)).toBe(true);
  });

  // A real process: the guard must restore the terminal on a signal and on a crash.
  const dir = mkdtempSync(path.join(tmpdir(), 'altscreen-'));
  const source = path.join(dir, 'guard.ts');
  const script = path.join(dir, 'guard.mjs');
  const mod = path.resolve('src/terminal/altscreen.ts');
  writeFileSync(
    source,
    `import { enterAltScreen, installExitGuards } from ${JSON.stringify(mod)};
     enterAltScreen(process.stdout);
     installExitGuards(process.stdout);
     process.stdout.write('READY\\n');
     if (process.argv[2] === 'crash') setTimeout(() => { throw new Error('boom postgres://u:hunter2@h/d'); }, 10);
     else setInterval(() => {}, 1000);`,
  );
  // Bundled and run with plain node: no loader in between that handles signals itself.
  buildSync({ entryPoints: [source], outfile: script, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' });
  const run = (arg: string, signal?: NodeJS.Signals): Promise<{ code: number | null; out: string; err: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [script, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      let sent = false;
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (signal && !sent && out.includes('READY')) {
          sent = true;
          child.kill(signal);
        }
      });
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, out, err }));
    });

  it('restores the terminal on SIGTERM and exits 143', async () => {
    const r = await run('wait', 'SIGTERM');
    expect(r.out.startsWith(ALT_SCREEN_ENTER)).toBe(true);
    expect(r.out).toContain(ALT_SCREEN_LEAVE + CURSOR_SHOW);
    expect(r.code).toBe(143);
  });

  it('restores the terminal on an uncaught error, exits 1, masks secrets in the message', async () => {
    const r = await run('crash');
    expect(r.out).toContain(ALT_SCREEN_LEAVE + CURSOR_SHOW);
    expect(r.code).toBe(1);
    expect(r.err).toContain('boom');
    expect(r.err).not.toContain('hunter2');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
});
