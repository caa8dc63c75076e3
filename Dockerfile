# The move-tables worker image: compiled code and the prebuilt workflow bundle, production
# dependencies only. The worker is the container's main process (node, pid 1, exec form),
# so `docker stop` reaches it and it drains gracefully.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY contract contract
COPY workflows workflows
COPY activities activities
COPY worker worker
COPY client client
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# As bin/move-tables-worker: a bounded heap (the worker's buffers are bounded in bytes), not a tight one.
ENV NODE_OPTIONS=--max-old-space-size=1024
# As bin/move-tables-worker: two malloc arenas (less resident memory, fewer page faults).
ENV MALLOC_ARENA_MAX=2
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
USER node
# Connections are configured by the environment (docs/operations.md): TEMPORAL_* as the temporal CLI
# reads them (TLS, mTLS, API key), MOVE_TABLES_CLUSTER_<NAME> or a clusters file with ssl-mode and
# passwordFile; mount certificates and secrets as files, never bake them into the image.
# The CLI is in the image too: docker compose exec worker node dist/client/cli.js status <move>
ENTRYPOINT ["node", "dist/worker/main.js"]
