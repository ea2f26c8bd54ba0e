// The cost of one frame (issue 16): the console writes `render <ms> ms` lines to its
// DIVIO_TUI_TRACE file for every Ink render (Ink's own `onRender` figure: its output stage, from the
// laid-out tree to the frame string). The bench runs the console with a trace file and reads the
// render times of a time window: on the fleet screen while the cursor moves, and on a following
// log view while lines arrive.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsoleProc } from './pty.js';
import { median, percentile } from './stats.js';
import { row, naRow, type Row } from './report.js';

export const RENDER_BUDGET_MS = 8;

/** A window over a console's trace file: render times written after `start()`. */
export class RenderWindow {
  private from = 0;
  constructor(private file: string) {}
  private size(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0;
    }
  }
  start(): void {
    this.from = this.size();
  }
  /** Render times (ms) traced since start(). */
  times(): number[] {
    let text = '';
    try {
      text = readFileSync(this.file).subarray(this.from).toString('utf8');
    } catch {
      return [];
    }
    const out: number[] = [];
    for (const m of text.matchAll(/^\S+ render ([\d.]+) ms$/gm)) out.push(Number(m[1]));
    return out;
  }
}

/** The trace file of a console spawned with `trace: true`. */
export function renderWindow(c: ConsoleProc): RenderWindow {
  return new RenderWindow(join(c.tempDir, 'trace.log'));
}

export function renderRow(key: string, what: string, xs: number[], how: string): Row {
  const budget = `p95 ≤ ${RENDER_BUDGET_MS} ms`;
  if (xs.length < 5) return naRow(key, what, budget, `only ${xs.length} renders traced (${how})`);
  const p95 = percentile(xs, 95);
  return row(key, what, p95, 'ms', `p50 ${median(xs).toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`, budget, p95 <= RENDER_BUDGET_MS,
    `${xs.length} renders (Ink's output stage, from DIVIO_TUI_TRACE), max ${Math.max(...xs).toFixed(1)} ms; ${how}`);
}
