# Everything installs from here: a fresh clone needs only `make reproduce` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export MPLBACKEND := Agg
export PYNEST_QUIET := 1
export PYTHONWARNINGS := ignore

.PHONY: all install reproduce test bench clean

all: reproduce

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,spinnaker]'
	touch $(STAMP)

install: $(STAMP)

reproduce: $(STAMP)
	$(BIN)/plasticity reproduce --out results

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --durations=15 tests

# benchmarks (not part of make test): results/bench.json, results/bench.md; about 20 minutes
bench: $(STAMP)
	$(BIN)/python -m plasticity.analysis.bench results

clean:
	rm -rf results .pytest_cache
