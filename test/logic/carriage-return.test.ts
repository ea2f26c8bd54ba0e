// Progress output overwrites its line with carriage returns: the log shows the line as a terminal
// would (its last overwrite), never the overwritten states glued into one line.
import { describe, expect, test } from 'vitest';
import { cleanLogText, overwriteCarriageReturns } from '../../src/domain/text.js';

describe('carriage returns in log text', () => {
  test('the last overwrite of each line', () => {
    expect(overwriteCarriageReturns('10%\r60%\r100%')).toBe('100%');
    expect(overwriteCarriageReturns('Reindexing products:  10%\rReindexing products:  60%\rReindexing products: 100%')).toBe('Reindexing products: 100%');
    // a shorter overwrite leaves the rest of the line, as on a terminal
    expect(overwriteCarriageReturns('Downloading 100%\rDone')).toBe('Doneloading 100%');
    // ... unless the line is erased first
    expect(overwriteCarriageReturns('Downloading 100%\r\x1b[KDone')).toBe('Done');
    expect(overwriteCarriageReturns('Downloading 100%\r\x1b[2KDone')).toBe('Done');
    // CRLF and a trailing CR change nothing
    expect(overwriteCarriageReturns('done\r')).toBe('done');
    expect(overwriteCarriageReturns('no carriage return')).toBe('no carriage return');
  });

  test('colours stay with their characters', () => {
    expect(overwriteCarriageReturns('\x1b[33m 10%\x1b[0m\r\x1b[32m100%\x1b[0m')).toBe('\x1b[0m\x1b[32m100%\x1b[0m');
  });

  test('deployment logs (several lines) and runtime messages are cleaned that way', () => {
    expect(cleanLogText('Pushing image\n  layer a: 10%\r  layer a: 60%\r  layer a: 100%\r\nImage pushed.')).toBe('Pushing image\n  layer a: 100%\nImage pushed.');
    expect(cleanLogText('Reindexing:  10%\rReindexing: 100%')).toBe('Reindexing: 100%');
  });
});
