# Two commands set everything up on a fresh Debian machine with python3 and make:
#   make run   - create .venv, install the server, serve on 127.0.0.1:8080 with a development key
#   make test  - install what the tests need (redis-server, hadolint, ...) and run the whole suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SERVER_STAMP := $(VENV)/.server-installed
TEST_STAMP := $(VENV)/.test-installed
APT_STAMP := $(VENV)/.apt-updated
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint typecheck hadolint pytest bench soak fuzz clean

$(BIN)/python:
	@if ! $(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1; then \
		echo "python3-venv is missing: installing it from Debian's packages"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv; \
	fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(SERVER_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[server]'
	@touch $@

$(TEST_STAMP): $(SERVER_STAMP) pyproject.toml
	$(BIN)/pip install -q -e '.[server,test]'
	@touch $@

# Debian packages the suite starts for real. Installed only when missing.
define apt_need
	@missing=""; for tool in $(1); do command -v $${tool%%:*} >/dev/null 2>&1 || missing="$$missing $${tool#*:}"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
endef

run: $(SERVER_STAMP)
	$(BIN)/python -m imgproxy serve --dev --bind 127.0.0.1:8080

NODE_CLIENT := tests/node/node_modules/@imgproxy/imgproxy-node/package.json

# The official imgproxy Node client, pinned by tests/node/package-lock.json; the tests only run it.
$(NODE_CLIENT): tests/node/package.json tests/node/package-lock.json
	npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
	@touch $@

test: $(TEST_STAMP)
	$(call apt_need,redis-server:redis-server varnishd:varnish nginx:nginx promtool:prometheus haproxy:haproxy chromium:chromium node:nodejs npm:npm)
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

$(THUMBOR_STAMP):
	$(PYTHON) -m venv $(THUMBOR_VENV)
	$(THUMBOR_VENV)/bin/pip install -q --upgrade pip
	$(THUMBOR_VENV)/bin/pip install -q thumbor==7.8.0 pycurl
	@touch $@

bench: $(SERVER_STAMP) $(THUMBOR_STAMP)
	$(call apt_need,wrk:wrk nginx:nginx redis-server:redis-server)
	$(BIN)/python -m bench.run

soak: $(SERVER_STAMP)
	$(call apt_need,wrk:wrk nginx:nginx)
	$(BIN)/python -m bench.soak

# Coverage-guided fuzzing of the URL parser and signature check (not part of `make test`).
fuzz: $(TEST_STAMP)
	$(BIN)/pip install -q -e '.[server,test,fuzz]'
	$(BIN)/python tests/security/fuzz_parser.py -atheris_runs=$${RUNS:-200000}

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
