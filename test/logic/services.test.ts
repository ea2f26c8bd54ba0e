// The rows of the services view and `divio-tui services` (pure): the catalogue service's and the
// region's names by uuid where the zone gave them, an unknown uuid shortened, a name-like value kept.
import { expect, test } from 'vitest';
import { serviceRows } from '../../src/store/services.js';

test('service rows: names by uuid, unknown uuids shortened, type order', () => {
  const R = '4e4e4e4e-0000-4000-8000-0000000004e0';
  const PG = '5e5e5e5e-0000-4000-8000-0000000005e1';
  const rows = serviceRows({
    serviceInstances: [
      { uuid: 'b', prefix: 'DEFAULT', type: 'STORAGE', service: '9a9a9a9a-0000-4000-8000-000000000001', region: R, service_status: null },
      { uuid: 'a', prefix: 'DEFAULT', type: 'DATABASE', service: PG, region: R, service_status: 'READY' },
      { uuid: 'c', prefix: 'REPORTS', type: 'DATABASE', service: 'mysql-8', region: 'somewhere' },
    ],
    regions: { [R]: 'eu-central' },
    services: { [PG]: { name: 'PostgreSQL 15', description: 'Managed PostgreSQL 15 database.' } },
  });
  expect(rows.map((r) => [r.type, r.prefix, r.service, r.region, r.state, r.description])).toEqual([
    ['DATABASE', 'DEFAULT', 'PostgreSQL 15', 'eu-central', 'READY', 'Managed PostgreSQL 15 database.'],
    ['DATABASE', 'REPORTS', 'mysql-8', 'somewhere', '-', ''],
    ['STORAGE', 'DEFAULT', '9a9a9a9a', 'eu-central', '-', ''],
  ]);
});
