// The purge screen of an environment with no domain behind a CDN says there is nothing to purge and
// offers no key to purge (its hint line offered "⏎ purge the selected domain/zone" with nothing to select).
import { afterEach, expect, it } from 'vitest';
import { envData, fleetRow, mount, type Harness } from './fake.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

const plain = (frame: string): string => frame.replace(/\x1b\[[0-9;]*m/g, '');

it('no domain behind a CDN: "nothing to purge", and no purge key offered', async () => {
  const row = fleetRow('blog', 'test', { org: 'Globex' });
  h = await mount({ fleet: [row] });
  h.gw.serve('env', { env: row.envUuid }, { ...envData(row), domains: [{ uuid: 'dom-1', domain: 'blog-stage.eu.aldryn.io', cdn: 'none', is_primary: true }] });
  h.store.push('purge', { env: row.envUuid, slug: 'test', app: 'blog', appUuid: row.appUuid, org: 'Globex' });
  const f = plain(await h.waitFor((x) => x.includes('nothing to purge')));
  expect(f).not.toContain('purge the selected domain/zone');
  expect(f).toMatch(/J jobs\s+esc back/);
});

it('a domain behind Divio’s CDN: Enter purges the selected one', async () => {
  const row = fleetRow('blog', 'test', { org: 'Globex' });
  h = await mount({ fleet: [row] });
  h.store.push('purge', { env: row.envUuid, slug: 'test', app: 'blog', appUuid: row.appUuid, org: 'Globex' });
  const f = plain(await h.waitFor((x) => x.includes('blog.example.com')));
  expect(f).toContain('⏎ purge the selected domain/zone');
});
