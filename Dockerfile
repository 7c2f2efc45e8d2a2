# Parley's image for teams with a Docker engine and a registry (BuildKit: `docker build -t parley:0.1.0 .`).
# It produces the same root file system and config as `npm run image`, which builds the image on a
# machine without any container engine (docs/adr/0008-image.md): the build stage runs the same tool
# with --rootfs, and the final stage copies that file system into an empty image.
#   docker build --build-arg SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) \
#                --build-arg REVISION=$(git rev-parse HEAD) \
#                --build-arg SOURCE_URL=$(git remote get-url origin) -t parley:0.1.0 .
# Not exercised by this repository's tests (no Docker engine there); the OCI layout from
# `npm run image` is what the tests run.
FROM node:20-bookworm AS build
ARG SOURCE_DATE_EPOCH=0
ARG REVISION=unknown
ARG SOURCE_URL=unknown
WORKDIR /src
COPY package.json package-lock.json ./
COPY libs/ libs/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npx esbuild tools/image/main.ts --bundle --platform=node --target=node20 --log-level=warning --outfile=dist/tools/image/main.js \
 && SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH PARLEY_IMAGE_REVISION=$REVISION PARLEY_IMAGE_SOURCE=$SOURCE_URL node dist/tools/image/main.js --rootfs /rootfs

FROM scratch
ARG REVISION=unknown
ARG SOURCE_URL=unknown
COPY --from=build /rootfs/ /
USER 10001:10001
ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production PARLEY_DATA_DIR=/data SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
WORKDIR /app
EXPOSE 8080
LABEL org.opencontainers.image.title="parley" \
      org.opencontainers.image.source="$SOURCE_URL" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0"
CMD ["node", "dist/apps/standalone/src/main.js"]
