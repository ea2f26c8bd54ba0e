// The zod schemas of the sandbox's request bodies (Divio API, Cloudflare purge items, the /_sandbox/
// control surface). Built when this module loads: on the first request that has a body (http.ts,
// loadBodySchemas), not at the sandbox's start (issue 16).
import * as z from '../domain/zod.js';

// ---------- Divio API (divio-api.ts) ----------
const uuidField = z.string({ error: (i) => (i.input === undefined ? 'This field is required.' : 'Must be a valid UUID.') }).min(1, 'This field may not be blank.');
const PatchEnv = z.object({ branch: z.string().min(1, 'This field may not be blank.').max(255).regex(/^[^\s~^:?*[\\]*$/, 'Enter a valid branch name.') });
const CopyEnv = z.object({ new_slug: z.string().regex(/^[a-z][a-z0-9-]{0,49}$/, 'Enter a valid "slug" consisting of lowercase letters, numbers or hyphens.') });
const VarName = z.string({ error: (i) => (i.input === undefined ? 'This field is required.' : 'Not a valid string.') })
  .min(1, 'This field may not be blank.').max(255, 'Ensure this field has no more than 255 characters.')
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'Enter a valid environment variable name.');
const VarValue = z.string({ error: (i) => (i.input === undefined ? 'This field is required.' : 'Not a valid string.') }).max(65_536, 'Ensure this field has no more than 65536 characters.');
const PostVar = z.object({ environment: uuidField, name: VarName, value: VarValue, is_sensitive: z.boolean().optional() });
const PatchVar = z.object({ value: VarValue.optional(), is_sensitive: z.boolean().optional() });
const PostDeployment = z.object({ environment: uuidField, build_mode: z.enum(['AUTO', 'ADOPT', 'FORCE']).optional() });
const PostBackup = z.object({
  environment: uuidField,
  services: z.array(z.string().min(1)).min(1, 'This list may not be empty.'),
  trigger: z.literal('MANUAL').optional(),
  notes: z.string().max(1000).optional().nullable(),
  scheduled_for_deletion_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'Datetime has wrong format.').optional().nullable(),
});
// The documented body. Unknown fields (a `service_instance` in an item, say) are dropped, as Django
// REST framework's serializers do: a restore always goes into the backed-up service instances.
const PostRestore = z.object({
  backup: uuidField,
  service_instance_restores: z.array(z.object({ service_instance_backup: z.string().min(1) })).min(1, 'This list may not be empty.'),
  notes: z.string().max(1000).optional().nullable(),
});
const PostUpload = PostBackup.omit({ trigger: true });
const PostDownload = z.object({
  backup: uuidField,
  service_instance_backups: z.array(z.string().min(1)).min(1, 'This list may not be empty.'),
  trigger: z.enum(['PULL', 'MANUAL']).optional(),
});

export { PatchEnv, CopyEnv, PostVar, PatchVar, PostDeployment, PostBackup, PostRestore, PostUpload, PostDownload };

// ---------- Cloudflare purge items (cloudflare.ts) ----------
export const fileItem = z.union([
  z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an absolute http(s) URL'),
  z.object({ url: z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an absolute http(s) URL'), headers: z.record(z.string(), z.string()).optional() }),
]);
export const hostItem = z.string().regex(/^[a-z0-9.-]+$/i, 'must be a hostname without scheme or path');
export const prefixItem = z.string().min(1).refine((s) => !/^[a-z]+:\/\//i.test(s), 'must not include a scheme (http:// or https://)').refine((s) => !s.includes('?'), 'must not include a query string');
export const tagItem = z.string().min(1).max(1024);

// ---------- /_sandbox/ control bodies (index.ts) ----------
export const LogRateBody = z.object({ rate: z.number().min(0).max(100_000), environment: z.string().min(1).optional() });
export const EmitBody = z.object({ environment: z.string().min(1), lines: z.array(z.object({ service: z.string().optional(), message: z.string() })).max(100_000) });
export const FailNextBody = z.object({ kind: z.enum(['deployment', 'backup', 'restore']), environment: z.string().min(1).optional(), count: z.number().int().positive().optional() });
