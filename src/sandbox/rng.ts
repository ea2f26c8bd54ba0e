// Seeded pseudo-random numbers for the sandbox (deterministic scenarios with `seed`).
import { createHash, randomBytes } from 'node:crypto';

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
  }
  /** mulberry32: uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** Pick by weight: [[weight, value], …]. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((a, [w]) => a + w, 0);
    let r = this.next() * total;
    for (const [w, v] of items) {
      if ((r -= w) < 0) return v;
    }
    return items[items.length - 1][1];
  }
  hex(n: number): string {
    let out = '';
    while (out.length < n) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }
  uuid(): string {
    const h = this.hex(32);
    const v = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  /** Derive an independent generator. */
  fork(label: string): Rng {
    return new Rng(hashInt(`${this.s}:${label}`));
  }
}

export function hashInt(s: string): number {
  return createHash('sha256').update(s).digest().readUInt32LE(0);
}

export function shortHash(s: string, len = 12): string {
  return createHash('sha256').update(s).digest('hex').slice(0, len);
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
