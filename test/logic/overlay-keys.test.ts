// The dialog's and the palette's keys as pure functions of their input in the store (dialogKey,
// paletteKey): typing, Backspace, a pasted chunk, cancel, Enter refused with the reason, Enter
// accepted with its effect — with the default keymap and with a remapped one. Keys go in as the
// frame sends them: the canonical key, its keymap action in the box's scopes, the raw text.
import { describe, expect, it } from 'vitest';
import { buildKeymap, charKey, DIALOG_SCOPES, inputKeys, keyFromInk, keyOf, PALETTE_SCOPES, type Keymap } from '../../src/config/keymap.js';
import { dialogKey, NO_DIALOG_INPUT, type DialogInput, type DialogSpec } from '../../src/store/dialog.js';
import { EMPTY_PALETTE_INPUT, paletteKey, type PaletteCtx, type PaletteEffect, type PaletteInput } from '../../src/store/palette.js';
import { sampleFleet } from '../ui/fake.js';

/** The keys of one read of the terminal, as the frame splits them: [canonical key, raw text]. */
function keysOf(read: string): Array<[string | null, string]> {
  // Ink parses the escape sequences: Esc and the arrows arrive as one key each
  const seq: Record<string, string> = { '\x1b': 'esc', '\x1b[A': 'up', '\x1b[B': 'down' };
  if (seq[read]) return [[seq[read]!, '']];
  const [input, key] = read.length === 1 ? charKey(read) : [read, {}];
  return inputKeys(read, input, key, () => false).map((k) => [keyFromInk(k.input, k.key), k.input]);
}

function typeDialog(spec: DialogSpec, km: Keymap, reads: string[], from: DialogInput = NO_DIALOG_INPUT): { state: DialogInput; effects: string[] } {
  let state = from;
  const effects: string[] = [];
  for (const read of reads) {
    for (const [key, input] of keysOf(read)) {
      const r = dialogKey(spec, state, key ? km.lookup(key, DIALOG_SCOPES) : null, key, input, (a) => keyOf(km, a, false));
      state = r.state;
      if (r.effect) effects.push(r.effect.type);
    }
  }
  return { state, effects };
}

const live: DialogSpec = { title: 'Deploy shop@live?', lines: [], confirmWord: 'shop@live', danger: true, confirmLabel: 'deploy', onConfirm: () => {} };
const plain: DialogSpec = { title: 'Create a backup?', lines: [], confirmLabel: 'back up', onConfirm: () => {} };
const km = buildKeymap();

describe('dialogKey: a typed confirmation', () => {
  it('types text (q and y included: they are text here), Backspace deletes, a pasted chunk counts every character', () => {
    expect(typeDialog(live, km, ['s', 'h', 'o', 'p', 'q']).state.typed).toBe('shopq');
    expect(typeDialog(live, km, ['s', 'h', 'x', '\x7f']).state.typed).toBe('sh');
    // one read holding the whole word (a paste), split by the frame; and as one chunk of text
    expect(typeDialog(live, km, ['shop@live']).state.typed).toBe('shop@live');
    expect(dialogKey(live, NO_DIALOG_INPUT, null, null, 'shop@live', (a) => a).state.typed).toBe('shop@live');
    // Ctrl-U clears the line
    expect(typeDialog(live, km, ['shop', '\x15']).state.typed).toBe('');
    expect(typeDialog(live, km, ['y', 'n']).effects).toEqual([]);
  });

  it('Enter with the wrong text is refused with the reason and confirms nothing; the right text confirms', () => {
    const wrong = typeDialog(live, km, ['shop@test', '\r']);
    expect(wrong.effects).toEqual([]);
    expect(wrong.state).toEqual({ typed: 'shop@test', error: 'type "shop@live" exactly to confirm (esc cancels)' });
    const fixed = typeDialog(live, km, ['\x7f'.repeat(4), 'live', '\r'], wrong.state);
    expect(fixed.effects).toEqual(['confirm']);
    expect(typeDialog(live, km, ['shop@live\r']).effects).toEqual(['confirm']);
  });

  it('Esc cancels, whatever was typed', () => {
    expect(typeDialog(live, km, ['shop@l', '\x1b']).effects).toEqual(['close']);
  });

  it('remapped (wizard.next ctrl+g, app.back ctrl+x): Enter and Esc are inert, ctrl+g confirms, ctrl+x cancels, the refusal names ctrl-x', () => {
    const re = buildKeymap({ 'wizard.next': 'ctrl+g', 'app.back': 'ctrl+x' });
    const inert = typeDialog(live, re, ['shop@live', '\r', '\x1b']);
    expect(inert.effects).toEqual([]);
    expect(inert.state.typed).toBe('shop@live');
    expect(typeDialog(live, re, ['\x07'], inert.state).effects).toEqual(['confirm']);
    expect(typeDialog(live, re, ['shop', '\x07']).state.error).toBe('type "shop@live" exactly to confirm (ctrl-x cancels)');
    expect(typeDialog(live, re, ['shop', '\x18']).effects).toEqual(['close']);
  });
});

describe('dialogKey: a plain confirmation', () => {
  it('y or Enter confirm; n, Esc and q cancel; other keys do nothing', () => {
    for (const k of ['y', 'Y', '\r']) expect(typeDialog(plain, km, [k]).effects).toEqual(['confirm']);
    for (const k of ['n', 'N', '\x1b', 'q']) expect(typeDialog(plain, km, [k]).effects).toEqual(['close']);
    expect(typeDialog(plain, km, ['j', 'x', ' ', '\t'])).toEqual({ state: NO_DIALOG_INPUT, effects: [] });
  });

  it('opened with Enter (yOnly): a second Enter is refused and says which key confirms', () => {
    const r = typeDialog({ ...plain, yOnly: true }, km, ['\r']);
    expect(r.effects).toEqual([]);
    expect(r.state.error).toBe('press y to back up (enter does not confirm this one), n or esc cancels');
    expect(typeDialog({ ...plain, yOnly: true }, km, ['y']).effects).toEqual(['confirm']);
  });

  it('remapped (dialog.yes ctrl+y, dialog.no ctrl+d): y and n are inert, the new keys act', () => {
    const re = buildKeymap({ 'dialog.yes': 'ctrl+y', 'dialog.no': 'ctrl+d' });
    expect(typeDialog(plain, re, ['y', 'n']).effects).toEqual([]);
    expect(typeDialog(plain, re, ['\x19']).effects).toEqual(['confirm']);
    expect(typeDialog(plain, re, ['\x04']).effects).toEqual(['close']);
    expect(typeDialog({ ...plain, yOnly: true }, re, ['\r']).state.error).toBe('press ctrl-y to back up (enter does not confirm this one), ctrl-d or esc cancels');
  });
});

const ctx: PaletteCtx = { history: ['env shop@test', 'logs blog@live'], rows: sampleFleet(), zones: [] };

function typePalette(reads: string[], keymap: Keymap = km, from: PaletteInput = EMPTY_PALETTE_INPUT, c: PaletteCtx = ctx): { state: PaletteInput; effects: NonNullable<PaletteEffect>[] } {
  let state = from;
  const effects: NonNullable<PaletteEffect>[] = [];
  for (const read of reads) {
    for (const [key, input] of keysOf(read)) {
      const r = paletteKey(state, key ? keymap.lookup(key, PALETTE_SCOPES) : null, key, input, c);
      state = r.state;
      if (r.effect) effects.push(r.effect);
    }
  }
  return { state, effects };
}

describe('paletteKey', () => {
  it('types text (k, j and q too: bound elsewhere, text here), Backspace deletes, a pasted chunk counts every character', () => {
    expect(typePalette(['j', 'o', 'b', 's']).state.text).toBe('jobs');
    expect(typePalette(['q', 'k', '\x7f']).state.text).toBe('q');
    expect(typePalette(['env shop@live']).state.text).toBe('env shop@live');
    expect(paletteKey(EMPTY_PALETTE_INPUT, null, null, 'env shop@live', ctx).state.text).toBe('env shop@live');
    expect(typePalette(['env shop', '\x17']).state.text).toBe('env ');
  });

  it('Esc closes and empties the line', () => {
    expect(typePalette(['env sh', '\x1b'])).toEqual({ state: EMPTY_PALETTE_INPUT, effects: [{ type: 'close' }] });
  });

  it('Enter on a line that is no command is refused with the reason, the line kept; the next key clears the reason', () => {
    const r = typePalette(['xyzzy', '\r']);
    expect(r.effects).toEqual([]);
    expect(r.state.text).toBe('xyzzy');
    expect(r.state.error).toMatch(/^unknown command "xyzzy" \(try: fleet, jobs/);
    const next = typePalette(['\x7f'], km, r.state);
    expect(next.state).toMatchObject({ text: 'xyzz', error: null });
    expect(typePalette(['logs', '\r']).state.error).toBe('logs needs a target: logs APP@ENV [--since 2h]');
  });

  it('Enter runs the line: the parsed command and the text for the history', () => {
    const r = typePalette(['env shop@live \r']);
    expect(r.state).toEqual(EMPTY_PALETTE_INPUT);
    expect(r.effects).toHaveLength(1);
    const e = r.effects[0]!;
    expect(e.type === 'run' && { name: e.command.command.name, target: e.command.target, text: e.text }).toEqual({ name: 'env', target: { app: 'shop', env: 'live' }, text: 'env shop@live' });
    // a start of a command runs its first completion when that is a whole command
    const f = typePalette(['fle\r']).effects[0]!;
    expect(f.type === 'run' && f.text).toBe('fleet');
  });

  it('Tab puts the next completion into the line and Enter runs the one chosen', () => {
    const one = typePalette(['env blog@', '\t']);
    expect(one.state.sel).toBe(0);
    expect(one.state.text).toMatch(/^env blog@(live|test)$/);
    const run = typePalette(['\r'], km, one.state).effects[0]!;
    expect(run.type === 'run' && run.text).toBe(one.state.text);
    // nothing to complete: Tab does nothing
    expect(typePalette(['xyzzy', '\t']).state).toEqual({ ...EMPTY_PALETTE_INPUT, text: 'xyzzy' });
  });

  it('↑ and ↓ walk the history, newest first; typing leaves it', () => {
    const up = typePalette(['\x1b[A']);
    expect(up.state).toMatchObject({ text: 'logs blog@live', hist: 0 });
    const up2 = typePalette(['\x1b[A', '\x1b[A'], km, up.state);
    expect(up2.state).toMatchObject({ text: 'env shop@test', hist: 1 });
    expect(typePalette(['\x1b[B'], km, up2.state).state).toMatchObject({ text: 'logs blog@live', hist: 0 });
    expect(typePalette(['x'], km, up.state).state).toMatchObject({ text: 'logs blog@livex', hist: -1 });
    expect(typePalette(['\x1b[A'], km, EMPTY_PALETTE_INPUT, { ...ctx, history: [] }).state).toEqual(EMPTY_PALETTE_INPUT);
  });

  it('remapped (wizard.next ctrl+g, app.back ctrl+x, palette.complete ctrl+t): Enter, Esc and Tab are inert, the new keys act', () => {
    const re = buildKeymap({ 'wizard.next': 'ctrl+g', 'app.back': 'ctrl+x', 'palette.complete': 'ctrl+t' });
    const inert = typePalette(['env blog@tes', '\r', '\x1b', '\t'], re);
    expect(inert.effects).toEqual([]);
    expect(inert.state).toMatchObject({ text: 'env blog@tes', sel: -1 });
    const done = typePalette(['\x14'], re, inert.state);
    expect(done.state.text).toBe('env blog@test');
    const run = typePalette(['\x07'], re, done.state).effects[0]!;
    expect(run.type === 'run' && run.text).toBe('env blog@test');
    expect(typePalette(['\x18'], re, inert.state).effects).toEqual([{ type: 'close' }]);
  });
});
