// The inline forms' state machines (pure): a new backup or a download (Backups), and a purge of a
// customer-owned zone (Purge). Keys arrive as keymap actions (`act`: wizard.next submits,
// wizard.toggle toggles, app.back cancels, list.up/down move, form.field / purge.kind switch), so a
// remapped key changes the behaviour as well as the help. In a text field a printable key is text.
import { editText } from './textinput.js';
import { nextPurgeKind, type PurgeKind } from './purge.js';

/** The inline form for a new backup or a download. */
export interface BackupForm {
  kind: 'create' | 'download';
  /** Service instance uuids (create) or service-instance backup uuids (download). */
  items: { id: string; label: string; size?: number | null }[];
  selected: string[];
  cursor: number;
  /** create: the note (a download always goes to the gateway's download folder, under a name it chooses). */
  text: string;
  field: 'items' | 'text';
  backup?: string;
  error?: string | null;
}

export interface PurgeForm {
  kind: PurgeKind;
  text: string;
  error: string | null;
}

/** A key that types text in a text field (whatever it is bound to elsewhere). */
export function isTextKey(key: string | null, input: string): boolean {
  return key === 'space' || (key !== null && key.length === 1) || (key === null && !!input && !/[\x00-\x1f\x7f]/.test(input));
}

/** One key of the backup form. Returns the next form, or 'cancel' / 'submit'. */
export function backupFormKey(f: BackupForm, act: string | null, key: string | null, input: string): BackupForm | 'cancel' | 'submit' {
  if (f.field === 'text' && isTextKey(key, input)) {
    const text = editText(f.text, key, input, 1000);
    return text === null ? f : { ...f, text };
  }
  if (act === 'app.back') return 'cancel';
  if (act === 'form.field') return f.kind === 'download' ? f : { ...f, field: f.field === 'items' ? 'text' : 'items', error: null };
  if (act === 'wizard.next') {
    if (!f.selected.length) return { ...f, error: f.kind === 'create' ? 'choose at least one service' : 'choose at least one part to download' };
    return 'submit';
  }
  if (f.field === 'items') {
    if (act === 'list.up') return { ...f, cursor: Math.max(0, f.cursor - 1) };
    if (act === 'list.down') return { ...f, cursor: Math.min(f.items.length - 1, f.cursor + 1) };
    if (act === 'wizard.toggle') {
      const it = f.items[f.cursor];
      if (!it) return f;
      return { ...f, error: null, selected: f.selected.includes(it.id) ? f.selected.filter((s) => s !== it.id) : [...f.selected, it.id] };
    }
    return f;
  }
  const text = editText(f.text, key, input, 1000);
  return text === null ? f : { ...f, text };
}

/** One key of the purge form. Returns the next form, or 'cancel' / 'submit'. */
export function purgeFormKey(f: PurgeForm, act: string | null, key: string | null, input: string): PurgeForm | 'cancel' | 'submit' {
  if (!isTextKey(key, input)) {
    if (act === 'app.back') return 'cancel';
    if (act === 'wizard.next') return 'submit';
    if (act === 'purge.kind') return { ...f, kind: nextPurgeKind(f.kind), error: null };
  }
  const text = editText(f.text, key, input, 200_000);
  return text === null ? f : { ...f, text, error: null };
}
