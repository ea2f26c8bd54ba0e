// The settings when there is no config file, and where that file is. No schema here: the console's
// first frame reads its (usually absent) config file without loading zod (issue 16). config.ts
// builds its schema's defaults from these values; a test holds defaultConfig() to the schema's.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Config } from './config.js';

export const DEFAULT_UI = { ascii: false, color: 'auto', groupByOrg: false, utc: false, hyperlinks: true } as const;
export const DEFAULT_NOTIFY = { bell: true, desktop: 'auto' } as const;

/** The whole configuration without a file (a new object each time). */
export function defaultConfig(): Config {
  return { theme: 'default', keys: {}, ui: { ...DEFAULT_UI }, notify: { ...DEFAULT_NOTIFY }, zones: {} };
}

export function configPath(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), '.config');
  return join(base, 'divio-tui', 'config.json');
}
