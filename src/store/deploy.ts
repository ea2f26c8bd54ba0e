// The deploy cockpit's logic, outside React: the deployment log parsed into stages and the first
// error, a per-deployment log buffer that only ever appends (it survives the cockpit unmounting), the
// heartbeat (time since progress last changed), and the verdict from the API's success plus the HTTP
// probe the gateway's deploy job runs when the deployment ends.
import type { Deployment, Job } from '../domain/index.js';
import { jobResult } from '../domain/helpers.js';
import { LogBuffer } from './logbuffer.js';

export type BuildMode = 'AUTO' | 'ADOPT' | 'FORCE';
export const BUILD_MODES: readonly BuildMode[] = ['AUTO', 'ADOPT', 'FORCE'];
export const BUILD_MODE_HELP: Record<BuildMode, string> = {
  AUTO: 'build when the commit changed, else reuse the image',
  ADOPT: 'adopt the image already built for another environment',
  FORCE: 'build from scratch, without cache',
};

const STAGE_HEAD = /^==>\s*(.+?)\s*$/;
const ERROR_LINE = /Traceback \(most recent call last\)|(^|\s)ERROR\b|\b[A-Z][A-Za-z]*(Error|Exception|Violation)\b:|\bfailed with exit code\b|^Deployment failed|^fatal:|^error:/;

export function isErrorLine(text: string): boolean {
  return ERROR_LINE.test(text);
}

export interface DeployLogInfo {
  lines: number;
  /** Stage headings in order ("==> Build the image" → "Build the image"). */
  stages: string[];
  /** 0-based line of the first error, or null. */
  firstError: number | null;
  firstErrorText: string | null;
  /** The stage heading the first error belongs to. */
  failingStage: string | null;
}

export function parseDeployLog(log: string): DeployLogInfo {
  const lines = log.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const stages: string[] = [];
  let firstError: number | null = null;
  let failingStage: string | null = null;
  let firstErrorText: string | null = null;
  lines.forEach((l, i) => {
    const m = STAGE_HEAD.exec(l);
    if (m) {
      stages.push(m[1]!);
      return;
    }
    if (firstError === null && isErrorLine(l)) {
      firstError = i;
      firstErrorText = l.trim();
      failingStage = stages[stages.length - 1] ?? null;
    }
  });
  return { lines: lines.length, stages, firstError, firstErrorText, failingStage };
}

/** A deployment's log as a LogBuffer that grows by appending; plus the heartbeat. */
export class DeployWatch {
  readonly buffer = new LogBuffer({ capLines: 20_000, group: false });
  private consumed = '';
  private sig = '';
  lastChangeAt: number;
  info: DeployLogInfo = { lines: 0, stages: [], firstError: null, firstErrorText: null, failingStage: null };
  constructor(
    readonly uuid: string,
    now: number,
  ) {
    this.lastChangeAt = now;
  }

  /** Feed the latest deployment and its whole log; returns true when something changed. */
  update(d: Deployment | null, log: string, now: number): boolean {
    let changed = false;
    if (!log.startsWith(this.consumed)) {
      // the upstream rewrote the log: start over (rare)
      this.buffer.clear();
      this.consumed = '';
    }
    if (log.length > this.consumed.length) {
      const fresh = log.slice(this.consumed.length);
      const upto = fresh.lastIndexOf('\n');
      const ended = !!d?.ended_at;
      const take = ended ? fresh : upto >= 0 ? fresh.slice(0, upto + 1) : '';
      if (take) {
        const t = d?.started_at ? Date.parse(d.started_at) : now;
        const lines = take.split('\n');
        if (lines[lines.length - 1] === '') lines.pop();
        this.buffer.append(lines.map((message, i) => ({ seq: i, ts: Number.isFinite(t) ? t : now, source: 'deploy', service: 'build', message })));
        this.consumed += take;
        this.info = parseDeployLog(this.consumed);
        changed = true;
      }
    }
    const sig = d ? `${d.percent ?? ''}|${d.stage ?? ''}|${d.status ?? ''}|${d.ended_at ?? ''}|${this.consumed.length}` : '';
    if (sig !== this.sig) {
      this.sig = sig;
      this.lastChangeAt = now;
      changed = true;
    }
    return changed;
  }

  heartbeatAgeMs(now: number): number {
    return Math.max(0, now - this.lastChangeAt);
  }
}

const watches = new Map<string, DeployWatch>();

/** The watch of a deployment (kept for the last 20 deployments looked at). */
export function deployWatch(uuid: string, now = Date.now()): DeployWatch {
  let w = watches.get(uuid);
  if (!w) {
    w = new DeployWatch(uuid, now);
    watches.set(uuid, w);
    while (watches.size > 20) {
      const first = watches.keys().next().value as string;
      watches.get(first)?.buffer.dispose();
      watches.delete(first);
    }
  }
  return w;
}

export type VerdictKind = 'running' | 'ok' | 'failed' | 'degraded' | 'unknown';
export interface Verdict {
  kind: VerdictKind;
  text: string;
}

/** Verdict from two sources: the API's success and the HTTP probe of the environment's URL. */
export function deployVerdict(d: Deployment | null, job: Job | null | undefined): Verdict {
  if (!d) return { kind: 'unknown', text: 'no deployment yet' };
  if (!d.ended_at) return { kind: 'running', text: 'running' };
  const probe = jobResult(job, 'deploy', 'redeploy')?.probe ?? null;
  const probeStep = job?.steps.find((s) => s.name === 'probe');
  if (d.success === false) return { kind: 'failed', text: 'FAILED (the API reports failure; the previous version keeps serving)' };
  if (d.success !== true) return { kind: 'unknown', text: 'ended without a result from the API' };
  if (!job) return { kind: 'ok', text: 'succeeded (API); no HTTP probe: it was not deployed from here' };
  if (probeStep && (probeStep.state === 'running' || probeStep.state === 'pending')) return { kind: 'running', text: 'succeeded (API); probing the URL...' };
  if (probe && probe.ok) return { kind: 'ok', text: `succeeded: API success and ${probe.url} answered HTTP ${probe.status}` };
  if (probe && !probe.ok) return { kind: 'degraded', text: `API success, but ${probe.url} answered ${probe.status != null ? `HTTP ${probe.status}` : (probe.error ?? 'nothing')}` };
  if (probeStep?.state === 'skipped') return { kind: 'ok', text: `succeeded (API); ${probeStep.detail ?? 'no URL to probe'}` };
  return { kind: 'ok', text: 'succeeded (API)' };
}

export interface StageView {
  name: string;
  title: string;
  state: 'done' | 'running' | 'failed' | 'pending';
}

/** Stages with their state, from the deployment's `stages` (sandbox) or the log headings. */
export function stageViews(d: Deployment | null, info: DeployLogInfo): StageView[] {
  const raw = (d as { stages?: { name: string; title?: string }[] } | null)?.stages;
  const list = Array.isArray(raw) && raw.length ? raw.map((s) => ({ name: s.name, title: s.title ?? s.name })) : info.stages.map((t) => ({ name: t, title: t }));
  const cur = d?.stage ?? null;
  let idx = list.findIndex((s) => s.name === cur || s.title === cur);
  if (idx < 0 && info.stages.length) idx = list.findIndex((s) => s.title === info.stages[info.stages.length - 1]);
  return list.map((s, i) => {
    let state: StageView['state'] = 'pending';
    if (d?.ended_at) {
      if (d.success === false) state = i < idx ? 'done' : i === idx ? 'failed' : 'pending';
      else state = 'done';
    } else if (idx >= 0) state = i < idx ? 'done' : i === idx ? 'running' : 'pending';
    return { ...s, state };
  });
}
