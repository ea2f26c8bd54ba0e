// Registers the action screens (deploy cockpit, backups, restore wizard, CDN purge) and the
// environment actions that are handlers rather than screens (ssh, restore opens a fresh wizard).
import { registerEnvAction, registerScreen } from './registry.js';
import { SCREEN_SCOPES } from '../src/config/keymap.js';
import { Deploy } from './Deploy.js';
import { Backups } from './Backups.js';
import { Purge } from './Purge.js';
import { RestoreWizard, openRestore } from './restore/RestoreWizard.js';
import { sshInto } from './ssh.js';
import { detectUnicode } from '../src/terminal/capabilities.js';

let done = false;
export function registerActionScreens(): void {
  if (done) return;
  done = true;
  registerScreen({ id: 'deploy', title: 'deploy', scopes: SCREEN_SCOPES.deploy!, component: Deploy });
  registerScreen({ id: 'backups', title: 'backups', scopes: SCREEN_SCOPES.backups!, component: Backups });
  registerScreen({ id: 'restore', title: 'restore', scopes: SCREEN_SCOPES.restore!, component: RestoreWizard });
  registerScreen({ id: 'purge', title: 'CDN purge', scopes: SCREEN_SCOPES.purge!, component: Purge });
  registerEnvAction('env.restore', ({ store, target }) => openRestore(store, { ...target }));
  registerEnvAction('env.ssh', async ({ store, target }) => {
    await sshInto(store, target, { unicode: detectUnicode() });
  });
}
