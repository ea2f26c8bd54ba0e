import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeEngine, resolveEngine } from '../../src/local/engine.js';
import { composeProjectName, groupProjects, linkProjects, readDivioConfig } from '../../src/local/compose.js';
import { shellCommand, type LocalContainer } from '../../src/local/containers.js';
import { LocalEngine } from '../../src/local/index.js';

const none = () => false;

describe('resolveEngine (the docker CLI order)', () => {
  it('no DOCKER_HOST and no socket: one clear line, no throw', () => {
    expect(resolveEngine({ env: {}, socketExists: none, home: '/h' })).toEqual({
      ok: false,
      reason: 'no Docker engine: DOCKER_HOST unset and /var/run/docker.sock missing',
    });
  });

  it('DOCKER_HOST wins and is the only candidate', () => {
    const r = resolveEngine({ env: { DOCKER_HOST: 'unix:///tmp/x.sock' }, socketExists: (p) => p === '/tmp/x.sock' });
    expect(r).toEqual({ ok: true, target: { kind: 'unix', socketPath: '/tmp/x.sock', source: 'DOCKER_HOST' } });
    const missing = resolveEngine({ env: { DOCKER_HOST: 'unix:///tmp/gone.sock' }, socketExists: (p) => p === '/var/run/docker.sock' });
    expect(missing).toEqual({ ok: false, reason: 'no Docker engine: DOCKER_HOST=unix:///tmp/gone.sock but /tmp/gone.sock is not a socket' });
  });

  it('tcp:// (plain, TLS by port or DOCKER_TLS_VERIFY) and bad values', () => {
    expect(resolveEngine({ env: { DOCKER_HOST: 'tcp://10.0.0.5:2375' } })).toMatchObject({ ok: true, target: { kind: 'tcp', host: '10.0.0.5', port: 2375, protocol: 'http' } });
    expect(resolveEngine({ env: { DOCKER_HOST: 'tcp://h:2376' } })).toMatchObject({ ok: true, target: { protocol: 'https', port: 2376 } });
    expect(resolveEngine({ env: { DOCKER_HOST: 'tcp://h:4000', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/c' } })).toMatchObject({
      ok: true,
      target: { protocol: 'https', certPath: '/c' },
    });
    expect(resolveEngine({ env: { DOCKER_HOST: 'ssh://me@box' } })).toMatchObject({ ok: false, reason: expect.stringMatching(/ssh engines are not supported/) });
    expect(resolveEngine({ env: { DOCKER_HOST: 'ftp://h' } })).toMatchObject({ ok: false, reason: expect.stringMatching(/unsupported scheme ftp/) });
  });

  it('falls back to Docker Desktop, then Podman sockets', () => {
    const env = { XDG_RUNTIME_DIR: '/run/user/1000' };
    expect(resolveEngine({ env, home: '/h', socketExists: (p) => p === '/run/user/1000/podman/podman.sock' })).toMatchObject({
      ok: true,
      target: { socketPath: '/run/user/1000/podman/podman.sock', source: 'podman-user' },
    });
    expect(resolveEngine({ env: {}, home: '/h', socketExists: (p) => p === '/run/podman/podman.sock' })).toMatchObject({
      ok: true,
      target: { source: 'podman-root' },
    });
    expect(resolveEngine({ env: {}, home: '/h', socketExists: (p) => p === '/h/.docker/run/docker.sock' })).toMatchObject({
      ok: true,
      target: { source: 'docker-desktop' },
    });
  });

  it('probe of a socket nobody listens on is a clear line, and LocalEngine methods reject with it', async () => {
    const r = await probeEngine({ target: { kind: 'unix', socketPath: '/nonexistent/docker.sock', source: 'explicit' } });
    expect(r).toEqual({ ok: false, reason: 'no Docker engine: unix:///nonexistent/docker.sock: socket not found' });
    const eng = new LocalEngine({ env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(await eng.probe()).toMatchObject({ ok: false, reason: expect.stringMatching(/^no Docker engine: DOCKER_HOST=/) });
    await expect(eng.containers()).rejects.toThrow(/no Docker engine/);
    expect(eng.shell('abc')).toMatchObject({ ok: false });
  });
});

describe('shellCommand', () => {
  const target = { kind: 'unix' as const, socketPath: '/tmp/p.sock', source: 'explicit' as const };
  it('prefers the docker CLI pointed at the same engine, else podman --remote', () => {
    const d = shellCommand(target, 'abc', { has: (b) => b === 'docker' });
    expect(d).toMatchObject({ ok: true, env: { DOCKER_HOST: 'unix:///tmp/p.sock' } });
    expect(d.ok && d.argv.slice(0, 4)).toEqual(['docker', 'exec', '-it', 'abc']);
    const p = shellCommand(target, 'abc', { has: (b) => b === 'podman' });
    expect(p.ok && p.argv.slice(0, 7)).toEqual(['podman', '--remote', '--url', 'unix:///tmp/p.sock', 'exec', '-it', 'abc']);
    expect(shellCommand(target, 'abc', { has: none })).toMatchObject({ ok: false, reason: expect.stringMatching(/no docker or podman CLI/) });
  });
});

function c(name: string, project: string | null, service: string | null, workingDir: string | null = null): LocalContainer {
  return {
    id: `${name}-id`, shortId: name, name, image: 'img', state: 'running', status: 'Up', health: 'none',
    createdAt: 0, startedAt: 0, exitCode: null, ports: [], labels: {}, project, service, workingDir, tty: false,
  };
}

describe('compose projects and the .divio/config.json link', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'divio-local-'));
    await mkdir(join(dir, 'shop', '.divio'), { recursive: true });
    await writeFile(join(dir, 'shop', '.divio', 'config.json'), JSON.stringify({ id: 1234, slug: 'shop', application_uuid: 'a1b2', extra: true }, null, 4));
    await mkdir(join(dir, 'legacy'), { recursive: true });
    await writeFile(join(dir, 'legacy', '.aldryn'), '{"id": "77", "slug": "old-site"}');
    await mkdir(join(dir, 'broken', '.divio'), { recursive: true });
    await writeFile(join(dir, 'broken', '.divio', 'config.json'), '{"id": 12,');
    await mkdir(join(dir, 'wrong', '.divio'), { recursive: true });
    await writeFile(join(dir, 'wrong', '.divio', 'config.json'), '{"name": "x"}');
    await mkdir(join(dir, 'shop', 'src', 'deep'), { recursive: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('groups containers by project label, services sorted, unlabelled left out', () => {
    const g = groupProjects([c('b-web', 'b', 'web'), c('a-db', 'a', 'db'), c('lone', null, null), c('a-web', 'a', 'web', '/x/a'), c('a-app', 'a', 'app')]);
    expect(g.map((p) => [p.project, p.services.map((s) => s.service), p.workingDir])).toEqual([
      ['a', ['app', 'db', 'web'], '/x/a'],
      ['b', ['web'], null],
    ]);
  });

  it('reads the config the divio CLI writes (and legacy .aldryn), walking up from a subdirectory', async () => {
    expect(await readDivioConfig(join(dir, 'shop', 'src', 'deep'))).toEqual({
      ok: true,
      app: { id: 1234, slug: 'shop', uuid: 'a1b2', configPath: join(dir, 'shop', '.divio', 'config.json') },
    });
    expect(await readDivioConfig(join(dir, 'legacy'))).toMatchObject({ ok: true, app: { id: 77, slug: 'old-site' } });
    expect(await readDivioConfig(join(dir, 'broken'))).toMatchObject({ ok: false, reason: expect.stringMatching(/config\.json: not valid JSON/) });
    expect(await readDivioConfig(join(dir, 'wrong'))).toMatchObject({ ok: false, reason: expect.stringMatching(/none of "id", "slug", "application_uuid"/) });
    expect(await readDivioConfig(dir, { walkUp: false })).toBeNull();
  });

  it('links projects by compose working dir, or the cwd project by its compose name', async () => {
    const projects = groupProjects([
      c('shop-web-1', 'shop', 'web', join(dir, 'shop')),
      c('legacy-web-1', 'legacy', 'web'),
      c('broken-web-1', 'broken', 'web', join(dir, 'broken')),
      c('other-web-1', 'other', 'web'),
    ]);
    const linked = await linkProjects(projects, { cwd: join(dir, 'legacy'), env: {} });
    const by = Object.fromEntries(linked.map((p) => [p.project, p]));
    expect(by.shop.app).toMatchObject({ slug: 'shop', uuid: 'a1b2', id: 1234 });
    expect(by.legacy.app).toMatchObject({ slug: 'old-site' });
    expect(by.broken.app).toBeUndefined();
    expect(by.broken.appError).toMatch(/not valid JSON/);
    expect(by.other.app).toBeUndefined();
    expect(composeProjectName('/x/My Shop.v2')).toBe('myshopv2');
  });
});

describe('secrets in DOCKER_HOST', () => {
  it('credentials in the address never appear in a reason', () => {
    const r = resolveEngine({ env: { DOCKER_HOST: 'ftp://admin:s3cret@h:21' } });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain('s3cret');
    expect(JSON.stringify(r)).toContain('ftp://***@h:21');
  });
});
