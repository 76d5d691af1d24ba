# A minimal image: build with the dev tools, run with production dependencies only.
#   docker build -t goimgserver .
#   docker run --stop-timeout 60 -p 9000:9000 -v /srv/images:/data/images:ro -e GOIMGSERVER_SIGNING_SECRET=... goimgserver
# or, to clone the images with --git-url, a volume for the whole of /data:
#   docker run --stop-timeout 60 -p 9000:9000 -v goimgserver-data:/data -e GOIMGSERVER_GIT_URL=... -e ... goimgserver
# Docker kills a container 10 s after SIGTERM unless told otherwise; the server waits up to
# --shutdown-timeout (45 s by default) for the renders in flight.
# Node.js 24, a long-term support line (20 has reached its end of life).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-bookworm-slim
# git for syncImages and --git-url; tini forwards SIGTERM so in-flight requests finish.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    GOIMGSERVER_PORT=9000 \
    GOIMGSERVER_IMAGESDIR=/data/images \
    GOIMGSERVER_CACHEDIR=/cache
# --git-url clones beside the images folder, then renames the clone into place: /data is the
# user's and one volume, so the rename stays on one file system. --dump writes to /data too.
RUN mkdir -p /data/images /cache && chown -R node:node /data /cache
USER node
WORKDIR /data
VOLUME ["/data", "/cache"]
EXPOSE 9000
HEALTHCHECK --interval=30s --timeout=3s CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.GOIMGSERVER_PORT}/health`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "/app/dist/main.js"]
