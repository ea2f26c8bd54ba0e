// The twins of the deployments screen and of the environment variables editor:
//   divio-tui deployments APP ENV [--json] [--utc]
//   divio-tui deployments APP ENV redeploy ID [--build-mode M] [--confirm APP@live] [--no-wait] [--json]
//   divio-tui env-vars APP ENV [list] [--reveal] [--json]
//   divio-tui env-vars APP ENV set NAME=VALUE | set NAME (value from stdin) [--sensitive | --not-sensitive] [--confirm APP@live]
//   divio-tui env-vars APP ENV unset NAME [--confirm APP@live]
// Changes run as gateway jobs (kinds `redeploy`, `env-var`), whose guards the gateway checks itself.
import { jobStateWord } from '../domain/words.js';
import type { GatewayClient } from '../client/index.js';
import { confirmationWord, envRisk, jobResult, type Job } from '../domain/index.js';
import { deploymentRow, newestFirst, resultText } from '../store/releases.js';
import { flagBool, flagString, UsageError, type ParsedArgs } from './args.js';
import { jsonText, renderTextTable } from './format.js';
import { firstData, fleet, followJob, out, resolveTarget } from './twins.js';

const MASK = '****';

export async function deploymentsCommand(c: GatewayClient, a: ParsedArgs, json: boolean): Promise<number> {
  const [app, env, sub, id, ...rest] = a.positionals;
  const row = resolveTarget(await fleet(c), app, env);
  const name = confirmationWord(row.app, row.env);
  if (sub !== undefined && sub !== 'list' && sub !== 'redeploy') throw new UsageError(`deployments ${name}: "${sub}" is not list or redeploy`);
  if (sub === 'redeploy') {
    if (!id) throw new UsageError(`name the deployment to redeploy: divio-tui deployments ${row.app} ${row.env} redeploy ID (its id or the start of it)`);
    if (rest.length) throw new UsageError(`redeploy takes one deployment id, got also "${rest.join(' ')}"`);
    const mode = (flagString(a, 'build-mode') ?? 'AUTO').toUpperCase();
    if (!['AUTO', 'ADOPT', 'FORCE'].includes(mode)) throw new UsageError(`--build-mode must be AUTO, ADOPT or FORCE, got "${mode}"`);
    const list = await firstData(c, 'deployments', { env: row.envUuid });
    const hits = list.deployments.filter((d) => d.uuid === id || d.uuid.startsWith(id));
    if (hits.length > 1) throw new UsageError(`"${id}" names ${hits.length} deployments of ${name}: give more of its id`);
    // not among the newest: the gateway looks it up (and refuses one of another environment)
    const chosen = hits[0]?.uuid ?? id;
    const confirm = flagString(a, 'confirm');
    if (envRisk(row.env) === 'live' && confirm !== name) throw new UsageError(`redeploying ${name} needs --confirm ${name}`);
    const job = await c.command('redeploy', { env: row.envUuid, deployment: chosen, buildMode: mode as 'AUTO', ...(confirm ? { confirm } : {}) });
    if (flagBool(a, 'no-wait')) {
      out(json ? jsonText(job) : `redeploy job ${job.id} ${jobStateWord(job.state).text}: the gateway runs it on`);
      return 0;
    }
    return followJob(c, job, json, undefined, async (j: Job) => {
      if (json) {
        out(jsonText(j));
        return 0;
      }
      const r = jobResult(j, 'redeploy') ?? {};
      out(`redeploy ${j.target}: succeeded deployment=${String(r.deployment ?? '-')} commit=${String(r.deployedCommit ?? '-').slice(0, 7)}`);
      const commit = j.steps.find((s) => s.name === 'commit');
      if (commit?.detail) process.stderr.write(`note: ${commit.detail}\n`);
      else if (r.sameCommit === null) process.stderr.write('note: this zone does not say which commit a deployment ran: compare in the deployment log\n');
      process.stderr.write('note: a redeploy restores no data (database, media): a backup restore does that\n');
      return 0;
    });
  }
  const d = await firstData(c, 'deployments', { env: row.envUuid });
  const list = [...d.deployments].sort(newestFirst);
  if (json) {
    out(jsonText(list));
    return 0;
  }
  if (!list.length) {
    out(`${name} has never been deployed`);
    return 0;
  }
  const now = Date.now();
  const utc = flagBool(a, 'utc');
  out(
    renderTextTable(
      ['STARTED', 'AGE', 'DURATION', 'RESULT', 'COMMIT', 'BRANCH', 'BY', 'DEPLOYMENT'],
      list.map((x) => {
        const r = deploymentRow(x, now, utc);
        return [r.started, r.age, r.duration, resultText(r), r.commit, r.branch, r.who, r.uuid];
      }),
    ),
  );
  return 0;
}

export async function envVarsCommand(c: GatewayClient, a: ParsedArgs, json: boolean): Promise<number> {
  const [app, env, sub = 'list', arg, ...rest] = a.positionals;
  const row = resolveTarget(await fleet(c), app, env);
  const name = confirmationWord(row.app, row.env);
  if (sub === 'list') {
    if (arg !== undefined) throw new UsageError(`env-vars ${row.app} ${row.env} list takes no more arguments, got "${[arg, ...rest].join(' ')}"`);
    const d = await firstData(c, 'env', { env: row.envUuid });
    const reveal = flagBool(a, 'reveal');
    const vars = [...d.variables].sort((x, y) => x.name.localeCompare(y.name));
    const shown = await Promise.all(
      vars.map(async (v) => {
        // only what the gateway masked needs asking for; each reveal is audited by the gateway
        const masked = v.is_sensitive || (v.value ?? '').includes(MASK);
        if (!reveal || !masked) return { name: v.name, value: v.value, is_sensitive: v.is_sensitive };
        return { name: v.name, value: await c.reveal(row.envUuid, v.name), is_sensitive: v.is_sensitive };
      }),
    );
    if (json) {
      out(jsonText(shown));
      return 0;
    }
    if (!shown.length) out(`${name} has no environment variables`);
    else out(renderTextTable(['NAME', 'VALUE', 'SENSITIVE'], shown.map((v) => [v.name, v.value ?? '', v.is_sensitive ? 'yes' : ''])));
    if (!reveal && shown.some((v) => v.is_sensitive)) process.stderr.write('sensitive values are masked: --reveal shows them (the gateway audits it)\n');
    return 0;
  }
  if (sub !== 'set' && sub !== 'unset') throw new UsageError(`env-vars ${row.app} ${row.env}: "${sub}" is not list, set or unset`);
  if (!arg) throw new UsageError(sub === 'set' ? 'set NAME=VALUE (or set NAME, the value on standard input)' : 'unset NAME');
  if (rest.length) throw new UsageError(`${sub} takes one variable, got also "${rest.join(' ')}" (quote a value with spaces: set 'NAME=a b')`);
  const confirm = flagString(a, 'confirm');
  if (envRisk(row.env) === 'live' && confirm !== name) throw new UsageError(`changing variables of ${name} needs --confirm ${name}`);
  let job: Job;
  if (sub === 'set') {
    const eq = arg.indexOf('=');
    const varName = eq >= 0 ? arg.slice(0, eq) : arg;
    const value = eq >= 0 ? arg.slice(eq + 1) : await readStdinValue(varName);
    if (flagBool(a, 'sensitive') && flagBool(a, 'not-sensitive')) throw new UsageError('--sensitive or --not-sensitive, not both');
    const sensitive = flagBool(a, 'sensitive') ? true : flagBool(a, 'not-sensitive') ? false : undefined;
    job = await c.command('env-var', { action: 'set', env: row.envUuid, name: varName, value, ...(sensitive !== undefined ? { sensitive } : {}), ...(confirm ? { confirm } : {}) });
  } else {
    if (arg.includes('=')) throw new UsageError(`unset takes a name, not NAME=VALUE ("${arg.split('=')[0]}")`);
    job = await c.command('env-var', { action: 'unset', env: row.envUuid, name: arg, ...(confirm ? { confirm } : {}) });
  }
  return followJob(c, job, json, undefined, async (j: Job) => {
    if (json) {
      out(jsonText(j));
      return 0;
    }
    const r = jobResult(j, 'env-var') ?? {};
    const what = r.action === 'unset' ? 'unset' : r.created ? 'created' : 'changed';
    out(`${String(r.name)} ${what} on ${name}${r.sensitive ? ' (sensitive)' : ''}`);
    process.stderr.write(`it takes effect on the next deployment of ${name}: divio-tui deploy ${row.app} ${row.env}${envRisk(row.env) === 'live' ? ` --confirm ${name}` : ''}\n`);
    return 0;
  });
}

/** `set NAME` with the value on standard input (out of the shell's history and `ps`); one trailing newline dropped. */
async function readStdinValue(name: string): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError(`set ${name}: give NAME=VALUE, or pipe the value into standard input`);
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
