# Everything installs from here: a fresh clone needs only `make reproduce` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export MPLBACKEND := Agg
export PYNEST_QUIET := 1
export PYTHONWARNINGS := ignore

.PHONY: all install reproduce test bench clean system-packages nest-mpi test-mpi

all: reproduce

# System packages to build NESTML modules against the NEST wheel (models/nestml.py): headers and
# build tools.  Installed with apt-get when running as root; otherwise one line says what to run.
SYSTEM_PACKAGES := cmake g++ make libboost-dev libgsl-dev libltdl-dev
SYSTEM_HEADERS  := /usr/include/boost/version.hpp /usr/include/gsl/gsl_errno.h /usr/include/ltdl.h

system-packages:
	@missing=0; for f in $(SYSTEM_HEADERS); do [ -e $$f ] || missing=1; done; \
	for t in cmake g++ make; do command -v $$t >/dev/null || missing=1; done; \
	if [ $$missing = 1 ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing system packages: $(SYSTEM_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    echo "missing system packages for NESTML builds: run 'sudo apt-get install $(SYSTEM_PACKAGES)'"; exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	$(MAKE) --no-print-directory system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,spinnaker]'
	touch $(STAMP)

install: $(STAMP)

reproduce: $(STAMP)
	$(BIN)/plasticity reproduce --out results

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist worksteal --durations=15 tests

# benchmarks (not part of make test): results/bench.json, results/bench.md, with issue 22's
# targets met or missed (reproduce's timings and results/ size are read from results/, so run
# make reproduce first); about 20 minutes, plus about 5 for the learning networks and 1 for
# the OpenMP speed-up.  BENCH_FLAGS='--sections=network,openmp --sizes=100' runs a part.
BENCH_FLAGS ?=
bench: $(STAMP)
	$(BIN)/python -m plasticity.analysis.bench results $(BENCH_FLAGS)

# The cluster path (opt-in, not part of make test): NEST 3.10 built from its PyPI source with MPI
# into the package's cache folder (about 10 minutes on 2 cores), mpi4py built against the same
# MPI; then make test-mpi runs pynn.nest protocols and the Song network under mpirun -np 2 and
# in 1 process x 2 threads and requires identical results (analysis/cluster.py).
MPI_PACKAGES := mpich libmpich-dev cmake g++ make libgsl-dev libboost-dev libltdl-dev

nest-mpi: $(STAMP)
	@if ! command -v mpicc >/dev/null || ! command -v mpirun >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing system packages: $(MPI_PACKAGES)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(MPI_PACKAGES) >/dev/null; \
	  else \
	    echo "no MPI found: run 'sudo apt-get install $(MPI_PACKAGES)', then make nest-mpi"; exit 1; \
	  fi; \
	fi
	@$(BIN)/python -c "from mpi4py import MPI" 2>/dev/null || \
	  { echo "building mpi4py against $$(command -v mpicc)"; \
	    $(BIN)/python -m pip install --quiet --no-binary mpi4py --force-reinstall --no-deps mpi4py; }
	$(BIN)/python -m plasticity.analysis.cluster build

test-mpi: nest-mpi
	$(BIN)/python -m plasticity.analysis.cluster check

clean:
	rm -rf results .pytest_cache
