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

/** A variable name as a shell and Divio's Control Panel accept it. */
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The add/edit form. */
export interface VarForm {
  kind: 'new' | 'edit';
  name: string;
  value: string;
  sensitive: boolean;
  field: 'name' | 'value' | 'sensitive';
  /** edit: the current value is hidden (sensitive, or masked by the gateway) and was not revealed. */
  hiddenBefore?: boolean;
  error?: string | null;
}

/**
 * One key of the variables form. Keys arrive as keymap actions: form.field (and list.down) goes to
 * the next field, list.up to the one before, wizard.toggle flips the sensitive flag, wizard.next
 * submits, app.back cancels. In the name and value fields a printable key is text. Returns the next
 * form, or 'cancel' / 'submit'.
 */
export function varFormKey(f: VarForm, act: string | null, key: string | null, input: string): VarForm | 'cancel' | 'submit' {
  if (f.field === 'sensitive' || !isTextKey(key, input)) {
    if (act === 'app.back') return 'cancel';
    // a new one: the flag before the value, so a secret is masked from its first character
    const fields: VarForm['field'][] = f.kind === 'new' ? ['name', 'sensitive', 'value'] : ['value', 'sensitive'];
    if (act === 'form.field' || act === 'list.down' || act === 'list.up') {
      const i = fields.indexOf(f.field);
      const next = fields[(i + (act === 'list.up' ? fields.length - 1 : 1)) % fields.length]!;
      return { ...f, field: next, error: null };
    }
    if (act === 'wizard.next') {
      if (!VAR_NAME.test(f.name)) return { ...f, field: 'name', error: 'a name: letters, digits and _, not starting with a digit' };
      return 'submit';
    }
    if (f.field === 'sensitive') return act === 'wizard.toggle' ? { ...f, sensitive: !f.sensitive, error: null } : f;
  }
  const cur = f.field === 'name' ? f.name : f.value;
  const next = editText(cur, key, input, f.field === 'name' ? 255 : 65_536);
  if (next === null) return f;
  return f.field === 'name' ? { ...f, name: next.replace(/[^A-Za-z0-9_]/g, ''), error: null } : { ...f, value: next, error: null };
}
