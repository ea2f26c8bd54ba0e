// The deployment log screen (key d): a running deployment streams with stage and percent; a failed one
// opens at its first error line with the failing stage named; [ and ] step between deployments.
import { afterEach, describe, expect, it } from 'vitest';
import { mount, type Harness } from '../ui/fake.js';
import type { Deployment } from '../../src/domain/index.js';

let h: Harness | null = null;
afterEach(() => {
  h?.unmount();
  h = null;
});
const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');
const ENV = 'env-shop-test';
const TARGET = { env: ENV, slug: 'test', app: 'shop', appUuid: 'app-shop', org: 'Acme' };

function dep(uuid: string, over: Partial<Deployment>): Deployment {
  return { uuid, environment: ENV, started_at: '2026-01-02T10:00:00Z', ended_at: null, status: 'working', percent: 0, success: null, ...over } as Deployment;
}

const FAILED_LOG = [
  '==> Build the image',
  ...Array.from({ length: 60 }, (_, i) => `build step ${i}`),
  '==> Run migrations',
  'Operations to perform: apply all migrations',
  'Traceback (most recent call last):',
  '  File "/app/manage.py", line 22, in <module>',
  'django.db.utils.ProgrammingError: relation "shop_order" does not exist',
  ...Array.from({ length: 60 }, (_, i) => `cleanup ${i}`),
  'Deployment failed',
].join('\n') + '\n';

describe('deployment log', () => {
  it('a failed deployment opens at its first error with the failing stage named; [ goes to an older one that is running', async () => {
    h = await mount();
    const failed = dep('dep-failed-0001', { started_at: '2026-01-02T11:00:00Z', ended_at: '2026-01-02T11:05:00Z', success: false, status: 'failure', percent: 100 });
    const running = dep('dep-running-002', { started_at: '2026-01-02T10:00:00Z', percent: 42, stage: 'Build the image' });
    h.gw.serve('deployments', { env: ENV }, { deployments: [running, failed] });
    h.gw.serve('deployment', { deployment: failed.uuid }, { deployment: failed, log: FAILED_LOG, append: false });
    h.gw.serve('deployment', { deployment: running.uuid }, { deployment: running, log: '==> Build the image\nstep 1/9 FROM python:3.11\nstep 2/9 COPY . /app\n', append: false });
    h.store.push('deployments', TARGET);
    let f = strip(await h.waitFor((x) => strip(x).includes('first error on line')));
    // when it started: the date and 24-hour time, its age beside it (not a 12-hour clock without a date)
    expect(f).toMatch(/started 2026-01-02 \d\d:00Z? \(\d+d ago\)/);
    expect(f).not.toMatch(/\b(AM|PM)\b/);
    expect(f).toContain('deployment 1 of 2 (newest first)');
    expect(f).toContain('FAILED in stage "Run migrations"');
    expect(f).toMatch(/first error on line 64 \(stage "Run migrations"\): Traceback \(most recent call last\)/);
    // the view shows the error, not the end of the log
    await h.waitFor((x) => x.includes('ProgrammingError'));
    f = strip(h.frame());
    expect(f).toContain('Traceback (most recent call last):');
    expect(f).not.toContain('Deployment failed');
    expect(f).not.toContain('build step 0');
    // f follows the end; e jumps back to the first error
    await h.press('f');
    f = strip(await h.waitFor((x) => x.includes('Deployment failed')));
    expect(f).not.toContain('ProgrammingError');
    await h.press('e');
    await h.waitFor((x) => x.includes('ProgrammingError') && !x.includes('Deployment failed'));
    // [ : the older deployment, still running: stage and percent, its log streams
    await h.press('[');
    f = strip(await h.waitFor((x) => strip(x).includes('deployment 2 of 2')));
    f = strip(await h.waitFor((x) => strip(x).includes('deploying 42 %')));
    expect(f).toContain('stage: Build the image');
    expect(f).toContain('step 2/9 COPY . /app');
    const slot = [...h.gw.subs.values()].find((s) => s.topic === 'deployment' && (s.params as { deployment: string }).deployment === running.uuid)!;
    slot.h.onEvent?.({ deployment: { ...running, percent: 67, stage: 'Push the image' }, log: 'step 3/9 RUN pip install\n', append: true }, 99);
    f = strip(await h.waitFor((x) => strip(x).includes('deploying 67 %')));
    expect(f).toContain('stage: Push the image');
    expect(f).toContain('step 3/9 RUN pip install');
    expect(f).toContain('step 1/9 FROM python');
    await h.press(']');
    await h.waitFor((x) => strip(x).includes('deployment 1 of 2'));
  });
});
