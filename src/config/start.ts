// The console's config at start (src/cli/console.ts): without a config file, the defaults, and the
// schema (zod) is not loaded before the first frame (issue 16); with one, loadConfig validates it.
import { statSync } from 'node:fs';
import type { LoadedConfig } from './config.js';
import { configPath, defaultConfig } from './defaults.js';
import { buildKeymap, type Scope } from './keymap.js';

export async function loadConfigAtStart(opts: { path?: string; env?: Record<string, string | undefined>; views?: Record<string, readonly Scope[]> } = {}): Promise<LoadedConfig> {
  const path = opts.path ?? configPath(opts.env);
  if (!opts.path) {
    try {
      statSync(path);
    } catch (e) {
      // as loadConfig: a missing default file means the defaults (any other problem is its to report)
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, config: defaultConfig(), keymap: buildKeymap({}, opts.views), path: null, searched: path };
    }
  }
  const { loadConfig } = await import('./config.js');
  return loadConfig(opts);
}
