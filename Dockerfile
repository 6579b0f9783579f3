# syntax=docker/dockerfile:1
# The Conveyor image: one image for every process (gateway, auth, schemas, executions, scheduler,
# catalog) and for the `migrate` command. The PROCESS build argument only sets what the image runs
# when it is given no argument; compose and the Kubernetes manifests always name the process.
#
#   docker build -t conveyor .                                 # default process: gateway
#   docker build --build-arg PROCESS=executions -t conveyor-executions .
#   docker run conveyor migrate                                # any image runs any process
#
# The processes run their TypeScript sources with tsx, exactly as in development and in the tests
# (no build step, no bundle: the services read files next to their sources). The image holds the
# production dependencies of every workspace package plus tsx (and esbuild, its compiler).

ARG NODE_IMAGE=node:20.19-bookworm-slim

FROM ${NODE_IMAGE} AS build
# Keep these equal to package.json's packageManager and pnpm-lock.yaml's tsx (test/deploy checks).
ARG PNPM_VERSION=10.34.9
ARG TSX_VERSION=4.23.15
WORKDIR /app
RUN npm install --global --no-fund --no-audit "pnpm@${PNPM_VERSION}"
# Fetch the production dependencies from the lockfile alone, so that this layer stays cached
# while sources change.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch --prod
COPY . .
RUN pnpm install --offline --frozen-lockfile --prod --reporter=append-only
# tsx is a root devDependency, so --prod leaves it out: install the locked version next to the
# workspace, flat, where `node --import tsx` finds it from every package folder.
RUN npm install --prefix /tmp/tsx --no-save --no-fund --no-audit --no-package-lock "tsx@${TSX_VERSION}" \
 && cp -R /tmp/tsx/node_modules/. /app/node_modules/ \
 && rm -rf /tmp/tsx
# scripts/migrate.ts imports workspace packages through the root, whose links are dev-only too.
RUN mkdir -p node_modules/@conveyor \
 && for dir in packages/*/; do \
      ln -sfn "../../${dir%/}" "node_modules/$(node -p "require('./${dir}package.json').name")"; \
    done

FROM ${NODE_IMAGE} AS runtime
ARG PROCESS=gateway
ENV NODE_ENV=production \
    CONVEYOR_PROCESS=${PROCESS}
WORKDIR /app
# Owned by root and not writable by the process user; the only writable path the processes need
# is /tmp (tsx's compile cache), an emptyDir/tmpfs under a read-only root filesystem.
COPY --from=build /app /app
USER 1000:1000
EXPOSE 4000 4101 4102 4103 4104 4105
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "/app/deploy/image/healthcheck.mjs", "/readyz"]
ENTRYPOINT ["/app/deploy/image/run-process.sh"]
