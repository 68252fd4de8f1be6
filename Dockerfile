# syntax=docker/dockerfile:1

# Node.js 24 LTS (the version .ci/run also tests with). Build stage: dev dependencies, Prisma client generation,
# TypeScript build.
FROM node:24.22.3-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY src ./src
RUN npm run build

# Production dependencies: no dev, optional (embedded PostgreSQL binaries) or peer-only packages (the Prisma
# CLI, TypeScript), no install scripts; argon2 compiled here for this Debian release: its prebuilt binary
# crashed (SIGSEGV) on some hosts. Checked: `node dist/main.js` serves with exactly this node_modules (193 MB).
FROM node:24.22.3-bookworm AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --omit=peer --ignore-scripts --no-audit --no-fund \
    && npm_config_build_from_source=true npm rebuild argon2 \
    && npm cache clean --force

# Runtime stage: the built output, the production dependencies and the migrations; a non-root user.
FROM node:24.22.3-bookworm-slim AS runtime
# Memory: a bounded V8 heap and one malloc arena (argon2 buffers are not kept per thread) lower the peak RSS
# (measured: bench/README.md, "Choices").
ENV NODE_ENV=production \
    PORT=3000 \
    NODE_OPTIONS="--max-old-space-size=96 --max-semi-space-size=2" \
    MALLOC_ARENA_MAX=1
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY prisma/migrations ./prisma/migrations
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Migrations are applied by the service itself at start-up (under an advisory lock).
CMD ["node", "dist/main.js"]
