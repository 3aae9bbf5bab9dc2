import os
import sys

os.environ.setdefault("PYNEST_QUIET", "1")
# Brian2 numpy code generation for the whole suite (and the CLI subprocesses it starts): the
# runs here are short, and a fresh clone would otherwise spend ~10 minutes compiling Cython
# code objects.  Production runs (make reproduce) keep Brian2's default (Cython).
os.environ.setdefault("PLASTICITY_BRIAN2_TARGET", "numpy")
os.environ.setdefault("MPLBACKEND", "Agg")
# NEST's OpenMP threads wait passively (sleep) instead of spinning: with two xdist workers on
# two cores a spinning thread of a 2-thread NEST test takes a core from the other worker
# (measured: the 2-thread assemblies test 75 s against 50 s beside a busy core).  Results do
# not depend on it; it must be set before NEST (libgomp) loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
sys.path.insert(0, os.path.dirname(__file__))

from plasticity.models.core import BACKENDS  # noqa: E402,F401  (the tests' backends)
