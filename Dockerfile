# One image for both processes: `aofctl serve` (ingress) and `aofctl worker`.
# What the image holds at run time is the `files` list of package.json, and nothing else: the first stage
# runs `npm pack`, which applies that list, so a new resource folder is added in one place
# (test/unit/image-files.test.ts validates the configuration on exactly these files).
FROM node:24-bookworm-slim AS files
WORKDIR /src
COPY . .
RUN npm pack --ignore-scripts --pack-destination /tmp \
 && mkdir /app \
 && tar -xzf /tmp/aof-temporal-*.tgz -C /app --strip-components=1

FROM node:24-bookworm-slim
WORKDIR /app
# The malloc settings of src/worker/process-env.ts: glibc reads them at process start.
ENV NODE_ENV=production \
    AOF_METRICS_PORT=9464 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072
# Dependencies first, from the lockfile, so a source edit does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=files /app ./
USER node
# 3000: webhooks, /health, /ready, /metrics (ingress); 9464: /metrics (worker).
EXPOSE 3000 9464
ENTRYPOINT ["node", "bin/aofctl.js"]
CMD ["serve", "--config", "daemon.yaml"]
