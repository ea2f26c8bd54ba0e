// The sandbox checks its options and fault rules without zod (src/sandbox/check.ts: its start must not
// load zod, issue 16), answering as the zod schemas they replaced did. Those schemas are kept here
// as the reference: every input of a seeded mix of good and bad values gets the same issues (same
// messages, same order) or, when valid, the same value.
import { describe, expect, it } from 'vitest';
import * as z from '../../src/domain/zod.js';
import { FaultSpecError, parseFaultSpec, startSandbox } from '../../src/sandbox/index.js';
import { MAX_SCENARIO_APPS, SCENARIO_APPS } from '../../src/sandbox/scenario.js';

const ZodOptions = z.object({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  cloudflarePort: z.number().int().min(0).max(65535).optional(),
  token: z.string().min(8, 'token must be at least 8 characters').regex(/^\S+$/, 'token must not contain spaces').optional(),
  cloudflareToken: z.string().min(8).regex(/^\S+$/).optional(),
  cloudflarePlan: z.enum(['free', 'pro', 'business', 'enterprise']).optional(),
  speed: z.number().positive().max(1_000_000).optional(),
  logRate: z.number().min(0).max(100_000).optional(),
  logRetention: z.number().int().min(100).max(1_000_000).optional(),
  seed: z.number().int().optional(),
  apps: z.number().int().min(SCENARIO_APPS, `apps must be at least ${SCENARIO_APPS} (the named scenario)`).max(MAX_SCENARIO_APPS, `apps must be at most ${MAX_SCENARIO_APPS}`).optional(),
  ephemeral: z.boolean().optional(),
  dataDir: z.string().min(1).optional(),
  faults: z.union([z.string(), z.array(z.any())]).optional(),
  ssh: z.boolean().optional(),
  sshInBackground: z.boolean().optional(),
  sshSessionLimitMs: z.number().int().positive().optional(),
  extensions: z.boolean().optional(),
  scenario: z.enum(['default', 'hostile']).optional(),
  dataDirHeld: z.boolean().optional(),
}).strict();

const ZodFaultRule = z.object({
  method: z.string().regex(/^[A-Z]+$/).optional(),
  path: z.string().min(1),
  status: z.number().int().min(400).max(599).optional(),
  statusRate: z.number().min(0).max(1).optional(),
  retryAfter: z.number().min(0).optional(),
  latencyMs: z.number().min(0).optional(),
  latencyMaxMs: z.number().min(0).optional(),
  latencyRate: z.number().min(0).max(1).optional(),
  malformedRate: z.number().min(0).max(1).optional(),
  resetRate: z.number().min(0).max(1).optional(),
  hangRate: z.number().min(0).max(1).optional(),
  times: z.number().int().positive().optional(),
}).strict();

const zodText = (issues: readonly { path: readonly PropertyKey[]; message: string }[]) => issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');

/** Values each field is tried with: in and out of every range, of every JSON type, and the odd ones. */
const VALUES: unknown[] = [
  undefined, null, true, false, '', 'x', 'a b', 'GET', 'get', '/x', 'pro', 'hostile', 'default', 'token-12345', 'has space here',
  0, -0, 1, -1, 0.5, 1.5, 7, 9, 100, 399, 400, 503, 599, 600, 65535, 65536, 1_000_000, 1_000_001, 5000, 5001, 2 ** 53, -(2 ** 60),
  NaN, Infinity, -Infinity, [], ['a'], [{}], {}, { a: 1 }, new Date(0),
];

function* cases(keys: string[], n: number, seed: number): Generator<Record<string, unknown>> {
  let s = seed;
  const rnd = (m: number) => ((s = (s * 1103515245 + 12345) % 2 ** 31), s % m);
  for (let i = 0; i < n; i++) {
    const o: Record<string, unknown> = {};
    for (const k of keys) if (rnd(3) === 0) o[k] = VALUES[rnd(VALUES.length)];
    if (rnd(8) === 0) o.unknownField = 1;
    if (rnd(16) === 0) o.anotherOne = 'x';
    yield o;
  }
}

describe('the sandbox checks its options as its zod schema did', () => {
  it('refuses each bad mix with the same message, in the same order', async () => {
    let refused = 0;
    for (const o of cases(Object.keys(ZodOptions.shape), 1500, 7)) {
      const want = ZodOptions.safeParse(o);
      if (want.success) continue; // (a valid mix would start a sandbox; every other test starts one)
      refused++;
      await expect(startSandbox(o as never), JSON.stringify(o)).rejects.toThrow(new Error(`invalid sandbox options: ${zodText(want.error.issues)}`));
    }
    expect(refused).toBeGreaterThan(1000);
  });
});

describe('fault rules as JSON are checked as their zod schema did', () => {
  it('the same value for good rules, the same error for bad ones', () => {
    let good = 0;
    let bad = 0;
    const list = [...cases(Object.keys(ZodFaultRule.shape), 3000, 11)];
    for (let i = 0; i < list.length; i += 2) {
      // every other pair keeps only its fields' good values: rules that pass, of every field
      const shape = ZodFaultRule.shape as Record<string, z.ZodType>;
      const goodOnly = (r: Record<string, unknown>) => ({ path: '/x', ...Object.fromEntries(Object.entries(r).filter(([k, v]) => shape[k]?.safeParse(v).success)) });
      const rules = [list[i]!, list[i + 1]!].map((r) => (i % 4 === 0 ? goodOnly(r) : r));
      const want = z.array(ZodFaultRule).safeParse(rules);
      if (want.success) {
        good++;
        // the same rules, their fields in the same order (GET /_sandbox/faults shows them)
        expect(JSON.stringify(parseFaultSpec(rules as never))).toBe(JSON.stringify(want.data));
      } else {
        bad++;
        expect(() => parseFaultSpec(rules as never), JSON.stringify(rules)).toThrow(new FaultSpecError(`invalid fault rules: ${zodText(want.error.issues)}`));
      }
    }
    expect(good).toBeGreaterThan(20);
    expect(bad).toBeGreaterThan(500);
    expect(() => parseFaultSpec([null, 'x'] as never)).toThrow('invalid fault rules: 0: Invalid input: expected object, received null; 1: Invalid input: expected object, received string');
  });

  it('a spec whose number is too big for a number is refused as a bad spec, clearly', () => {
    // (before: the parser's own rule failed zod's check with a ZodError, not a FaultSpecError)
    const huge = '9'.repeat(400);
    expect(() => parseFaultSpec(`/x latency=${huge}`)).toThrow(new FaultSpecError(`fault rule "/x latency=${huge}": latencyMs: Invalid input: expected number, received Infinity`));
    expect(() => parseFaultSpec('/x 503 times=99999999999999999999')).toThrow(FaultSpecError);
  });
});
