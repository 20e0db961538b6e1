# Interlock: one image for the API (`interlock serve`) and the queue workers (`interlock worker`).
# See docs/deployment.md. Dependencies come from uv.lock, so the image runs exactly the
# versions the tests ran.
#
# The base image is pinned by the digest of its multi-platform index, so a rebuild gets
# the same bytes until someone moves the pin on purpose. To move it:
#   docker buildx imagetools inspect python:3.11-slim   # the "Digest:" line
FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/interlock

# The same uv as dev.py (UV_VERSION): the lock file is read by the version that wrote it.
ARG UV_VERSION=0.13.8
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

WORKDIR /src
# Dependencies first, in their own layer: they change far less often than the code.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
RUN uv sync --frozen --no-dev --no-editable \
    && useradd --system --uid 10001 --home-dir /home/interlock --create-home interlock

ENV PATH="/opt/interlock/bin:$PATH"
USER interlock
WORKDIR /home/interlock

# Workers and the API both stop gracefully on SIGTERM: in-flight work items finish first.
STOPSIGNAL SIGTERM
EXPOSE 8000
ENTRYPOINT ["interlock"]
CMD ["--help"]
