// A sleeping and a never-deployed environment read in the console's words (src/domain/words.ts) on
// the fleet and in the environment's cockpit, and no API spelling (`not_deployed`, `sleeping`,
// `never-deployed`, snake_case) reaches either screen; a value the console does not know is shown marked.
import { afterEach, describe, expect, it } from 'vitest';
import { mount, KEY, type Harness } from './fake.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});

const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');
/** Words of an API's spelling, outside a marked unknown value. */
function rawWords(frame: string): string[] {
  const text = frame.replace(/unknown: \S+/g, '');
  return [...text.matchAll(/\b(not_deployed|never-deployed|sleeping|[a-z]+_[a-z_]+)\b/g)].map((m) => m[0]);
}
const rowOf = (frame: string, app: string, env: string): string => frame.split('\n').find((l) => new RegExp(`\\b${app}\\s+.*\\b${env}\\b`).test(l)) ?? '';

async function openEnv(h: Harness, target: string): Promise<string> {
  await h.press(':');
  for (const ch of `env ${target}`) h.stdin.write(ch);
  await h.waitFor((x) => x.includes(`env ${target}`));
  await h.press(KEY.enter);
  return strip(await h.waitFor((x) => /Last deployments|Services \(/.test(x) && x.includes(`› ${target.split('@')[1]} › environment`)));
}

describe("the console's words on the screens", () => {
  it('fleet: asleep, never deployed, up (never "live" as a state), deploy failed; no API spelling', async () => {
    h = await mount();
    const f = strip(await h.waitFor((x) => x.includes('wiki')));
    expect(rowOf(f, 'blog', 'test')).toMatch(/\basleep\b/);
    expect(rowOf(f, 'wiki', 'test')).toMatch(/never deployed/);
    expect(rowOf(f, 'shop', 'test')).toMatch(/\bup\b/);
    expect(rowOf(f, 'crm', 'live')).toMatch(/deploy failed/);
    expect(rowOf(f, 'shop', 'qa')).toMatch(/deploying 42 %/);
    // "live" only as the environment: the STATE column never says it
    for (const l of f.split('\n').filter((x) => /\b(shop|blog|crm|wiki)\b/.test(x))) expect(l.match(/\blive\b/g)?.length ?? 0, l).toBeLessThanOrEqual(1);
    expect(rawWords(f)).toEqual([]);
  });

  it('cockpit of a sleeping environment: status asleep', async () => {
    h = await mount();
    const f = await openEnv(h, 'blog@test');
    expect(f).toMatch(/blog \(Blog\) \S test\s+status: asleep/);
    expect(rawWords(f)).toEqual([]);
  });

  it('cockpit of a never-deployed environment: status, SSH and deployments say "never deployed"', async () => {
    h = await mount();
    let f = await openEnv(h, 'wiki@test');
    expect(f).toMatch(/wiki \(Wiki\) \S test\s+status: never deployed/);
    expect(f).toMatch(/SSH\s+not available: never deployed/);
    expect(f).not.toContain('not_deployed');
    await h.press('G'); // the end: the deployments
    f = strip(h.frame());
    expect(f).toMatch(/Last deployments \(0\)\s+never deployed/);
    expect(rawWords(f)).toEqual([]);
  });

  it('a service type and status the console does not know are shown, marked', async () => {
    h = await mount();
    const f = await openEnv(h, 'shop@live');
    expect(f).toMatch(/database\s+DEFAULT\s+postgres-15\s+ready/);
    expect(f).toMatch(/unknown: KEY_VALUE_STORE\s+DEFAULT\s+redis-7\s+unknown: WARMING_UP/);
  });
});
