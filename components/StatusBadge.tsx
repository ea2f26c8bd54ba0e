// The state of an environment or a job as a short coloured word.
import React from 'react';
import { Text } from 'ink';
import type { Theme } from '../src/config/theme.js';
import { useUi, sx } from './context.js';

export function stateColor(theme: Theme, state: string): string | undefined {
  const s = state.toLowerCase();
  if (/fail|error|crash/.test(s)) return theme.danger;
  if (/deploying|running|queued|pending|restor|backing|provision|creating/.test(s)) return theme.warning;
  if (/^(live|succeeded|ok|success|completed|ready)/.test(s)) return theme.ok;
  if (/sleep|never|unknown|skipped/.test(s)) return theme.muted;
  return undefined;
}

export function StatusBadge({ state, text }: { state: string; text?: string }): React.ReactElement {
  const { theme } = useUi();
  return <Text {...sx(theme, { color: stateColor(theme, state) })}>{text ?? state}</Text>;
}
