// Runs `prisma generate` without letting the Prisma CLI download its schema engine.
// Generating the client needs no engine, but the CLI fetches one first unless
// PRISMA_SCHEMA_ENGINE_BINARY names an existing file (see DEVELOPERS.md, "Prisma here").
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
}
const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
