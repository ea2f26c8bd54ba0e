// What an environment action key does: the screen table's entry that opens it, or the handler
// defined for it (screens/screens.ts). Creating a backup asks first (it is no screen).
import { keyWordOf, type AppStore } from '../src/store/app.js';
import { getEnvAction, type ActionContext, type EnvTarget } from './registry.js';
import type { FleetRow } from '../src/domain/index.js';

export function readOnly(store: AppStore): boolean {
  const w = store.getState().welcome;
  return !!w && (w.readOnly || w.role === 'viewer');
}

/** Why this session may not change anything: a viewer token, or a gateway started with --read-only. */
export function readOnlyText(store: AppStore): string {
  const w = store.getState().welcome;
  if (w && w.role === 'viewer' && !w.readOnly) return 'read-only: this gateway token may look but not change anything (ask for an operator token)';
  return 'read-only: started with --read-only, this session changes nothing';
}

/** The same in two words, beside a key that cannot act (`D deploy (read-only token)`). */
export function readOnlyWhy(store: AppStore): string {
  const w = store.getState().welcome;
  return w && w.role === 'viewer' && !w.readOnly ? 'read-only token' : 'read-only session';
}

export function runEnvAction(store: AppStore, actionId: string, target: EnvTarget, row?: FleetRow): void {
  const handler = getEnvAction(actionId);
  if (!handler) {
    store.toast(`${actionId} for ${target.app}@${target.slug}: not available in this version`, 'info');
    return;
  }
  void Promise.resolve()
    .then(() => handler({ store, target, row }))
    .catch((e: unknown) => store.toast(`${actionId}: ${e instanceof Error ? e.message : String(e)}`, 'error'));
}

/** B on an environment: a confirmation, then the backup job (progress in the jobs tray). */
export function confirmBackup({ store, target }: ActionContext): void {
  if (readOnly(store)) {
    store.toast('read-only: this gateway token cannot create backups', 'warn');
    return;
  }
  store.openDialog({
    title: `Create a backup of ${target.app}@${target.slug}?`,
    lines: ['All services of the environment (database and media).', `Progress shows in the jobs tray (${keyWordOf(store, 'app.jobs', 'J')}).`],
    confirmLabel: 'back up',
    onConfirm: () => void store.runCommand('backup', { env: target.env }),
  });
}
