// The confirmation dialog's keys (pure): y confirms a plain dialog, a typed confirmation needs the
// word (the environment's APP@ENV) typed exactly, n / Esc / q cancel. Keys arrive as keymap actions
// (`act`, looked up in DIALOG_SCOPES: dialog.yes, dialog.no, wizard.next, app.back, app.quit), so a
// remapped key changes the behaviour as well as what the dialog says; in a typed confirmation a
// printable key is text (q may be in the name). The dialog's spec and its input live in the store.
import { editText } from './textinput.js';
import { isTextKey } from './forms.js';

export interface DialogSpec {
  title: string;
  lines: string[];
  /** Typed confirmation: the user must type exactly this (e.g. the environment slug). */
  confirmWord?: string;
  /** Red styling: production or irreversible. */
  danger?: boolean;
  confirmLabel?: string;
  /** Only `y` confirms: the dialog was opened with Enter, so a second Enter must not confirm it. */
  yOnly?: boolean;
  onConfirm: () => void | Promise<void>;
}

/** What the open dialog holds: the text typed so far (typed confirmation) and the last refusal. */
export interface DialogInput {
  typed: string;
  error: string | null;
}

export const NO_DIALOG_INPUT: DialogInput = { typed: '', error: null };

/** confirm: close the dialog and run its onConfirm; close: close it, nothing runs. */
export type DialogEffect = { type: 'confirm' } | { type: 'close' } | null;

/** How an action's key is named in what the dialog says ("y", "⏎", "ctrl-g"). */
export type KeyName = (action: string) => string;

/** The longest confirmation text kept (characters). */
const TYPED_MAX = 100;

/** One key, handled against the dialog's current input. */
export function dialogKey(spec: DialogSpec, s: DialogInput, act: string | null, key: string | null, input: string, k: KeyName): { state: DialogInput; effect: DialogEffect } {
  if (spec.confirmWord !== undefined) {
    const text = isTextKey(key, input);
    if (!text && act === 'app.back') return { state: s, effect: { type: 'close' } };
    if (!text && act === 'wizard.next') {
      if (s.typed === spec.confirmWord) return { state: s, effect: { type: 'confirm' } };
      return { state: { ...s, error: `type "${spec.confirmWord}" exactly to confirm (${k('app.back')} cancels)` }, effect: null };
    }
    const typed = editText(s.typed, key, input, TYPED_MAX);
    return { state: typed === null ? s : { ...s, typed }, effect: null };
  }
  if (act === 'dialog.yes' || (act === 'wizard.next' && !spec.yOnly)) return { state: s, effect: { type: 'confirm' } };
  if (act === 'wizard.next') {
    return {
      state: { ...s, error: `press ${k('dialog.yes')} to ${spec.confirmLabel ?? 'confirm'} (${k('wizard.next')} does not confirm this one), ${k('dialog.no')} or ${k('app.back')} cancels` },
      effect: null,
    };
  }
  if (act === 'dialog.no' || act === 'app.back' || act === 'app.quit') return { state: s, effect: { type: 'close' } };
  return { state: s, effect: null };
}
