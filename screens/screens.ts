// The screen table: every screen of the console is one entry here (id, breadcrumb title, keymap
// scopes, component, and the environment actions that open it). Adding a screen is adding an entry
// (and its component); the frame, help, footer, keymap conflict check and the fleet/environment
// action keys all read this table.
import { defineEnvAction, defineScreen, lazyScreen, type ScreenDef } from './registry.js';
import type { AppStore } from '../src/store/app.js';
import { Fleet } from './Fleet.js';
import { Zones } from './Zones.js';
import { openAppLogs } from './logs/open.js';
import { openRestore } from './restore/open.js';
import { confirmBackup, readOnly, readOnlyWhy } from './actions.js';
import { envRisk } from '../src/domain/helpers.js';
import { detectUnicode } from '../src/terminal/capabilities.js';

// The first frame shows the fleet: every other screen's module (and what only it uses: the log
// buffer and query, the charts, the wizards) is imported when the fleet's rows are drawn, or when it
// is opened first (screens/registry.ts preloadScreens; scripts/bundle.mjs checks the first frame).
const fromMore = (name: keyof typeof import('./more.js')) => lazyScreen(() => import('./more.js').then((m) => m[name]));
const Environment = fromMore('Environment');
const Jobs = fromMore('Jobs');
const Help = fromMore('Help');
const Metrics = fromMore('Metrics');
const Local = fromMore('Local');
const FleetWide = fromMore('FleetWide');
const Domains = fromMore('Domains');
const Services = fromMore('Services');
const Deploy = fromMore('Deploy');
const Backups = fromMore('Backups');
const Purge = fromMore('Purge');
const Logs = fromMore('Logs');
const DeploymentLog = fromMore('DeploymentLog');
const Releases = fromMore('Releases');
const Variables = fromMore('Variables');
const RestoreWizard = fromMore('RestoreWizard');

/** Changes upstream: not for a read-only token or session. */
const writes = (store: AppStore, ids: string[]): Record<string, string> => (readOnly(store) ? Object.fromEntries(ids.map((id) => [id, readOnlyWhy(store)])) : {});
// (deploy, restore and purge open their screens, which a read-only token may look at; they refuse inside)
const ENV_WRITES = ['env.backup'];

export const SCREENS: readonly ScreenDef[] = [
  { id: 'fleet', title: 'fleet', scopes: ['global', 'list', 'rows', 'copy', 'target', 'fleet'], component: Fleet, unavailable: (store) => writes(store, ENV_WRITES) },
  { id: 'env', title: 'environment', scopes: ['global', 'list', 'rows', 'copy', 'target', 'env'], component: Environment, unavailable: (store) => writes(store, ENV_WRITES) },
  { id: 'jobs', title: 'jobs', scopes: ['global', 'list', 'copy', 'jobs'], component: Jobs },
  { id: 'help', title: (p) => `help${p.for ? ' (' + p.for + ')' : ''}`, scopes: ['global', 'list'], component: Help },
  {
    id: 'logs',
    title: (p) => (p.labels ? `logs (${p.labels.split(',').length} merged)` : 'logs'),
    scopes: ['global', 'list', 'rows', 'copy', 'logs'],
    component: Logs,
    opens: { 'env.logs': true, 'env.logsAll': ({ store, target }) => openAppLogs(store, target) },
  },
  { id: 'releases', title: 'deployments', scopes: ['global', 'list', 'rows', 'copy', 'releases'], component: Releases, opens: { 'env.deployments': true } },
  { id: 'deployments', title: 'deployment log', scopes: ['global', 'list', 'deployments'], component: DeploymentLog },
  {
    id: 'vars',
    title: 'variables',
    scopes: ['global', 'list', 'rows', 'vars'],
    modes: { form: ['global', 'list', 'wizard', 'form'] },
    mode: (v) => (v.varForm ? 'form' : null),
    component: Variables,
    opens: { 'env.vars': true },
  },
  {
    id: 'deploy',
    title: 'deploy',
    scopes: ['global', 'list', 'rows', 'deploy'],
    component: Deploy,
    opens: { 'env.deploy': true },
    // "deploy live" promotes a test deploy: not on live itself
    unavailable: (store, route) => ({ ...(envRisk(route.params.slug ?? '') === 'live' ? { 'deploy.promote': 'this is live' } : {}), ...writes(store, ['deploy.start', 'deploy.promote']) }),
  },
  {
    id: 'backups',
    title: 'backups',
    scopes: ['global', 'list', 'rows', 'copy', 'backups'],
    modes: { form: ['global', 'list', 'wizard', 'form'] },
    mode: (v) => (v.backupForm ? 'form' : null),
    component: Backups,
    opens: { 'env.backups': true },
  },
  {
    id: 'restore',
    title: 'restore',
    scopes: ['global', 'list', 'wizard'],
    modes: { backup: ['global', 'list', 'wizard', 'pick'], what: ['global', 'list', 'wizard', 'parts'], confirm: ['global', 'wizard'], progress: ['global'] },
    mode: (v) => v.restore?.step ?? 'backup',
    component: RestoreWizard,
    opens: { 'env.restore': ({ store, target }) => openRestore(store, { ...target }) },
  },
  {
    id: 'purge',
    title: 'CDN purge',
    scopes: ['global', 'list', 'rows', 'purge'],
    modes: { form: ['global', 'wizard', 'purge'] },
    mode: (v) => (v.purgeForm ? 'form' : null),
    component: Purge,
    opens: { 'env.purge': true },
  },
  { id: 'services', title: 'services', scopes: ['global', 'list', 'rows', 'copy', 'target'], component: Services, opens: { 'env.services': true } },
  { id: 'metrics', title: 'metrics', scopes: ['global', 'metrics'], component: Metrics, opens: { 'env.metrics': true } },
  { id: 'fleet-wide', title: (p) => `${p.kind === 'deployments' ? 'deployments' : 'backups'} (fleet)`, scopes: ['global', 'list', 'rows', 'copy', 'target'], component: FleetWide },
  { id: 'domains', title: 'domains (fleet)', scopes: ['global', 'list', 'rows', 'copy', 'target'], component: Domains },
  { id: 'local', title: (p) => `local${p.project ? ` ${p.project}` : ''}`, scopes: ['global', 'list', 'rows', 'local'], component: Local },
  { id: 'zones', title: 'zones', scopes: ['global', 'list', 'rows'], component: Zones },
];

for (const s of SCREENS) defineScreen(s);
// environment actions that are not a screen
defineEnvAction('env.ssh', async ({ store, target }) => {
  const { sshInto } = await import('./ssh.js');
  await sshInto(store, target, { unicode: detectUnicode() });
});
defineEnvAction('env.backup', confirmBackup);
