// Environment variables: set (create, or change the value of an existing one) and unset one variable
// of an environment. As on Divio, a change takes effect on the environment's next deployment: the
// job says so in its result (`takesEffect: "next deployment"`). The value is never recorded: the job
// keeps `name`, the action and the flag, never `value` (the store drops it from the parameters it
// keeps, the audit drops it too), and nothing here puts it in a step, a result or an error.
// A live environment needs `confirm: "APP@live"` for any change, checked here whatever the client.
import type { Environment, EnvironmentVariable } from '../../domain/index.js';
import { envRisk } from '../../domain/index.js';
import { collect } from '../../divio/index.js';
import { errorText } from '../hub.js';
import { envOf, JobRejected, needConfirmation, type JobKindDef, type Prepared } from './kind.js';

interface EnvVarPrepared extends Prepared {
  envObj: Environment;
  existing: EnvironmentVariable | null;
}

/** A variable name as a shell and Divio's Control Panel accept it. */
export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const envVarKind: JobKindDef<'env-var', EnvVarPrepared> = {
  async prepare(ctx, p) {
    if (!VAR_NAME.test(p.name)) throw new JobRejected(`"${p.name.slice(0, 80)}" is not a variable name: letters, digits and _ only, not starting with a digit`);
    const { env, app } = await envOf(ctx, p.env);
    const target = `${app}@${env.slug}`;
    if (envRisk(env.slug) === 'live') needConfirmation(p.confirm, app, env.slug, p.action === 'set' ? `setting ${p.name} on` : `unsetting ${p.name} on`);
    let existing: EnvironmentVariable | null;
    try {
      const list = await collect(ctx.up.divio.environmentVariables({ environment: env.uuid, name: p.name }));
      existing = list.find((v) => v.name === p.name && (!v.environment || v.environment === env.uuid)) ?? null;
    } catch (e) {
      throw new JobRejected(`variables of ${target}: ${errorText(e)}`);
    }
    if (p.action === 'unset' && !existing) throw new JobRejected(`${target} has no variable ${p.name}: nothing to unset`);
    if (existing && !existing.uuid) throw new JobRejected(`this zone lists ${p.name} of ${target} without an id: it cannot be changed from here (use the Control Panel)`);
    return { target: `${target} ${p.name}`, app, env: env.slug, envObj: env, existing, steps: [p.action] };
  },

  async run(h, p, pre, ctx) {
    const c = ctx.up.divio;
    if (p.action === 'unset') {
      await h.step('unset', () => c.deleteEnvironmentVariable(pre.existing!.uuid!), () => `${p.name} removed`);
      h.record({ name: p.name, action: 'unset', takesEffect: 'next deployment' });
      return;
    }
    const sensitive = p.sensitive ?? pre.existing?.is_sensitive ?? false;
    const created = !pre.existing;
    await h.step(
      'set',
      () => (pre.existing ? c.updateEnvironmentVariable(pre.existing.uuid!, { value: p.value, is_sensitive: sensitive }) : c.createEnvironmentVariable(pre.envObj.uuid, p.name, p.value, sensitive)),
      () => `${p.name} ${created ? 'created' : 'changed'}${sensitive ? ' (sensitive)' : ''}`,
    );
    h.record({ name: p.name, action: 'set', created, sensitive, takesEffect: 'next deployment' });
  },
};
