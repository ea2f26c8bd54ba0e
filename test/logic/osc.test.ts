// The console's own terminal sequences (bell, OSC 9/777 notifications, OSC 52 clipboard, OSC 8 links):
// what is chosen for which terminal, tmux passthrough, and that no text can end a sequence early.
import { describe, expect, test } from 'vitest';
import { clipboardSequence, desktopNotification, detectDesktop, hyperlink, notifySettings, passthrough } from '../../src/terminal/osc.js';
import { jobEnded, jobNotice, lookingAt } from '../../src/store/jobnotice.js';
import { sanitize } from '../../src/domain/text.js';
import type { Job } from '../../src/domain/index.js';

describe('notification settings', () => {
  test('the protocol follows the terminal', () => {
    expect(detectDesktop({ TERM_PROGRAM: 'iTerm.app' })).toBe('osc9');
    expect(detectDesktop({ TERM_PROGRAM: 'tmux', LC_TERMINAL: 'iTerm2' })).toBe('osc9');
    expect(detectDesktop({ TERM: 'xterm-kitty' })).toBe('osc9');
    expect(detectDesktop({ TERM: 'rxvt-unicode-256color' })).toBe('osc777');
    expect(detectDesktop({ TERM: 'xterm-256color', VTE_VERSION: '7600' })).toBe('osc777');
    expect(detectDesktop({ TERM: 'xterm-256color' })).toBeNull();
  });

  test('off with DIVIO_TUI_NO_NOTIFY or CI; CI=false does not count; the config decides the rest', () => {
    const iterm = { TERM_PROGRAM: 'iTerm.app' };
    expect(notifySettings({ ...iterm, DIVIO_TUI_NO_NOTIFY: '1' })).toMatchObject({ bell: false, desktop: null });
    expect(notifySettings({ ...iterm, CI: 'true' })).toMatchObject({ bell: false, desktop: null });
    expect(notifySettings({ ...iterm, CI: 'false' })).toMatchObject({ bell: true, desktop: 'osc9' });
    expect(notifySettings({ ...iterm, DIVIO_TUI_NO_NOTIFY: '0' })).toMatchObject({ bell: true, desktop: 'osc9' });
    expect(notifySettings(iterm, { desktop: 'off', bell: false })).toMatchObject({ bell: false, desktop: null });
    expect(notifySettings({ TERM: 'xterm' }, { desktop: 'osc777' })).toMatchObject({ desktop: 'osc777' });
  });
});

describe('sequences', () => {
  test('OSC 9 and OSC 777; inside tmux wrapped in DCS passthrough with ESC doubled', () => {
    expect(desktopNotification('osc9', 'divio-tui', 'deploy shop@test succeeded', {})).toBe('\x1b]9;divio-tui: deploy shop@test succeeded\x07');
    expect(desktopNotification('osc777', 'divio-tui', 'backup a@b failed', {})).toBe('\x1b]777;notify;divio-tui;backup a@b failed\x07');
    expect(desktopNotification('osc9', 't', 'x', { TMUX: '/tmp/tmux-0/default,1,0' })).toBe('\x1bPtmux;\x1b\x1b]9;t: x\x07\x1b\\');
    expect(passthrough('\x1b]52;c;YQ==\x07', {})).toBe('\x1b]52;c;YQ==\x07');
  });

  test('text cannot end the sequence early or smuggle another one', () => {
    const seq = desktopNotification('osc9', 'divio-tui', 'evil\x07\x1b]52;c;AAAA\x07\x1b\\ \u009d', {});
    // exactly one OSC, ended by the one BEL at the end
    expect(seq.match(/\x1b/g)).toHaveLength(1);
    expect(seq.indexOf('\x07')).toBe(seq.length - 1);
    expect(seq).not.toMatch(/[\x80-\x9f]/);
  });

  test('OSC 52 carries base64 of the text, wrapped in tmux; too long is refused', () => {
    expect(clipboardSequence('shop@live https://x', {})).toBe(`\x1b]52;c;${Buffer.from('shop@live https://x').toString('base64')}\x07`);
    expect(clipboardSequence('a', { TMUX: '1' })).toBe('\x1b]52;c;YQ==\x07\x1bPtmux;\x1b\x1b]52;c;YQ==\x07\x1b\\');
    expect(clipboardSequence('x'.repeat(100_000), {})).toBeNull();
  });

  test('OSC 8 only for http(s) URLs; the sanitiser removes links coming from upstream', () => {
    expect(hyperlink('https://shop.example.com/', 'shop')).toBe('\x1b]8;;https://shop.example.com/\x07shop\x1b]8;;\x07');
    expect(hyperlink('javascript:alert(1)', 'x')).toBe('x');
    expect(hyperlink('https://a\x1b]52;c;AA\x07', 'x')).toBe('x');
    expect(sanitize(`see ${hyperlink('https://evil.example/', 'here')}`)).toBe('see here');
  });
});

function job(p: Partial<Job>): Job {
  return { id: 'j1', kind: 'deploy', idempotencyKey: 'k', state: 'running', target: 'shop@test', app: 'shop', env: 'test', params: {}, percent: null, stage: null, steps: [], createdAt: 1, updatedAt: 1, endedAt: null, error: null, result: null, upstreamId: null, ...p };
}

describe('when a job ends', () => {
  test('only a transition seen by this console counts', () => {
    expect(jobEnded(job({}), job({ state: 'succeeded' }))).toBe(true);
    expect(jobEnded(job({ state: 'queued' }), job({ state: 'failed' }))).toBe(true);
    expect(jobEnded(undefined, job({ state: 'succeeded' }))).toBe(false); // already over when first seen
    expect(jobEnded(job({ state: 'succeeded' }), job({ state: 'succeeded' }))).toBe(false);
    expect(jobEnded(job({ actor: 'upstream' }), job({ state: 'succeeded', actor: 'upstream' }))).toBe(false); // found running at start
  });

  test('looking at it: the jobs tray or a view of its environment', () => {
    const j = job({ state: 'failed', error: 'release command failed' });
    expect(lookingAt({ screen: 'jobs', params: {} }, j)).toBe(true);
    expect(lookingAt({ screen: 'deploy', params: { app: 'shop', slug: 'test', env: 'u' } }, j)).toBe(true);
    expect(lookingAt({ screen: 'logs', params: { app: 'shop', slug: 'live', env: 'u' } }, j)).toBe(false);
    expect(lookingAt({ screen: 'fleet', params: {} }, j)).toBe(false);
    expect(jobNotice(j, { screen: 'fleet', params: {} })).toMatchObject({ looking: false, ok: false, body: 'deploy shop@test failed: release command failed' });
  });
});
