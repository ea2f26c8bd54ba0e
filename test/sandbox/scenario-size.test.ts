// The sandbox's scenario size (`--apps N`): an agency-sized account over real HTTP, paged as Divio
// pages, with the named scenario intact, runtime logs made when read (bounded memory), and bad sizes
// refused.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseSandboxArgs } from '../../src/sandbox/command.js';
import { SCENARIO, type Sandbox } from '../../src/sandbox/index.js';
import { client, start } from './helpers.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await start({ apps: 40, logRate: 20, speed: 1 });
}, 60_000);
afterAll(async () => {
  await sb?.close();
});

test('--apps 40: 40 applications, 120 environments, paged; the named scenario is still there', async () => {
  const c = client(sb);
  const apps = await c.get('/apps/v3/applications/?page_size=100');
  expect(apps.body.count).toBe(40);
  const envs = await c.get('/apps/v3/environments/?page_size=50');
  expect(envs.body.count).toBe(120);
  expect(envs.body.results).toHaveLength(50);
  expect(envs.body.next).toMatch(/page=2/);
  const last = await c.get('/apps/v3/environments/?page_size=50&page=3');
  expect(last.body.results).toHaveLength(20);
  expect(last.body.next).toBeNull();
  for (const slug of SCENARIO.apps) expect(() => sb.ids(slug, 'live')).not.toThrow();
  // a generated application: test, live and qa (the first few also a staging environment)
  const app = sb.ids('client-0001-shop').app;
  const byApp = await c.get(`/apps/v3/environments/?application=${app}`);
  expect(byApp.body.results.map((e: { slug: string }) => e.slug).sort()).toEqual(['live', 'qa', 'staging', 'test']);
  expect(byApp.body.results.every((e: { application: string }) => e.application === app)).toBe(true);
});

test("a grown scenario's runtime logs flow at their rate (made when an environment is read), in order, none twice", async () => {
  const c = client(sb);
  const env = sb.ids('client-0002-site', 'live').env!;
  const first = await c.get(`/apps/v3/environments/${env}/logs/?page_size=1000`);
  const n0 = first.body.results.length;
  const lastTs = first.body.results.at(-1)?.timestamp ?? '';
  // at 20 lines/s new lines come: later than those read, none repeated (read until more than 5 arrived)
  const next = { body: { results: [] as { timestamp: string }[] } };
  for (let url = first.body.next, end = Date.now() + 10_000; next.body.results.length <= 5 && Date.now() < end; ) {
    const page = await c.get(url);
    next.body.results.push(...page.body.results);
    url = page.body.next;
    if (!page.body.results.length) await new Promise((r) => setTimeout(r, 100));
  }
  expect(next.body.results.length).toBeGreaterThan(5);
  expect(next.body.results[0].timestamp > lastTs).toBe(true);
  expect(n0).toBeGreaterThan(0);
});

test('bad sizes are refused', () => {
  expect(parseSandboxArgs(['--apps', '500']).apps).toBe(500);
  expect(() => parseSandboxArgs(['--apps', '3'])).toThrow(/--apps must be 9–5000/);
  expect(() => parseSandboxArgs(['--apps', 'abc'])).toThrow(/--apps expects an integer/);
  expect(() => parseSandboxArgs(['--apps', '6000'])).toThrow(/--apps/);
});
