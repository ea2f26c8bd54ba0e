// The spinner stands on its first frame until ink-spinner is imported (not by the first frame, issue
// 16), then turns: the still frame is ink-spinner's own first frame, so nothing jumps.
import { describe, expect, it } from 'vitest';
import React from 'react';
import { render } from 'ink-testing-library';
import Spinner from 'ink-spinner';
import { Busy, STILL_FRAME } from '../../components/Busy.js';

const waitFor = async (pred: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  expect(pred()).toBe(true);
};

describe('Busy', () => {
  for (const [unicode, type] of [[true, 'dots'], [false, 'line']] as const) {
    it(`${type}: the still frame is ink-spinner's first, then it turns`, async () => {
      const ink = render(<Spinner type={type} />);
      const first = ink.lastFrame();
      ink.unmount();
      expect(STILL_FRAME[type]).toBe(first);
      const r = render(<Busy unicode={unicode} />);
      expect(r.lastFrame()).toBe(first);
      await waitFor(() => r.lastFrame() !== first);
      r.unmount();
    });
  }
});
