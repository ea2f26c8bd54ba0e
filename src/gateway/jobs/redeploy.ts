// Redeploy, chosen from an environment's deployments list. Divio's API starts a deployment with
// `POST /apps/v3/deployments/ {environment, build_mode}` only: no commit can be named (Divio's CLI
// sends nothing else, and Divio deploys the head of the environment's branch). So a redeploy is a
// deploy of the environment as it is now, and the job says, once it ran, whether the commit it
// deployed is the chosen deployment's (the branch has not moved since) or not (then it is not a
// rollback of the code: reset or revert the branch first). It restores no data either: database and
// media stay as they are (a restore of a backup does that). Same guards as deploy: a live
// environment needs `confirm: "APP@live"`, checked here whatever the client sent.
import type { Deployment, Environment } from '../../domain/index.js';
import { envRisk } from '../../domain/index.js';
import { errorText } from '../hub.js';
import { deployStep, probe, resumeDeploy } from './deploy.js';
import { envOf, JobRejected, needConfirmation, type JobKindDef, type Prepared } from './kind.js';

interface RedeployPrepared extends Prepared {
  envObj: Environment;
  chosen: Deployment;
}

const short = (c: string | null | undefined) => (c ? c.slice(0, 7) : null);

export const redeployKind: JobKindDef<'redeploy', RedeployPrepared> = {
  async prepare(ctx, p) {
    const { env, app } = await envOf(ctx, p.env);
    const target = `${app}@${env.slug}`;
    let chosen: Deployment;
    try {
      chosen = await ctx.up.divio.deployment(p.deployment);
    } catch (e) {
      throw new JobRejected(`deployment ${p.deployment.slice(0, 40)}: ${errorText(e)}`);
    }
    if (chosen.environment !== env.uuid) throw new JobRejected(`deployment ${chosen.uuid.slice(0, 8)} is not a deployment of ${target}: nothing to redeploy there`);
    if (envRisk(env.slug) === 'live') needConfirmation(p.confirm, app, env.slug, 'redeploying');
    // a deploy attaches to a running deployment; a redeploy asked for a new one: say so instead
    const latest = await ctx.up.divio.latestDeployment(env.uuid).catch(() => null);
    if (latest && latest.ended_at === null) throw new JobRejected(`a deployment of ${target} is running (${latest.uuid.slice(0, 8)}): redeploy once it has ended`);
    return { target, app, env: env.slug, envObj: env, chosen, steps: ['deploy', 'commit', 'probe'] };
  },

  async run(h, p, pre, ctx) {
    h.record({ of: pre.chosen.uuid, chosenCommit: pre.chosen.commit ?? null });
    const d = await deployStep(h, ctx, pre.envObj, p.buildMode);
    const deployed = d.commit ?? (await ctx.up.divio.deployment(d.uuid, h.signal).catch(() => d)).commit ?? null;
    const was = pre.chosen.commit ?? null;
    if (!deployed || !was) {
      h.record({ deployedCommit: deployed, sameCommit: null });
      h.stepSkip('commit', 'this zone does not say which commit a deployment ran: compare in the deployment log');
    } else {
      const same = deployed === was;
      h.record({ deployedCommit: deployed, sameCommit: same });
      const branch = d.branch ?? pre.envObj.branch ?? null;
      h.stepEnd(
        'commit',
        'succeeded',
        same
          ? `deployed ${short(deployed)}, the commit of the chosen deployment`
          : `deployed ${short(deployed)} (the head of ${branch ? `branch ${branch}` : 'the branch'}), not the chosen ${short(was)}: Divio deploys the branch head; to run ${short(was)} again, reset or revert the branch to it and deploy`,
      );
    }
    await probe(h, ctx, pre.envObj);
  },

  resume: resumeDeploy,
};
