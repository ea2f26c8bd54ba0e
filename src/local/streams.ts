// Pure, incremental decoders for the Engine API's byte streams. No I/O here.
//
// Multiplexed log/attach streams (non-TTY containers) are a sequence of frames:
//   byte 0: stream type (0 stdin, 1 stdout, 2 stderr, 3 system error), bytes 1–3: zero,
//   bytes 4–7: payload length (uint32 big-endian), then the payload.
// Frames arrive split across chunks (even inside the 8-byte header), and several frames can share a
// chunk. TTY containers send the raw bytes with no framing.
import { StringDecoder } from 'node:string_decoder';

export type StdStream = 'stdout' | 'stderr';

export interface Frame {
  stream: StdStream;
  data: Buffer;
}

const HEADER = 8;

/**
 * Incremental demultiplexer. `push(chunk)` returns the complete frames it could decode; the rest is
 * kept until the next chunk. If a header is not a valid frame header (the stream was not
 * multiplexed after all), the demuxer switches to raw mode and passes bytes through as stdout.
 */
export class FrameDemuxer {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private raw = false;

  /** True once the input turned out not to be multiplexed. */
  get isRaw(): boolean {
    return this.raw;
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.pendingLen;
  }

  push(chunk: Buffer): Frame[] {
    if (this.raw) return chunk.length ? [{ stream: 'stdout', data: chunk }] : [];
    if (chunk.length === 0) return [];
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    const out: Frame[] = [];
    let buf = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLen);
    let off = 0;
    while (buf.length - off >= HEADER) {
      const type = buf[off];
      if (type > 3 || buf[off + 1] !== 0 || buf[off + 2] !== 0 || buf[off + 3] !== 0) {
        // Not a frame header: treat everything from here on as raw output.
        this.raw = true;
        const rest = buf.subarray(off);
        this.pending = [];
        this.pendingLen = 0;
        if (rest.length) out.push({ stream: 'stdout', data: Buffer.from(rest) });
        return out;
      }
      const len = buf.readUInt32BE(off + 4);
      if (buf.length - off - HEADER < len) break;
      const data = buf.subarray(off + HEADER, off + HEADER + len);
      // stdin (0) echoes are shown as stdout; system errors (3) as stderr.
      if (len > 0) out.push({ stream: type === 2 || type === 3 ? 'stderr' : 'stdout', data: Buffer.from(data) });
      off += HEADER + len;
    }
    buf = buf.subarray(off);
    this.pending = buf.length ? [buf] : [];
    this.pendingLen = buf.length;
    return out;
  }
}

/** Builds one frame (for tests and fake engines). */
export function encodeFrame(stream: 0 | 1 | 2 | 3, payload: Buffer | string): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const h = Buffer.alloc(HEADER);
  h[0] = stream;
  h.writeUInt32BE(data.length, 4);
  return Buffer.concat([h, data]);
}

/**
 * Splits one stream's bytes into lines on \n, carrying a partial line to the next chunk, decoding
 * UTF-8 across chunk boundaries. A line longer than `maxLine` characters is cut (never unbounded).
 */
export class LineSplitter {
  private decoder = new StringDecoder('utf8');
  private carry = '';
  constructor(private readonly maxLine = 64 * 1024) {}

  push(data: Buffer): string[] {
    const text = this.carry + this.decoder.write(data);
    const parts = text.split('\n');
    this.carry = parts.pop() ?? '';
    const out = parts.map(stripCr);
    while (this.carry.length > this.maxLine) {
      out.push(this.carry.slice(0, this.maxLine));
      this.carry = this.carry.slice(this.maxLine);
    }
    return out;
  }

  /** The unterminated last line, if any (call at end of stream). */
  flush(): string[] {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    return rest.length ? [stripCr(rest)] : [];
  }
}

function stripCr(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

const TS_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{1,9})?(Z|[+-]\d\d:\d\d) /;

/**
 * Parses the RFC3339(Nano) prefix the engine adds with `timestamps=true`
 * (`2026-11-24T00:02:04.123456789Z message`). Returns epoch ms (sub-ms kept in `tsIso`) and the rest.
 */
export function parseTimestamped(line: string): { ts: number; tsIso: string; text: string } | null {
  const m = TS_RE.exec(line);
  if (!m) return null;
  const base = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(base)) return null;
  const frac = m[2] ? Number(`0${m[2]}`) : 0;
  return { ts: base + Math.floor(frac * 1000 * 1000) / 1000, tsIso: `${m[1]}${m[2] ?? ''}${m[3]}`, text: line.slice(m[0].length) };
}

/** Splits newline-delimited JSON (stats, events) with partial-line carry. */
export class JsonLines {
  private splitter = new LineSplitter(16 * 1024 * 1024);
  push(data: Buffer): unknown[] {
    return this.parse(this.splitter.push(data));
  }
  flush(): unknown[] {
    return this.parse(this.splitter.flush());
  }
  private parse(lines: string[]): unknown[] {
    const out: unknown[] = [];
    for (const l of lines) {
      const t = l.trim();
      if (!t) continue;
      try {
        out.push(JSON.parse(t));
      } catch {
        out.push(new SyntaxError(`not JSON: ${t.slice(0, 80)}`));
      }
    }
    return out;
  }
}
