// A minimal reader for ustar / POSIX tar archives (optionally gzip-compressed), enough to list and
// check a Divio backup download (a database dump, media files and a manifest).
import { gunzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  /** '0' file, '5' directory, '2' symlink, … */
  type: string;
  size: number;
  mode: number;
  mtime: number;
  linkname: string;
  data: Buffer;
}

function str(buf: Buffer, off: number, len: number): string {
  const slice = buf.subarray(off, off + len);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? len : nul).toString('utf8');
}

function octal(buf: Buffer, off: number, len: number): number {
  // GNU base-256 for big numbers
  if (buf[off] & 0x80) {
    let n = 0;
    for (let i = off + 1; i < off + len; i++) n = n * 256 + buf[i];
    return n;
  }
  const s = str(buf, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function checksumOk(h: Buffer): boolean {
  const want = octal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === want;
}

function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp === -1) break;
    const len = parseInt(data.subarray(i, sp).toString('ascii'), 10);
    if (!len) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Parse a tar (gzip detected by magic). Throws an Error with a clear message on a corrupt archive. */
export function readTar(input: Buffer): TarEntry[] {
  const buf = input.length >= 2 && input[0] === 0x1f && input[1] === 0x8b ? gunzipSync(input) : input;
  const entries: TarEntry[] = [];
  let off = 0;
  let pax: Record<string, string> = {};
  let longName: string | null = null;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break; // end of archive
    if (!checksumOk(h)) throw new Error(`corrupt tar: bad header checksum at offset ${off}`);
    const type = String.fromCharCode(h[156] || 0x30);
    const size = octal(h, 124, 12);
    const dataStart = off + 512;
    if (dataStart + size > buf.length) throw new Error(`corrupt tar: entry at offset ${off} is truncated`);
    const data = buf.subarray(dataStart, dataStart + size);
    off = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      longName = str(data, 0, data.length);
      continue;
    }
    let name = str(h, 0, 100);
    if (str(h, 257, 5) === 'ustar') {
      const prefix = str(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    if (longName) name = longName;
    if (pax.path) name = pax.path;
    entries.push({
      name,
      type: type === '\0' ? '0' : type,
      size: pax.size ? Number(pax.size) : size,
      mode: octal(h, 100, 8),
      mtime: octal(h, 136, 12),
      linkname: pax.linkpath ?? str(h, 157, 100),
      data: Buffer.from(data),
    });
    pax = {};
    longName = null;
  }
  return entries;
}
