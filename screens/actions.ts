// What an environment action key does. A registered handler or screen wins; deploy and backup have a
// built-in confirmation dialog until the deploy cockpit exists; everything else says it is coming.
import { envRisk } from '../src/domain/console.js';
import type { AppStore } from '../src/store/app.js';
import { getEnvAction, getScreen, type EnvTarget } from './registry.js';
import type { FleetRow } from '../src/domain/index.js';

export const ENV_ACTION_SCREENS: Record<string, string> = {
  'env.logs': 'logs',
  'env.logsAll': 'logs',
  'env.deployments': 'deployments',
  'env.backups': 'backups',
  'env.metrics': 'metrics',
  'env.ssh': 'ssh',
  'env.deploy': 'deploy',
  'env.backup': 'backup',
  'env.restore': 'restore',
  'env.purge': 'purge',
};

const LABEL: Record<string, string> = {
  'env.logs': 'Logs',
  'env.logsAll': 'Merged logs',
  'env.deployments': 'Deployments',
  'env.backups': 'Backups',
  'env.metrics': 'Metrics',
  'env.ssh': 'SSH',
  'env.deploy': 'The deploy cockpit',
  'env.backup': 'Backups',
  'env.restore': 'The restore wizard',
  'env.purge': 'CDN purge',
};

export function readOnly(store: AppStore): boolean {
  const w = store.getState().welcome;
  return !!w && (w.readOnly || w.role === 'viewer');
}

export function runEnvAction(store: AppStore, actionId: string, target: EnvTarget, row?: FleetRow): void {
  const handler = getEnvAction(actionId);
  if (handler) {
    void Promise.resolve()
      .then(() => handler({ store, target, row }))
      .catch((e: unknown) => store.toast(`${actionId}: ${(e as Error).message}`, 'error'));
    return;
  }
  const screen = ENV_ACTION_SCREENS[actionId];
  if (screen && getScreen(screen)) {
    store.push(screen, { ...target });
    return;
  }
  const name = `${target.app}@${target.slug}`;
  if (actionId === 'env.deploy' || actionId === 'env.backup') {
    if (readOnly(store)) {
      store.toast(`read-only: this gateway token cannot ${actionId === 'env.deploy' ? 'deploy' : 'create backups'}`, 'warn');
      return;
    }
    const live = envRisk(target.slug) === 'live';
    if (actionId === 'env.deploy') {
      store.openDialog({
        title: `Deploy ${name}?`,
        lines: [`Build mode AUTO${row?.branch ? `, branch ${row.branch}` : ''}.`, live ? 'This is a LIVE environment.' : 'Progress shows in the jobs tray (J).'],
        danger: live,
        confirmWord: live ? name : undefined,
        confirmLabel: 'deploy',
        onConfirm: () => void store.runCommand('deploy', { env: target.env, buildMode: 'AUTO', ...(live ? { confirm: name } : {}) }),
      });
    } else {
      store.openDialog({
        title: `Create a backup of ${name}?`,
        lines: ['All services of the environment (database and media).', 'Progress shows in the jobs tray (J).'],
        confirmLabel: 'back up',
        onConfirm: () => void store.runCommand('backup', { env: target.env }),
      });
    }
    return;
  }
  store.toast(`${LABEL[actionId] ?? actionId} for ${name}: coming in a later version`, 'info');
}
