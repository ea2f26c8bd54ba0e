#!/usr/bin/env node
// Counts the type escapes in product code (src/, components/, screens/; not test/ or bench/),
// from the TypeScript syntax tree (comments and strings do not count):
//   as          `x as T` casts, excluding `as const` (import/export renames are not casts)
//   as-unknown  `x as unknown as T` (counted once here, and once in `as` for the outer cast)
//   !           non-null assertions `x!`
//   any         the `any` type written out
// Usage: node scripts/count-casts.mjs [--files] [dir ...]
//   --files   also list the counts per file (files with none are left out)
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const args = process.argv.slice(2);
const perFile = args.includes('--files');
const dirs = args.filter((a) => !a.startsWith('--'));
const roots = dirs.length ? dirs : ['src', 'components', 'screens'];

function* walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (/\.(ts|tsx|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}

const total = { files: 0, as: 0, asUnknownAs: 0, nonNull: 0, any: 0 };
const rows = [];
for (const root of roots) {
  for (const file of walk(root)) {
    const text = fs.readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    const c = { as: 0, asUnknownAs: 0, nonNull: 0, any: 0 };
    const visit = (node) => {
      if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
        const isConst = ts.isTypeReferenceNode(node.type) && node.type.typeName.getText(sf) === 'const';
        if (!isConst) {
          c.as++;
          const inner = node.expression;
          if ((ts.isAsExpression(inner) || ts.isTypeAssertionExpression(inner)) && inner.type.kind === ts.SyntaxKind.UnknownKeyword) c.asUnknownAs++;
        }
      } else if (ts.isNonNullExpression(node)) c.nonNull++;
      else if (node.kind === ts.SyntaxKind.AnyKeyword) c.any++;
      ts.forEachChild(node, visit);
    };
    visit(sf);
    total.files++;
    for (const k of Object.keys(c)) total[k] += c[k];
    if (c.as + c.nonNull + c.any) rows.push({ file, ...c });
  }
}

if (perFile) {
  rows.sort((a, b) => b.as + b.nonNull + b.any - (a.as + a.nonNull + a.any));
  for (const r of rows) console.log(`${String(r.as).padStart(4)} as ${String(r.asUnknownAs).padStart(2)} as-unknown-as ${String(r.nonNull).padStart(4)} ! ${String(r.any).padStart(3)} any  ${r.file}`);
}
console.log(`${total.as} as (${total.asUnknownAs} as unknown as), ${total.nonNull} non-null !, ${total.any} any — ${total.files} files in ${roots.join(', ')}`);
