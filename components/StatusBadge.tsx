// A word of the console (src/domain/words.ts) in its tone's colour: the state of an environment, a
// deployment, a backup, a service or a job.
import React from 'react';
import { Text } from 'ink';
import type { Theme } from '../src/config/theme.js';
import type { Tone, Word } from '../src/domain/words.js';
import { useUi, sx } from './context.js';

/** The theme's colour of a tone (undefined: the terminal's own colour, or no colour at all). */
export function toneColor(theme: Theme, tone: Tone): string | undefined {
  switch (tone) {
    case 'ok':
      return theme.ok;
    case 'warn':
      return theme.warning;
    case 'danger':
      return theme.danger;
    case 'muted':
      return theme.muted;
    default:
      return undefined;
  }
}

export function StatusBadge({ word }: { word: Word }): React.ReactElement {
  const { theme } = useUi();
  return <Text {...sx(theme, { color: toneColor(theme, word.tone) })}>{word.text}</Text>;
}
