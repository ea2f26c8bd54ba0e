// Start-up trace for measuring where time goes: `DIVIO_TUI_TRACE=FILE divio-tui …` appends
// "<ms since process start> <mark>" lines to FILE. Off (and free) unless the variable is set.
import { appendFileSync } from 'node:fs';

const file = process.env.DIVIO_TUI_TRACE;
export const traceOn = Boolean(file);
export function trace(mark: string): void {
  if (!file) return;
  try {
    appendFileSync(file, `${performance.now().toFixed(1)} ${mark}\n`);
  } catch {}
}
