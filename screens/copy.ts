// Copy a piece of text to the clipboard (OSC 52, src/terminal/osc.ts through store.services.copy) and
// always show it in the status line too: the fallback where the terminal (or tmux, or an SSH client)
// drops OSC 52, so the text can still be selected by hand.
import type { AppStore } from '../src/store/app.js';

export function copyText(store: AppStore, what: string, text: string | null | undefined): void {
  if (!text) {
    store.toast(`nothing to copy: no ${what} here`, 'info');
    return;
  }
  const shown = text.replace(/\s*\n\s*/g, ' ');
  const r = store.services.copy?.(text) ?? { sent: false as const, reason: 'no terminal' };
  if (!r.sent) store.toast(`${what} not copied (${r.reason}): ${shown}`, 'warn');
  else if (r.likely) store.toast(`copied ${what}: ${shown}`, 'ok');
  // the text first, so that as much of it as the line holds can be selected; the caveat after it
  else store.toast(`copied ${what}: ${shown}   (OSC 52: if this terminal ignores it, select the text here)`, 'ok');
}
