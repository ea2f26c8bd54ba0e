// The console's words for the API's enumerations (src/domain/words.ts): every known value of every
// table has a word, the tables cover every value the sandbox serves, and a value nobody knows yet is
// shown, cleaned and marked, never dropped and never a crash.
import { describe, expect, it } from 'vitest';
import {
  WORD_TABLES,
  backupTriggerWord,
  backupWord,
  cdnWord,
  containerStateWord,
  deploymentStatusWord,
  restoreWord,
  deploymentWord,
  envStateWord,
  envStatusWord,
  jobStateWord,
  jobStepWord,
  lookup,
  serviceStatusWord,
  serviceTypeWord,
  unknownWord,
  type WordTable,
} from '../../src/domain/words.js';
import { EnvState, JobState, JobStep } from '../../src/domain/console.js';
import { deploymentRow, resultText } from '../../src/store/releases.js';
import {
  BACKUP_STATES,
  BACKUP_SUCCESSES,
  BACKUP_TRIGGERS,
  CDN_KINDS,
  DEPLOYMENT_STATUSES,
  ENV_STATUSES,
  SERVICE_STATUSES,
  SERVICE_TYPES,
} from '../../src/sandbox/model.js';

const TONES = ['ok', 'warn', 'danger', 'muted', 'plain'];
/** An API spelling on screen: snake_case, kebab-case of the console's own enum, or a shouted enum. */
const RAW = /^[a-z]+[_-][a-z_-]+$|^[A-Z][A-Z_]+$/;

describe('every known value has a word', () => {
  const cases = Object.entries(WORD_TABLES).flatMap(([table, t]) => Object.keys(t).map((value) => [table, value] as const));
  it.each(cases)('%s: %s', (table, value) => {
    const w = lookup((WORD_TABLES as Record<string, WordTable>)[table]!, value);
    expect(w.known).toBe(true);
    expect(w.text.trim()).not.toBe('');
    expect(w.text).not.toMatch(/unknown:/);
    expect(TONES).toContain(w.tone);
    // a word, not the API's spelling of it
    expect(w.text).not.toMatch(RAW);
  });

  it("the console's own enums are covered too (fleet state, job and step states)", () => {
    for (const s of EnvState.options) expect(envStateWord(s).known, s).toBe(true);
    for (const s of JobState.options) expect(jobStateWord(s).known, s).toBe(true);
    for (const s of JobStep.shape.state.options) expect(jobStepWord(s).known, s).toBe(true);
  });
});

describe('the tables cover every value the sandbox serves', () => {
  const served: [string, readonly string[], (v: string) => { known: boolean } | null][] = [
    ['environment status', ENV_STATUSES, envStatusWord],
    ['deployment status', DEPLOYMENT_STATUSES, (v) => lookup(WORD_TABLES.DEPLOYMENT_STATUS, v)],
    ['backup state', BACKUP_STATES, (v) => lookup(WORD_TABLES.BACKUP_STATE, v)],
    ['backup success', BACKUP_SUCCESSES, (v) => lookup(WORD_TABLES.BACKUP_SUCCESS, v)],
    ['backup trigger', BACKUP_TRIGGERS, backupTriggerWord],
    ['service type', SERVICE_TYPES, serviceTypeWord],
    ['service status', SERVICE_STATUSES, serviceStatusWord],
    ['domain CDN', CDN_KINDS, cdnWord],
  ];
  it.each(served)('%s', (_name, values, word) => {
    expect(values.length).toBeGreaterThan(0);
    for (const v of values) expect(word(v)?.known, v).toBe(true);
  });
});

describe('a value nobody knows yet', () => {
  it('is shown as it came, marked', () => {
    expect(envStatusWord('hibernating')).toEqual({ text: 'unknown: hibernating', tone: 'muted', known: false });
    expect(serviceStatusWord('PROVISIONING')).toMatchObject({ text: 'unknown: PROVISIONING', known: false });
    expect(serviceTypeWord('MESSAGE_QUEUE').text).toBe('unknown: MESSAGE_QUEUE');
    expect(backupTriggerWord('PERIODIC').text).toBe('unknown: PERIODIC');
    expect(cdnWord('fastly')?.text).toBe('unknown: fastly');
    expect(jobStateWord('paused').text).toBe('unknown: paused');
    expect(containerStateWord('frozen').text).toBe('unknown: frozen');
  });

  it('is cleaned: no control sequence, one line, cut short', () => {
    const w = unknownWord('evil\x1b[2J\x1b]0;title\x07\nstate\u202e' + 'x'.repeat(100));
    expect(w.text).not.toMatch(/[\x00-\x1f\x7f\u202e]/);
    expect(w.text.startsWith('unknown: evil')).toBe(true);
    expect(w.text.length).toBeLessThanOrEqual('unknown: '.length + 32);
    expect(w.text.endsWith('…')).toBe(true);
  });

  it('never crashes: null, numbers, objects, names of Object.prototype', () => {
    expect(unknownWord(null).text).toBe('unknown');
    expect(lookup(WORD_TABLES.ENV_STATUS, 42).text).toBe('unknown: 42');
    expect(lookup(WORD_TABLES.ENV_STATUS, { a: 1 }).known).toBe(false);
    for (const p of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(envStatusWord(p)?.text, p).toBe(`unknown: ${p}`);
  });

  it('is matched whatever its case (Divio spells some enums in capitals, others not)', () => {
    expect(serviceStatusWord('ready').text).toBe('ready');
    expect(envStatusWord('SLEEPING')?.text).toBe('asleep');
  });
});

describe('composite words', () => {
  it("an environment's state: up, asleep, never deployed, deploying with its percent", () => {
    expect(envStateWord('live')).toMatchObject({ text: 'up', tone: 'ok' });
    expect(envStateWord('sleeping').text).toBe('asleep');
    expect(envStateWord('never-deployed').text).toBe('never deployed');
    expect(envStateWord('deploying', 42.4).text).toBe('deploying 42 %');
    expect(envStateWord('failed')).toMatchObject({ text: 'deploy failed', tone: 'danger' });
    expect(envStatusWord('not_deployed')?.text).toBe('never deployed');
    expect(envStatusWord(null)).toBeNull();
  });

  it('a deployment: by ended_at and success; its status only while it runs', () => {
    expect(deploymentWord({ ended_at: '2026-01-01T00:00:00Z', success: true, status: 'success' })).toMatchObject({ text: 'succeeded', tone: 'ok' });
    expect(deploymentWord({ ended_at: '2026-01-01T00:00:00Z', success: false, status: 'failure' })).toMatchObject({ text: 'failed', tone: 'danger' });
    expect(deploymentWord({ ended_at: '2026-01-01T00:00:00Z', success: null }).text).toBe('ended');
    expect(deploymentWord({ ended_at: null, status: 'running', percent: 41.6 }).text).toBe('deploying 42 %');
    expect(deploymentWord({ ended_at: null, status: 'queued', percent: 0 }).text).toBe('queued');
    // still running whatever the status claims, until ended_at
    expect(deploymentWord({ ended_at: null, status: 'success', percent: 99 }).text).toBe('deploying 99 %');
    expect(deploymentWord({ ended_at: null, status: 'building_image', percent: 10 })).toMatchObject({ text: 'deploying 10 % (unknown: building_image)', known: false });
  });

  it('a backup: its success once ended, its state before', () => {
    expect(backupWord({ state: 'COMPLETED', success: 'SUCCESS' })).toMatchObject({ text: 'ok', tone: 'ok' });
    expect(backupWord({ state: 'COMPLETED', success: 'FAILURE' })).toMatchObject({ text: 'failed', tone: 'danger' });
    expect(backupWord({ state: 'COMPLETED', success: 'PARTIAL' }).text).toBe('partly failed');
    expect(backupWord({ state: 'COMPLETED', success: null }).text).toBe('failed');
    expect(backupWord({ state: 'COMPLETED', success: 'TIMED_OUT' })).toMatchObject({ text: 'failed (unknown: TIMED_OUT)', tone: 'danger', known: false });
    expect(backupWord({ state: 'WORKING', success: null })).toMatchObject({ text: 'running', tone: 'warn' });
    expect(backupWord({ state: 'QUEUED', success: null }).text).toBe('queued');
    expect(backupWord({ state: 'FAILED', success: null }).text).toBe('failed');
    expect(backupWord({ state: 'THAWING', success: null }).text).toBe('unknown: THAWING');
    expect(backupTriggerWord(null).text).toBe('manual');
  });

  it("the deployments list's RESULT says deploying like the fleet and the cockpit", () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    const base = { uuid: 'd', environment: 'e', started_at: '2026-12-06T11:58:00Z' };
    expect(resultText(deploymentRow({ ...base, ended_at: null, status: 'running', percent: 41.6, success: null }, now))).toBe('deploying 42 %');
    expect(resultText(deploymentRow({ ...base, ended_at: '2026-12-06T11:59:00Z', status: 'failure', success: false }, now))).toBe('FAILED');
    expect(resultText(deploymentRow({ ...base, ended_at: '2026-12-06T11:59:00Z', status: 'success', success: true }, now))).toBe('ok');
  });

  it('a restore: ok only with SUCCESS once finished', () => {
    expect(restoreWord({ finished: false, success: null }).text).toBe('running');
    expect(restoreWord({ finished: true, success: 'SUCCESS' }).text).toBe('ok');
    expect(restoreWord({ finished: true, success: 'FAILURE' }).text).toBe('failed');
    expect(restoreWord({ finished: true, success: null }).text).toBe('failed');
    expect(restoreWord({ finished: true, success: 'ROLLED_BACK' }).text).toBe('failed (unknown: ROLLED_BACK)');
    expect(deploymentStatusWord('running').text).toBe('deploying');
    expect(deploymentStatusWord('building').text).toBe('unknown: building');
  });

  it('a container: exited with its code', () => {
    expect(containerStateWord('exited', 137)).toMatchObject({ text: 'exited(137)', tone: 'danger' });
    expect(containerStateWord('exited', 0)).toMatchObject({ text: 'exited(0)', tone: 'plain' });
    expect(containerStateWord('running').tone).toBe('ok');
  });
});
