# syntax=docker/dockerfile:1
# Build: compile TypeScript and native addons with the full toolchain.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# Our one addon (native/malloc-trim, an optional dependency: see src/idle-memory.ts), built by npm ci.
COPY native ./native
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build && npm prune --omit=dev

# Run: production dependencies and compiled code only, as an unprivileged user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOST=0.0.0.0 SQLITE_FILE=/data/callbridge.sqlite
# glibc malloc: see SERVER_MALLOC_ENV in tools/storm/processes.ts (argon2's 19 MiB blocks are given back).
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/native ./native
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY views ./views
COPY public ./public
COPY data/rates.csv ./data/rates.csv
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# One port: in simulation mode the app serves the simulator's phones at /phones (the simulator listens on loopback).
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--max-semi-space-size=4", "--expose-gc", "dist/src/main.js"]
