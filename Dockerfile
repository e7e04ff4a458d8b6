# imgproxy-py: on-the-fly image transformation proxy (imgproxy URL dialect).
#
#   docker build -t imgproxy-py .
#   docker run --rm -p 8080:8080 -e IMGPROXY_KEY=... -e IMGPROXY_SALT=... imgproxy-py
#
# One stage: every dependency (pyvips-binary bundles libvips, cffi, orjson) installs from
# manylinux wheels, so no compiler or -dev package would have to be left behind in a build stage.
FROM python:3.11-slim-bookworm

# MALLOC_ARENA_MAX=2: glibc's per-thread malloc arenas fragment under libvips' worker threads and
# are the main cause of RSS growth over time; imgproxy's own image sets the same value.
# PYTHONUNBUFFERED=1: log lines reach `docker logs` as they are written.
# IMGPROXY_BIND=:8080: listen on all interfaces, so the published port reaches the server.
# VIPS_CONCURRENCY is left unset: the server already defaults it to 1 (transforms/executor.py).
ENV MALLOC_ARENA_MAX=2 \
    PYTHONUNBUFFERED=1 \
    IMGPROXY_BIND=:8080

# watermark_text's font when the markup names none (Pango's "sans"), and fontconfig's settings;
# the allocators IMGPROXY_MALLOC=jemalloc|tcmalloc can choose, as in imgproxy's own image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fontconfig-config=2.14.1-4 fonts-dejavu-core=2.37-6 \
        libjemalloc2=5.3.0-1 libtcmalloc-minimal4=2.10-1 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 imgproxy \
    && useradd --system --no-log-init --uid 10001 --gid imgproxy \
        --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin imgproxy

# The sources are copied to a build directory outside the runtime working directory, so
# `python -m imgproxy` imports the installed package (with its package data), not a source tree.
# The dependencies come from the hash-locked requirements/server.txt (the build backend too); the
# project itself then installs with neither dependencies nor an isolated build environment.
COPY requirements/server.txt /tmp/imgproxy-py/requirements/
RUN pip install --no-cache-dir --require-hashes --no-deps -r /tmp/imgproxy-py/requirements/server.txt

COPY pyproject.toml README.md /tmp/imgproxy-py/
COPY imgproxy /tmp/imgproxy-py/imgproxy
COPY transforms /tmp/imgproxy-py/transforms
COPY cache /tmp/imgproxy-py/cache
COPY config /tmp/imgproxy-py/config

RUN pip install --no-cache-dir --no-deps --no-build-isolation /tmp/imgproxy-py \
    && rm -rf /tmp/imgproxy-py

WORKDIR /srv/imgproxy
USER 10001:10001

EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-m", "imgproxy", "health"]

CMD ["python", "-m", "imgproxy", "serve"]
