// Every typed field edits text the same way, as in a shell: Ctrl-U clears, Ctrl-W deletes the last
// word, Backspace one character (a whole emoji, not half of it).
import { describe, expect, test } from 'vitest';
import { editText } from '../../src/store/textinput.js';
import { initialRestore, restoreKey, type RestoreCtx, type RestoreState } from '../../src/store/restore.js';
import { inputKeys, keyFromInk } from '../../src/config/keymap.js';
import { buildKeymap } from '../../src/config/keymap.js';

/** The keymap action of a key in the restore wizard (default keys). */
const wizardKeys = buildKeymap();
const wizardAct = (key: string): string | null => wizardKeys.lookup(key, ['global', 'list', 'wizard']);

describe('editText', () => {
  test('typing, space, Backspace', () => {
    expect(editText('shop', 'a', 'a')).toBe('shopa');
    expect(editText('shop', '+', '+')).toBe('shop+'); // a "+" is a character, not a modifier
    expect(editText('shop', 'space', ' ')).toBe('shop ');
    expect(editText('shop', 'backspace', '')).toBe('sho');
    expect(editText('ok 👍', 'backspace', '')).toBe('ok ');
    expect(editText('', 'backspace', '')).toBe('');
    expect(editText('abc', 'd', 'd', 3)).toBe('abc');
  });

  test('Ctrl-U clears the line; Ctrl-W deletes the word before the end and the blanks after it', () => {
    expect(editText('shop@live now', 'ctrl+u', 'u')).toBe('');
    expect(editText('deploy shop@live', 'ctrl+w', 'w')).toBe('deploy ');
    expect(editText('deploy shop@live  ', 'ctrl+w', 'w')).toBe('deploy ');
    expect(editText('deploy ', 'ctrl+w', 'w')).toBe('');
    expect(editText('shop@live', 'ctrl+w', 'w')).toBe('');
    expect(editText('', 'ctrl+w', 'w')).toBe('');
  });

  test('keys that do not edit text are left to the field', () => {
    for (const k of ['enter', 'esc', 'tab', 'up', 'down', 'ctrl+l', 'ctrl+c', 'meta+b']) expect(editText('x', k, k === 'ctrl+l' ? 'l' : '')).toBeNull();
    expect(editText('x', null, '\x1b[A')).toBeNull();
  });

  test('a chunk of keys (typed faster than a frame) keeps its Ctrl-U and Ctrl-W', () => {
    let t = '';
    for (const k of inputKeys('', 'wrong words\x17right\x15shop@test', {}, () => false)) t = editText(t, keyFromInk(k.input, k.key), k.input) ?? t;
    expect(t).toBe('shop@test');
  });
});

describe('restore wizard, last step', () => {
  const envs = [
    { uuid: 'L', slug: 'live', application: 'a' },
    { uuid: 'T', slug: 'test', application: 'a' },
  ];
  const ctx: RestoreCtx = { now: 0, backups: [], environments: envs, readOnly: false, app: 'shop' };
  test('Ctrl-W and Ctrl-U edit the typed confirmation', () => {
    let s: RestoreState = { ...initialRestore('L'), step: 'confirm', backup: 'B', selected: ['S1'], dest: 'T', safety: false, typed: 'shop@live oops' };
    s = restoreKey(s, wizardAct('ctrl+w'), 'ctrl+w', 'w', ctx).state;
    expect(s.typed).toBe('shop@live ');
    s = restoreKey(s, wizardAct('ctrl+u'), 'ctrl+u', 'u', ctx).state;
    expect(s.typed).toBe('');
    expect(s.step).toBe('confirm');
  });
});
