// The cursor stays on the row the person chose when the list changes under it (a refresh adds a
// variable above it): a key that acts on the selected row, unset above all, acts on that row.
import { afterEach, describe, expect, it } from 'vitest';
import { envData, fleetRow, mount, type Harness } from './fake.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

const plain = (frame: string): string => frame.replace(/\x1b\[[0-9;]*m/g, '');
/** The variable on the selected line (marked ▶). */
const selectedVar = (frame: string): string | undefined => /^▶\s+(\S+)/m.exec(plain(frame))?.[1];

const row = fleetRow('blog', 'test', { org: 'Globex' });
const base = envData(row);
const withVars = (extra: { name: string; value: string; is_sensitive: boolean }[]) => ({ ...base, variables: [...base.variables, ...extra] });

async function openVars(): Promise<Harness> {
  const harness = await mount({ fleet: [row] });
  harness.stdin.write(':vars blog@test\r');
  await harness.waitFor((x) => x.includes('DJANGO_SECRET_KEY') && selectedVar(x) === 'DATABASE_URL');
  return harness;
}

describe('a list that changes under the cursor', () => {
  it('a variable added above the selected one: the cursor stays on the selected one, and X asks to unset it', async () => {
    h = await openVars();
    await h.press('j');
    await h.waitFor((x) => selectedVar(x) === 'DEBUG');
    // the refresh after someone created AAA_FIRST (sorted first): DEBUG moves down a line
    h.gw.serve('env', { env: row.envUuid }, withVars([{ name: 'AAA_FIRST', value: '1', is_sensitive: false }]));
    const f = await h.waitFor((x) => x.includes('AAA_FIRST'));
    expect(selectedVar(f)).toBe('DEBUG');
    await h.press('X');
    await h.waitFor((x) => /Unset DEBUG on blog@test/.test(plain(x)));
  });

  it('the row the cursor starts on is followed too (no key pressed yet)', async () => {
    h = await openVars();
    h.gw.serve('env', { env: row.envUuid }, withVars([{ name: 'A_NEW', value: '1', is_sensitive: false }]));
    const f = await h.waitFor((x) => x.includes('A_NEW'));
    expect(selectedVar(f)).toBe('DATABASE_URL');
  });

  it('the selected variable gone (unset elsewhere): the cursor stays on its line, on the next one', async () => {
    h = await openVars();
    await h.press('j');
    await h.waitFor((x) => selectedVar(x) === 'DEBUG');
    h.gw.serve('env', { env: row.envUuid }, { ...base, variables: base.variables.filter((v) => v.name !== 'DEBUG') });
    const f = await h.waitFor((x) => !x.includes('DEBUG'));
    expect(selectedVar(f)).toBe('DJANGO_SECRET_KEY');
  });
});
