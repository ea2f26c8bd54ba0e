// Each persisted file of the sandbox truncated or garbled: every start recovers, moves the bad file
// aside (kept byte for byte) with one notice line, and the next start is quiet again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { SCENARIO } from '../../src/sandbox/index.js';
import { client, start } from './helpers.js';

let root: string;
let pristine: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sbx-corrupt-'));
  pristine = join(root, 'pristine');
  const sb = await start({ ephemeral: false, dataDir: pristine, ssh: true });
  await sb.close();
  expect(existsSync(join(pristine, 'state.json'))).toBe(true);
  expect(existsSync(join(pristine, 'ssh_host_ed25519_key'))).toBe(true);
});
afterAll(() => { if (root) rmSync(root, { recursive: true, force: true }); });

type Garble = (text: string) => string | Buffer;
const GARBLES: Record<string, Garble> = {
  'truncated to half': (t) => t.slice(0, Math.floor(t.length / 2)),
  'empty': () => '',
  'random bytes': () => Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256)),
  'bytes overwritten in the middle': (t) => t.slice(0, t.length / 2) + '\u0000\u00ff}{' + t.slice(t.length / 2 + 4),
};
const STATE_GARBLES: Record<string, Garble> = {
  ...GARBLES,
  'valid JSON, not a state': () => '[]',
  'another version': (t) => JSON.stringify({ ...JSON.parse(t), version: 2 }),
  'a null among the environments': (t) => { const s = JSON.parse(t); s.environments.push(null); return JSON.stringify(s); },
  'logs that are not logs': (t) => { const s = JSON.parse(t); s.logs[Object.keys(s.logs)[0] ?? 'x'] = 'nope'; return JSON.stringify(s); },
};

let n = 0;
function copyWith(file: string, garble: Garble): { dir: string; original: Buffer } {
  const dir = join(root, `case-${++n}`);
  cpSync(pristine, dir, { recursive: true });
  const g = garble(readFileSync(join(dir, file), 'utf8'));
  writeFileSync(join(dir, file), g);
  return { dir, original: Buffer.isBuffer(g) ? g : Buffer.from(g) };
}

async function startsAndRecovers(dir: string, file: string, original: Buffer, what: RegExp): Promise<void> {
  const sb = await start({ ephemeral: false, dataDir: dir, ssh: true, seed: undefined });
  try {
    const aside = readdirSync(dir).filter((f) => f.startsWith(`${file}.corrupt-`));
    expect(aside).toHaveLength(1);
    expect(sb.notices).toHaveLength(1);
    expect(sb.notices[0]).toMatch(what);
    expect(sb.notices[0]).toContain(join(dir, aside[0]!));
    expect(readFileSync(join(dir, aside[0]!)).equals(original)).toBe(true);
    // a working sandbox: the API answers, SSH listens with a key ssh2 can read
    const apps = await client(sb).get('/apps/v3/applications/?page_size=100');
    expect(apps.status).toBe(200);
    expect(apps.body.results.map((a: { slug: string }) => a.slug)).toContain(SCENARIO.healthyApp);
    expect(sb.ssh).not.toBeNull();
    expect(ssh2.utils.parseKey(readFileSync(join(dir, 'ssh_host_ed25519_key'), 'utf8'))).not.toBeInstanceOf(Error);
  } finally {
    await sb.close();
  }
  const again = await start({ ephemeral: false, dataDir: dir, ssh: true, seed: undefined });
  try {
    expect(again.notices).toEqual([]);
  } finally {
    await again.close();
  }
}

describe('sandbox state.json truncated or garbled', () => {
  for (const [name, g] of Object.entries(STATE_GARBLES)) {
    it(`${name}: starts fresh, the old file kept aside`, async () => {
      const { dir, original } = copyWith('state.json', g);
      await startsAndRecovers(dir, 'state.json', original, /^unusable sandbox state: moved to \S+state\.json\.corrupt-\d{8}T\d{6}Z \(.+\); starting fresh$/);
    });
  }
});

describe('sandbox SSH host key truncated or garbled', () => {
  for (const [name, g] of Object.entries(GARBLES)) {
    it(`${name}: a new key, the old one kept aside`, async () => {
      const { dir, original } = copyWith('ssh_host_ed25519_key', g);
      await startsAndRecovers(dir, 'ssh_host_ed25519_key', original, /^unusable sandbox SSH host key: moved to /);
    });
  }
});

describe('files the sandbox derives again', () => {
  for (const file of ['ssh_host_ed25519_key.pub', 'known_hosts']) {
    it(`${file} garbled: rewritten from the key, no notice needed`, async () => {
      const { dir } = copyWith(file, GARBLES['random bytes']!);
      const sb = await start({ ephemeral: false, dataDir: dir, ssh: true, seed: undefined });
      try {
        expect(sb.notices).toEqual([]);
        expect(readFileSync(join(dir, file), 'utf8')).toContain(sb.ssh!.hostKey);
      } finally {
        await sb.close();
      }
    });
  }
});
