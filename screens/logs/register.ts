// Registers the log viewer ('logs'), the deployment log ('deployments') and the L key (every
// environment of the application, merged).
import { registerEnvAction, registerScreen } from '../registry.js';
import { SCREEN_SCOPES } from '../../src/config/keymap.js';
import { Logs } from '../Logs.js';
import { DeploymentLog } from '../DeploymentLog.js';
import { openAppLogs } from './open.js';

let done = false;
export function registerLogScreens(): void {
  if (done) return;
  done = true;
  registerScreen({
    id: 'logs',
    title: (p) => (p.labels ? `logs (${p.labels.split(',').length} merged)` : 'logs'),
    scopes: SCREEN_SCOPES.logs!,
    component: Logs,
  });
  registerScreen({ id: 'deployments', title: 'deployment log', scopes: SCREEN_SCOPES.deployments ?? SCREEN_SCOPES.logs!, component: DeploymentLog });
  registerEnvAction('env.logsAll', ({ store, target }) => openAppLogs(store, target));
}
