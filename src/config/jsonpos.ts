// A small JSON parser that also records the line of every key and value, so a config error can name
// the line the user has to fix ("config.json:12: keys.fleet.sort: …"). Standard JSON only.

export type JsonPath = (string | number)[];

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'JsonSyntaxError';
  }
}

export interface ParsedJson {
  value: unknown;
  /** Line (1-based) of each path, keyed by JSON.stringify(path). */
  lines: Map<string, number>;
}

export function pathKey(path: JsonPath): string {
  return JSON.stringify(path);
}

/** The line of `path`, or of its nearest ancestor that has one (1 for the root). */
export function lineOf(parsed: ParsedJson, path: readonly PropertyKey[]): number {
  const p = path.map((x) => (typeof x === 'number' ? x : String(x)));
  for (let n = p.length; n > 0; n--) {
    const l = parsed.lines.get(pathKey(p.slice(0, n)));
    if (l !== undefined) return l;
  }
  return 1;
}

export function parseJsonWithLines(text: string): ParsedJson {
  let i = 0;
  const lines = new Map<string, number>();
  const n = text.length;
  const lineStarts: number[] = [0];
  for (let k = 0; k < n; k++) if (text.charCodeAt(k) === 10) lineStarts.push(k + 1);
  const lineAt = (pos: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const fail = (msg: string, pos = i): never => {
    const line = lineAt(Math.min(pos, n));
    throw new JsonSyntaxError(msg, line, Math.min(pos, n) - lineStarts[line - 1]! + 1);
  };
  const ws = (): void => {
    while (i < n) {
      const c = text[i];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
      else break;
    }
  };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    let out = '';
    while (i < n) {
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\n') fail('unterminated string', start);
      if (c === '\\') {
        const e = text[i + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && e in map) {
          out += map[e];
          i += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail('bad escape in string');
        continue;
      }
      out += c;
      i++;
    }
    return fail('unterminated string', start);
  };
  const value = (path: JsonPath): unknown => {
    ws();
    if (i >= n) fail('unexpected end of file');
    lines.set(pathKey(path), lineAt(i));
    const c = text[i]!;
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(text[i] === '}' ? 'trailing comma before }' : 'expected a "key"');
        const keyLine = lineAt(i);
        const k = str();
        ws();
        if (text[i] !== ':') fail(`expected ':' after "${k}"`);
        i++;
        const v = value([...path, k]);
        lines.set(pathKey([...path, k]), keyLine);
        obj[k] = v;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value([...path, arr.length]));
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          if (text[i] === ']') fail('trailing comma before ]');
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    const m = /^(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
    if (!m) return fail(`unexpected character '${c}'`);
    i += m[0].length;
    if (m[0] === 'true') return true;
    if (m[0] === 'false') return false;
    if (m[0] === 'null') return null;
    return Number(m[0]);
  };
  const v = value([]);
  ws();
  if (i < n) fail('unexpected text after the end of the JSON value');
  return { value: v, lines };
}
