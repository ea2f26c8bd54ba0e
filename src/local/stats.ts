// CPU % and memory from one Engine API stats sample, with the docker CLI's formula.
//
//   cpuDelta    = cpu_stats.cpu_usage.total_usage − precpu_stats.cpu_usage.total_usage
//   systemDelta = cpu_stats.system_cpu_usage      − precpu_stats.system_cpu_usage
//   onlineCPUs  = cpu_stats.online_cpus || len(cpu_stats.cpu_usage.percpu_usage) || 1
//   cpu %       = cpuDelta / systemDelta × onlineCPUs × 100
//   memory used = usage − inactive file cache:
//                   cgroup v1: memory_stats.stats.total_inactive_file (older daemons: stats.cache)
//                   cgroup v2: memory_stats.stats.inactive_file
//                 (never below 0; when no breakdown is sent, as Podman with cgroupfs does, = usage)
import * as z from '../domain/zod.js';
import { cleanUpstream } from '../domain/text.js';

const num = z.number().finite().nonnegative();

export const RawStats = z.looseObject({
  read: z.string().optional(),
  cpu_stats: z
    .looseObject({
      cpu_usage: z.looseObject({ total_usage: num.optional(), percpu_usage: z.array(num).nullish() }).optional(),
      system_cpu_usage: num.optional(),
      online_cpus: num.optional(),
    })
    .optional(),
  precpu_stats: z
    .looseObject({
      cpu_usage: z.looseObject({ total_usage: num.optional() }).optional(),
      system_cpu_usage: num.optional(),
    })
    .optional(),
  memory_stats: z
    .looseObject({
      usage: num.optional(),
      limit: num.optional(),
      stats: z.record(z.string(), z.number()).nullish(),
    })
    .optional(),
  pids_stats: z.looseObject({ current: num.optional() }).optional(),
});
export type RawStats = z.infer<typeof RawStats>;

export interface StatsSample {
  /** Epoch ms of the engine's reading (receive time when absent). */
  at: number;
  /** CPU % where 100 = one full core (can exceed 100 on several cores); null when not computable yet. */
  cpuPercent: number | null;
  onlineCpus: number;
  /** Bytes used (cache excluded); null when the engine sent no memory figures. */
  memoryUsed: number | null;
  /** Bytes; null when unknown or unlimited. */
  memoryLimit: number | null;
  memoryPercent: number | null;
  /** Which fields the memory figure came from. */
  memorySource: 'cgroup-v1' | 'cgroup-v2' | 'cache' | 'usage' | 'none';
  pids: number | null;
}

/** Above this a limit means "no limit" (the kernel's max, 2^63 rounded to pages). */
const UNLIMITED = 2 ** 62;

/** Pure: one raw sample (unknown JSON) → figures. Throws a clear Error on a non-stats payload. */
export function computeStats(raw: unknown, now: number = Date.now()): StatsSample {
  const p = RawStats.safeParse(cleanUpstream(raw));
  if (!p.success) {
    const issue = p.error.issues[0];
    throw new Error(`bad stats sample: ${issue ? `${issue.path.join('.') || '(root)'} ${issue.message}` : 'invalid'}`);
  }
  const s = p.data;
  const cpu = s.cpu_stats;
  const pre = s.precpu_stats;
  const onlineCpus = cpu?.online_cpus || cpu?.cpu_usage?.percpu_usage?.length || 1;

  let cpuPercent: number | null = null;
  const total = cpu?.cpu_usage?.total_usage;
  const preTotal = pre?.cpu_usage?.total_usage;
  const sys = cpu?.system_cpu_usage;
  const preSys = pre?.system_cpu_usage;
  if (total !== undefined && sys !== undefined && preTotal !== undefined && preSys !== undefined && preSys > 0) {
    const cpuDelta = total - preTotal;
    const systemDelta = sys - preSys;
    cpuPercent = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * onlineCpus * 100 : 0;
  }

  const mem = s.memory_stats;
  let memoryUsed: number | null = null;
  let memorySource: StatsSample['memorySource'] = 'none';
  if (mem?.usage !== undefined) {
    const st = mem.stats ?? {};
    const usage = mem.usage;
    if (st.total_inactive_file !== undefined) {
      memoryUsed = st.total_inactive_file < usage ? usage - st.total_inactive_file : usage;
      memorySource = 'cgroup-v1';
    } else if (st.inactive_file !== undefined) {
      memoryUsed = st.inactive_file < usage ? usage - st.inactive_file : usage;
      memorySource = 'cgroup-v2';
    } else if (st.cache !== undefined) {
      memoryUsed = st.cache < usage ? usage - st.cache : usage;
      memorySource = 'cache';
    } else {
      memoryUsed = usage;
      memorySource = 'usage';
    }
  }
  const limit = mem?.limit !== undefined && mem.limit > 0 && mem.limit < UNLIMITED ? mem.limit : null;
  const memoryPercent = memoryUsed !== null && limit !== null ? (memoryUsed / limit) * 100 : null;
  const read = s.read ? Date.parse(s.read) : NaN;
  const at = Number.isFinite(read) && read > 0 ? read : now;
  return {
    at,
    cpuPercent,
    onlineCpus,
    memoryUsed,
    memoryLimit: limit,
    memoryPercent,
    memorySource,
    pids: s.pids_stats?.current ?? null,
  };
}

