# Tilmeld: two commands set everything up on a fresh machine.
#   make run   install what is missing, start Kafka, PostgreSQL, the services, the mail sink and
#              Prometheus and demo data; returns once all is up (processes keep running)
#   make test  the whole test suite on the real broker, databases and SMTP
SHELL := /bin/bash
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: run test down install infra lint bench status schemas asyncapi

$(UV):
	@echo "==> installing uv $(UV_VERSION) into $(TOOLS)/"
	@python3 -m venv $(TOOLS)
	@$(TOOLS)/bin/pip install -q --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	@echo "==> Python environment (.venv) from uv.lock"
	@$(UV) sync --all-packages --frozen --quiet

infra:
	@bash deploy/local/infra.sh up

run: install infra
	@bash deploy/local/services.sh start
	@bash deploy/local/prometheus.sh start
	@bash deploy/local/demo.sh

# Services started by `make run` would compete with the ones the tests start: stop them first.
test: install infra
	@bash deploy/local/browser.sh
	@bash deploy/local/prometheus.sh install
	@bash tools/asyncapi-validate/install.sh
	@bash deploy/local/services.sh stop
	@$(MAKE) --no-print-directory lint
	@.venv/bin/pytest $(PYTEST_ARGS)

lint:
	@echo "==> ruff and mypy --strict"
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check --quiet .
	@.venv/bin/mypy --strict contracts/tilmeld_contracts runtime/tilmeld_runtime services/registration/registration services/capacity/capacity services/notification/notification cli/tilmeld_cli bench

down:
	@bash deploy/local/prometheus.sh stop
	@bash deploy/local/services.sh stop
	@bash deploy/local/infra.sh down

status:
	@bash deploy/local/infra.sh status
	@bash deploy/local/services.sh status
	@bash deploy/local/prometheus.sh status

asyncapi: install
	@.venv/bin/python -m tilmeld_runtime.asyncapi

# Issue 6's registration rush against the running system (started here when it is not; takes
# turns with test runs): one table on stdout, bench/results/<UTC timestamp>.json.
# Smaller: make bench BENCH_ARGS="--n 1000 --rate 200 --duration 5"
bench: install infra
	@flock /tmp/tilmeld-e2e.lock bash -c 'bash deploy/local/services.sh start && .venv/bin/python -m bench.rush $(BENCH_ARGS)'

schemas: install
	@.venv/bin/python -m tilmeld_contracts.schemas
