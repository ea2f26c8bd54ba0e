// The spinner of work in progress (a running deploy, backup, restore, a first load): ink-spinner, as
// the design card names it. Only where something is under way, never on an idle screen. It is its own
// component: each tick re-renders the spinner alone, and the frame writer rewrites only its row.
// Braille dots on a UTF-8 terminal, `-\|/` otherwise.
// ink-spinner (with its table of ~90 spinners) is not part of the first frame (issue 16): it is
// imported with the other screens once the fleet is on screen (screens/App.tsx), or when a spinner
// has been shown for STILL_MS. Until then the spinner stands on its first frame: a wait that short
// (the sandbox's fleet) does not pay for it before its rows.
import React, { useEffect, useState } from 'react';
import { Text } from 'ink';

type SpinnerComponent = (typeof import('ink-spinner'))['default'];
let Spinner: SpinnerComponent | null = null;
let importing: Promise<unknown> | null = null;

/** The first frame of ink-spinner's `dots` and `line` (test/logic/busy.test.tsx compares them). */
export const STILL_FRAME = { dots: '⠋', line: '-' } as const;
/** How long a spinner stands still at most before ink-spinner is imported (its dots turn every 80 ms). */
export const STILL_MS = 250;

/** Import ink-spinner (once): every Busy turns from then on. */
export function loadSpinner(): Promise<unknown> {
  return (importing ??= import('ink-spinner').then((m) => (Spinner = m.default)));
}

export function Busy({ unicode }: { unicode: boolean }): React.ReactElement {
  const [, loaded] = useState(false);
  useEffect(() => {
    if (Spinner) return;
    let live = true;
    const t = setTimeout(() => void loadSpinner().then(() => live && loaded(true)), STILL_MS);
    // imported meanwhile (by another Busy, or after the fleet): turn at once
    void importing?.then(() => live && loaded(true));
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, []);
  const type = unicode ? 'dots' : 'line';
  return Spinner ? <Spinner type={type} /> : <Text>{STILL_FRAME[type]}</Text>;
}
