// The typed seams between the gateway's protocol and its readers: a topic's parameters and payload
// come from the protocol's topic map, not from a type the caller writes. The expectTypeOf lines are
// checked by `npm run typecheck` (tsc covers test/); the runtime lines check the same map's schemas.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createAppStore, type TopicSlot } from '../../src/store/app.js';
import { parseTopicRequest, type BackupsData, type EnvData, type FleetData, type LogHistoryData } from '../../src/protocol/index.js';
import type { useTopic } from '../../components/context.js';
import type { firstData } from '../../src/cli/twins.js';

describe('topic payloads come from the topic map', () => {
  it('store.topic and store.load give the topic’s own payload and take its own parameters', () => {
    const store = createAppStore({ commitIntervalMs: 0 });
    expectTypeOf(store.topic('fleet', {})).toEqualTypeOf<TopicSlot<FleetData> | undefined>();
    expectTypeOf(store.topic('env', { env: 'u' })).toEqualTypeOf<TopicSlot<EnvData> | undefined>();
    expectTypeOf(store.load('logHistory', { envs: ['u'], from: '2026-12-06T08:00Z', to: '2026-12-06T08:10Z' })).toEqualTypeOf<Promise<LogHistoryData | null>>();
    // @ts-expect-error the env topic needs its environment
    store.topic('env', {});
    // @ts-expect-error the fleet topic takes no environment
    store.watch('fleet', { env: 'u' });
    // @ts-expect-error metrics minutes are a number
    store.watch('metrics', { env: 'u', minutes: '60' });
    store.dispose();
  });

  it('useTopic and the CLI’s firstData infer the payload from the topic name', () => {
    expectTypeOf<ReturnType<typeof useTopic<'backups'>>>().toEqualTypeOf<TopicSlot<BackupsData> | undefined>();
    expectTypeOf<ReturnType<typeof firstData<'env'>>>().toEqualTypeOf<Promise<EnvData>>();
    expectTypeOf<Parameters<typeof useTopic<'deployment'>>[1]>().toEqualTypeOf<{ deployment: string } | null>();
  });

  it('parseTopicRequest validates a subscription’s parameters against its own topic', () => {
    const ok = parseTopicRequest('metrics', { env: 'u', minutes: 15 });
    expect(ok).toMatchObject({ ok: true, request: { topic: 'metrics', params: { env: 'u', minutes: 15 } } });
    if (ok.ok && ok.request.topic === 'metrics') expectTypeOf(ok.request.params.minutes).toEqualTypeOf<number | undefined>();
    expect(parseTopicRequest('fleet', undefined)).toMatchObject({ ok: true, request: { topic: 'fleet', params: {} } });
    const bad = parseTopicRequest('env', { environment: 'u' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.issues.map((i) => i.path.join('.') || i.message).join(' ')).toMatch(/env/);
    expect(parseTopicRequest('logHistory', { envs: ['u'], from: '2026-12-06T09:00Z', to: '2026-12-06T08:00Z' }).ok).toBe(false);
  });
});
