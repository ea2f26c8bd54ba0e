import { describe, expect, it } from 'vitest';
import * as z from '../../src/domain/zod.js';
import { built, deferred, warmNow } from '../../src/domain/deferred.js';
import { ServerMessage, TopicData, EnvData, FleetData, CLIENT_WARMUP, GATEWAY_WARMUP } from '../../src/protocol/index.js';
import { Job, FLEET_LISTS_WARMUP } from '../../src/domain/index.js';

describe('schemas built on first use', () => {
  it('builds a schema once, when it is first read, and behaves as that schema', () => {
    let builds = 0;
    const Item = deferred(() => {
      builds++;
      return z.looseObject({ uuid: z.string().min(1), n: z.number().nullable().default(null) });
    });
    const Wide = deferred(() => Item.extend({ extra: z.string().optional() }));
    const A = deferred(() => z.object({ type: z.literal('a'), item: built(Item) }));
    const B = deferred(() => z.object({ type: z.literal('b'), items: z.array(built(Wide)) }));
    const Either = deferred(() => z.discriminatedUnion('type', [built(A), built(B)]));
    expect(builds).toBe(0);

    expect(Either.parse({ type: 'a', item: { uuid: 'u1', other: 1 } })).toEqual({ type: 'a', item: { uuid: 'u1', n: null, other: 1 } });
    const bad = Either.safeParse({ type: 'b', items: [{ uuid: '' }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['items', 0, 'uuid']);
    expect(Either.safeParse({ type: 'c' }).success).toBe(false);
    expect(builds).toBe(1);

    expect(Item instanceof z.ZodType).toBe(true);
    expect(Object.keys(Item.shape)).toEqual(['uuid', 'n']);
    expect(Object.keys(Wide.shape)).toEqual(['uuid', 'n', 'extra']);
    expect(Object.getOwnPropertyDescriptor(Item, '_zod')).toBeDefined();
    expect(built(Item)).not.toBe(Item);
    expect(built(built(Item))).toBe(built(Item));
    const plain = z.string();
    expect(built(plain)).toBe(plain);
  });

  it("the protocol's schemas parse as before: a malformed payload is refused, defaults are filled in", () => {
    expect(ServerMessage.safeParse({ type: 'welcome', protocol: 1, serverVersion: '1', upstream: { kind: 'sandbox', zone: 'z' }, role: 'operator' }).data).toMatchObject({ readOnly: false, notices: [], upstream: { user: null } });
    expect(ServerMessage.safeParse({ type: 'welcome', protocol: 1 }).success).toBe(false);
    expect(TopicData.fleet.safeParse({ rows: [{ app: 'shop' }] }).success).toBe(false);
    expect(FleetData.parse({ rows: [] })).toEqual({ rows: [] });
    const env = { uuid: 'e', slug: 'live', application: 'a' };
    expect(EnvData.parse({ application: { uuid: 'a', slug: 'shop', name: 'Shop', organisation: 'o' }, environment: env })).toMatchObject({ environments: [], deployments: [], contentVersion: null });
    const job = { id: 'j', idempotencyKey: 'k', state: 'running', target: 'shop@live', createdAt: 1, updatedAt: 2, kind: 'backup', result: { backup: 'b1' } };
    expect(ServerMessage.parse({ type: 'job', job })).toMatchObject({ job: { kind: 'backup', result: { backup: 'b1' }, steps: [] } });
    expect(Job.safeParse({ ...job, kind: 'nope' }).success).toBe(false);
    // a result that is not its kind's is dropped to null: the job is still shown
    expect(Job.parse({ ...job, result: { backup: 42 } }).result).toBe(null);
  });

  it("the warm-up's samples are valid messages and lists (a stale one would warm nothing)", () => {
    for (const steps of [GATEWAY_WARMUP, CLIENT_WARMUP, FLEET_LISTS_WARMUP]) {
      expect(steps.map((s: () => boolean) => s())).toEqual(steps.map(() => true));
      expect(warmNow(steps)).toBe(true);
    }
    expect(warmNow([() => true, () => false, () => true])).toBe(false);
  });
});
