import { defineConfig } from 'prisma/config';

// The CLI only needs a URL for migrate/db commands; `prisma generate` must work without one.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? '' },
});
