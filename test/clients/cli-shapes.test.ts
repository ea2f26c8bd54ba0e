// Answers our sandbox never gives but Divio's own CLI is written for (divio/divio-cli,
// divio_cli/localdev/backups.py and its tests, divio_cli/test/test_localdev_backups.py): a backup whose
// `success` says something while it still runs, `errors` as a string or null, and a backup whose
// `service_instance_backups` is null. Served over real HTTP to the client and its operations.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { DivioClient, followBackup, prepareDownload, uploadBackupFile } from '../../src/divio/index.js';
import { backupOutcome } from '../../src/domain/outcomes.js';
import { Backup, BackupRestore, ServiceInstanceBackup, page } from '../../src/domain/divio.js';

const B = 'b0b0b0b0-0000-4000-8000-0000000000b0';
const SIB = '5151515f-0000-4000-8000-000000000051';
const ENV = 'e0e0e0e0-0000-4000-8000-0000000000e0';
const DL = 'd1d1d1d1-0000-4000-8000-0000000000d1';
const DLSI = 'd5d5d5d5-0000-4000-8000-0000000000d5';

const backup = (state: string, success: string | null) => ({
  uuid: B, environment: ENV, state, success, service_instance_backups: [SIB], trigger: 'MANUAL',
  created_at: '2026-06-01T11:00:00Z', started_at: '2026-06-01T11:00:01Z', ended_at: null,
});

/** What each GET answers next: one entry per poll (the last one repeats). */
let backups: unknown[] = [];
let downloadItem: Record<string, unknown> = {};
let polls = 0;
/** The headers of each upload request (the presigned PUT, the finish POST). */
const uploads: { method: string; headers: Record<string, unknown>; bytes: number }[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (path === `/apps/v3/backups/${B}/`) return send(200, backups[Math.min(polls++, backups.length - 1)]);
    if (path === '/apps/v3/backup-downloads/' && req.method === 'POST') return send(201, { uuid: DL });
    if (path === '/apps/v3/backup-download-service-instances/') return send(200, { count: 1, next: null, previous: null, results: [{ uuid: DLSI, ended_at: null }] });
    if (path.startsWith('/_up/')) {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        uploads.push({ method: req.method!, headers: { ...req.headers }, bytes });
        res.writeHead(200, { 'content-length': 0 });
        res.end();
      });
      return;
    }
    if (path === `/apps/v3/backup-download-service-instances/${DLSI}`) return send(200, { uuid: DLSI, download_url: 'https://storage.example/b.tar?sig=1', ...downloadItem });
    send(404, { detail: 'Not found.' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  polls = 0;
});

const make = () => new DivioClient({ baseUrl: base, token: 'tok_cli_shapes_1234', retry: { maxAttempts: 1 } });

describe('a backup is followed until COMPLETED, whatever `success` says before', () => {
  it('WORKING with success PARTIAL, then COMPLETED with SUCCESS: a success (not a failure at the first poll)', async () => {
    backups = [backup('WORKING', 'PARTIAL'), backup('WORKING', 'PARTIAL'), backup('COMPLETED', 'SUCCESS')];
    const c = make();
    try {
      const b = await followBackup(c, B, { intervalMs: 5 });
      expect(b.state).toBe('COMPLETED');
      expect(backupOutcome(b)).toEqual({ done: true, ok: true });
      expect(polls).toBe(3);
    } finally {
      await c.close();
    }
  });

  it('WORKING with success SUCCESS, then COMPLETED with FAILURE: a failure that says FAILURE', async () => {
    backups = [backup('WORKING', 'SUCCESS'), backup('COMPLETED', 'FAILURE')];
    const c = make();
    try {
      const b = await followBackup(c, B, { intervalMs: 5 });
      expect(backupOutcome(b)).toEqual({ done: true, ok: false, reason: 'FAILURE' });
    } finally {
      await c.close();
    }
  });

  it('COMPLETED with PARTIAL or with no success at all: failed; a FAILED state ends it too', () => {
    expect(backupOutcome({ state: 'COMPLETED', success: 'PARTIAL', ended_at: null })).toEqual({ done: true, ok: false, reason: 'PARTIAL' });
    expect(backupOutcome({ state: 'COMPLETED', success: null, ended_at: null })).toMatchObject({ done: true, ok: false });
    expect(backupOutcome({ state: 'FAILED', success: null, ended_at: null })).toMatchObject({ done: true, ok: false });
    expect(backupOutcome({ state: 'WORKING', success: 'FAILURE', ended_at: null })).toEqual({ done: false });
  });
});

describe('`errors` as Divio’s CLI reads it: a string, null or a list', () => {
  it('a download item that ended with errors "foo error" fails with that text', async () => {
    downloadItem = { ended_at: '2026-06-01T11:05:00Z', errors: 'foo error' };
    const c = make();
    try {
      await expect(prepareDownload(c, B, [SIB], { intervalMs: 5 })).rejects.toThrow(/failed: foo error/);
    } finally {
      await c.close();
    }
  });

  it('a download item with errors null or "" is a download URL, not "unexpected response"', async () => {
    for (const errors of [null, '', []]) {
      downloadItem = { ended_at: '2026-06-01T11:05:00Z', errors };
      const c = make();
      try {
        await expect(prepareDownload(c, B, [SIB], { intervalMs: 5 })).resolves.toMatchObject({ url: 'https://storage.example/b.tar?sig=1' });
      } finally {
        await c.close();
      }
    }
  });

  it('service-instance backups and restores: errors null is none, a string is one error, a list stays a list', () => {
    const sib = { uuid: SIB, backup: B, service_instance: ENV, ended_at: '2026-06-01T11:05:00Z' };
    expect(ServiceInstanceBackup.parse({ ...sib, errors: null }).errors).toEqual([]);
    expect(ServiceInstanceBackup.parse(sib).errors).toEqual([]);
    expect(ServiceInstanceBackup.parse({ ...sib, errors: 'oops' }).errors).toEqual(['oops']);
    expect(ServiceInstanceBackup.parse({ ...sib, errors: ['a', { code: 1 }] }).errors).toEqual(['a', { code: 1 }]);
    expect(BackupRestore.parse({ uuid: B, finished: true, success: 'FAILURE', errors: 'pg_restore: failed' }).errors).toEqual(['pg_restore: failed']);
  });

  it('a backup whose service_instance_backups is null is read (as none), and does not spoil its page', () => {
    const b = { ...backup('COMPLETED', 'SUCCESS'), service_instance_backups: null };
    expect(Backup.parse(b).service_instance_backups).toEqual([]);
    const p = page(Backup).parse({ count: 2, next: null, previous: null, results: [b, backup('COMPLETED', 'SUCCESS')] });
    expect(p.results.map((x) => x.service_instance_backups.length)).toEqual([0, 1]);
  });
});

describe('the upload of a backup file, as Divio’s CLI sends it', () => {
  it('the presigned PUT carries the file and its length, and no Content-Type (a presigned URL may have signed it empty)', async () => {
    uploads.length = 0;
    const file = Buffer.from('x'.repeat(1000));
    const target = { handler: 'exo-presigned-v1', upload_parameters: { url: `${base}/_up/put?X-Amz-Signature=abc`, max_file_size: 10_000 }, finish_url: `${base}/_up/finish/` };
    await uploadBackupFile(target, Readable.from([file]), file.length);
    expect(uploads.map((u) => u.method)).toEqual(['PUT', 'POST']);
    expect(uploads[0]).toMatchObject({ bytes: 1000, headers: { 'content-length': '1000' } });
    expect(uploads[0]!.headers['content-type']).toBeUndefined();
  });
});
