// zod, by name. `import { z } from 'zod'` is a namespace object the bundler cannot shake: every
// locale and zod's JSON Schema tools came along (~450 KB of the 580 KB it bundled), compiled before
// the console's first frame and by the sandbox process at start (issue 16). Importing this module as
// `import * as z from './zod.js'` reads the same (`z.object`, `z.infer<…>`) and bundles only these.
export { any, array, boolean, discriminatedUnion, enum, literal, looseObject, number, object, record, string, union, unknown, ZodError, ZodType } from 'zod';
export type { infer, input, ZodTypeAny } from 'zod';
import { config } from 'zod';
// zod compiles each object schema's parser with new Function at its first parse: worth it for a
// hot loop, not for the console's few parses of each kind (issue 16)
config({ jitless: true });
