// One way to edit every typed text field (command palette, list filter, log filter and search, typed
// confirmations, forms), as in a shell: printable keys append, Backspace deletes a character,
// Ctrl-U clears the line, Ctrl-W deletes the word before the end (and the blanks after it).
// Keys are the canonical names of keyFromInk ('backspace', 'space', 'ctrl+u', 'a', ...).

/**
 * The text after `key`, or null when the key does not edit text (Enter, Esc, Tab, arrows, other
 * Ctrl keys: the field's owner handles those). `max` caps the length (characters).
 */
export function editText(text: string, key: string | null, input: string, max = 1000): string | null {
  if (key === 'backspace') return Array.from(text).slice(0, -1).join('');
  if (key === 'ctrl+u') return '';
  if (key === 'ctrl+w') return text.replace(/\S*\s*$/, '');
  if (key === 'space') return (text + ' ').slice(0, max);
  if (key !== null && (key.startsWith('ctrl+') || key.startsWith('meta+'))) return null;
  if (input && !/[\x00-\x1f\x7f]/.test(input) && (key === null || key.length === 1)) return (text + input).slice(0, max);
  return null;
}
