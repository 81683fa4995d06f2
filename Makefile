# The two README commands: `make demo` (the main job) and `make test` (the test suite).
# Both create or refresh .venv and install what they need (scripts/setup.sh).
VENV := .venv
STAMP := $(VENV)/.netcase-installed
DEMO_DIR ?= demo
PYTEST_ARGS ?=

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml scripts/setup.sh $(wildcard package.json package-lock.json)
	bash scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/netcase demo --out $(DEMO_DIR) --serve

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

test: $(STAMP) lint
	$(VENV)/bin/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: $(STAMP)
	for b in bench/*.py; do case $$b in */_*) ;; *) $(VENV)/bin/python $$b || exit 1;; esac; done

clean:
	rm -rf $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache
