// The order of the fleet-wide views (pure): :backups oldest successful first (none first, unknown last),
// :deployments running first, then failed last time (newest first).
import { describe, expect, test } from 'vitest';
import { backupOrder, deploymentOrder } from '../../screens/FleetWide.js';
import type { FleetRow } from '../../src/domain/index.js';

function row(app: string, p: Partial<FleetRow>): FleetRow {
  return { appUuid: app, app, appName: app, orgUuid: 'o', org: 'o', envUuid: `${app}-e`, env: 'live', branch: 'main', state: 'live', url: null, lastDeployment: null, lastBackupAt: null, errorRate: null, errorHistory: [], ...p };
}

describe('fleet-wide order', () => {
  test(':backups', () => {
    const rows = [
      row('fresh', { lastBackupAt: '2026-12-06T08:00:00Z' }),
      row('unknown', { backupKnown: false }),
      row('old', { lastBackupAt: '2026-12-01T08:00:00Z', lastBackupFailedAt: '2026-12-06T07:00:00Z' }),
      row('never', { lastBackupAt: null }),
    ];
    expect(backupOrder(rows).map((r) => r.app)).toEqual(['never', 'old', 'fresh', 'unknown']);
  });
  test(':deployments', () => {
    const dep = (p: Partial<NonNullable<FleetRow['lastDeployment']>>) => ({ uuid: 'd', startedAt: null, endedAt: null, success: null, percent: null, status: null, ...p });
    const rows = [
      row('ok', { lastDeployment: dep({ endedAt: '2026-12-06T08:00:00Z', success: true }) }),
      row('failed-old', { state: 'failed', lastDeployment: dep({ endedAt: '2026-12-05T08:00:00Z', success: false }) }),
      row('running', { state: 'deploying', lastDeployment: dep({ startedAt: '2026-12-06T08:00:00Z' }) }),
      row('failed-new', { state: 'failed', lastDeployment: dep({ endedAt: '2026-12-06T07:00:00Z', success: false }) }),
    ];
    expect(deploymentOrder(rows).map((r) => r.app)).toEqual(['running', 'failed-new', 'failed-old']);
  });
});
