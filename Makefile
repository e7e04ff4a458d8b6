# Two commands set everything up on a fresh Debian machine with python3 and make:
#   make run   - create .venv, install the server, serve on 127.0.0.1:8080 with a development key
#                (another address: make run PORT=9000, or make run BIND=127.0.0.1:9000)
#   make test  - install what the tests need (redis-server, hadolint, ...) and run the whole suite
# Every Python install comes from the hash-locked files in requirements/ (make lock rewrites them).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVER_STAMP := $(VENV)/.server-installed
TEST_STAMP := $(VENV)/.test-installed
APT_STAMP := $(VENV)/.apt-updated
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT ?= 8080
BIND ?= 127.0.0.1:$(PORT)
# Locked installs: every package pinned with its hashes, the project itself without dependencies
# and without an isolated build environment, so nothing unpinned slips in.
PIP_LOCKED := $(BIN)/python -m pip install -q --require-hashes --no-deps -r
PIP_PROJECT := $(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .

.PHONY: run test lint typecheck hadolint pytest bench bench-fetch bench-bytes bench-detection soak hostile fuzz lock clean

$(BIN)/python:
	@if ! $(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1; then \
		echo "python3-venv is missing: installing it from Debian's packages"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv; \
	fi
	$(PYTHON) -m venv $(VENV)

$(SERVER_STAMP): $(BIN)/python pyproject.toml requirements/server.txt
	$(PIP_LOCKED) requirements/server.txt
	$(PIP_PROJECT)
	@touch $@

$(TEST_STAMP): $(SERVER_STAMP) requirements/test.txt
	$(PIP_LOCKED) requirements/test.txt
	@touch $@

# Installs the Debian packages a recipe collected in the shell variable `missing`, if any.
APT_INSTALL = if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# Debian packages the suite starts for real, as command:package. Installed only when missing.
define apt_need
	@missing=""; for tool in $(1); do command -v $${tool%%:*} >/dev/null 2>&1 || missing="$$missing $${tool#*:}"; done; \
	$(APT_INSTALL)
endef

# Shared libraries the suite loads, as soname:package. Installed only when missing.
define lib_need
	@missing=""; for lib in $(1); do /sbin/ldconfig -p | grep -q "$${lib%%:*} " || missing="$$missing $${lib#*:}"; done; \
	$(APT_INSTALL)
endef

# watermark_text's font when the markup names none (Pango's "sans"), and fontconfig's settings.
FALLBACK_FONT := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
define font_need
	@missing=""; if [ ! -e $(FALLBACK_FONT) ] || [ ! -e /etc/fonts/fonts.conf ]; then \
		missing=" fontconfig-config fonts-dejavu-core"; \
	fi; \
	$(APT_INSTALL)
endef

run: $(SERVER_STAMP)
	$(font_need)
	$(BIN)/python -m imgproxy serve --dev --bind $(BIND)

NODE_CLIENT := tests/node/node_modules/@imgproxy/imgproxy-node/package.json

# The official imgproxy Node client and its core URL builder (@imgproxy/imgproxy-js-core), pinned by
# tests/node/package-lock.json; the tests only run them.
$(NODE_CLIENT): tests/node/package.json tests/node/package-lock.json
	npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
	@touch $@

test: $(TEST_STAMP)
	$(font_need)
	$(call apt_need,redis-server:redis-server varnishd:varnish nginx:nginx promtool:prometheus haproxy:haproxy chromium:chromium node:nodejs npm:npm wrk:wrk)
	$(call lib_need,libjemalloc.so.2:libjemalloc2 libtcmalloc_minimal.so.4:libtcmalloc-minimal4)
	$(MAKE) --no-print-directory $(NODE_CLIENT)
	$(MAKE) --no-print-directory lint typecheck hadolint pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

hadolint: $(TEST_STAMP)
	$(BIN)/hadolint Dockerfile

pytest: $(TEST_STAMP)
	$(BIN)/pytest

# Benchmarks (bench/README.md): thumbor 7.8 in a virtual environment of its own, ignored by git.
THUMBOR_VENV := bench/.thumbor-venv
THUMBOR_STAMP := $(THUMBOR_VENV)/.installed

$(THUMBOR_STAMP): requirements/thumbor.txt
	$(PYTHON) -m venv $(THUMBOR_VENV)
	$(THUMBOR_VENV)/bin/python -m pip install -q --require-hashes --no-deps -r requirements/thumbor.txt
	@touch $@

bench: $(SERVER_STAMP) $(THUMBOR_STAMP)
	$(PIP_LOCKED) requirements/bench.txt
	$(call apt_need,wrk:wrk nginx:nginx redis-server:redis-server)
	$(BIN)/python -m bench.run

# The origin fetch alone, httpx against libcurl (bench/fetch_cost.py).
# Bytes per image by format, format:best and autoquality against q80 JPEG, in process; writes
# the bytes section of bench/RESULTS.md (not part of `make test`).
bench-bytes: $(SERVER_STAMP)
	$(BIN)/python -m bench.bytes

# CPU per face-aware crop (g:obj, detecting and cached) against g:sm and a still miss, and per
# video thumbnail (PyAV, from the test requirements); in process, writes the detection section of
# bench/RESULTS.md (not in `make test`).
bench-detection: $(TEST_STAMP)
	$(BIN)/python -m bench.detection_cost

bench-fetch: $(SERVER_STAMP)
	$(call apt_need,nginx:nginx)
	$(BIN)/python -m bench.fetch_cost

soak: $(SERVER_STAMP)
	$(call apt_need,wrk:wrk nginx:nginx)
	$(BIN)/python -m bench.soak

# Every hostile case of the security review at once against one server; writes bench/RESULTS.md.
hostile: $(SERVER_STAMP)
	$(BIN)/python -m bench.hostile

# Coverage-guided fuzzing of the URL parser and signature check, then the no-500 URL property on
# every route for FUZZ_SECONDS (not part of `make test`).
fuzz: $(TEST_STAMP)
	$(PIP_LOCKED) requirements/fuzz.txt
	$(BIN)/python tests/imgproxy/security/fuzz_parser.py -atheris_runs=$${RUNS:-200000}
	FUZZ_SECONDS=$${FUZZ_SECONDS:-120} $(BIN)/python tests/imgproxy/security/fuzz_routes.py

# Rewrites the lock files from pyproject.toml's ranges: on purpose only, and commit the result.
# Each later lock is constrained by the one before, so the installs layered in .venv agree.
UV_TOOL := $(VENV)/.uv-tool
LOCK := $(UV_TOOL)/bin/uv pip compile --quiet --universal --generate-hashes --python-version 3.11

lock: $(BIN)/python
	$(PYTHON) -m venv $(UV_TOOL)
	$(UV_TOOL)/bin/python -m pip install -q --require-hashes --no-deps -r requirements/uv.txt
	$(LOCK) --upgrade pyproject.toml requirements/build.in --extra server -o requirements/server.txt
	$(LOCK) --upgrade pyproject.toml requirements/build.in --extra server --extra test \
		-c requirements/server.txt -o requirements/test.txt
	$(LOCK) --upgrade pyproject.toml requirements/build.in --extra server --extra test --extra fuzz \
		-c requirements/test.txt -o requirements/fuzz.txt
	$(LOCK) --upgrade pyproject.toml requirements/build.in --extra server --extra bench \
		-c requirements/server.txt -o requirements/bench.txt
	$(LOCK) --upgrade requirements/thumbor.in -o requirements/thumbor.txt
	$(LOCK) --upgrade requirements/uv.in -o requirements/uv.txt

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
