// Backups made by uploading a file, as Divio's `divio app push db|media` does: POST
// /apps/v3/backups/upload/ creates the backup of the named service instances and answers, per
// service instance, how to upload its file (handler + upload_parameters) and a finish URL. The
// sandbox serves the `exo-presigned-v1` handler itself: a presigned URL for an HTTP PUT (no token,
// unguessable) and a finish URL (POST, no token). The file is what a backup download gives (the
// sandbox's tar with its manifest), so a downloaded backup can be uploaded into another environment.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DrfError, badRequest, type Ctx } from './http.js';
import type { Engine } from './engine.js';
import { makeBackup } from './engine.js';
import type { BackupRec, EnvRec, ServiceInstanceRec, SiBackupRec } from './model.js';
import { readTar } from './tar.js';

/** Create an upload backup of `sis` of `env`; the response body of POST /apps/v3/backups/upload/. */
export function createUploadBackup(ctx: Ctx, engine: Engine, env: EnvRec, sis: ServiceInstanceRec[], notes: string, deleteAt: string | null): { backup: BackupRec; body: unknown } {
  const s = engine.state;
  const b = makeBackup(s, engine.rng, env, sis, 'MANUAL', notes, Date.now(), false, deleteAt);
  b.upload = { secret: randomBytes(24).toString('hex'), finishedAt: null };
  b.durationMs = 2000;
  const results: Record<string, unknown> = {};
  for (const sibUuid of b.service_instance_backups) {
    const sib = s.siBackups.find((x) => x.uuid === sibUuid)!;
    const url = `${ctx.base}/_uploads/${b.upload.secret}/${sib.uuid}`;
    const upload_parameters =
      engine.uploadHandler === 'exo-presigned-v1'
        ? { url, max_file_size: engine.maxUploadBytes }
        : engine.uploadHandler === 'az-sas-v1'
          ? { url: `https://sandbox.blob.core.windows.net/backups/${sib.uuid}?sv=2022-11-02&sig=sandbox` }
          : { aws_access_key_id: 'ASIASANDBOX', aws_secret_access_key: 'sandbox-secret', aws_session_token: 'sandbox-session', bucket: 'sandbox-backups', key: `uploads/${sib.uuid}` };
    results[sib.service_instance] = { handler: engine.uploadHandler, upload_parameters, finish_url: `${url}/finish/` };
  }
  engine.onChange();
  return { backup: b, body: { uuid: b.uuid, results } };
}

function uploadTarget(engine: Engine, secret: string, sibUuid: string): { b: BackupRec; sib: SiBackupRec } {
  const s = engine.state;
  const b = s.backups.find((x) => x.upload?.secret === secret);
  const sib = b && s.siBackups.find((x) => x.uuid === sibUuid && x.backup === b.uuid);
  // an unknown or used link: 403, as object storage answers a bad signature
  if (!b || !sib || b.upload!.finishedAt) throw new DrfError(403, { detail: 'The upload link is not valid (any more).' });
  return { b, sib };
}

async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw new DrfError(400, { detail: `EntityTooLarge: the file is ${declared} bytes, the limit is ${limit}` });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw new DrfError(400, { detail: `EntityTooLarge: more than ${limit} bytes` });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** PUT /_uploads/{secret}/{sib}: the file of one service instance (no token: the URL is the credential). */
export async function receiveUpload(ctx: Ctx, engine: Engine): Promise<void> {
  const { sib } = uploadTarget(engine, ctx.params.secret!, ctx.params.sib!);
  const data = await readLimited(ctx.req, engine.maxUploadBytes);
  sib.uploaded = true;
  sib.size = data.length;
  sib.snapshot = null;
  sib.uploadError = null;
  try {
    const manifest = readTar(data).find((e) => e.name === 'manifest.json');
    if (!manifest) throw new Error('no manifest.json in the archive');
    const m = JSON.parse(manifest.data.toString('utf8')) as { service_type?: string; content_version?: Record<string, unknown> | null };
    if (m.service_type !== sib.service_type) throw new Error(`a ${m.service_type ?? 'unknown'} backup cannot be restored into a ${sib.service_type} service instance`);
    const cv = m.content_version;
    if (!cv) throw new Error('the archive holds no content');
    if (sib.service_type === 'DATABASE' && typeof cv.rows === 'number' && typeof cv.checksum === 'string') sib.snapshot = { database: { rows: cv.rows, checksum: cv.checksum } };
    else if (sib.service_type === 'STORAGE' && typeof cv.files === 'number' && typeof cv.checksum === 'string')
      sib.snapshot = { media: { files: cv.files, bytes: typeof cv.bytes === 'number' ? cv.bytes : 0, checksum: cv.checksum } };
    else throw new Error('the archive holds no content of this type');
  } catch (e) {
    sib.uploadError = `the uploaded file is not usable: ${(e as Error).message}`;
  }
  engine.onChange();
  ctx.res.writeHead(200, { etag: `"${sib.uuid.slice(0, 8)}"`, 'content-length': 0 });
  ctx.res.end();
}

/** POST /_uploads/{secret}/{sib}/finish/: the file is complete; once every file is in, the backup runs. */
export function finishUpload(ctx: Ctx, engine: Engine): void {
  const { b, sib } = uploadTarget(engine, ctx.params.secret!, ctx.params.sib!);
  if (!sib.uploaded) throw badRequest('non_field_errors', 'No file was uploaded for this service instance.');
  sib.uploadFinished = true;
  const sibs = engine.state.siBackups.filter((x) => x.backup === b.uuid);
  if (sibs.every((x) => x.uploadFinished)) b.upload!.finishedAt = new Date().toISOString();
  engine.onChange();
  const text = JSON.stringify({ detail: 'ok' });
  ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  ctx.res.end(text);
}
