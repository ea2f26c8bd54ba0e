// Opening the restore wizard (key R, or a backup's "restore" on the backups screen): the route and a
// fresh wizard state, without the wizard's module (the first frame does not load it).
import type { AppStore } from '../../src/store/app.js';
import { readOnly, readOnlyText } from '../actions.js';

/** Open the wizard (from an environment, optionally with a backup chosen). */
export function openRestore(store: AppStore, params: Record<string, string>): void {
  if (readOnly(store)) store.toast(readOnlyText(store), 'warn');
  store.push('restore', params);
  // a fresh wizard each time it is opened
  store.updateView({ restore: undefined }, store.viewKey());
}
