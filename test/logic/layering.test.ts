// DESIGN.md §4, the layering rules that have been broken before, read from the sources' imports
// (static and dynamic, type-only included).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** Every module a file imports, as a path relative to the repository root. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)) out.push(relative(ROOT, resolve(dirname(file), m[1]!)));
  return out;
}

function offenders(dir: string, forbidden: RegExp): string[] {
  return files(dir).flatMap((f) => imports(f).filter((i) => forbidden.test(i)).map((i) => `${relative(ROOT, f)} → ${i}`));
}

describe('layering', () => {
  it('the gateway never imports the sandbox or the command line', () => {
    expect(offenders('src/gateway', /^src\/(sandbox|cli)\//)).toEqual([]);
  });
  it('the upstream clients import no other layer but the domain and the HTTP layer', () => {
    expect(offenders('src/cloudflare', /^src\/(divio|gateway|sandbox|cli|store|client)\//)).toEqual([]);
    expect(offenders('src/divio', /^src\/(cloudflare|gateway|sandbox|cli|store|client)\//)).toEqual([]);
  });
  it('the sandbox never imports the client or the gateway', () => {
    expect(offenders('src/sandbox', /^src\/(client|gateway)\//)).toEqual([]);
  });
});
