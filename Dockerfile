# fixpoint itself, for running it in your own CI:
#   docker build -t fixpoint .
#   docker run --rm -v "$PWD:/work" -e ANTHROPIC_API_KEY fixpoint solve --repo /work --issue issue.md
# BASE_IMAGE is any Debian-based image. With Docker Hub the default already has Node 20. Without
# it, a locally bootstrapped Debian works too (environments/bootstrap-base.sh makes one):
#   docker build --build-arg BASE_IMAGE=fixpoint/debian:bookworm -t fixpoint .
# Behind a TLS-intercepting proxy, pass its CA certificate(s) as PEM text:
#   docker build --build-arg EXTRA_CA_CERTS="$(cat /usr/local/share/ca-certificates/*.crt)" ...
ARG BASE_IMAGE=node:20-bookworm-slim
FROM ${BASE_IMAGE} AS base

ARG EXTRA_CA_CERTS=""
# Used only when the base image has no Node 20: the official Node build and npm, both published
# in the npm registry (node-linux-<arch> includes the headers native modules build against).
ARG NODE_VERSION=20.20.2
ARG NPM_VERSION=10.9.4
ARG NPM_REGISTRY=https://registry.npmjs.org
ENV DEBIAN_FRONTEND=noninteractive NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false LANG=C.UTF-8

# git and patch for checkouts and the patch fallbacks; python3, make and g++ build native modules
# (better-sqlite3, tree-sitter) when no prebuilt binary can be downloaded.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends git ca-certificates curl patch procps python3 make g++; \
    rm -rf /var/lib/apt/lists/*; \
    if [ -n "$EXTRA_CA_CERTS" ]; then \
      printf '%s\n' "$EXTRA_CA_CERTS" > /usr/local/share/ca-certificates/extra-ca.crt; \
      update-ca-certificates; \
    fi; \
    major="$( (node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || echo 0)"; \
    if [ "$major" -lt 20 ]; then \
      case "$(dpkg --print-architecture)" in amd64) arch=x64 ;; arm64) arch=arm64 ;; \
        *) echo "no Node build for $(dpkg --print-architecture)" >&2; exit 1 ;; esac; \
      mkdir -p /opt/node /opt/node/lib/node_modules/npm; \
      curl -fsSL "$NPM_REGISTRY/node-linux-$arch/-/node-linux-$arch-$NODE_VERSION.tgz" \
        | tar -xz -C /opt/node --strip-components=1; \
      curl -fsSL "$NPM_REGISTRY/npm/-/npm-$NPM_VERSION.tgz" \
        | tar -xz -C /opt/node/lib/node_modules/npm --strip-components=1; \
      ln -sf /opt/node/bin/node /usr/local/bin/node; \
      ln -sf /opt/node/lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \
      ln -sf /opt/node/lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; \
      # node-gyp builds against these headers instead of downloading them (npm 10 will not "config set" it).
      mkdir -p "$(dirname "$(npm config get globalconfig)")"; \
      echo "nodedir=/opt/node" >> "$(npm config get globalconfig)"; \
    fi; \
    npm config set --global registry "$NPM_REGISTRY"; \
    npm config set --global cafile /etc/ssl/certs/ca-certificates.crt; \
    node --version; npm --version; git --version

WORKDIR /opt/fixpoint

# dist/, the compiled JavaScript (npm run build). TypeScript is a dev dependency, needed in this
# stage only; compiling needs no native module, hence --ignore-scripts (which also skips the
# prepare script, before src/ is here).
FROM base AS build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN npm run build

FROM base
COPY package.json package-lock.json ./
COPY bin ./bin
# Runtime dependencies only, native modules included (the prepare script finds no TypeScript and
# skips the build: dist/ comes from the build stage). Without src/, bin/fixpoint.js runs dist/.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /opt/fixpoint/dist ./dist
COPY prompts ./prompts
COPY environments ./environments
COPY evals/fixtures ./evals/fixtures
RUN chmod +x bin/fixpoint.js && ln -s /opt/fixpoint/bin/fixpoint.js /usr/local/bin/fixpoint

WORKDIR /work
ENTRYPOINT ["fixpoint"]
CMD ["--help"]
