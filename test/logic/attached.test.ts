// runAttached (src/terminal/attached.ts): the program on the user's terminal, as the SSH hand-off and
// a local container's shell run; what comes back is what the caller shows.
import { describe, expect, it } from 'vitest';
import { runAttached } from '../../src/terminal/attached.js';

describe('runAttached', () => {
  it("passes the program's exit status back and keeps the tail of its standard error", async () => {
    const r = await runAttached('/bin/sh', ['-c', 'echo first >&2; echo "Permission denied (publickey)." >&2; exit 255'], { stderrTail: true });
    expect(r).toMatchObject({ code: 255, startError: null });
    expect(r.stderrTail).toBe('first\nPermission denied (publickey).\n');
  });

  it('keeps only the last 4 kB of a long standard error', async () => {
    const r = await runAttached('/bin/sh', ['-c', 'i=0; while [ $i -lt 300 ]; do echo "line $i of the diagnostics" >&2; i=$((i+1)); done; exit 3'], { stderrTail: true });
    expect(r.code).toBe(3);
    expect(r.stderrTail.length).toBe(4096);
    expect(r.stderrTail.endsWith('line 299 of the diagnostics\n')).toBe(true);
  });

  it('says 127 and why when the program cannot start', async () => {
    const r = await runAttached('divio-tui-no-such-program', []);
    expect(r.code).toBe(127);
    expect(r.startError?.code).toBe('ENOENT');
  });

  it('says 128 when a signal ended it, and passes the environment given', async () => {
    expect((await runAttached('/bin/sh', ['-c', 'kill -TERM $$'])).code).toBe(128);
    expect((await runAttached('/bin/sh', ['-c', 'exit $ATTACHED_CODE'], { env: { ATTACHED_CODE: '7' } })).code).toBe(7);
  });
});
