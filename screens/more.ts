// Every screen but the fleet (and the zones list): one module, imported after the first frame
// (screens/screens.ts). One module, not one per screen: the bundle's first frame then shares fewer,
// larger chunks with them (each chunk is a file read and a module to link at start).
export { Environment } from './Environment.js';
export { Jobs } from './Jobs.js';
export { Help } from './Help.js';
export { Metrics } from './Metrics.js';
export { Local } from './Local.js';
export { FleetWide } from './FleetWide.js';
export { Domains } from './Domains.js';
export { Services } from './Services.js';
export { Deploy } from './Deploy.js';
export { Backups } from './Backups.js';
export { Purge } from './Purge.js';
export { Logs } from './Logs.js';
export { DeploymentLog } from './DeploymentLog.js';
export { Releases } from './Releases.js';
export { Variables } from './Variables.js';
export { RestoreWizard } from './restore/RestoreWizard.js';
