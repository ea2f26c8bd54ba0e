// Pure logic of the action screens: purge input validation, deployment log parsing, the verdict,
// the restore machine's guards.
import { describe, expect, test } from 'vitest';
import { parsePurgeInput, splitItems } from '../../src/store/purge.js';
import { deployVerdict, parseDeployLog, stageViews, DeployWatch } from '../../src/store/deploy.js';
import { initialRestore, restoreKey, filterBackups, directionText, restoreWarnings, backupStateText, type RestoreCtx, type RestoreState } from '../../src/store/restore.js';
import type { Deployment, Job } from '../../src/domain/index.js';
import { buildKeymap } from '../../src/config/keymap.js';

/** The keymap action of a key in the restore wizard (default keys). */
const wizardKeys = buildKeymap();
const wizardAct = (key: string): string | null => wizardKeys.lookup(key, ['global', 'list', 'wizard']);

describe('purge input', () => {
  test('prefixes and hosts refuse a scheme; URLs need one; items split on spaces, commas and lines, deduplicated', () => {
    expect(parsePurgeInput('prefixes', 'https://shop.com/blog/').errors[0]).toMatch(/prefixes have no scheme/);
    expect(parsePurgeInput('prefixes', 'shop.com/blog/ www.shop.com/static').errors).toEqual([]);
    expect(parsePurgeInput('prefixes', 'blog').errors[0]).toMatch(/host\/path/);
    expect(parsePurgeInput('hosts', 'http://shop.com').errors[0]).toMatch(/no scheme/);
    expect(parsePurgeInput('hosts', 'shop.com/x').errors[0]).toMatch(/not a host name/);
    expect(parsePurgeInput('files', 'shop.com/a.css').errors[0]).toMatch(/needs its scheme/);
    expect(parsePurgeInput('files', 'ftp://shop.com/a').errors[0]).toMatch(/needs its scheme/);
    expect(parsePurgeInput('tags', '').errors[0]).toMatch(/nothing to purge/);
    expect(splitItems('a, b\nc  a')).toEqual(['a', 'b', 'c']);
  });

  test('≤100 per request: 250 URLs are 3 requests, 100 are 1, 101 are 2', () => {
    const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://shop.com/${i}`).join('\n');
    expect(parsePurgeInput('files', urls(250))).toMatchObject({ requests: 3, errors: [] });
    expect(parsePurgeInput('files', urls(100)).requests).toBe(1);
    expect(parsePurgeInput('files', urls(101)).requests).toBe(2);
  });

  test('at most five errors are listed, then a note that there are more', () => {
    const e = parsePurgeInput('hosts', Array.from({ length: 9 }, (_, i) => `https://h${i}.com`).join(' ')).errors;
    expect(e).toHaveLength(6);
    expect(e[5]).toMatch(/more errors not shown/);
  });
});

describe('deployment log', () => {
  const log = ['==> Services', 'ok', '==> Release commands', 'Running migrations:', '  Applying x...Traceback (most recent call last):', 'ValueError: boom', "ERROR: release command failed with exit code 1"].join('\n');

  test('stages, the first error line and the stage it failed in', () => {
    const i = parseDeployLog(log);
    expect(i.stages).toEqual(['Services', 'Release commands']);
    expect(i.firstError).toBe(4);
    expect(i.failingStage).toBe('Release commands');
    expect(parseDeployLog('==> Build\nStep 1/3\nSuccessfully built').firstError).toBeNull();
  });

  test('the watch appends only complete lines while running, everything once ended; the heartbeat moves only on change', () => {
    const w = new DeployWatch('d', 1000);
    const d = { uuid: 'd', environment: 'e', ended_at: null, percent: 10, stage: 'build' } as Deployment;
    w.update(d, 'a\nb\npart', 2000);
    expect(w.buffer.size).toBe(2);
    expect(w.heartbeatAgeMs(5000)).toBe(3000);
    w.update(d, 'a\nb\npart', 9000); // nothing new
    expect(w.heartbeatAgeMs(9000)).toBe(7000);
    w.update({ ...d, ended_at: '2026-01-01T00:00:00Z', success: true }, 'a\nb\npartial line', 10_000);
    expect(w.buffer.size).toBe(3);
    expect(w.heartbeatAgeMs(10_000)).toBe(0);
  });

  test('stages from the deployment: done, running, failed, pending', () => {
    const stages = [{ name: 'build' }, { name: 'release' }, { name: 'scaling' }];
    const info = parseDeployLog('');
    expect(stageViews({ uuid: 'd', environment: 'e', ended_at: null, stage: 'release', stages } as Deployment, info).map((s) => s.state)).toEqual(['done', 'running', 'pending']);
    expect(stageViews({ uuid: 'd', environment: 'e', ended_at: 'x', success: false, stage: 'release', stages } as Deployment, info).map((s) => s.state)).toEqual(['done', 'failed', 'pending']);
  });

  test('verdict: both the API and the probe must say yes', () => {
    const ended = { uuid: 'd', environment: 'e', ended_at: 'x', success: true } as Deployment;
    const job = (probe: unknown): Job => ({ kind: 'deploy', steps: [{ name: 'probe', state: 'succeeded', startedAt: 1, endedAt: 2 }], result: { probe } }) as unknown as Job;
    expect(deployVerdict(ended, job({ ok: true, status: 200, url: 'u' })).kind).toBe('ok');
    expect(deployVerdict(ended, job({ ok: false, status: 503, url: 'u' })).kind).toBe('degraded');
    expect(deployVerdict({ ...ended, success: false }, job({ ok: true, status: 200, url: 'u' })).kind).toBe('failed');
    expect(deployVerdict({ ...ended, ended_at: null }, null).kind).toBe('running');
  });
});

describe('backup state', () => {
  const b = (state: string, success: string | null) => ({ uuid: 'b', environment: 'e', state, success, service_instance_backups: [], details: [] }) as never;
  test('reads as a person says it: ok, failed, or the platform\'s own word', () => {
    expect(backupStateText(b('COMPLETED', 'SUCCESS'))).toBe('ok');
    expect(backupStateText(b('COMPLETED', 'FAILURE'))).toBe('failed');
    expect(backupStateText(b('COMPLETED', null))).toBe('failed');
    expect(backupStateText(b('COMPLETED', 'PARTIAL'))).toBe('partly failed');
    expect(backupStateText(b('RUNNING', null))).toBe('running');
  });
});

describe('restore machine', () => {
  const envs = [
    { uuid: 'L', slug: 'live', application: 'a' },
    { uuid: 'T', slug: 'test', application: 'a' },
  ];
  const b = { uuid: 'B', environment: 'L', state: 'COMPLETED', success: 'SUCCESS', service_instance_backups: ['S1'], trigger: 'MANUAL', created_at: new Date(0).toISOString(), details: [{ uuid: 'S1', backup: 'B', service_instance: 'x', service_type: 'DATABASE', errors: [] }] };
  const ctx: RestoreCtx = { now: 10 * 86_400_000, backups: [b as never], environments: envs, readOnly: false, app: 'shop' };

  test('Esc walks back one step at a time and closes only from the first step', () => {
    let s = initialRestore('L');
    const k = (key: string, input = '') => {
      const r = restoreKey(s, wizardAct(key), key, input, ctx);
      s = r.state;
      return r.effect;
    };
    k('enter');
    k('enter');
    expect(s.dest).toBeNull(); // no default destination
    k('enter');
    expect(s.step).toBe('dest');
    k('down');
    k('down');
    k('enter');
    k('enter');
    expect(s.step).toBe('review');
    expect(s.dest).toBe('T');
    for (const want of ['safety', 'dest', 'what', 'backup']) {
      k('esc');
      expect(s.step).toBe(want);
    }
    expect(k('esc')).toEqual({ type: 'close' });
  });

  test('the submit carries exactly what was chosen, only after APP@ENV of the destination', () => {
    let s: RestoreState = { ...initialRestore('L'), step: 'confirm', backup: 'B', selected: ['S1'], dest: 'T', safety: false };
    let r = restoreKey(s, wizardAct('l'), 'l', 'l', ctx);
    s = r.state;
    r = restoreKey(s, wizardAct('enter'), 'enter', '', ctx);
    expect(r.effect).toBeNull();
    expect(r.state.error).toMatch(/type shop@test exactly/);
    // the environment's slug alone (a word every application shares) is not enough
    r = restoreKey({ ...r.state, typed: 'test' }, wizardAct('enter'), 'enter', '', ctx);
    expect(r.effect).toBeNull();
    r = restoreKey({ ...r.state, typed: 'other-app@test' }, wizardAct('enter'), 'enter', '', ctx);
    expect(r.effect).toBeNull();
    s = { ...r.state, typed: 'shop@test' };
    r = restoreKey(s, wizardAct('enter'), 'enter', '', ctx);
    expect(r.effect).toEqual({ type: 'submit', params: { backup: 'B', to: 'T', siBackups: ['S1'], safetyBackup: false, confirm: 'shop@test' } });
    expect(restoreKey(r.state, wizardAct('enter'), 'enter', '', ctx).effect).toBeNull(); // no double submit
  });

  test('filters and wording', () => {
    expect(filterBackups([b as never], { age: '1d', trigger: 'all', content: 'all' }, ctx.now)).toHaveLength(0);
    expect(filterBackups([b as never], { age: 'all', trigger: 'manual', content: 'db' }, ctx.now)).toHaveLength(1);
    expect(filterBackups([b as never], { age: 'all', trigger: 'scheduled', content: 'all' }, ctx.now)).toHaveLength(0);
    expect(directionText('live', 'test')).toBe('live → test');
    expect(directionText('live', 'test', '->')).toBe('live -> test');
    expect(restoreWarnings({ sourceSlug: 'test', destSlug: 'live', details: [], safety: false }).join(' ')).toMatch(/LIVE.*NO safety backup/);
  });
});
