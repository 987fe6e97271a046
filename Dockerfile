# One image for both processes: `aofctl serve` (ingress) and `aofctl worker`.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-save --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY schemas ./schemas
COPY daemon.yaml ./
COPY triggers ./triggers
COPY agents ./agents
COPY fleets ./fleets
COPY flows ./flows
USER node
ENTRYPOINT ["node", "bin/aofctl.js"]
CMD ["serve", "--config", "daemon.yaml"]
