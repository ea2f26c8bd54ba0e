// A program run on the user's terminal (stdin and stdout inherited), as the SSH hand-off and a local
// container's shell are: its exit status comes back as it is; 127 when it cannot start (and why),
// 128 when a signal ended it. Its standard error goes to ours as it comes; with `stderrTail` its last
// 4 kB are kept too (to explain a failure once the screen is ours again).
import { execa } from 'execa';

export interface AttachedResult {
  code: number;
  /** The last 4 kB of its standard error (only with `stderrTail`). */
  stderrTail: string;
  /** Why it did not start (ENOENT: not found), or null. */
  startError: NodeJS.ErrnoException | null;
}

export async function runAttached(file: string, args: string[], o: { env?: Record<string, string>; stderrTail?: boolean } = {}): Promise<AttachedResult> {
  let tail = '';
  const decoder = new TextDecoder();
  const keepTail = {
    *transform(chunk: unknown) {
      tail = (tail + decoder.decode(chunk as Uint8Array, { stream: true })).slice(-4096);
      yield chunk;
    },
    binary: true,
  } as const;
  const r = await execa(file, args, {
    stdin: 'inherit',
    stdout: 'inherit',
    stderr: o.stderrTail ? [keepTail, 'inherit'] : 'inherit',
    env: o.env,
    buffer: false,
    reject: false,
  });
  const cause = r.cause as NodeJS.ErrnoException | undefined;
  if (r.exitCode === undefined && !r.signal) return { code: 127, stderrTail: tail, startError: cause ?? new Error(r.shortMessage) };
  return { code: r.exitCode ?? 128, stderrTail: tail, startError: null };
}
