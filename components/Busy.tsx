// The spinner of work in progress (a running deploy, backup, restore, a first load): ink-spinner, as
// the design card names it. Only where something is under way, never on an idle screen. It is its own
// component: each tick re-renders the spinner alone, and the frame writer rewrites only its row.
// Braille dots on a UTF-8 terminal, `-\|/` otherwise.
import React from 'react';
import Spinner from 'ink-spinner';

export function Busy({ unicode }: { unicode: boolean }): React.ReactElement {
  return <Spinner type={unicode ? 'dots' : 'line'} />;
}
