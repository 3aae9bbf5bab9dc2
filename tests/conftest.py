import os
import sys

os.environ.setdefault("PYNEST_QUIET", "1")
# Brian2 numpy code generation for the whole suite (and the CLI subprocesses it starts): the
# runs here are short, and a fresh clone would otherwise spend ~10 minutes compiling Cython
# code objects.  Production runs (make reproduce) keep Brian2's default (Cython).
os.environ.setdefault("PLASTICITY_BRIAN2_TARGET", "numpy")
os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, os.path.dirname(__file__))

from plasticity.models.core import BACKENDS  # noqa: E402,F401  (the tests' backends)
