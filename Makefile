# Mitreden: `make run` serves the demo site, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Client addresses (README, "Client addresses behind proxies"): with no proxy trusted, uvicorn
# must not take the client address from X-Forwarded-For; with proxies, only from theirs.
# As in settings: BEHIND_PROXY=1 alone means one proxy.
TRUSTED_PROXY_COUNT ?= $(if $(filter 1 true yes on,$(BEHIND_PROXY)),1,0)
FORWARDED_ALLOW_IPS ?= 127.0.0.1
UVICORN_PROXY_FLAGS = $(if $(filter-out 0,$(TRUSTED_PROXY_COUNT)),--proxy-headers --forwarded-allow-ips $(FORWARDED_ALLOW_IPS),--no-proxy-headers)

.PHONY: run test install lint migrate demo messages benchmark benchmark-live vendor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the dependency list or the lock changes.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

# The server and one background worker per queue (README, "Background tasks"); Ctrl-C stops all.
run: demo
	DEBUG=$${DEBUG-1} TRUSTED_PROXY_COUNT=$(TRUSTED_PROXY_COUNT) $(BIN)/python scripts/run_with_workers.py --queues default,long -- $(BIN)/uvicorn participation.asgi:application --host $(HOST) --port $(PORT) --ws-max-size 65536 --ws-per-message-deflate false $(UVICORN_PROXY_FLAGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run
	REDIS_PREFIX=$${REDIS_PREFIX-mitreden-test} $(BIN)/python -m pytest $(PYTEST_ARGS)

# Refresh the German/English catalogues after changing translatable strings (needs gettext).
messages: install
	$(BIN)/python manage.py makemessages -l de -l en --ignore=.venv --ignore=node_modules --ignore=static
	$(BIN)/python manage.py compilemessages --ignore=.venv

benchmark: install
	$(BIN)/python -m tests.benchmarks.run $(BENCH_ARGS)

# WebSocket viewers of one discussion (N = 100, 1000, 5000), default layer and Redis; see docs/live-benchmarks.md.
benchmark-live: install
	$(BIN)/python -m tests.benchmarks.live $(BENCH_ARGS)

# Copy pinned front-end libraries from npm into static/vendor (needs node + npm; the result is committed).
vendor:
	npm ci --no-audit --no-fund
	node scripts/vendor.mjs

clean:
	rm -rf $(VENV) var
