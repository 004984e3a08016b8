# syntax=docker/dockerfile:1
# image-reviewer: multi-stage build (SPEC §10). The build stage has the compilers better-sqlite3 needs; the runtime
# stage has only Node, the compiled JavaScript, production node_modules, migrations and the sample policy.
# Both stages use the same Node major, so the native module's ABI (NODE_MODULE_VERSION) matches at run time.
# For reproducible builds, pin both images by digest (node:22-bookworm@sha256:…).
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm AS build
WORKDIR /src
# Compile better-sqlite3 against this Node instead of downloading a prebuilt binary (python3, make and g++ are in
# the full bookworm image).
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# The heap ceiling is sized for the 256 MiB memory limit of deploy/kubernetes (README "Operations: Memory"): V8
# collects harder as the old generation nears 128 MiB instead of growing towards its own default (a share of the
# host's memory, not the container's), leaving room for the young generation, the audit writer thread and
# SQLite's page cache. Set at start, never changed at run time (test/integration/serve-memory.test.ts runs serve
# with this same value under load).
ENV NODE_OPTIONS=--max-old-space-size=128 \
    NODE_ENV=production \
    IMAGE_REVIEWER_DB=/data/image-reviewer.db \
    TMPDIR=/tmp \
    SQLITE_TMPDIR=/tmp
WORKDIR /app
# Owned by root and not writable by the service user: the code cannot be altered at run time. Only /data (the store)
# and /tmp are written, so the container runs with a read-only root filesystem.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY migrations ./migrations
COPY policy ./policy
# The volume is created owned by the service user, so a fresh named volume (docker, compose) is writable;
# Kubernetes gets the same through fsGroup.
RUN mkdir -p /data && chown 10001:10001 /data && chmod 0750 /data
VOLUME /data
# A numeric uid:gid, so Kubernetes' runAsNonRoot can verify it without an /etc/passwd lookup.
USER 10001:10001
EXPOSE 8443
# Docker and compose only (Kubernetes uses its own probes). Node instead of curl, which the slim image lacks.
# The URL is overridable for a plain-HTTP listener; certificate checks are off because this only asks "is the
# process answering on loopback?". It cannot pass a handshake that requires a client certificate (--client-ca
# without probe paths open): use the Kubernetes probes there.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const u=new URL(process.env.IMAGE_REVIEWER_HEALTHCHECK_URL||'https://127.0.0.1:8443/healthz');require(u.protocol==='https:'?'node:https':'node:http').get(u,{rejectUnauthorized:false,timeout:4000},(r)=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli.js"]
# The production default: HTTPS with a certificate mounted at /tls (cert-manager's tls.crt/tls.key names).
# docker-compose.yml overrides it with plain HTTP for a local trial.
CMD ["serve", "--listen", "0.0.0.0:8443", "--tls-cert", "/tls/tls.crt", "--tls-key", "/tls/tls.key", "--policy", "/app/policy/sample-policy.yaml"]
