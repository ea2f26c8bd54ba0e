// Rows of the bench table: figure, budget, pass/fail (or n/a with the reason).
export interface Row {
  key: string;
  what: string;
  /** Human figure, e.g. "312 ms". */
  figure: string;
  /** Machine value (null when n/a). */
  value: number | null;
  unit: string;
  budget: string;
  /** true/false against the budget; null = reported only, or n/a. */
  pass: boolean | null;
  note?: string;
  na?: string;
}

export function row(key: string, what: string, value: number | null, unit: string, figure: string, budget: string, pass: boolean | null, note?: string): Row {
  return { key, what, value, unit, figure, budget, pass, note };
}

export function naRow(key: string, what: string, budget: string, why: string): Row {
  return { key, what, figure: `n/a: ${oneLine(why)}`, value: null, unit: '', budget, pass: null, na: oneLine(why) };
}

export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 160);
}

export function renderTable(rows: Row[]): string {
  const head = ['measurement', 'figure', 'budget', 'result'];
  const body = rows.map((r) => [r.what, r.figure, r.budget || '—', r.na ? 'n/a' : r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL']);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  const out = [line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...body.map(line)];
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.what}: ${r.note}`);
  return out.join('\n') + (notes.length ? `\n\nNotes:\n${notes.join('\n')}` : '');
}
