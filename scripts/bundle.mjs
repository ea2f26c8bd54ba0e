// Bundles the console into one ESM file (DESIGN.md §8: ~0.6x start-up of running from node_modules).
// `--if-stale` skips the build when dist is newer than every source file (keeps `npm start` quick).
// Imported (by scripts/dist.mjs, the single file's build) it builds nothing: it shares its plugins.
import { build } from 'esbuild';
import { readdirSync, readFileSync, statSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

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

const isMain = import.meta.url === pathToFileURL(process.argv[1] ?? '').href;
if (isMain && process.argv.includes('--if-stale') && existsSync(out)) {
  const src = Math.max(...roots.map(newest));
  if (statSync(out).mtimeMs >= src) process.exit(0);
}

// Ink imports react-devtools-core (an optional peer) only when DEV=true; in one bundled file that
// import would be hoisted and fail at start-up, so it resolves to an inert stub.
export const noDevtools = {
  name: 'no-react-devtools',
  setup(b) {
    b.onResolve({ filter: /^react-devtools-core$/ }, () => ({ path: 'react-devtools-core', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'export default { initialize() {}, connectToDevTools() {} };',
      loader: 'js',
    }));
  },
};

// Some of Ink's modules are replaced by ours (issue 16): its output stage (same frames, cached), its
// frame writer (same screen; moves scrolled rows instead of rewriting them) and its text measure.
const inkReplacements = [
  { importer: 'renderer.js', spec: './output.js', path: 'src/terminal/inkoutput.ts' },
  { importer: 'ink.js', spec: './log-update.js', path: 'src/terminal/inklogupdate.ts' },
  { importer: 'render-node-to-output.js', spec: 'widest-line', path: 'src/terminal/inkwidest.ts' },
  { importer: 'measure-text.js', spec: 'widest-line', path: 'src/terminal/inkwidest.ts' },
  { importer: 'ink.js', spec: 'es-toolkit/compat', path: 'src/terminal/inkthrottle.ts' },
];
const inkUsed = new Set();
export const inkPatches = {
  name: 'ink-patches',
  setup(b) {
    b.onResolve({ filter: /^(\.\/output\.js|\.\/log-update\.js|widest-line|es-toolkit\/compat)$/ }, (a) => {
      const from = a.importer.replace(/\\/g, '/');
      const r = inkReplacements.find((x) => x.spec === a.path && from.endsWith(`/ink/build/${x.importer}`));
      if (!r) return undefined;
      inkUsed.add(`${r.importer}:${r.spec}`);
      return { path: join(process.cwd(), r.path) };
    });
  },
};

// yoga-layout's Emscripten loader asks `typeof fetch` before it decodes its embedded WebAssembly:
// on Node that touches the global fetch, which loads Node's own undici (~60 ms of the first frame),
// only to fetch a data: URL. The loader is told there is no fetch, and decodes the bytes itself:
// with Buffer (native), not its atob and a loop over 72 KB of characters (~3 ms of the first frame).
const YOGA_DECODE = 'var b=xa(a.slice(37)),c=new Uint8Array(b.length);for(a=0;a<b.length;++a)c[a]=b.charCodeAt(a);var d=c';
let yogaPatched = 0;
export const yogaNoFetch = {
  name: 'yoga-no-fetch',
  setup(b) {
    b.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      let out = text.replace(/return (\w+)\|\|"function"!=typeof fetch\?/g, () => {
        yogaPatched++;
        return 'return true?';
      });
      if (out.split(YOGA_DECODE).length === 2) {
        out = out.replace(YOGA_DECODE, () => 'var d=new Uint8Array(Buffer.from(a.slice(37),"base64"))');
        yogaPatched++;
      }
      return { contents: out, loader: 'js' };
    });
  },
};

// Four of Ink's dependencies make an Intl.Segmenter when they are imported and segment every string
// with it, ASCII too; string-width 8 also builds its \p{RGI_Emoji} pattern at import. The process's
// first segmenter costs ~15 ms and that pattern ~14 ms on this machine, before the first frame,
// whose text is nearly all ASCII. Here the segmenters are src/terminal/segmenter.ts (the same
// segments; Intl.Segmenter only for a string that needs it) and the pattern is made on first use.
// The stand-in has the one method each module calls; the build checks every use is a call of it.
const SEGMENTER = JSON.stringify(join(process.cwd(), 'src/terminal/segmenter.ts'));
const useSegmenter = (name) => `const ${name} = __graphemeSegmenter();`;
const lazyEdits = [
  { file: /[\\/]string-width[\\/]index\.js$/, name: 'segmenter', from: 'const segmenter = new Intl.Segmenter();', to: useSegmenter('segmenter'), use: /\bsegmenter\.segment\(/g },
  { file: /[\\/]string-width[\\/]index\.js$/, name: 'rgiEmojiRegex', from: 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;', to: "let rgiEmojiOnce; const rgiEmojiRegex = { test: (s) => (rgiEmojiOnce ??= new RegExp('^\\\\p{RGI_Emoji}$', 'v')).test(s) };", use: /\brgiEmojiRegex\.test\(/g },
  { file: /[\\/]slice-ansi[\\/]tokenize-ansi\.js$/, name: 'GRAPHEME_SEGMENTER', from: "const GRAPHEME_SEGMENTER = new Intl.Segmenter(undefined, {granularity: 'grapheme'});", to: useSegmenter('GRAPHEME_SEGMENTER'), use: /\bGRAPHEME_SEGMENTER\.segment\(/g },
  { file: /[\\/]@alcalzone[\\/]ansi-tokenize[\\/]build[\\/]tokenize\.js$/, name: 'segmenter', from: 'const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });', to: useSegmenter('segmenter'), use: /\bsegmenter\.segment\(/g },
];
/** The edits each bundled module takes (name@version → the names made lazy); the build fails when one is not made. */
export const LAZY_EXPECTED = {
  'string-width@8.3.0': ['segmenter', 'rgiEmojiRegex'],
  'string-width@7.2.0': ['segmenter'],
  'slice-ansi@8.0.0': ['GRAPHEME_SEGMENTER'],
  '@alcalzone/ansi-tokenize@0.2.5': ['segmenter'],
};
const lazyDone = new Set();
/** The name@version of the package a file belongs to. */
function packageOf(file) {
  for (let dir = join(file, '..'); dir !== join(dir, '..'); dir = join(dir, '..')) {
    const pj = join(dir, 'package.json');
    if (!existsSync(pj)) continue;
    const { name, version } = JSON.parse(readFileSync(pj, 'utf8'));
    if (name) return `${name}@${version}`;
  }
  return file;
}
export const lazySegmenters = {
  name: 'lazy-segmenters',
  setup(b) {
    b.onLoad({ filter: /[\\/](string-width[\\/]index|slice-ansi[\\/]tokenize-ansi|ansi-tokenize[\\/]build[\\/]tokenize)\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      const pkg = packageOf(args.path);
      for (const e of lazyEdits) {
        if (!e.file.test(args.path) || !text.includes(e.from)) continue;
        // every use must be a call of the stand-in's one method
        const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
        const uses = code.split(new RegExp(`\\b${e.name}\\b`)).length - 2;
        if ((code.match(e.use) ?? []).length !== uses) throw new Error(`lazy-segmenters: ${pkg} uses ${e.name} otherwise: check scripts/bundle.mjs`);
        text = text.replace(e.from, () => e.to);
        lazyDone.add(`${pkg}:${e.name}`);
      }
      if (text.includes('__graphemeSegmenter()')) text = `import { graphemeSegmenter as __graphemeSegmenter } from ${SEGMENTER};\n${text}`;
      return { contents: text, loader: 'js' };
    });
  },
};

/** After a build with lazySegmenters: fails it when a module no longer reads as expected. */
export function checkLazySegmenters(who) {
  for (const [pkg, names] of Object.entries(LAZY_EXPECTED)) {
    for (const n of names) if (!lazyDone.has(`${pkg}:${n}`)) throw new Error(`${who}: ${pkg}: its ${n} was not made lazy (not bundled, or changed): check scripts/bundle.mjs (lazySegmenters)`);
  }
  lazyDone.clear();
}

/** After a build with yogaNoFetch: fails it when yoga's loader no longer reads as expected. */
export function checkYogaPatch(who) {
  if (yogaPatched !== 2) throw new Error(`${who}: yoga-layout's wasm loader: expected one "typeof fetch" test and one base64 decode to replace, found ${yogaPatched} of the two: check scripts/bundle.mjs (yogaNoFetch) against the new yoga-layout`);
  yogaPatched = 0;
}

// React is CommonJS: every ES module importing it got its own copy of React's ~40 exports as getters
// (esbuild's __toESM: 33 copies before the first frame, ~3 ms, and a getter call per use). Here the
// ES modules importing `react` or `react/jsx-runtime` import one ES module that reads React once and
// exports its names (those of its production build); CommonJS requires (the reconciler's) are as before.
const REACT_ONCE = { react: 'cjs/react.production.js', 'react/jsx-runtime': 'cjs/react-jsx-runtime.production.js' };
const reactOnceUsed = new Set();
export const reactOnce = {
  name: 'react-once',
  setup(b) {
    b.onResolve({ filter: /^react(\/jsx-runtime)?$/ }, (a) =>
      a.kind === 'import-statement' && a.namespace !== 'react-once' ? { path: a.path, namespace: 'react-once' } : undefined);
    b.onLoad({ filter: /.*/, namespace: 'react-once' }, (a) => {
      const req = createRequire(join(process.cwd(), 'package.json'));
      const names = Object.keys(req(join(dirname(req.resolve('react')), REACT_ONCE[a.path]))).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default');
      reactOnceUsed.add(a.path);
      return { contents: `import m from ${JSON.stringify(a.path)};\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`, loader: 'js', resolveDir: process.cwd() };
    });
  },
};
/** After a build with reactOnce: fails it when React is no longer imported this way (or not bundled). */
export function checkReactOnce(who) {
  for (const k of Object.keys(REACT_ONCE)) if (!reactOnceUsed.has(k)) throw new Error(`${who}: no ES module imports ${k} through scripts/bundle.mjs reactOnce (or react's ${REACT_ONCE[k]} moved): check it against the new React`);
  reactOnceUsed.clear();
}

// The production builds of React and its reconciler (the development ones are ~1 MB more to parse).
export const production = { 'process.env.DEV': '"false"', 'process.env.NODE_ENV': '"production"' };

/** After a build with inkPatches: fails it when Ink no longer imports a replaced module this way. */
export function checkInkPatches(who) {
  for (const r of inkReplacements) {
    if (!inkUsed.has(`${r.importer}:${r.spec}`)) throw new Error(`${who}: ink/build/${r.importer} no longer imports ${r.spec}: check ${r.path} against the new Ink`);
  }
}

if (isMain) rmSync('dist', { recursive: true, force: true });

/**
 * What the console loads before its first frame (its UI, its config when there is no file, the
 * sandbox's head start) must not load zod: zod and the schemas built at import cost ~20–50 ms of
 * the first frame (issue 16). The schema-free helpers live in src/domain/helpers.ts,
 * src/protocol/keys.ts and src/config/defaults.ts. Fails the build with the chain that pulls it in.
 */
export const FIRST_FRAME = ['src/tui.tsx', 'src/config/start.ts', 'src/terminal/capabilities.ts', 'src/cli/session.ts', 'src/cli/console.ts'];
/** Nor does the sandbox's start (its child's time to `ready`): request bodies load their schemas on first use (src/sandbox/schemas.ts). */
export const SANDBOX_START = ['src/sandbox/child-main.ts', 'src/sandbox/index.ts'];
/** The static imports from `roots` to the first bundled module `hit` matches (null when none does). */
function importChain(metafile, who, roots, hit) {
  const ins = metafile.inputs;
  const parent = new Map();
  const seen = new Set();
  const todo = [...roots];
  for (const f of todo) if (!ins[f]) throw new Error(`${who}: ${f} is not in the bundle: update FIRST_FRAME or SANDBOX_START in scripts/bundle.mjs`);
  while (todo.length) {
    const x = todo.shift();
    if (seen.has(x) || !ins[x]) continue;
    seen.add(x);
    for (const i of ins[x].imports) {
      if (i.kind !== 'import-statement' || i.external || seen.has(i.path)) continue;
      if (!parent.has(i.path)) parent.set(i.path, x);
      todo.push(i.path);
    }
  }
  const found = [...seen].find((x) => hit.test(x.replace(/\\/g, '/')));
  if (!found) return null;
  const chain = [found];
  for (let x = found; parent.has(x); ) chain.push((x = parent.get(x)));
  return chain.reverse().join(' → ');
}

export function checkFirstFrameWithoutZod(metafile, who, roots = FIRST_FRAME, what = "the console's first frame") {
  const chain = importChain(metafile, who, roots, /node_modules\/zod\//);
  if (chain) throw new Error(`${who}: ${what} would load zod: ${chain} (import the schema-free module instead, or \`import type\`)`);
}

/**
 * The first frame shows the fleet screen: the other screens (screens/more.ts), what only they use
 * (the log session, buffer and query) and ink-spinner are imported after it (screens/screens.ts,
 * components/Busy.tsx). ~200 KB less to read and compile before the first frame (issue 16).
 */
export const AFTER_FIRST_FRAME = /^screens\/more\.ts$|^screens\/(?!(App|Fleet|Zones)\.tsx$)[^/]+\.tsx$|^screens\/restore\/RestoreWizard\.tsx$|^screens\/logs\/history\.ts$|^src\/store\/log(session|buffer|query)\.ts$|(^|\/)node_modules\/ink-spinner\//;
export function checkFirstFrameWithoutScreens(metafile, who) {
  const chain = importChain(metafile, who, FIRST_FRAME, AFTER_FIRST_FRAME);
  if (chain) throw new Error(`${who}: the console's first frame would load ${chain.split(' → ').pop()}: ${chain} (only the fleet screen is part of the first frame: import it lazily, see screens/screens.ts)`);
}

const built = !isMain ? null : await build({
  // the sandbox child's own entry (src/sandbox/child.ts launchSandboxProcess): not the whole command table
  entryPoints: { 'divio-tui': 'src/cli.tsx', 'chunks/sandbox-child': 'src/sandbox/child-main.ts' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  minifyWhitespace: true,
  minifySyntax: true,
  // Lazy imports (gateway, sandbox, clients) stay lazy: the first frame loads only the UI's chunks.
  splitting: true,
  jsx: 'automatic',
  logLevel: 'warning',
  // Native or optional modules stay outside the bundle.
  external: ['cpu-features', 'ssh2', 'dockerode', '@lydell/node-pty'],
  plugins: [noDevtools, inkPatches, yogaNoFetch, lazySegmenters, reactOnce],
  banner: {
    // `require` for the CommonJS modules inside (a handful of chunks call it): made on the first call,
    // not by each of the ~40 chunks the first frame loads (createRequire resolves its file each time)
    js: "#!/usr/bin/env node\nimport { createRequire as __cr } from 'node:module'; let __rq; function require(id) { return (__rq ??= __cr(import.meta.url))(id); }",
  },
  define: production,
  metafile: true,
});
if (built) {
  checkInkPatches('bundle');
  checkYogaPatch('bundle');
  checkLazySegmenters('bundle');
  checkReactOnce('bundle');
  checkFirstFrameWithoutZod(built.metafile, 'bundle');
  checkFirstFrameWithoutZod(built.metafile, 'bundle', SANDBOX_START, "the sandbox's start");
  checkFirstFrameWithoutScreens(built.metafile, 'bundle');
}
