import os
import sys

os.environ.setdefault("PYNEST_QUIET", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, os.path.dirname(__file__))

BACKENDS = ("brian2", "pynn.brian2", "pynn.nest")
