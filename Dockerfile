# A minimal image: build with the dev tools, run with production dependencies only.
#   docker build -t goimgserver .
#   docker run -p 9000:9000 -v /srv/images:/images -e GOIMGSERVER_SIGNING_SECRET=... goimgserver
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
# git for syncImages and --git-url; tini forwards SIGTERM so in-flight requests finish.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    GOIMGSERVER_IMAGESDIR=/images \
    GOIMGSERVER_CACHEDIR=/cache
RUN mkdir -p /images /cache && chown node:node /images /cache
USER node
VOLUME ["/cache"]
EXPOSE 9000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:9000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
