// The scenario's runtime-log history is made when an environment's logs are first read (not at
// start-up): the same seed gives the same lines whatever the order of reading, the first read sees the
// whole history before the lines that flowed since, and a state written to disk holds every history.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCENARIO, startSandbox, type SandboxState } from '../../src/sandbox/index.js';
import { buildScenario } from '../../src/sandbox/scenario.js';
import { Engine, parseIsoMicros } from '../../src/sandbox/engine.js';
import { client, start, until } from './helpers.js';

const T = Date.UTC(2026, 5, 1, 12);
const dirs: string[] = [];
afterEach(() => { while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true }); });

/** Environments with a history: live (200 lines) and sleeping (40). */
const withHistory = (s: SandboxState) => s.environments.filter((e) => e.status === 'live' || e.status === 'sleeping');

function ordered(lines: { seq: number; timestamp: string }[]): void {
  for (let i = 1; i < lines.length; i++) {
    expect(lines[i].seq).toBe(lines[i - 1].seq + 1);
    expect(parseIsoMicros(lines[i].timestamp)).toBeGreaterThan(parseIsoMicros(lines[i - 1].timestamp));
  }
}

describe('runtime-log history', () => {
  it('same seed → the same history, whatever order the environments are read in', () => {
    const a = buildScenario({ seed: 42, nowMs: T, logRetention: 10_000 });
    const b = buildScenario({ seed: 42, nowMs: T, logRetention: 10_000 });
    const envs = withHistory(a).map((e) => e.uuid);
    expect(envs.length).toBeGreaterThan(10);
    const forward = envs.map((u) => a.logs[u]);
    const backward = [...envs].reverse().map((u) => b.logs[u]).reverse();
    expect(backward).toEqual(forward);
    const live = a.environments.find((e) => e.status === 'live')!;
    expect(a.logs[live.uuid].lines).toHaveLength(200);
    expect(a.logs[live.uuid].lines[0].seq).toBe(1);
    ordered(a.logs[live.uuid].lines);
    // and another seed, other lines
    const c = buildScenario({ seed: 43, nowMs: T, logRetention: 10_000 });
    const cLive = c.environments.find((e) => e.status === 'live')!;
    expect(c.logs[cLive.uuid].lines.map((l) => l.message)).not.toEqual(a.logs[live.uuid].lines.map((l) => l.message));
  });

  it('lines that flow before the first read come after the history, which is the same as without them', () => {
    const a = buildScenario({ seed: 42, nowMs: T, logRetention: 10_000 });
    const b = buildScenario({ seed: 42, nowMs: T, logRetention: 10_000 });
    const env = withHistory(a).find((e) => e.status === 'live')!.uuid;
    const engine = new Engine(a, { speed: 1, logRate: 0, logRetention: 10_000, seed: 42 });
    engine.appendLogs(env, [{ message: 'live one' }, { service: 'worker', message: 'live two' }], T + 5_000, T + 1_000);
    const L = a.logs[env];
    expect(L.lines).toHaveLength(202);
    expect(L.lines.slice(0, 200)).toEqual(b.logs[env].lines);
    expect(L.lines.slice(200).map((l) => [l.seq, l.service, l.message])).toEqual([[201, 'web', 'live one'], [202, 'worker', 'live two']]);
    expect(L.nextSeq).toBe(203);
    ordered(L.lines);
  });

  it('retention keeps the newest lines of the history', () => {
    const s = buildScenario({ seed: 42, nowMs: T, logRetention: 100 });
    const full = buildScenario({ seed: 42, nowMs: T, logRetention: 10_000 });
    const env = withHistory(s).find((e) => e.status === 'live')!.uuid;
    expect(s.logs[env].lines).toEqual(full.logs[env].lines.slice(100));
    expect(s.logs[env].nextSeq).toBe(201);
  });

  it("the first read of an environment's logs over the API sees its whole history, then the lines that flowed since", async () => {
    const beforeUs = Date.now() * 1000;
    const sb = await start({ logRate: 50, speed: 1 });
    try {
      const api = client(sb);
      const startedUs = Date.now() * 1000;
      const env = sb.ids(SCENARIO.healthyApp, 'live').env!;
      // lines flow while nobody reads this environment (every request moves the clock on)
      for (const end = Date.now() + 400; Date.now() < end; ) {
        await api.get('/iam/v3/me/');
        await new Promise((r) => setTimeout(r, 20));
      }
      const page = (await api.get(`/apps/v3/environments/${env}/logs/?page_size=1000`)).body;
      expect(page.previous).toBeNull(); // nothing older
      const us = page.results.map((l: { timestamp: string }) => parseIsoMicros(l.timestamp));
      for (let i = 1; i < us.length; i++) expect(us[i]).toBeGreaterThan(us[i - 1]);
      // every line the environment ever had: its 200 of history (the last 10 minutes before start),
      // then those that flowed since start
      expect(us).toHaveLength(sb.state.logs[env].nextSeq - 1);
      expect(us.length - 200).toBeGreaterThan(5);
      expect(startedUs - us[0]).toBeGreaterThan(8 * 60_000_000);
      expect(us[199]).toBeLessThan(startedUs);
      for (const t of us.slice(200)) expect(t).toBeGreaterThanOrEqual(beforeUs);
      expect(sb.state.logs[env].lines.map((l) => l.message)).toEqual(page.results.map((l: { message: string }) => l.message));
    } finally {
      await sb.close();
    }
  });

  it('a state written to disk holds every history: made in the background, or at close at the latest', async () => {
    for (const how of ['background', 'close'] as const) {
      const dataDir = mkdtempSync(join(tmpdir(), 'sbx-history-'));
      dirs.push(dataDir);
      const sb = await startSandbox({ dataDir, seed: 5, logRate: 0, ssh: false });
      const file = join(dataDir, 'state.json');
      if (how === 'background') await until(async () => existsSync(file), 15_000);
      else expect(existsSync(file)).toBe(false);
      const saved = how === 'background' ? (JSON.parse(readFileSync(file, 'utf8')) as SandboxState) : null;
      await sb.close();
      const closed = JSON.parse(readFileSync(file, 'utf8')) as SandboxState;
      const ref = buildScenario({ seed: 5, nowMs: T, logRetention: 10_000 });
      for (const written of [saved, closed]) {
        if (!written) continue;
        for (const e of withHistory(ref)) {
          const lines = written.logs[e.uuid]?.lines ?? [];
          expect(lines.length, `${how}: ${e.uuid}`).toBe(ref.logs[e.uuid].lines.length);
          expect(lines[0].seq).toBe(1);
          ordered(lines);
        }
      }
      // and it comes back as it was written
      const again = await startSandbox({ dataDir, logRate: 0, ssh: false });
      try {
        const env = again.ids(SCENARIO.healthyApp, 'live').env!;
        expect(again.state.logs[env].lines.slice(0, 200)).toEqual(closed.logs[env].lines.slice(0, 200));
      } finally {
        await again.close();
      }
    }
  });
});

// A deployment's log is made when first read too (its random parts are drawn with the deployment).
describe('deployment logs made when first read', () => {
  it('the same log whether read at once or after more deployments, and a written state holds them all', () => {
    const a = buildScenario({ seed: 42, nowMs: T, logRetention: 10_000 });
    const b = buildScenario({ seed: 42, nowMs: T, logRetention: 10_000 });
    const early = a.deployments.map((d) => d.script); // read at once
    // b: deployments of every build mode started before any log is read
    const engine = new Engine(b, { speed: 1, logRate: 0, logRetention: 10_000, seed: 42 });
    const envs = b.environments.filter((e) => e.status === 'live');
    const made = (['AUTO', 'FORCE', 'ADOPT'] as const).map((mode, i) => engine.startDeployment(envs[i]!, mode, T + i));
    expect(b.deployments.slice(0, early.length).map((d) => d.script)).toEqual(early);
    const failed = a.deployments.find((d) => d.status === 'failure')!;
    expect(failed.script.at(-1)).toEqual({ at: failed.failAtMs, text: 'Deployment finished: FAILURE' });
    expect(made.map((d) => d.script.at(-1)!.text)).toEqual(made.map(() => 'Deployment finished: SUCCESS'));
    // written out (JSON), every log is there; assigned (the hostile scenario does), the new one stays
    const c = buildScenario({ seed: 42, nowMs: T, logRetention: 10_000 });
    const written = JSON.parse(JSON.stringify({ ...c, logs: {} })) as SandboxState;
    expect(written.deployments.map((d) => d.script)).toEqual(early);
    c.deployments[0]!.script = [{ at: 0, text: 'replaced' }];
    expect(c.deployments[0]!.script).toEqual([{ at: 0, text: 'replaced' }]);
  });
});
