import { describe, expect, it } from 'vitest';
import { renderChart, formatValue, niceCeil } from '../../components/Chart.js';
import { renderSparkline } from '../../components/Sparkline.js';
import { displayWidth } from '../../src/terminal/width.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const CPU = [5, 10, 20, 40, 60, 75, 80, 95, 92, 70, 50, 30, 20, 10, 5, 0, null, null, 15, 35];
const asciiOnly = (s: string) => [...s].every((c) => c.charCodeAt(0) < 0x80);

describe('renderSparkline', () => {
  it('unicode blocks, scaled to the max, nulls blank, left-padded', () => {
    expect(renderSparkline([0, 1, 2, 3, 4, 5, 6, 7], 8, true)).toBe('▁▂▃▄▅▆▇█');
    expect(renderSparkline([0, 7, null, 0.1], 6, true)).toBe('  ▁█ ▂');
  });
  it('ASCII fallback uses only ASCII', () => {
    const s = renderSparkline([0, 1, 2, 3, 4, 5, 6], 7, false);
    expect(s).toBe('_.-=+*#');
    expect(asciiOnly(renderSparkline(CPU, 30, false))).toBe(true);
  });
  it('keeps only the last `width` values; all-zero is flat', () => {
    expect(renderSparkline([9, 9, 9, 0, 0, 0], 3, true)).toBe('▁▁▁');
    expect(renderSparkline([1, 2, 3, 4], 2, true, { max: 4 })).toBe('▆█');
  });
});

describe('renderChart', () => {
  const opts = { width: 40, height: 8, unit: '%', thresholds: { warn: 70, critical: 90 }, timeZone: 'utc' as const, max: 100 };

  it('unicode (braille) snapshot', () => {
    const r = renderChart({ values: CPU, start: T0, stepMs: 60_000 }, { ...opts, unicode: true });
    expect(r.rows.join('\n')).toMatchInlineSnapshot(`
      "100%┤           ⢀⠤⠒⠤⡀                   
          │        ⢀⠔⠒⠁   ⠘⢄                  
       60%┤      ⢀⠔⠁        ⠣⡀                
          │     ⡠⠃           ⠈⢆              ⢀
          │   ⣀⠎               ⠑⠢⣀          ⡰⠁
        0%┤⠤⠒⠉                    ⠑⠒⠤⢄⣀⡀   ⠉  
          └─────────────────────────────┈┈┈───
          12:00          12:10           12:20"
    `);
    for (const row of r.rows) expect(displayWidth(row)).toBe(40);
  });

  it('ASCII snapshot, only ASCII characters', () => {
    const r = renderChart({ values: CPU, start: T0, stepMs: 60_000 }, { ...opts, unicode: false });
    expect(r.rows.join('\n')).toMatchInlineSnapshot(`
      "100%|            ***                    
          |         ***   **                  
       60%|       **        *                 
          |     **           **              *
          |  ***               ****        ** 
        0%|**                      ****       
          +----------------------------....---
          12:00          12:10           12:20"
    `);
    for (const row of r.rows) {
      expect(asciiOnly(row)).toBe(true);
      expect(row.length).toBe(40);
    }
  });

  it('threshold tones: columns at/above critical are critical, above warn are warn', () => {
    const r = renderChart({ values: [10, 10, 75, 75, 95, 95], start: T0, stepMs: 60_000 }, { ...opts, width: 11, unicode: false });
    // label(4) + axis(1) + 6 plot columns, one value per column.
    const tones = new Map<string, Set<string>>();
    for (const segs of r.segments.slice(0, 6)) {
      let col = 0;
      for (const s of segs.slice(2)) {
        for (const ch of s.text) {
          if (ch !== ' ') {
            const set = tones.get(String(col)) ?? new Set();
            set.add(s.tone);
            tones.set(String(col), set);
          }
          col++;
        }
      }
    }
    expect([...tones.get('0')!]).toEqual(['ok']);
    expect([...tones.get('2')!]).toEqual(['warn']);
    expect([...tones.get('5')!]).toEqual(['critical']);
  });

  it('auto-scales the y axis to a nice maximum with units', () => {
    const r = renderChart({ values: [120, 340, 180], start: T0, stepMs: 10_000 }, { width: 30, height: 6, unit: 'ms', unicode: true, timeZone: 'utc' });
    expect(r.yMax).toBe(500);
    expect(r.rows[0].startsWith('500ms┤')).toBe(true);
    expect(r.rows[3].startsWith('  0ms┤')).toBe(true);
  });

  it('no data: axes only, no crash', () => {
    const r = renderChart({ values: [], start: T0, stepMs: 10_000 }, { width: 20, height: 4, unit: '/s', unicode: false });
    expect(r.rows.length).toBe(4);
    expect(r.rows.slice(0, 2).every((row) => !row.includes('*'))).toBe(true);
  });

  it('formatValue / niceCeil', () => {
    expect(formatValue(0, '%')).toBe('0%');
    expect(formatValue(1000, 'ms')).toBe('1s');
    expect(formatValue(1500, 'ms')).toBe('1.5s');
    expect(formatValue(950, 'ms')).toBe('950ms');
    expect(formatValue(2000, 'req')).toBe('2kreq');
    expect(formatValue(2.5, '/s')).toBe('2.5/s');
    expect(formatValue(1234, 'ms')).toBe('1.23s');
    expect(formatValue(25000)).toBe('25k');
    expect(niceCeil(340)).toBe(500);
    expect(niceCeil(0.7)).toBe(1);
    expect(niceCeil(2.1)).toBe(2.5);
  });
});
