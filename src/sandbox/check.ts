// Plain checks of flat objects (the sandbox's options, fault rules) with zod's answers: the same
// issues, in the same order, with the same messages (zod 4's English ones), and the value's keys in
// the shape's order. The sandbox's start must not load zod (issue 16: loading it and building these
// schemas was ~25 ms of the child's start); request bodies keep their zod schemas (schemas.ts,
// loaded with the first request that has a body). test/sandbox/check.test.ts holds the zod schemas
// these replace and compares the two.

export type Field = { optional?: boolean } & (
  | { kind: 'string'; min?: number; minMessage?: string; pattern?: RegExp; patternMessage?: string }
  /** Checks in zod's order: int, then min (or positive), then max. */
  | { kind: 'number'; int?: boolean; min?: number; minMessage?: string; positive?: boolean; max?: number; maxMessage?: string }
  | { kind: 'boolean' }
  | { kind: 'enum'; values: readonly string[] }
  /** A string or an array of anything. */
  | { kind: 'string-or-array' }
);
export type Shape = Record<string, Field>;
export interface Issue { path: (string | number)[]; message: string }

/** zod's name of a value's type (util.parsedType, with its NaN/Infinity spellings). */
function typeName(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Number.isFinite(v) ? 'number' : String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') {
    const c = (v as { constructor?: { name?: string } }).constructor;
    if (Object.getPrototypeOf(v) !== Object.prototype && c) return String(c.name);
  }
  return typeof v;
}
const wrongType = (expected: string, v: unknown) => `Invalid input: expected ${expected}, received ${typeName(v)}`;

function checkField(f: Field, v: unknown, path: (string | number)[], out: Issue[]): void {
  const issue = (message: string) => out.push({ path, message });
  switch (f.kind) {
    case 'string': {
      const isString = typeof v === 'string';
      if (!isString) issue(wrongType('string', v));
      // zod measures whatever has a length, even of the wrong type (an array's items); a string in
      // code points
      const units = v === null || v === undefined ? undefined : (v as { length?: unknown }).length;
      if (f.min !== undefined && units !== undefined) {
        const n = isString && (units as number) >= f.min && (units as number) < 2 * f.min ? [...v].length : units;
        if (!((n as number) >= f.min)) {
          const what = isString ? `string to have >=${f.min} characters` : Array.isArray(v) ? `array to have >=${f.min} items` : `unknown to be >=${f.min}`;
          issue(f.minMessage ?? `Too small: expected ${what}`);
        }
      }
      if (isString && f.pattern && !f.pattern.test(v)) issue(f.patternMessage ?? `Invalid string: must match pattern ${String(f.pattern)}`);
      return;
    }
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return void issue(wrongType('number', v));
      if (f.int) {
        if (!Number.isInteger(v)) return void issue(wrongType('int', v));
        if (v > Number.MAX_SAFE_INTEGER) issue(`Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`);
        if (v < Number.MIN_SAFE_INTEGER) issue(`Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}`);
      }
      if (f.min !== undefined && v < f.min) issue(f.minMessage ?? `Too small: expected number to be >=${f.min}`);
      if (f.positive && v <= 0) issue('Too small: expected number to be >0');
      if (f.max !== undefined && v > f.max) issue(f.maxMessage ?? `Too big: expected number to be <=${f.max}`);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') issue(wrongType('boolean', v));
      return;
    case 'enum':
      if (!f.values.includes(v as string)) issue(`Invalid option: expected one of ${f.values.map((x) => `"${x}"`).join('|')}`);
      return;
    case 'string-or-array':
      if (typeof v !== 'string' && !Array.isArray(v)) issue('Invalid input');
  }
}

/**
 * Checks `input` against a strict flat shape (as `z.object(shape).strict()`): the issues, and the
 * value (its keys in the shape's order) when there are none. `path` prefixes each issue's path.
 */
export function checkStrict<T>(shape: Shape, input: unknown, path: (string | number)[] = []): { issues: Issue[]; value: T | null } {
  const issues: Issue[] = [];
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    issues.push({ path, message: wrongType('object', input) });
    return { issues, value: null };
  }
  const o = input as Record<string, unknown>;
  const value: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(shape)) {
    const v = o[k];
    if (v === undefined) {
      if (!f.optional) checkField(f, v, [...path, k], issues);
      continue;
    }
    checkField(f, v, [...path, k], issues);
    value[k] = v;
  }
  const unknown = Object.keys(o).filter((k) => !Object.hasOwn(shape, k));
  if (unknown.length) issues.push({ path, message: `Unrecognized key${unknown.length > 1 ? 's' : ''}: ${unknown.map((k) => `"${k}"`).join(', ')}` });
  return { issues, value: issues.length ? null : (value as T) };
}

/** Issues as the sandbox reports them: `path: message; …`. */
export const issueText = (issues: Issue[]): string => issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
