// Every screen registers here. Add yours with one registerScreen call (see registry.ts).
import { registerScreen } from './registry.js';
import { Fleet } from './Fleet.js';
import { Environment } from './Environment.js';
import { Jobs } from './Jobs.js';
import { Help } from './Help.js';
import { SCREEN_SCOPES } from '../src/config/keymap.js';
import { registerActionScreens } from './actionscreens.js';
import { registerLogScreens } from './logs/register.js';
import { Metrics } from './Metrics.js';
import { Local } from './Local.js';

let done = false;
export function registerBuiltinScreens(): void {
  if (done) return;
  done = true;
  registerScreen({ id: 'fleet', title: 'fleet', scopes: SCREEN_SCOPES.fleet!, component: Fleet });
  registerScreen({ id: 'env', title: 'environment', scopes: SCREEN_SCOPES.env!, component: Environment });
  registerScreen({ id: 'jobs', title: 'jobs', scopes: SCREEN_SCOPES.jobs!, component: Jobs });
  registerScreen({ id: 'help', title: (p) => `help${p.for ? ' (' + p.for + ')' : ''}`, scopes: SCREEN_SCOPES.help!, component: Help });
  registerActionScreens();
  registerLogScreens();
  registerScreen({ id: 'metrics', title: 'metrics', scopes: SCREEN_SCOPES.metrics!, component: Metrics });
  registerScreen({ id: 'local', title: (p) => `local${p.project ? ` ${p.project}` : ''}`, scopes: SCREEN_SCOPES.local!, component: Local });
}
