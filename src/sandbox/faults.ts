// Fault injection for the sandbox's HTTP APIs.
//
// Spec string (also accepted as JSON: a FaultRule[] array):
//
//   spec    := rule (';' rule)*                      (newlines work as ';' too)
//   rule    := [METHOD] GLOB effect+                 (whitespace separated)
//   GLOB    := a path pattern: '*' = one path segment's characters (no '/'), '**' = anything;
//              a bare '*' or '**' matches every path. Query strings are ignored.
//   effect  := CODE[@RATE]          respond with this HTTP status (400–599) instead, DRF body
//                                   (429 also sends Retry-After, see retry-after=)
//            | retry-after=SECONDS  Retry-After value for 429 (default 1)
//            | latency=MS[-MS][@RATE]  add latency before answering (a range picks uniformly)
//            | malformed[@RATE]     answer normally but with a truncated, invalid JSON body
//            | reset[@RATE]         destroy the connection without answering
//            | hang[@RATE]          no answer at all while the rule is in force (a hung upstream): the
//                                   request is held, and answered normally once the faults change
//            | times=N              the rule fires at most N times, then is inert
//   RATE    := 0..1 or a percentage: 0.5 and 50% are the same; default 1 (always)
//
// Examples:
//   "/apps/v3/environments/*/logs/ 503@50%"
//   "POST /apps/v3/backups/ 500 times=1; ** latency=50-200"
//   "/client/v4/zones/*/purge_cache 429@0.3 retry-after=2; /apps/v3/deployments/** reset@5%"
//
// Control paths (/_sandbox/…) are never faulted.
import { checkStrict, issueText, type Shape } from './check.js';

const rate = { kind: 'number', optional: true, min: 0, max: 1 } as const;
/** A rule's fields, checked as zod's `z.object(…).strict()` would (the same messages) without loading zod. */
const FAULT_RULE: Shape = {
  method: { kind: 'string', optional: true, pattern: /^[A-Z]+$/ },
  path: { kind: 'string', min: 1 },
  status: { kind: 'number', optional: true, int: true, min: 400, max: 599 },
  statusRate: rate,
  retryAfter: { kind: 'number', optional: true, min: 0 },
  latencyMs: { kind: 'number', optional: true, min: 0 },
  latencyMaxMs: { kind: 'number', optional: true, min: 0 },
  latencyRate: rate,
  malformedRate: rate,
  resetRate: rate,
  hangRate: rate,
  times: { kind: 'number', optional: true, int: true, positive: true },
};
export interface FaultRule {
  method?: string;
  path: string;
  status?: number;
  statusRate?: number;
  retryAfter?: number;
  latencyMs?: number;
  latencyMaxMs?: number;
  latencyRate?: number;
  malformedRate?: number;
  resetRate?: number;
  hangRate?: number;
  times?: number;
}

export class FaultSpecError extends Error {}

function parseRate(s: string | undefined, where: string): number {
  if (s === undefined) return 1;
  const pct = s.endsWith('%');
  const n = Number(pct ? s.slice(0, -1) : s);
  const r = pct ? n / 100 : n;
  if (!Number.isFinite(r) || r < 0 || r > 1) throw new FaultSpecError(`invalid rate "${s}" in "${where}" (use 0..1 or 0%..100%)`);
  return r;
}

export function parseFaultSpec(spec: string | FaultRule[] | null | undefined): FaultRule[] {
  if (spec === null || spec === undefined) return [];
  if (Array.isArray(spec)) {
    const checked = spec.map((rule, i) => checkStrict<FaultRule>(FAULT_RULE, rule, [i]));
    const issues = checked.flatMap((c) => c.issues);
    if (issues.length) throw new FaultSpecError(`invalid fault rules: ${issueText(issues)}`);
    return checked.map((c) => c.value!);
  }
  const text = spec.trim();
  if (text === '') return [];
  if (text.startsWith('[')) {
    let parsed: unknown;
    try { parsed = JSON.parse(text); } catch (e) { throw new FaultSpecError(`invalid fault JSON: ${(e as Error).message}`); }
    return parseFaultSpec(parsed as FaultRule[]);
  }
  const rules: FaultRule[] = [];
  for (const raw of text.split(/[;\n]/)) {
    const part = raw.trim();
    if (!part) continue;
    const toks = part.split(/\s+/);
    const rule: Partial<FaultRule> = {};
    if (/^[A-Z]+$/.test(toks[0]) && toks.length > 1 && !toks[0].startsWith('/')) rule.method = toks.shift()!;
    const glob = toks.shift()!;
    if (!glob.startsWith('/') && glob !== '*' && glob !== '**') throw new FaultSpecError(`fault rule "${part}": path pattern must start with "/" (or be "*")`);
    rule.path = glob;
    if (toks.length === 0) throw new FaultSpecError(`fault rule "${part}": no effect (e.g. 503@50%, latency=200, malformed, reset)`);
    for (const t of toks) {
      let m: RegExpExecArray | null;
      if ((m = /^(\d{3})(?:@(.+))?$/.exec(t))) {
        const code = Number(m[1]);
        if (code < 400 || code > 599) throw new FaultSpecError(`fault rule "${part}": status ${code} must be 400–599`);
        rule.status = code; rule.statusRate = parseRate(m[2], part);
      } else if ((m = /^retry-after=(\d+(?:\.\d+)?)$/.exec(t))) {
        rule.retryAfter = Number(m[1]);
      } else if ((m = /^latency=(\d+)(?:-(\d+))?(?:@(.+))?$/.exec(t))) {
        rule.latencyMs = Number(m[1]);
        if (m[2]) rule.latencyMaxMs = Number(m[2]);
        rule.latencyRate = parseRate(m[3], part);
      } else if ((m = /^malformed(?:@(.+))?$/.exec(t))) {
        rule.malformedRate = parseRate(m[1], part);
      } else if ((m = /^reset(?:@(.+))?$/.exec(t))) {
        rule.resetRate = parseRate(m[1], part);
      } else if ((m = /^hang(?:@(.+))?$/.exec(t))) {
        rule.hangRate = parseRate(m[1], part);
      } else if ((m = /^times=(\d+)$/.exec(t)) && Number(m[1]) > 0) {
        rule.times = Number(m[1]);
      } else {
        throw new FaultSpecError(`fault rule "${part}": unknown effect "${t}" (expected CODE[@RATE], retry-after=S, latency=MS[-MS][@RATE], malformed[@RATE], reset[@RATE], hang[@RATE], times=N)`);
      }
    }
    const checked = checkStrict<FaultRule>(FAULT_RULE, rule);
    if (!checked.value) throw new FaultSpecError(`fault rule "${part}": ${issueText(checked.issues)}`);
    rules.push(checked.value);
  }
  return rules;
}

export function globToRegExp(glob: string): RegExp {
  if (glob === '*' || glob === '**') return /^.*$/;
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') { re += '.*'; i++; } else re += '[^/]*';
    } else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export interface FaultDecision { latencyMs: number; reset: boolean; status: number | null; retryAfter: number; malformed: boolean; hang: boolean }

export class Faults {
  private rules: { rule: FaultRule; re: RegExp; fired: number }[] = [];
  private held = new Set<() => void>();
  constructor(private random: () => number = Math.random) {}

  set(spec: string | FaultRule[] | null | undefined): void {
    this.rules = parseFaultSpec(spec).map((rule) => ({ rule, re: globToRegExp(rule.path), fired: 0 }));
    // the upstream recovers: hung requests are answered now
    for (const release of [...this.held]) release();
  }

  /** Hold a hung request until the faults change (true) or its connection closes (false). */
  hold(socket: { once(ev: 'close', f: () => void): unknown; off(ev: 'close', f: () => void): unknown }): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (answer: boolean): void => {
        this.held.delete(release);
        socket.off('close', closed);
        resolve(answer);
      };
      const release = (): void => done(true);
      const closed = (): void => done(false);
      this.held.add(release);
      socket.once('close', closed);
    });
  }
  list(): FaultRule[] { return this.rules.map((r) => r.rule); }

  decide(method: string, path: string): FaultDecision | null {
    if (this.rules.length === 0 || path.startsWith('/_sandbox/')) return null;
    const d: FaultDecision = { latencyMs: 0, reset: false, status: null, retryAfter: 1, malformed: false, hang: false };
    let any = false;
    for (const r of this.rules) {
      const { rule } = r;
      if (rule.method && rule.method !== method) continue;
      if (!r.re.test(path)) continue;
      if (rule.times !== undefined && r.fired >= rule.times) continue;
      let fired = false;
      if (rule.latencyMs !== undefined && this.random() < (rule.latencyRate ?? 1)) {
        const max = rule.latencyMaxMs ?? rule.latencyMs;
        d.latencyMs += rule.latencyMs + Math.floor(this.random() * Math.max(0, max - rule.latencyMs + 1));
        fired = true;
      }
      if (rule.resetRate !== undefined && this.random() < rule.resetRate) { d.reset = true; fired = true; }
      if (rule.hangRate !== undefined && this.random() < rule.hangRate) { d.hang = true; fired = true; }
      if (rule.status !== undefined && d.status === null && this.random() < (rule.statusRate ?? 1)) {
        d.status = rule.status; d.retryAfter = rule.retryAfter ?? 1; fired = true;
      }
      if (rule.malformedRate !== undefined && this.random() < rule.malformedRate) { d.malformed = true; fired = true; }
      if (fired) { r.fired++; any = true; }
    }
    return any ? d : null;
  }
}

export function faultBody(status: number): unknown {
  if (status === 429) return { detail: 'Request was throttled. Expected available in 1 second.' };
  if (status === 401) return { detail: 'Invalid token.' };
  if (status === 403) return { detail: 'You do not have permission to perform this action.' };
  if (status === 404) return { detail: 'Not found.' };
  if (status < 500) return { non_field_errors: ['Injected fault.'] };
  return { detail: status === 503 ? 'Service temporarily unavailable (injected fault).' : 'A server error occurred (injected fault).' };
}
