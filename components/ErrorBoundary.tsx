// One broken pane must not take the console down (Ink 6.8 exits on any render error): each pane is
// wrapped, shows its own error, and the header, footer and keys keep working.
import React from 'react';
import { Box, Text } from 'ink';
import { maskSecrets } from '../src/terminal/sanitize.js';
import { keyWord } from '../src/config/keymap.js';
import { UiContext, sx } from './context.js';
import { clean } from './glyphs.js';

interface Props {
  name: string;
  /** Changing it clears the error (e.g. navigating elsewhere). */
  resetKey?: string;
  children: React.ReactNode;
}
interface State {
  error: Error | null;
  key: string | undefined;
}

export class ErrorBoundary extends React.Component<Props, State> {
  static override contextType = UiContext;
  declare context: React.ContextType<typeof UiContext>;
  override state: State = { error: null, key: undefined };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    if (props.resetKey !== state.key) return { key: props.resetKey, error: state.key === undefined ? state.error : null };
    return null;
  }

  override render(): React.ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    const theme = this.context?.theme ?? { color: false };
    const unicode = this.context?.unicode ?? false;
    const first = maskSecrets(clean(error.message || String(error), unicode));
    // the keys as bound (a remapped Esc is named as remapped)
    const km = this.context?.keymap;
    const k = (a: string, dflt: string): string => (km ? keyWord(km, a) : dflt);
    return (
      <Box flexDirection="column" paddingX={1}>
        <Text {...sx(theme, { color: theme.danger, bold: true })}>{`The ${this.props.name} pane failed: ${first}`}</Text>
        <Text {...sx(theme, { color: theme.muted })}>{`The rest of the console still works: ${k('app.back', 'Esc')} goes back, ${k('app.palette', ':')} opens the palette, ${k('app.quit', 'q')} quits.`}</Text>
      </Box>
    );
  }
}

/** Test hook: DIVIO_TUI_FORCE_PANE_CRASH=<pane name> makes that pane throw while rendering. */
export function crashIfForced(pane: string): void {
  const v = process.env.DIVIO_TUI_FORCE_PANE_CRASH;
  if (v && v.split(',').includes(pane)) throw new Error(`forced crash of the ${pane} pane (DIVIO_TUI_FORCE_PANE_CRASH)`);
}
