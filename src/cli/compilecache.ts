// Node's on-disk compile cache (issue 16): a second start of the console skips compiling the bundle's
// chunks that are loaded lazily (the UI, the gateway, the sandbox child's). `module.enableCompileCache`
// exists from Node 22.1; on Node 20 this does nothing. Imported first by src/cli.tsx.
import module from 'node:module';

const m = module as unknown as { enableCompileCache?: () => unknown };
if (typeof m.enableCompileCache === 'function') {
  try {
    m.enableCompileCache();
  } catch {
    // a cache directory that cannot be written: start as without it
  }
}
