// CPU and memory over the last minutes, per local container, for the Local view's sparklines.
//
// A series is a fixed ring of time buckets (`stepMs` each, `capacity` of them: 2 s × 150 = 5 min by
// default), so its memory does not grow with time or with the engine's sampling rate:
// - several samples in one bucket keep the largest (a short CPU spike stays visible);
// - a sample stands for the time since the previous sample of the same stream (CPU % is an average
//   over that period; Podman sends a sample every 5 s, Docker every second), so it fills the buckets
//   back to that sample — at most `MAX_SPAN_MS`, a longer silence stays a gap;
// - buckets no sample reached (stats not watched: the Local view was closed, the container was
//   stopped, the engine's stream was cut) read as null — a gap, never a zero;
// - a sample older than the window, or not a finite number, is ignored.
// Reading pads the series with nulls up to `now`, so a series that stopped receiving samples ends in
// a gap instead of repeating its last figure as if it were current.

export interface HistoryOptions {
  /** Width of one bucket in ms (default 2000). */
  stepMs?: number;
  /** Buckets kept (default 150). */
  capacity?: number;
}

export const HISTORY_STEP_MS = 2000;
export const HISTORY_CAPACITY = 150;
/** A sample never stands for more than this much time before it. */
export const MAX_SPAN_MS = 15_000;

export class SampleRing {
  readonly stepMs: number;
  readonly capacity: number;
  private readonly values: Array<number | null>;
  /** Absolute bucket number (floor(at / stepMs)) held by each slot; NaN: empty. */
  private readonly buckets: number[];
  /** Newest bucket that received a sample; null: none yet. */
  private last: number | null = null;
  /** Oldest bucket that received a sample (reading starts here, not at a blank window). */
  private first: number | null = null;

  constructor(opts: HistoryOptions = {}) {
    this.stepMs = Math.max(1, Math.floor(opts.stepMs ?? HISTORY_STEP_MS));
    this.capacity = Math.max(1, Math.floor(opts.capacity ?? HISTORY_CAPACITY));
    this.values = new Array<number | null>(this.capacity).fill(null);
    this.buckets = new Array<number>(this.capacity).fill(NaN);
  }

  /**
   * Record `value` taken at epoch ms `at`; with `since` (the previous sample of the same stream), it
   * also fills the buckets after that one up to `at` (not more than MAX_SPAN_MS back).
   */
  push(at: number, value: number | null | undefined, since?: number | null): void {
    if (value === null || value === undefined || !Number.isFinite(value) || !Number.isFinite(at)) return;
    const b = Math.floor(at / this.stepMs);
    if (since !== null && since !== undefined && Number.isFinite(since) && since < at && at - since <= MAX_SPAN_MS) {
      for (let x = Math.max(Math.floor(since / this.stepMs) + 1, b - this.capacity + 1); x < b; x++) this.put(x, value);
    }
    this.put(b, value);
  }

  private put(b: number, value: number): void {
    if (this.last !== null && b <= this.last - this.capacity) return; // older than the window
    const slot = ((b % this.capacity) + this.capacity) % this.capacity;
    if (this.buckets[slot] === b) {
      const prev = this.values[slot]!;
      this.values[slot] = prev === null ? value : Math.max(prev, value);
    } else {
      this.buckets[slot] = b;
      this.values[slot] = value;
    }
    if (this.last === null || b > this.last) this.last = b;
    if (this.first === null || b < this.first) this.first = b;
    if (this.first < this.last - this.capacity + 1) this.first = this.last - this.capacity + 1;
  }

  /** Oldest first: one value (or null for a gap) per bucket from the first sample kept to `now`. */
  read(now: number = Date.now()): Array<number | null> {
    if (this.last === null || this.first === null) return [];
    const end = Math.max(this.last, Math.floor(now / this.stepMs));
    const start = Math.max(this.first, end - this.capacity + 1);
    const out: Array<number | null> = [];
    for (let b = start; b <= end; b++) {
      const slot = ((b % this.capacity) + this.capacity) % this.capacity;
      const v = this.buckets[slot] === b ? this.values[slot]! : null;
      // the series starts at its oldest sample still inside the window (nothing left: no history)
      if (v !== null || out.length) out.push(v);
    }
    return out;
  }
}

/** CPU % and memory bytes of one container. */
export class ContainerHistory {
  readonly cpu: SampleRing;
  readonly mem: SampleRing;
  constructor(opts: HistoryOptions = {}) {
    this.cpu = new SampleRing(opts);
    this.mem = new SampleRing(opts);
  }
  /** One stats sample; `since`: the previous sample of the same stats stream (null: a new stream). */
  push(at: number, cpuPercent: number | null, memoryUsed: number | null, since: number | null = null): void {
    this.cpu.push(at, cpuPercent === null ? null : Math.round(cpuPercent * 10) / 10, since);
    this.mem.push(at, memoryUsed === null ? null : Math.round(memoryUsed), since);
  }
}

/** Histories of the containers an engine has, dropped with the container. */
export class HistoryBook {
  private readonly map = new Map<string, ContainerHistory>();
  constructor(private readonly opts: HistoryOptions = {}) {}

  get stepMs(): number {
    return Math.max(1, Math.floor(this.opts.stepMs ?? HISTORY_STEP_MS));
  }

  of(id: string): ContainerHistory {
    let h = this.map.get(id);
    if (!h) this.map.set(id, (h = new ContainerHistory(this.opts)));
    return h;
  }

  peek(id: string): ContainerHistory | null {
    return this.map.get(id) ?? null;
  }

  /** Forget every container not in `ids` (removed from the engine). */
  keepOnly(ids: Iterable<string>): void {
    const keep = new Set(ids);
    for (const id of this.map.keys()) if (!keep.has(id)) this.map.delete(id);
  }

  get size(): number {
    return this.map.size;
  }
}
