import { describe, expect, it } from 'vitest';
import { computeStats } from '../../src/local/stats.js';

// Shapes as the Engine API sends them (values chosen so the expected figures are exact).
const cgroupV1 = {
  read: '2026-01-01T00:00:01.500000000Z',
  preread: '2026-01-01T00:00:00.500000000Z',
  pids_stats: { current: 7 },
  cpu_stats: {
    cpu_usage: { total_usage: 400_000_000, percpu_usage: [250_000_000, 150_000_000], usage_in_kernelmode: 1, usage_in_usermode: 2 },
    system_cpu_usage: 20_000_000_000,
    online_cpus: 2,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  },
  precpu_stats: {
    cpu_usage: { total_usage: 300_000_000, percpu_usage: [200_000_000, 100_000_000] },
    system_cpu_usage: 18_000_000_000,
    online_cpus: 2,
  },
  memory_stats: {
    usage: 104_857_600, // 100 MiB
    max_usage: 120_000_000,
    limit: 524_288_000, // 500 MiB
    stats: { cache: 20_971_520, total_inactive_file: 10_485_760, inactive_file: 9_000_000, rss: 80_000_000, total_cache: 20_971_520 },
  },
};

const cgroupV2 = {
  read: '2026-01-01T00:00:02Z',
  cpu_stats: {
    cpu_usage: { total_usage: 1_150_000_000, usage_in_kernelmode: 1, usage_in_usermode: 2 },
    system_cpu_usage: 104_000_000_000,
    online_cpus: 4,
  },
  precpu_stats: { cpu_usage: { total_usage: 1_000_000_000 }, system_cpu_usage: 100_000_000_000, online_cpus: 4 },
  memory_stats: {
    usage: 52_428_800, // 50 MiB
    limit: 2_147_483_648, // 2 GiB
    stats: { anon: 40_000_000, file: 12_000_000, inactive_file: 5_242_880, active_file: 1, shmem: 0 },
  },
};

describe('computeStats (docker CLI formula)', () => {
  it('cgroup v1: cpu from deltas × online_cpus, memory = usage − total_inactive_file', () => {
    const s = computeStats(cgroupV1);
    // cpuDelta 100e6 / systemDelta 2000e6 × 2 cpus × 100
    expect(s.cpuPercent).toBeCloseTo(10, 10);
    expect(s.onlineCpus).toBe(2);
    expect(s.memoryUsed).toBe(104_857_600 - 10_485_760);
    expect(s.memoryLimit).toBe(524_288_000);
    expect(s.memoryPercent).toBeCloseTo(18, 10);
    expect(s.memorySource).toBe('cgroup-v1');
    expect(s.pids).toBe(7);
    expect(s.at).toBe(Date.parse('2026-01-01T00:00:01.500Z'));
  });

  it('cgroup v2: memory = usage − inactive_file (no total_* keys)', () => {
    const s = computeStats(cgroupV2);
    // 150e6 / 4000e6 × 4 × 100 = 15
    expect(s.cpuPercent).toBeCloseTo(15, 10);
    expect(s.memoryUsed).toBe(52_428_800 - 5_242_880);
    expect(s.memoryPercent).toBeCloseTo((47_185_920 / 2_147_483_648) * 100, 10);
    expect(s.memorySource).toBe('cgroup-v2');
  });

  it('online CPUs fall back to percpu_usage length, then 1', () => {
    const noOnline = structuredClone(cgroupV1) as any;
    delete noOnline.cpu_stats.online_cpus;
    noOnline.cpu_stats.cpu_usage.percpu_usage = [1, 1, 1, 1];
    expect(computeStats(noOnline).onlineCpus).toBe(4);
    expect(computeStats(noOnline).cpuPercent).toBeCloseTo(20, 10);
    delete noOnline.cpu_stats.cpu_usage.percpu_usage;
    expect(computeStats(noOnline).onlineCpus).toBe(1);
    expect(computeStats(noOnline).cpuPercent).toBeCloseTo(5, 10);
  });

  it('older daemons: cache is subtracted when no inactive_file is sent', () => {
    const s = computeStats({ memory_stats: { usage: 1000, limit: 4000, stats: { cache: 250 } } });
    expect(s.memoryUsed).toBe(750);
    expect(s.memoryPercent).toBe(18.75);
    expect(s.memorySource).toBe('cache');
  });

  it('Podman with cgroupfs (no breakdown): memory = usage; first sample without precpu has no CPU figure', () => {
    const s = computeStats({
      cpu_stats: { cpu_usage: { total_usage: 91_205_464, percpu_usage: [1, 2] }, system_cpu_usage: 174_036_352_137, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 0 } },
      memory_stats: { usage: 921_600, limit: 25_276_026_880 },
    });
    expect(s.cpuPercent).toBeNull();
    expect(s.memoryUsed).toBe(921_600);
    expect(s.memorySource).toBe('usage');
  });

  it('no change in CPU time is 0 %, an unlimited limit is no limit, inactive_file above usage never goes negative', () => {
    const s = computeStats({
      cpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 200, online_cpus: 1 },
      precpu_stats: { cpu_usage: { total_usage: 5 }, system_cpu_usage: 100 },
      memory_stats: { usage: 100, limit: 9_223_372_036_854_771_712, stats: { inactive_file: 500 } },
    });
    expect(s.cpuPercent).toBe(0);
    expect(s.memoryLimit).toBeNull();
    expect(s.memoryPercent).toBeNull();
    expect(s.memoryUsed).toBe(100);
  });

  it('a stopped container (empty stats) gives nulls, not NaN', () => {
    const s = computeStats({ read: '0001-01-01T00:00:00Z', cpu_stats: {}, precpu_stats: {}, memory_stats: {} }, 42);
    expect(s).toMatchObject({ at: 42, cpuPercent: null, memoryUsed: null, memoryLimit: null, memoryPercent: null, onlineCpus: 1 });
  });

  it('bad input is a clear error', () => {
    expect(() => computeStats('nope')).toThrow(/bad stats sample/);
    expect(() => computeStats({ memory_stats: { usage: -1 } })).toThrow(/memory_stats\.usage/);
  });
});

describe('toMetricSample / toLogLine (Local beside Test and Live)', () => {
  it('sums a project’s containers; no CPU figure yet → null', async () => {
    const { toMetricSample, toLogLine } = await import('../../src/local/domain.js');
    const a = computeStats(cgroupV1);
    const b = computeStats(cgroupV2);
    const m = toMetricSample([a, b]);
    expect(m).toEqual({
      timestamp: '2026-01-01T00:00:02.000Z',
      cpu_percent: 25,
      memory_mb: (94_371_840 + 47_185_920) / 1048576,
      memory_nominal_mb: (524_288_000 + 2_147_483_648) / 1048576,
      instances: 2,
    });
    expect(toMetricSample([computeStats({ memory_stats: { usage: 1 } })])).toBeNull();
    expect(toLogLine({ project: 'shop', name: 'shop-web-1', service: 'web' }, { stream: 'stderr', ts: 5, text: 'x' }, 3)).toEqual({
      seq: 3, ts: 5, source: 'shop@local', service: 'web', message: 'x', stream: 'stderr',
    });
  });
});
