// Mapping Local-environment facts onto the platform's nouns, so the gateway can show Local beside
// Test and Live with the same log viewer and metric charts.
import type { LogLine, MetricSample } from '../domain/index.js';
import type { ContainerLogLine, LocalContainer } from './containers.js';
import type { StatsSample } from './stats.js';

/** Source label of a local container's lines: "<project>@local" (or "<name>@local"). */
export function localSource(c: Pick<LocalContainer, 'project' | 'name'>): string {
  return `${c.project ?? c.name}@local`;
}

/** One container log line as the gateway's LogLine (stderr lines are kept distinguishable by the `stream` field). */
export function toLogLine(c: Pick<LocalContainer, 'project' | 'name' | 'service'>, l: ContainerLogLine, seq: number): LogLine & { stream: 'stdout' | 'stderr' } {
  const line: LogLine & { stream: 'stdout' | 'stderr' } = {
    seq,
    ts: l.ts,
    source: localSource(c),
    service: c.service ?? c.name,
    message: l.text,
    stream: l.stream,
  };
  if (l.tsIso) line.tsIso = l.tsIso;
  return line;
}

/**
 * Latest samples of a project's containers summed into one MetricSample (CPU: 100 % = one core,
 * as the platform counts per instance). null while no container has a CPU figure yet.
 */
export function toMetricSample(samples: StatsSample[]): MetricSample | null {
  const withCpu = samples.filter((s) => s.cpuPercent !== null);
  if (withCpu.length === 0) return null;
  const at = Math.max(...samples.map((s) => s.at));
  const mb = (b: number) => b / (1024 * 1024);
  const limits = samples.map((s) => s.memoryLimit);
  const out: MetricSample = {
    timestamp: new Date(at).toISOString(),
    cpu_percent: withCpu.reduce((a, s) => a + (s.cpuPercent ?? 0), 0),
    memory_mb: mb(samples.reduce((a, s) => a + (s.memoryUsed ?? 0), 0)),
    instances: samples.length,
  };
  if (limits.every((l) => l !== null)) out.memory_nominal_mb = mb(limits.reduce<number>((a, l) => a + (l ?? 0), 0));
  return out;
}
