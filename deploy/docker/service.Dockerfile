# syntax=docker/dockerfile:1
## The one Dockerfile of every Aftercare service ("##" lines stay in this template). Its renderings,
## services/<name>/Dockerfile, get the service's name, package and ports from deploy/services.tsv
## (deploy/docker/render-dockerfiles.sh); scripts/validate-k8s.sh fails when one drifts.
# Build context is the repository root:
#   docker build -f services/@SERVICE@/Dockerfile -t aftercare/@SERVICE@:dev .

# Pin by digest in CI (--build-arg PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:…); the builder
# and the runtime must share it, since the virtualenv points at its interpreter.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- manifests: only the files that decide dependencies, so a source edit keeps the
# dependency layer below cached (the COPY into the builder is unchanged when only code changed)
FROM ${PYTHON_IMAGE} AS manifests
WORKDIR /app
COPY . .
RUN find . -type f ! -name pyproject.toml ! -name uv.lock -delete \
 && find . -depth -type d -empty -delete

# ---- builder: uv installs exactly what uv.lock says for this one service, no dev group
FROM ${PYTHON_IMAGE} AS builder
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app
COPY --from=manifests /app ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package aftercare-@SERVICE@
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package aftercare-@SERVICE@
# The workspace packages stay installed from /app/libs and /app/services/@SERVICE@ (as in the
# repository), so `migrate` finds the service's Alembic scripts where it finds them in development;
# compile them now, since the runtime filesystem is read-only.
RUN /app/.venv/bin/python -m compileall -q libs services/@SERVICE@ \
 && /app/.venv/bin/python -c "import @PACKAGE@"

# ---- runtime: slim Python, the virtualenv, the shared libs and this service's source; no uv, no build tools
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="aftercare-@SERVICE@" \
      org.opencontainers.image.description="Aftercare @SERVICE@ service"
RUN groupadd --system --gid 10001 aftercare \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin aftercare
WORKDIR /app
# owned by root, so the service cannot rewrite its own code even where the filesystem is writable
COPY --from=builder /app/.venv /app/.venv
COPY --from=builder /app/libs /app/libs
COPY --from=builder /app/services/@SERVICE@ /app/services/@SERVICE@
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONFAULTHANDLER=1 \
    AFTERCARE_SERVICE_NAME=@SERVICE@ \
    AFTERCARE_HTTP_PORT=@HTTP_PORT@ \
    AFTERCARE_GRPC_PORT=@GRPC_PORT@
# numeric, so the kubelet can verify runAsNonRoot without reading /etc/passwd
USER 10001:10001
## @EXTRA_PORTS@: the service's ports of deploy/extra-ports.tsv (intake's SMTP 2525), each after a space
EXPOSE @HTTP_PORT@ @GRPC_PORT@@EXTRA_PORTS@
# python is PID 1 and gets SIGTERM itself: not-ready, stop consuming, finish in-flight, stop servers,
# close broker and database, flush telemetry (deploy/README.md)
STOPSIGNAL SIGTERM
ENTRYPOINT ["python", "-m", "@PACKAGE@"]
# `python -m @PACKAGE@ migrate` (the Kubernetes init container) applies this service's migrations
