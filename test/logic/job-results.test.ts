// Job results are typed per kind (src/domain/jobresults.ts) and checked as the job crosses the wire:
// a reader that names the kind gets its result; a result of the wrong shape is dropped, the job kept.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Job, JobKind, JobResults, jobResult, type DownloadedFile, type RateLimitState } from '../../src/domain/index.js';
import { CommandParams, ServerMessage } from '../../src/protocol/index.js';

const base = { id: 'job_1', idempotencyKey: 'k-12345678', state: 'succeeded', target: 'shop@test', createdAt: 1, updatedAt: 2 };

describe('job results per kind', () => {
  it('every job kind has a result schema and a command schema', () => {
    expect(Object.keys(JobResults).sort()).toEqual([...JobKind.options].sort());
    expect(Object.keys(CommandParams).sort()).toEqual([...JobKind.options].sort());
  });

  it('a download job read off the wire gives its files, typed; another kind gives nothing', () => {
    const msg = ServerMessage.parse({ type: 'job', job: { ...base, kind: 'download', result: { download: 'd-1', files: [{ path: '/gw/downloads/a.tar', bytes: 2048 }] } } });
    if (msg.type !== 'job') throw new Error('not a job message');
    const files = jobResult(msg.job, 'download')?.files;
    expectTypeOf(files).toEqualTypeOf<DownloadedFile[] | undefined>();
    expect(files).toEqual([{ path: '/gw/downloads/a.tar', bytes: 2048 }]);
    expect(jobResult(msg.job, 'backup')).toBeNull();
    expectTypeOf(jobResult(msg.job, 'cloudflare-purge')?.rateLimit).toEqualTypeOf<RateLimitState | undefined>();
  });

  it('switching on kind narrows the result', () => {
    const j = Job.parse({ ...base, kind: 'restore', result: { safetyBackup: 'sb-1', restore: 'r-1' } });
    if (j.kind === 'restore') {
      expectTypeOf(j.result?.safetyBackup).toEqualTypeOf<string | undefined>();
      expect(j.result?.safetyBackup).toBe('sb-1');
    } else throw new Error('kind lost');
  });

  it('a result that does not fit its kind is dropped to null, and the job still arrives', () => {
    const j = Job.parse({ ...base, kind: 'download', result: { files: 'not a list' } });
    expect(j.kind).toBe('download');
    expect(j.state).toBe('succeeded');
    expect(j.result).toBeNull();
    // a field of the right shape beside unknown ones (a newer gateway) is kept
    const k = Job.parse({ ...base, kind: 'deploy', result: { deployment: 'd-2', later: { x: 1 } } });
    expect(jobResult(k, 'deploy', 'redeploy')?.deployment).toBe('d-2');
  });

  it('the result keeps the order the job recorded it in (the CLI prints it in that order)', () => {
    const j = Job.parse({ ...base, kind: 'restore', result: { safetyBackup: 's', download: 'd', uploadBackup: 'u', uploaded: true, restore: 'r' } });
    expect(Object.keys(j.result ?? {})).toEqual(['safetyBackup', 'download', 'uploadBackup', 'uploaded', 'restore']);
  });

  it('an unknown kind is refused with the message, not half-read', () => {
    expect(Job.safeParse({ ...base, kind: 'explode', result: null }).success).toBe(false);
  });
});
