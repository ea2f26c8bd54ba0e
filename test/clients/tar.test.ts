// The minimal tar reader against archives made by GNU tar (ustar, pax long names, gzip).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTar } from '../../src/divio/tar.js';

let dir: string;
const hasTar = (() => {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tar-'));
  mkdirSync(join(dir, 'src/media/uploads/a-directory-with-a-rather-long-name-to-force-extended-headers-in-the-archive'), { recursive: true });
  writeFileSync(join(dir, 'src/database.dump'), 'COPY t FROM stdin;\n1\tabc\n\\.\n');
  writeFileSync(join(dir, 'src/media/uploads/a-directory-with-a-rather-long-name-to-force-extended-headers-in-the-archive/photo-with-a-long-name-as-well.jpg'), Buffer.alloc(1500, 7));
  if (!hasTar) return;
  execFileSync('tar', ['--format=pax', '-C', join(dir, 'src'), '-cf', join(dir, 'a.tar'), 'database.dump', 'media']);
  execFileSync('tar', ['--format=gnu', '-C', join(dir, 'src'), '-czf', join(dir, 'a.tgz'), 'database.dump', 'media']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readTar', () => {
  it.skipIf(!hasTar)('(needs GNU tar) reads pax and gzip+gnu archives, long names included', () => {
    for (const f of ['a.tar', 'a.tgz']) {
      const entries = readTar(readFileSync(join(dir, f)));
      const files = entries.filter((e) => e.type === '0');
      expect(files.map((e) => e.name).sort()).toEqual([
        'database.dump',
        'media/uploads/a-directory-with-a-rather-long-name-to-force-extended-headers-in-the-archive/photo-with-a-long-name-as-well.jpg',
      ]);
      expect(files.find((e) => e.name === 'database.dump')!.data.toString()).toContain('1\tabc');
      const photo = files.find((e) => e.name.endsWith('.jpg'))!;
      expect(photo.size).toBe(1500);
      expect(photo.data.equals(Buffer.alloc(1500, 7))).toBe(true);
    }
  });

  it('a corrupt archive is a clear error, not garbage', () => {
    const buf = Buffer.from(readFileSync(join(dir, hasTar ? 'a.tar' : 'src/database.dump')));
    if (hasTar) {
      buf[10] ^= 0xff;
      expect(() => readTar(buf)).toThrow(/bad header checksum/);
      expect(() => readTar(buf.subarray(0, 512 + 700))).toThrow();
    }
    expect(() => readTar(Buffer.alloc(512, 0x41))).toThrow(/corrupt tar/);
  });
});
