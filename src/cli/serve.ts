// The command-line wiring of a gateway: `divio-tui serve` (the gateway alone, for a team: loopback by
// default; a token is always required — random when none is given on loopback, printed once; a
// non-loopback address is refused without one) and the console's in-process gateway. Here, not in
// src/gateway, because it picks and starts the upstream (the sandbox too): the gateway never imports it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGateway, type Gateway } from '../gateway/index.js';
import { assertSafeBind, isLoopbackHost, type GatewayToken } from '../gateway/auth.js';
import { createUpstream } from '../gateway/upstream.js';
import type { Upstream } from '../gateway/types.js';
import { DirBusyError, shown, stateDir } from '../statefile/index.js';
import { SERVE_OPTIONS } from './serve-options.js';
import { resolveUpstream, type UpstreamChoice } from './upstream.js';

export interface ServeHandle {
  gateway: Gateway;
  upstream: Upstream;
  token: string;
  /** True when `token` was generated here (then, and only then, `serve` prints it). */
  generated?: boolean;
  close(): Promise<void>;
}

/** The first line of a token file, trimmed; a clear error when it cannot be read or is empty. */
export function readTokenFile(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const t = text.split(/\r?\n/)[0]!.trim();
  if (!t) throw new Error(`the ${what} file ${path} is empty`);
  return t;
}

/** Parse and start; resolves with a handle (used by tests and by runServeCommand). */
export async function startServe(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServeHandle> {
  const { values } = parseArgs({
    args: argv,
    options: SERVE_OPTIONS,
    strict: true,
    allowPositionals: false,
  });
  const host = values.host ?? '127.0.0.1';
  const port = Number(values.port ?? '7878');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port "${values.port}": expected 0–65535`);
  const given = values.token ?? (values['token-file'] ? readTokenFile(values['token-file'], '--token-file') : null) ?? (env.DIVIO_TUI_TOKEN || null);
  const viewer =
    values['viewer-token'] ?? (values['viewer-token-file'] ? readTokenFile(values['viewer-token-file'], '--viewer-token-file') : null) ?? (env.DIVIO_TUI_VIEWER_TOKEN || null);
  if (given && viewer && given === viewer) throw new Error('the operator and viewer tokens must differ');
  assertSafeBind(host, [given, viewer]);
  if (!given && !viewer && !isLoopbackHost(host)) throw new Error('a token is required');
  const operatorToken = given ?? (viewer ? null : randomBytes(24).toString('base64url'));
  const tokens: GatewayToken[] = [];
  if (operatorToken) tokens.push({ token: operatorToken, role: 'operator', name: 'operator' });
  if (viewer) tokens.push({ token: viewer, role: 'viewer', name: 'viewer' });
  const dataDir = values['data-dir'] ?? join(stateDir(env), 'gateway');
  const pollScale = values['poll-scale'] ? Number(values['poll-scale']) : undefined;
  if (pollScale !== undefined && !(pollScale > 0)) throw new Error('--poll-scale must be a positive number');

  let sandbox: Awaited<ReturnType<typeof import('../sandbox/index.js').startSandbox>> | null = null;
  let upstream: Upstream;
  const choice = resolveUpstream({ sandbox: values.sandbox, zone: values.zone, env });
  // A team's gateway never falls back to the sandbox: it is asked for by name.
  if (choice.kind === 'sandbox' && !choice.forced) throw new Error(`no Divio token for ${choice.zone}: set DIVIO_TOKEN or run "divio login" (or use --sandbox)`);
  if (choice.kind === 'sandbox') {
    const { startSandbox } = await import('../sandbox/index.js');
    const scenario = values.scenario;
    if (scenario !== undefined && scenario !== 'default' && scenario !== 'hostile') throw new Error(`--scenario must be default or hostile, got "${scenario}"`);
    sandbox = await startSandbox({ ephemeral: true, ssh: false, extensions: true, ...(values.seed ? { seed: Number(values.seed) } : {}), ...(scenario ? { scenario } : {}) });
    upstream = await createUpstream({ sandbox });
  } else if (choice.kind === 'divio') {
    upstream = await createUpstream({ zone: choice.zone, token: choice.token });
  } else throw new Error('serve has no --gateway');
  let gateway: Gateway;
  try {
    gateway = await startGateway({ host, port, tokens, readOnly: values['read-only'] === true, upstream, dataDir, pollScale });
  } catch (e) {
    await upstream.close();
    await sandbox?.close();
    throw e;
  }
  return {
    gateway,
    upstream,
    token: operatorToken ?? viewer!,
    generated: !given && !!operatorToken,
    close: async () => {
      await gateway.close();
      await upstream.close();
      await sandbox?.close();
    },
  };
}

/** CLI entry: prints the ws URL (and a generated token) and runs until SIGINT/SIGTERM. Returns the exit code. */
export async function runServeCommand(argv: string[]): Promise<number> {
  let h: ServeHandle;
  try {
    h = await startServe(argv);
  } catch (e) {
    process.stderr.write(`divio-tui serve: ${e instanceof Error ? e.message : String(e)}\nSee \`divio-tui serve --help\`.\n`);
    return 2;
  }
  for (const n of h.gateway.notices()) process.stderr.write(`divio-tui serve: ${n}\n`);
  process.stdout.write(`gateway listening on ${h.gateway.url} (upstream: ${h.upstream.kind === 'sandbox' ? 'SANDBOX' : h.upstream.zone})\n`);
  // A token that was given is never echoed (it would land in terminal scrollback and CI logs).
  if (h.generated) process.stdout.write(`token (operator, generated): ${h.token}\n`);
  process.stdout.write(`limits: ${h.gateway.limitsText()}\n`);
  process.stdout.write(`connect: divio-tui --gateway ${h.gateway.url}  (token via --token or DIVIO_TUI_TOKEN)\n`);
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`divio-tui serve: ${sig}, shutting down\n`);
      void h.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

export interface InProcessOptions {
  /** Divio or the sandbox, as resolveUpstream decided (default: resolved from `env` alone). */
  upstream?: Exclude<UpstreamChoice, { kind: 'gateway' }>;
  /** Options for the embedded sandbox when it is used (ssh, seed, dataDir …). */
  sandboxOptions?: import('../sandbox/index.js').SandboxOptions;
  /**
   * Run the sandbox in a child process (the console: it then runs on another core and never on the
   * UI's thread). Started at once by the caller when it wants the head start; `sandbox` is null then.
   */
  sandboxProcess?: () => Promise<import('../sandbox/child.js').SandboxProcess>;
  dataDir?: string;
  cloudflare?: import('../gateway/upstream.js').CloudflareConfig;
  env?: NodeJS.ProcessEnv;
  /** See GatewayOptions.rediscoverDelayMs. */
  rediscoverDelayMs?: number;
  /** Ask the zone whose token it is (GET /iam/v3/me/, for the header); false: the one-shot commands. */
  whoami?: boolean;
  /** Refuse every action (`divio-tui --read-only`), as `serve --read-only` does. */
  readOnly?: boolean;
  /** See GatewayOptions.prefetch. */
  prefetch?: import('../gateway/index.js').GatewayOptions['prefetch'];
}

export interface InProcessGateway extends ServeHandle {
  /** The embedded sandbox, when it is the upstream. */
  sandbox: import('../sandbox/index.js').Sandbox | null;
}

/**
 * `divio-tui` without `--gateway`: a gateway in this process on a random loopback port with a random
 * operator token, in front of the upstream resolveUpstream chose.
 */
export async function startInProcessGateway(opts: InProcessOptions = {}): Promise<InProcessGateway> {
  const env = opts.env ?? process.env;
  const choice = opts.upstream ?? resolveUpstream({ env });
  if (choice.kind === 'gateway') throw new Error('an in-process gateway needs Divio or the sandbox upstream');
  const divioToken = choice.kind === 'divio' ? choice.token : null;
  let sandbox: import('../sandbox/index.js').Sandbox | null = null;
  let child: import('../sandbox/child.js').SandboxProcess | null = null;
  let upstream: Upstream;
  if (choice.kind === 'divio') {
    upstream = await createUpstream({ zone: choice.zone, token: choice.token, cloudflare: opts.cloudflare, whoami: opts.whoami });
  } else if (opts.sandboxProcess) {
    child = await opts.sandboxProcess();
    try {
      upstream = await createUpstream({ sandbox: child });
    } catch (e) {
      await child.close();
      throw e;
    }
  } else {
    const { startSandbox } = await import('../sandbox/index.js');
    sandbox = await startSandbox({ ssh: false, ...opts.sandboxOptions });
    upstream = await createUpstream({ sandbox });
  }
  const token = randomBytes(24).toString('base64url');
  let dataDir = opts.dataDir ?? join(stateDir(env), 'gateway');
  const notices: string[] = [];
  const sandboxNotices = sandbox?.notices ?? child?.notices ?? [];
  let privateDir: string | null = null;
  // A sandbox that runs privately (its data directory was in use) gets private jobs too: they name
  // objects only it knows.
  const sbo = opts.sandboxOptions;
  if ((sandbox || child) && sbo && !sbo.ephemeral && (sandbox ? sandbox.dataDir : child!.dataDir) === null) {
    dataDir = privateDir = mkdtempSync(join(tmpdir(), 'divio-tui-gw-'));
  }
  let gateway: Gateway | undefined;
  const start = (dir: string) => startGateway({
    host: '127.0.0.1', port: 0, tokens: [{ token, role: 'operator', name: 'local-user' }], upstream, dataDir: dir, readOnly: opts.readOnly,
    rediscoverDelayMs: opts.rediscoverDelayMs,
    prefetch: opts.prefetch,
    // live: a line the sandbox adds later (its SSH host key) reaches later welcomes
    notices: () => [...sandboxNotices, ...notices],
  });
  try {
    try {
      gateway = await start(dataDir);
    } catch (e) {
      if (!(e instanceof DirBusyError)) throw e;
      // another console uses this directory: this one keeps its jobs apart (a real zone's in a
      // directory that stays, for its audit; the sandbox's for as long as it runs)
      const busy = e;
      dataDir = divioToken ? `${busy.dir}.pid-${process.pid}` : (privateDir = mkdtempSync(join(tmpdir(), 'divio-tui-gw-')));
      notices.push(`another divio-tui${Number.isNaN(busy.pid) ? '' : ` (pid ${busy.pid})`} is using ${shown(busy.dir)}; this console keeps its jobs and audit in ${divioToken ? shown(dataDir) : 'a private directory (gone when it ends)'}`);
      gateway = await start(dataDir);
    }
    // the child took its options and the socket; the gateway's first requests wait there for it
    await child?.ready;
  } catch (e) {
    await gateway?.close();
    await upstream.close();
    await sandbox?.close();
    await child?.close();
    if (privateDir) rmSync(privateDir, { recursive: true, force: true });
    throw e;
  }
  return {
    gateway,
    upstream,
    token,
    sandbox,
    close: async () => {
      await gateway.close();
      await upstream.close();
      await sandbox?.close();
      await child?.close();
      if (privateDir) rmSync(privateDir, { recursive: true, force: true });
    },
  };
}
