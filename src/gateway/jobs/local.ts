// Local action: start, stop or restart a container of the gateway's Docker/Podman engine.
import { JobRejected, type JobKindDef, type Prepared } from './kind.js';

export const localActionKind: JobKindDef<'local-action', Prepared & { container: string }> = {
  async prepare(ctx, p) {
    if (!ctx.local) throw new JobRejected('this gateway has no Local environment (Docker)');
    const d = await ctx.local.describe(p.container);
    if (!d.container) throw new JobRejected(`no container "${String(p.container).slice(0, 64)}" on the local engine`);
    return { target: d.target, env: 'local', steps: [p.action], container: d.id };
  },
  async run(h, p, pre, ctx) {
    if (!ctx.local) throw new Error('this gateway has no Local environment (Docker)');
    await h.step(p.action, () => ctx.local!.action(pre.container, p.action));
  },
};
