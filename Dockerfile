# The reconciler as a container image: one process serves one tenant (the rate limit
# is per token), so tenants scale out as one container each, side by side, nothing shared.
#
#   docker build -t reconciler:0.1.0 .
#   docker run --rm -e SEAMLESS_TENANT=contoso -e SEAMLESS_TOKEN \
#     -v "$PWD/specs:/work/specs" reconciler:0.1.0 drift specs/ --budget 45m
#
# The token comes from the environment (SEAMLESS_TOKEN) or a mounted file (--token-file),
# never from a flag. The emulator extra is not installed: this image talks to the service.
#
# The base is pinned to a minor version; for reproducible builds pin its digest too
# (FROM python:3.11-slim-bookworm@sha256:...) and let a bot such as Renovate bump it.

# Build stage: the project and every dependency as wheels, so the final stage needs no
# compiler, no network and no copy of the checkout.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
# reconciler/schemas/*.json are links to schemas/: both are needed for the wheel to hold them.
COPY schemas ./schemas
COPY reconciler ./reconciler
RUN pip wheel --no-cache-dir --disable-pip-version-check --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
LABEL org.opencontainers.image.title="reconciler" \
      org.opencontainers.image.description="GitOps desired-state reconciler for Seamless workspaces" \
      org.opencontainers.image.licenses="Apache-2.0"

# git: `plan --changed-since REF` asks git which documents changed, and the Kubernetes
# drift sweep (examples/kubernetes/) keeps the state file in a git branch. ca-certificates:
# HTTPS to the service. Debian's stable versions are what the base's suite pins.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# A fixed, non-root user (Kubernetes runAsNonRoot checks the numeric id).
RUN groupadd --system --gid 10001 reconciler \
    && useradd --system --uid 10001 --gid reconciler --home-dir /home/reconciler \
       --create-home --shell /usr/sbin/nologin reconciler

COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --disable-pip-version-check --no-index --find-links=/wheels \
        /wheels/reconciler-*.whl \
    && rm -rf /wheels \
    && reconciler --version

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/home/reconciler
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["reconciler"]
CMD ["--help"]
