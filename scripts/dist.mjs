// `npm run dist`: the single file (Node's single-executable applications) for linux-x64 and
// linux-arm64, carrying a supported Node LTS taken from the npm registry (the node-linux-* packages
// hold the official binaries), so a bastion host needs no Node at all.
//
//   node scripts/dist.mjs [--arch x64|arm64|all]   (default all) → dist-bin/divio-tui-linux-ARCH
//
// 1. one CommonJS script of the whole program (Node 24's single executables run a CommonJS main):
//    everything bundled, ssh2 and dockerode included; the native modules stay out: ssh2's optional
//    cpu-features and crypto binding (ssh2 does without them), @lydell/node-pty (the sandbox's SSH
//    endpoint then runs shells without a pseudo-terminal, and says so);
// 2. the runtime: `npm pack node-linux-ARCH@NODE` into node_modules/.cache/divio-tui-dist (once);
// 3. the blob: that runtime's `--experimental-sea-config` (x64 with V8's code cache: the first frame
//    parses nothing; arm64 without it, as a blob made on another architecture must be);
// 4. postject puts the blob into a copy of the runtime, behind the single-executable fuse.
import { build } from 'esbuild';
import { inject } from 'postject';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkInkPatches, checkLazySegmenters, checkReactOnce, checkYogaPatch, inkPatches, lazySegmenters, noDevtools, production, reactOnce, yogaNoFetch } from './bundle.mjs';

/** The Node LTS the single file carries (24 "Krypton", supported until 2028-04-30). */
export const NODE = '24.22.3';
const OUT = 'dist-bin';
const CACHE = resolve('node_modules/.cache/divio-tui-dist');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const archArg = process.argv.includes('--arch') ? process.argv[process.argv.indexOf('--arch') + 1] : 'all';
const arches = archArg === 'all' ? ['x64', 'arm64'] : [archArg];
if (!arches.every((a) => a === 'x64' || a === 'arm64')) {
  console.error(`dist: --arch must be x64, arm64 or all, got "${archArg}"`);
  process.exit(2);
}

/** Replace `from` by `to` in a dependency's file, or fail the build (a new version needs a look). */
function patch(text, file, from, to) {
  if (!text.includes(from)) throw new Error(`dist: ${file} changed; cannot remove its top-level await (${from})`);
  return text.replace(from, to);
}

// A CommonJS script has no top-level await. Two dependencies use it:
// - yoga-layout awaits its WebAssembly at import: here it exports `yogaReady`, and a default export
//   that reads the loaded module; the console's UI (src/tui.tsx, the only importer of Ink) is loaded
//   once it is ready, so the commands without a UI never load it;
// - Ink awaits its devtools and package.json only when DEV=true (never, in production).
let uiImports = 0;
const cjsCompatible = {
  name: 'cjs-compatible',
  setup(b) {
    b.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      return {
        contents: patch(
          text,
          'yoga-layout',
          'const Yoga = wrapAssembly(await loadYoga());\nexport default Yoga;',
          'let Yoga;\nexport const yogaReady = loadYoga().then((m) => { Yoga = wrapAssembly(m); });\n' +
            'export default new Proxy({}, { get: (_, k) => Yoga[k] });',
        ),
        loader: 'js',
      };
    });
    // every import of the UI module (src/tui.tsx) waits for yoga first
    b.onLoad({ filter: /\.tsx?$/ }, (args) => {
      if (!args.path.startsWith(resolve('src'))) return undefined;
      const text = readFileSync(args.path, 'utf8');
      const out = text.replace(/import\((['"])(\.\.?\/tui\.js)\1\)/g, (_m, q, spec) => {
        uiImports++;
        return `import('yoga-layout').then((y) => y.yogaReady).then(() => import(${q}${spec}${q}))`;
      });
      return out === text ? undefined : { contents: out, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
    });
    b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      text = patch(text, 'ink', "await import('./devtools.js');", 'void 0;');
      text = patch(text, 'ink', '? await loadPackageJson()', '? { name: undefined, version: undefined }');
      return { contents: text, loader: 'js' };
    });
    // The pseudo-terminals of the sandbox's SSH endpoint (a native module): not in the single file,
    // and never taken from a node_modules that happens to be near it; the endpoint says so.
    b.onResolve({ filter: /^@lydell\/node-pty$/ }, () => ({ path: 'node-pty', namespace: 'native' }));
    b.onLoad({ filter: /.*/, namespace: 'native' }, () => ({
      contents: "throw new Error('the single-file build cannot load the native module @lydell/node-pty');",
      loader: 'js',
    }));
    // ssh2's optional crypto binding (a .node file) cannot be loaded from inside the single file:
    // its require fails at run time, ssh2 catches that and uses Node's crypto.
    b.onResolve({ filter: /\.node$/ }, (args) => ({ path: args.path, external: true }));
  },
};

async function bundle() {
  mkdirSync(OUT, { recursive: true });
  mkdirSync(CACHE, { recursive: true });
  const main = join(CACHE, 'divio-tui.cjs');
  await build({
    entryPoints: ['src/cli.tsx'],
    outfile: main,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    jsx: 'automatic',
    logLevel: 'error',
    minifyWhitespace: true,
    minifySyntax: true,
    external: ['cpu-features'],
    plugins: [noDevtools, inkPatches, yogaNoFetch, lazySegmenters, reactOnce, cjsCompatible],
    define: production,
  });
  checkInkPatches('dist');
  checkYogaPatch('dist');
  checkLazySegmenters('dist');
  checkReactOnce('dist');
  if (!uiImports) throw new Error('dist: no import of src/tui.tsx found to wait for yoga-layout: check scripts/dist.mjs');
  return main;
}

/** The official Node binary for ARCH, from the npm registry (cached). */
function runtime(arch) {
  const dir = join(CACHE, `node-linux-${arch}-${NODE}`);
  const bin = join(dir, 'package', 'bin', 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  console.log(`dist: fetching node-linux-${arch}@${NODE} from the npm registry`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const tgz = execFileSync('npm', ['pack', `node-linux-${arch}@${NODE}`, '--silent', '--pack-destination', dir], { env, encoding: 'utf8' }).trim().split('\n').pop();
  execFileSync('tar', ['-xzf', join(dir, tgz), '-C', dir, 'package/bin/node', 'package/LICENSE']);
  rmSync(join(dir, tgz));
  return bin;
}

const main = await bundle();
const host = runtime('x64');
for (const arch of arches) {
  const node = runtime(arch);
  const blob = join(CACHE, `sea-${arch}.blob`);
  const config = join(CACHE, `sea-config-${arch}.json`);
  writeFileSync(
    config,
    JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: arch === 'x64', useSnapshot: false }, null, 2),
  );
  // the blob is made by the runtime it goes into (x64 here; arm64's own cannot run on this machine)
  execFileSync(arch === 'x64' ? node : host, ['--experimental-sea-config', config], { stdio: 'inherit' });
  const out = join(OUT, `divio-tui-linux-${arch}`);
  rmSync(out, { force: true });
  copyFileSync(node, out);
  chmodSync(out, 0o755);
  await inject(out, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: FUSE });
  rmSync(blob);
  rmSync(config);
  console.log(`dist: ${out} (${(statSync(out).size / 1e6).toFixed(0)} MB, Node ${NODE})`);
}
