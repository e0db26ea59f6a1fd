# syntax=docker/dockerfile:1
# check=experimental=all
#
# rexporter as a container: a static Go binary on a distroless base, running
# as a non-root user, with a healthcheck that needs no shell.
#
#   docker build -t rexporter \
#     --build-arg VERSION="$(git describe --tags --always --dirty)" \
#     --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg BRANCH="$(git rev-parse --abbrev-ref HEAD)" .
#   docker run -p 6000:6000 -p 9100:9100 rexporter
#
# Multi-arch: the build stage cross-compiles for TARGETOS/TARGETARCH with
# scripts/build and the same settings as scripts/release (CGO_ENABLED=0,
# -s -w), so one command builds every Linux platform of a release:
#
#   docker buildx build --platform linux/amd64,linux/arm64 -t rexporter .
#
# Linted offline by tools/deploycheck (BuildKit's Dockerfile linter).

# GO_VERSION is the build stage's Go; equal to go.mod's go line (a test checks).
ARG GO_VERSION=1.26.8

# build cross-compiles on the builder's own platform: fast, and no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
# The version variables are what `rexporter --version`, the start-up log and
# rexporter_build_info report. The context has no .git, so scripts/build takes
# them from these build arguments (as environment variables).

# VERSION is the version reported; unset, "unknown".
ARG VERSION
# REVISION is the git commit built; unset, "unknown".
ARG REVISION
# BRANCH is the git branch built; unset, "unknown".
ARG BRANCH
# BUILD_DATE is when it was built; unset, the time of the build.
ARG BUILD_DATE
# CGO_ENABLED=0: a static binary, so the runtime image needs no libc.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS="$TARGETOS" GOARCH="$TARGETARCH" \
    BUILD_USER=docker EXTRA_LDFLAGS="-s -w" \
    scripts/build /out/rexporter

# distroless/static has no shell and no package manager; the :nonroot variant
# runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="rexporter" \
      org.opencontainers.image.description="Status messages from R jobs as Prometheus metrics"
COPY --from=build /out/rexporter /rexporter
USER 65532:65532
# 6000: R clients (write.socket); 9100: /metrics, /-/healthy, /-/ready.
EXPOSE 6000 9100
# No shell in the image, so the probe is rexporter itself. It GETs
# http://127.0.0.1:9100/-/healthy; set REXPORTER_HEALTHCHECK_URL when
# --metrics listens elsewhere or TLS/basic auth is on.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
  CMD ["/rexporter", "healthcheck"]
ENTRYPOINT ["/rexporter"]
CMD ["--listen", "6000", "--metrics", ":9100"]
