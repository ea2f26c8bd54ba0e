// The one formatting module (src/domain/format.ts): ages, sizes, durations.
import { describe, expect, it } from 'vitest';
import { ageAgo, compactAge, compactBytes, formatBytes, parseDuration } from '../../src/domain/format.js';

const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const H = 3_600_000;

describe('ages', () => {
  it('47 hours is "1d" in a column and "1d ago" in a sentence (never "47h")', () => {
    expect(compactAge(NOW - 47 * H, NOW)).toBe('1d');
    expect(ageAgo(NOW - 47 * H, NOW)).toBe('1d ago');
    expect(ageAgo(new Date(NOW - 47 * H).toISOString(), NOW)).toBe('1d ago');
    expect(ageAgo(NOW - 23 * H, NOW)).toBe('23h ago');
    expect(ageAgo(NOW - 90_000, NOW)).toBe('1m ago');
  });
  it('no or an unreadable time is "-"', () => {
    expect(ageAgo(null, NOW)).toBe('-');
    expect(ageAgo('not a time', NOW)).toBe('-');
    expect(compactAge(undefined, NOW)).toBe('-');
  });
});

describe('sizes', () => {
  it('one convention: 1024-based, one decimal from KB up', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(12.3 * 1024 ** 2)).toBe('12.3 MB');
    expect(formatBytes(1024 ** 3)).toBe('1.0 GB');
    expect(formatBytes(null)).toBe('-');
    expect(compactBytes(80 * 1024 ** 2)).toBe('80M');
    expect(compactBytes(1024 ** 3)).toBe('1.0G');
  });
});

describe('durations', () => {
  it('parses 90s, 15m, 1h, 2d, 500ms; anything else is null', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h')).toBe(H);
    expect(parseDuration('2d')).toBe(48 * H);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('soon')).toBeNull();
  });
});
