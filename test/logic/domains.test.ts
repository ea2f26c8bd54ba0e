// The rows of `:domains` and `divio-tui domains` (pure): named by the fleet's rows, live first,
// primary first, custom before Divio's own; a domain of an environment the fleet does not know keeps
// the start of its uuids instead of a guessed name.
import { describe, expect, test } from 'vitest';
import { domainKind, domainRows } from '../../src/store/domains.js';
import type { Domain, FleetRow } from '../../src/domain/index.js';

function row(app: string, env: string): FleetRow {
  return { appUuid: `${app}-a`, app, appName: app, orgUuid: 'o', org: 'Org', envUuid: `${app}-${env}`, env, branch: 'main', state: 'live', url: null, lastDeployment: null, lastBackupAt: null, errorRate: null, errorHistory: [] };
}
const dom = (uuid: string, name: string, environment: string | null, application: string | null, is_primary = false): Domain => ({ uuid, domain: name, environment, application, is_primary });

describe('domain rows', () => {
  test('joined with the fleet and sorted', () => {
    const rows = [row('shop', 'test'), row('shop', 'live'), row('blog', 'live')];
    const out = domainRows(
      [
        dom('1', 'shop-stage.eu.aldryn.io', 'shop-test', 'shop-a', true),
        dom('2', 'shop.eu.aldryn.io', 'shop-live', 'shop-a'),
        dom('3', 'www.shop.com', 'shop-live', 'shop-a'),
        dom('4', 'shop.com', 'shop-live', 'shop-a', true),
        dom('5', 'blog.example.org', 'blog-live', 'blog-a', true),
        dom('6', 'lost.example.org', 'ffffffff-0000', null),
        { uuid: '7', name: 'by-name.example.org', environment: null, application: 'shop-a' },
      ],
      rows,
    );
    expect(out.map((r) => `${r.name} ${r.app}@${r.env} ${domainKind(r)}`)).toEqual([
      'blog.example.org blog@live primary, custom',
      'shop.com shop@live primary, custom',
      'www.shop.com shop@live custom',
      "shop.eu.aldryn.io shop@live Divio's",
      "shop-stage.eu.aldryn.io shop@test primary, Divio's",
      'by-name.example.org shop@- custom',
      'lost.example.org ?@ffffffff custom',
    ]);
    expect(out[0]!.url).toBe('https://blog.example.org/');
    expect(out[0]!.row?.envUuid).toBe('blog-live');
    expect(out.find((r) => r.uuid === '6')!.row).toBeNull();
    expect(out.find((r) => r.uuid === '7')!.org).toBe('Org');
  });
});
