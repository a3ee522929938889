# stachub's container image: Node.js LTS with the `stachub` command on PATH, for the CI/CD
# components (catalog, readme-lint, tracking) and for `docker run IMAGE stachub ...`.
#
# Stage `pack` builds the npm package as it is published (`npm pack`: dist/ compiled by the
# prepack/prepare scripts, only the files package.json lists). The final stage installs that
# tarball globally with production dependencies only: no sources, compiler or test tools.
# It keeps the Node image's entrypoint, which runs whatever command it is given, so GitLab CI
# runs job scripts in it; it runs as the image's unprivileged `node` user (GitLab Runner's Docker
# executor makes the checkout writable for such an image: umask 0000, or a chown to the image's
# user with FF_DISABLE_UMASK_FOR_DOCKER_EXECUTOR; gitlab-org/gitlab-runner#1736).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS pack
# The release version (the Git tag); empty keeps the version of package.json.
ARG STACHUB_VERSION=
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the sources are not there yet; `npm pack` compiles them below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN if [ -n "$STACHUB_VERSION" ]; then npm version --no-git-tag-version --allow-same-version "$STACHUB_VERSION"; fi \
 && npm pack --pack-destination /tmp/

FROM ${NODE_IMAGE}
COPY --from=pack /tmp/stachub-*.tgz /tmp/
# --ignore-scripts: neither stachub nor its dependencies need an install script, so none runs.
# The npm cache lives in /tmp for this step only and goes with the tarball.
RUN npm_config_cache=/tmp/npm-cache npm install --global --omit=dev --ignore-scripts --no-audit --no-fund /tmp/stachub-*.tgz \
 && rm -rf /tmp/npm-cache /tmp/stachub-*.tgz \
 && stachub --version
USER node
WORKDIR /home/node
CMD ["stachub", "--help"]
