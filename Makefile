# trial-monitor: `make run` starts the daemon, `make test` runs the whole suite from scratch.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run demo test install check bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
	  || { echo "trial-monitor needs Python 3.11 or newer ($(PYTHON) is older)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,postgres]'
	@touch $(STAMP)

install: $(STAMP)

## The daemon on the bundled watchlist.yaml, database under snapshots/ (Ctrl-C stops it).
run: $(STAMP)
	$(BIN)/trial-monitor run

## See it work offline: a stand-in registry serving bundled real records, the daemon on a throwaway
## folder, and 3 records changed a minute later (real alerts within two minutes). Ctrl-C stops it;
## e.g. ARGS="--change-after 10 --keep".
demo: $(STAMP)
	$(BIN)/trial-monitor demo $(ARGS)

## One check, then exit.
check: $(STAMP)
	$(BIN)/trial-monitor check --verbose

## The whole suite (installs what it needs first: the venv and packages here; PostgreSQL and Chromium
## from Debian's packages, by the tests that need them). Most tests wait on subprocesses, so they run
## four at a time; a file's tests stay together (the container tests share one image).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 4 --dist loadfile

## Cycle cost at scale against the stand-in (5,000 of 100,000 trials, 3,000 others updated a refresh day;
## e.g. ARGS="--trials 100000"), its tables written into bench/README.md: see bench/README.md.
bench: $(STAMP)
	$(BIN)/python bench/cycle_cost.py --readme bench/README.md $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
