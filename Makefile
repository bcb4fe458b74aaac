# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test bench fava venv migrate seed clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

run: venv
	$(BIN)/ddrr run

test: venv
	bash scripts/ensure-infra.sh
	bash scripts/test.sh $(PYTEST_ARGS)

bench: venv
	bash scripts/ensure-infra.sh
	$(BIN)/ddrr bench

fava: venv
	$(BIN)/fava --host 127.0.0.1 --port 5000 data/ledger/main.beancount

migrate: venv
	$(BIN)/ddrr migrate

seed: venv
	$(BIN)/ddrr seed

clean:
	rm -rf data
