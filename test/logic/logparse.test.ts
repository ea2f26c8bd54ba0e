import { describe, expect, it } from 'vitest';
import { detectLevel, extractFields, isContinuation, parseAccessLine, parseJsonLine } from '../../src/domain/logparse.js';

describe('detectLevel', () => {
  const table: Array<[string, string | null]> = [
    ['{"level":"error","msg":"db down"}', 'error'],
    ['{"severity":"WARNING","message":"slow"}', 'warning'],
    ['{"levelname":"DEBUG","message":"x"}', 'debug'],
    ['{"lvl":"info","msg":"ok"}', 'info'],
    ['{"level":50,"msg":"pino error"}', 'error'],
    ['{"level":30,"msg":"pino info"}', 'info'],
    ['  {"level":"warn"}  ', 'warning'],
    ['{"status": 503, "path": "/x"}', 'error'],
    ['ERROR:django.request:Internal Server Error: /checkout/', 'error'],
    ['[2024-05-01 12:00:00 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:9)', 'error'],
    ['FATAL: password authentication failed for user "app"', 'error'],
    ['Traceback (most recent call last):', 'error'],
    ['ValueError: invalid literal for int() with base 10', 'error'],
    ['Unhandled Exception in worker', 'error'],
    ['WARNING: the cache is cold', 'warning'],
    ['[WARN] retrying in 5s', 'warning'],
    ['/app/settings.py:12: DeprecationWarning: USE_L10N is deprecated', 'warning'],
    ['DEBUG sql: SELECT 1', 'debug'],
    ['INFO Booting worker with pid: 12', 'info'],
    ['level=error msg="connection reset"', 'error'],
    ['time=1 level=warning msg=x', 'warning'],
    ['10.0.0.1 - - [01/May/2024:12:00:00 +0000] "GET /api/ HTTP/1.1" 502 157 "-" "curl/8"', 'error'],
    ['10.0.0.1 - - [01/May/2024:12:00:00 +0000] "GET /missing HTTP/1.1" 404 10 "-" "curl/8"', 'warning'],
    ['10.0.0.1 - - [01/May/2024:12:00:00 +0000] "GET /ERROR/page HTTP/1.1" 200 10 "-" "curl/8"', 'info'],
    ['INFO:     10.0.0.2:5000 - "POST /pay HTTP/1.1" 500 Internal Server Error', 'error'],
    ['Starting server on :8000', null],
    ['0 errors found', null],
    ['terror in the night', null],
  ];
  for (const [line, level] of table) {
    it(`${level ?? 'none'} ← ${line.slice(0, 50)}`, () => {
      expect(detectLevel(line)).toBe(level);
    });
  }
});

describe('parseAccessLine', () => {
  it('nginx combined with request time', () => {
    expect(parseAccessLine('1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "GET /api/items?page=2 HTTP/1.1" 200 2326 "https://x/" "Mozilla/5.0" 0.123')).toEqual({
      method: 'GET',
      path: '/api/items?page=2',
      status: 200,
      bytes: 2326,
      durationMs: 123,
    });
  });
  it('gunicorn default (no duration), dash bytes', () => {
    expect(parseAccessLine('10.0.0.1 - - [01/May/2024:12:00:00 +0000] "POST /login HTTP/1.0" 302 - "-" "ua"')).toEqual({
      method: 'POST',
      path: '/login',
      status: 302,
      bytes: null,
      durationMs: null,
    });
  });
  it('key=value durations in seconds and milliseconds', () => {
    expect(parseAccessLine('"GET / HTTP/1.1" 200 5 rt=0.250 uct="0.000"')?.durationMs).toBe(250);
    expect(parseAccessLine('"GET / HTTP/1.1" 200 5 duration_ms=17')?.durationMs).toBe(17);
    expect(parseAccessLine('"GET / HTTP/1.1" 200 5 took 42ms')?.durationMs).toBe(42);
  });
  it('uWSGI request log', () => {
    const line =
      '[pid: 12|app: 0|req: 5/9] 10.0.0.1 () {42 vars in 812 bytes} [Wed May  1 12:00:00 2024] GET /api/orders/ => generated 512 bytes in 12 msecs (HTTP/1.1 200) 7 headers in 250 bytes (1 switches on core 0)';
    expect(parseAccessLine(line)).toEqual({ method: 'GET', path: '/api/orders/', status: 200, bytes: 512, durationMs: 12 });
    expect(parseAccessLine(line.replace('12 msecs', '1500 micros'))?.durationMs).toBe(1.5);
  });
  it('uvicorn (status text instead of bytes)', () => {
    expect(parseAccessLine('INFO:     127.0.0.1:40000 - "GET /health HTTP/1.1" 200 OK')).toMatchObject({ method: 'GET', path: '/health', status: 200, bytes: null });
  });
  it('not an access line', () => {
    expect(parseAccessLine('GET is a verb')).toBeNull();
    expect(parseAccessLine('HTTP/1.1 is a protocol')).toBeNull();
  });
});

describe('parseJsonLine / extractFields', () => {
  it('parses JSON objects only', () => {
    expect(parseJsonLine('{"a":1}')).toEqual({ a: 1 });
    expect(parseJsonLine('  {"a":1}\r')).toEqual({ a: 1 });
    expect(parseJsonLine('[1,2]')).toBeNull();
    expect(parseJsonLine('{not json}')).toBeNull();
    expect(parseJsonLine('plain')).toBeNull();
  });
  it('fields from JSON keys, lower-cased, nested as JSON', () => {
    const f = extractFields('{"Level":"error","status":500,"path":"/api/x","user":{"id":7}}');
    expect(f).toMatchObject({ level: 'error', status: 500, path: '/api/x', user: '{"id":7}' });
  });
  it('fields from access lines', () => {
    expect(extractFields('"DELETE /api/item/3 HTTP/1.1" 503 0 0.5')).toMatchObject({ method: 'DELETE', path: '/api/item/3', status: 503, duration: 500, level: 'error' });
  });
});

describe('isContinuation (traceback grouping)', () => {
  /** Group a list of lines the way the buffer does; returns groups as arrays. */
  function group(lines: string[]): string[][] {
    const groups: string[][] = [];
    let traceback = false;
    for (const l of lines) {
      const g = groups[groups.length - 1];
      if (g && isContinuation(g[g.length - 1], l, { first: g[0], firstLevel: detectLevel(g[0]), traceback })) {
        g.push(l);
        if (l.startsWith('Traceback (most recent call last):')) traceback = true;
      } else {
        groups.push([l]);
        traceback = l.startsWith('Traceback (most recent call last):');
      }
    }
    return groups;
  }

  it('keeps a Python traceback together up to and including the exception line', () => {
    const lines = [
      'INFO request started',
      'ERROR Internal Server Error: /checkout/',
      'Traceback (most recent call last):',
      '  File "/app/views.py", line 10, in checkout',
      '    total = int(request.GET["n"])',
      'ValueError: invalid literal for int() with base 10: \'x\'',
      'INFO request finished',
    ];
    expect(group(lines)).toEqual([[lines[0]], lines.slice(1, 6), [lines[6]]]);
  });

  it('a bare traceback (no logger line first) is one group, chained exceptions included', () => {
    const lines = [
      'Traceback (most recent call last):',
      '  File "a.py", line 1, in <module>',
      '    f()',
      'KeyError: \'x\'',
      'During handling of the above exception, another exception occurred:',
      'Traceback (most recent call last):',
      '  File "a.py", line 3, in <module>',
      'RuntimeError: wrapped',
      '[INFO] next request',
    ];
    expect(group(lines)).toEqual([lines.slice(0, 8), [lines[8]]]);
  });

  it('Java stack traces: \\tat and Caused by:', () => {
    const lines = ['ERROR java.lang.IllegalStateException: boom', '\tat com.x.Foo.bar(Foo.java:10)', 'Caused by: java.io.IOException: eof', '\tat com.x.Io.read(Io.java:5)', '\t... 12 more', 'INFO ok'];
    expect(group(lines)).toEqual([lines.slice(0, 5), [lines[5]]]);
  });

  it('indented lines after an info line are not grouped; after an error line they are', () => {
    expect(isContinuation('INFO config:', '  debug = true')).toBe(false);
    expect(isContinuation('ERROR config invalid:', '  debug: not a bool')).toBe(true);
    expect(isContinuation('ERROR x', 'INFO y')).toBe(false);
    expect(isContinuation('ERROR x', '')).toBe(false);
  });
});
