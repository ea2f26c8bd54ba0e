// The table of job kinds: one home per kind (see kind.ts for what a kind is made of).
import type { KindTable } from './kind.js';
import { backupKind } from './backup.js';
import { deployKind } from './deploy.js';
import { downloadKind } from './download.js';
import { localActionKind } from './local.js';
import { cdnClearKind, cloudflarePurgeKind } from './purge.js';
import { restoreKind } from './restore.js';
import { redeployKind } from './redeploy.js';
import { envVarKind } from './envvar.js';

export const KINDS: KindTable = {
  deploy: deployKind,
  redeploy: redeployKind,
  'env-var': envVarKind,
  backup: backupKind,
  restore: restoreKind,
  download: downloadKind,
  'cdn-clear': cdnClearKind,
  'cloudflare-purge': cloudflarePurgeKind,
  'local-action': localActionKind,
};

export { JobHandle, JobRejected, type JobKindDef, type KindContext, type KindParams, type LocalActions, type Prepared } from './kind.js';
export { probeUrl, type ProbeResult } from './deploy.js';
