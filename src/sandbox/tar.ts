// A minimal POSIX ustar writer and reader (regular files only), for backup downloads.

export interface TarEntry { name: string; data: Buffer; mtime?: number; mode?: number }

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(e: TarEntry): Buffer {
  const h = Buffer.alloc(512, 0);
  let name = e.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 154);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar: name too long: ${name}`);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
  }
  h.write(name, 0, 100, 'utf8');
  h.write(octal(e.mode ?? 0o644, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii');
  h.write(octal(0, 8), 116, 8, 'ascii');
  h.write(octal(e.data.length, 12), 124, 12, 'ascii');
  h.write(octal(Math.floor(e.mtime ?? Date.now() / 1000), 12), 136, 12, 'ascii');
  h.fill(' ', 148, 156); // checksum placeholder
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  if (prefix) h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

export function writeTar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e), e.data);
    const pad = (512 - (e.data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

function cstr(b: Buffer): string {
  const z = b.indexOf(0);
  return b.subarray(0, z === -1 ? b.length : z).toString('utf8');
}

/** Read regular files from a ustar archive; throws a clear error on a corrupt archive. */
export function readTar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let off = 0;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    const stored = parseInt(cstr(h.subarray(148, 156)).trim(), 8);
    if (stored !== sum) throw new Error(`tar: bad header checksum at offset ${off}`);
    const size = parseInt(cstr(h.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = cstr(h.subarray(345, 500));
    const name = (prefix ? prefix + '/' : '') + cstr(h.subarray(0, 100));
    const start = off + 512;
    if (start + size > buf.length) throw new Error(`tar: truncated entry ${name}`);
    if (type === '0') out.push({ name, data: Buffer.from(buf.subarray(start, start + size)), mtime: parseInt(cstr(h.subarray(136, 148)), 8), mode: parseInt(cstr(h.subarray(100, 108)), 8) });
    off = start + Math.ceil(size / 512) * 512;
  }
  return out;
}
