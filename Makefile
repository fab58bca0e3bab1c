# Aftercare — the verbs. `make run` starts the platform, `make test` runs everything CI runs.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# pip --user puts uv in ~/.local/bin, which a fresh machine's PATH may lack: every recipe and script sees it
export PATH := $(HOME)/.local/bin:$(PATH)
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
export UV_LINK_MODE ?= copy

.PHONY: help install run test unit integration proto proto-check lint bench k8s servers clean new-service

help: ## list the verbs
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

install: ## install uv if missing, then every service and lib with locked versions
	@bash scripts/install.sh

run: install ## start every service (own processes on PostgreSQL+RabbitMQ, or embedded in one process)
	@$(UV) run aftercare run

test: install lint unit integration ## everything CI runs

unit: install ## unit tests: no network, no sleep
	@UV=$(UV) bash scripts/run-tests.sh unit

integration: install servers ## integration tests on real PostgreSQL and RabbitMQ (never skipped)
	@UV=$(UV) bash scripts/run-tests.sh integration

servers: ## make sure PostgreSQL and RabbitMQ answer (start or install them when they do not)
	@bash .ci/ensure-servers

new-service: install ## write a new service: make new-service NAME=<name> [HTTP_PORT=… GRPC_PORT=…] (docs/service-kit.md)
	@test -n "$(NAME)" || { echo "usage: make new-service NAME=<name> (ports only for a name not in deploy/services.tsv)"; exit 2; }
	@$(UV) run aftercare new-service $(NAME) $(if $(HTTP_PORT),--http-port $(HTTP_PORT)) $(if $(GRPC_PORT),--grpc-port $(GRPC_PORT))
	@bash scripts/proto.sh gen
	@$(UV) lock --quiet
	@bash scripts/install.sh
	@$(UV) run pytest -q services/$(NAME)/tests/unit

proto: install ## regenerate Python code from proto/
	@bash scripts/proto.sh gen

proto-check: install
	@bash scripts/proto.sh check

lint: install ## ruff, mypy on the platform and services, layering rules, buf lint, buf breaking, generated-code drift, k8s manifests
	@$(UV) run ruff check .
	@$(UV) run mypy libs/platform/src $(wildcard services/*/src)
	@$(UV) run python scripts/check_layers.py
	@bash scripts/proto.sh lint
	@bash scripts/proto.sh breaking
	@bash scripts/proto.sh check
	@bash scripts/validate-k8s.sh

bench: install servers ## benchmarks that print figures (never asserted)
	@for b in bench/bench_*.py; do echo "== $$b"; $(UV) run python $$b || exit 1; done

clean:
	rm -rf .venv var .pytest_cache .mypy_cache .ruff_cache
