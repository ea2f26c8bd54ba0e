// Bundles the console into one ESM file (DESIGN.md §8: ~0.6x start-up of running from node_modules).
// `--if-stale` skips the build when dist is newer than every source file (keeps `npm start` quick).
import { build } from 'esbuild';
import { readdirSync, statSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const out = 'dist/divio-tui.js';
const roots = ['src', 'components', 'screens', 'package.json'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const e of readdirSync(path)) m = Math.max(m, newest(join(path, e)));
  return m;
}

if (process.argv.includes('--if-stale') && existsSync(out)) {
  const src = Math.max(...roots.map(newest));
  if (statSync(out).mtimeMs >= src) process.exit(0);
}

// Ink imports react-devtools-core (an optional peer) only when DEV=true; in one bundled file that
// import would be hoisted and fail at start-up, so it resolves to an inert stub.
const noDevtools = {
  name: 'no-react-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'export default { initialize() {}, connectToDevTools() {} };',
      loader: 'js',
    }));
  },
};

// Ink's output stage is replaced by src/terminal/inkoutput.ts (same frames, cached: issue 16).
let inkOutputUsed = false;
const inkOutput = {
  name: 'ink-output',
  setup(b) {
    b.onResolve({ filter: /^\.\/output\.js$/ }, (a) => {
      if (!/[\\/]ink[\\/]build[\\/]renderer\.js$/.test(a.importer)) return undefined;
      inkOutputUsed = true;
      return { path: join(process.cwd(), 'src/terminal/inkoutput.ts') };
    });
  },
};

rmSync('dist', { recursive: true, force: true });

await build({
  entryPoints: { 'divio-tui': 'src/cli.tsx' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  // Lazy imports (gateway, sandbox, clients) stay lazy: the first frame loads only the UI's chunks.
  splitting: true,
  jsx: 'automatic',
  logLevel: 'warning',
  // Native or optional modules stay outside the bundle.
  external: ['cpu-features', 'ssh2', 'dockerode', '@lydell/node-pty'],
  plugins: [noDevtools, inkOutput],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  // The production builds of React and its reconciler (the development ones are ~1 MB more to parse).
  define: { 'process.env.DEV': '"false"', 'process.env.NODE_ENV': '"production"' },
});
if (!inkOutputUsed) throw new Error('bundle: ink/build/renderer.js no longer imports ./output.js: check src/terminal/inkoutput.ts against the new Ink');
