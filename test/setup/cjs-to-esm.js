// Jest 30 cannot `require()` an ES module on Node < 24.9, so a CommonJS package that requires
// NestJS 12 (ESM only) cannot load under Jest here, although plain Node 20.19+ runs it (require(esm)).
// @nestjs/throttler is such a package. For the tests only, its files are rewritten once per run
// into .mjs files (imports instead of requires, named exports from cjs-module-lexer), and Jest's
// moduleNameMapper points the package name at them. The service itself runs the package unchanged.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const lexer = require('cjs-module-lexer');

/** Rewrites every .js file of `packageDir/dist` into `outDir/*.mjs`. */
export function convertCjsPackage(packageName, outDir) {
  const entry = require.resolve(packageName);
  const distDir = path.dirname(entry);
  mkdirSync(outDir, { recursive: true });
  lexer.initSync();
  const exportsOf = new Map();
  const files = readdirSync(distDir).filter((file) => file.endsWith('.js'));
  for (const file of files) exportsOf.set(file, lexer.parse(readFileSync(path.join(distDir, file), 'utf8')));
  const namesOf = (file, seen = new Set()) => {
    if (seen.has(file)) return [];
    seen.add(file);
    const { exports, reexports } = exportsOf.get(file);
    const local = reexports.flatMap((target) => (target.startsWith('.') ? namesOf(`${path.basename(target)}.js`, seen) : []));
    return [...new Set([...exports, ...local])].filter((name) => name !== '__esModule' && name !== 'default');
  };
  for (const file of files) {
    const source = readFileSync(path.join(distDir, file), 'utf8');
    const specifiers = [...new Set([...source.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]))];
    const imports = specifiers.map((specifier, index) => {
      const target = specifier.startsWith('.') ? `${specifier}.mjs` : specifier;
      return `import * as __dep${index} from ${JSON.stringify(target)};`;
    });
    const table = specifiers.map((specifier, index) => `${JSON.stringify(specifier)}: __dep${index}`).join(', ');
    const names = namesOf(file);
    const output = [
      ...imports,
      `const __deps = { ${table} };`,
      // A converted sibling hands over its CommonJS exports object; an ES module its namespace.
      'const require = (id) => { const ns = __deps[id]; return ns.__cjsExports ?? ns; };',
      'const module = { exports: {} };',
      'let exports = module.exports;',
      source.replace(/^"use strict";/, ''),
      'export const __cjsExports = module.exports;',
      'export default module.exports;',
      // Renamed on the way out: the module's own top-level names may equal its export names.
      ...names.map((name, index) => `const __export${index} = module.exports.${name};\nexport { __export${index} as ${name} };`),
    ].join('\n');
    writeFileSync(path.join(outDir, file.replace(/\.js$/, '.mjs')), output);
  }
  if (!existsSync(path.join(outDir, 'index.mjs'))) throw new Error(`no index.mjs for ${packageName}`);
}
