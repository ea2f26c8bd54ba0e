// Schemas built on first use (issue 16). A module of schemas used to build every one of them when it
// was imported: ~40 ms of zod construction (src/domain, src/protocol) on the console's way to the
// fleet's first rows, though that path parses with a part of them. `deferred(() => z.object(…))` is
// that schema, built the first time anything reads it (a parse, `.extend`, `.shape`), once. It is
// typed as the schema itself: the exports keep their names, types and behaviour.
// Inside a deferred schema, another one is named as `built(Other)`: the schema holds the real one,
// not the stand-in, so its parses (compiled by zod against the shape) pay no forwarding per field.

const real = new WeakMap<object, () => object>();

/** `build()`'s result, made on first access; every operation is forwarded to it. */
export function deferred<T extends object>(build: () => T): T {
  let made: T | undefined;
  const it = (): T => (made ??= build());
  const stand = new Proxy({} as T, {
    // the receiver is the real object: zod's methods bind to the schema, never to this stand-in
    get: (_t, k) => Reflect.get(it(), k),
    set: (_t, k, v) => Reflect.set(it(), k, v),
    has: (_t, k) => Reflect.has(it(), k),
    ownKeys: () => Reflect.ownKeys(it()),
    getOwnPropertyDescriptor: (t, k) => {
      const d = Reflect.getOwnPropertyDescriptor(it(), k);
      // a proxy may only report a non-configurable property its target has: give it the same one
      if (d && !d.configurable && !Reflect.getOwnPropertyDescriptor(t, k)) Reflect.defineProperty(t, k, d);
      return d;
    },
    defineProperty: (_t, k, d) => Reflect.defineProperty(it(), k, d),
    deleteProperty: (_t, k) => Reflect.deleteProperty(it(), k),
    getPrototypeOf: () => Reflect.getPrototypeOf(it()),
  });
  real.set(stand, it);
  return stand;
}

/** The schema behind a `deferred` stand-in (built now if it was not yet); anything else as it is. */
export function built<T extends object>(x: T): T {
  const it = real.get(x);
  return it ? (it() as T) : x;
}

/** A warm-up: steps that build and run schemas on samples; each says whether its sample passed. */
export type Warmup = ReadonlyArray<() => boolean>;

/** Every step now (the tests): true when every sample passed. */
export function warmNow(steps: Warmup): boolean {
  let ok = true;
  for (const s of steps) {
    try {
      ok = s() && ok;
    } catch {
      ok = false;
    }
  }
  return ok;
}

/**
 * Every step, in order, each in its own turn of the event loop: what was waiting (a socket's data,
 * a child's message) runs between two steps, so a warm-up never holds the way for more than a step.
 */
export function warmInTurns(steps: Warmup): void {
  let i = 0;
  const next = (): void => {
    const step = steps[i++];
    if (!step) return;
    try {
      step();
    } catch {}
    setImmediate(next).unref();
  };
  setImmediate(next).unref();
}
