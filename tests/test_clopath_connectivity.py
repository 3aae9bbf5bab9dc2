"""Clopath et al. (2010): connectivity reflects coding, on brian2 and pynn.nest
(plasticity.protocols.clopath_2010_connectivity; the predictions and bounds are derived in its
documentation)."""
import numpy as np
import pytest

from plasticity.protocols import clopath_2010_connectivity as cx
from plasticity.protocols.api import run_protocol

DURATION = "40"          # s (the paper averages over 100 s; the structure is there by 40 s)


@pytest.fixture(scope="module")
def runs():
    out = {}
    for backend, device in (("brian2", "cpp_standalone"), ("pynn.nest", "runtime")):
        out[backend] = run_protocol(cx.NAME, "clopath", None, {"duration_s": DURATION},
                                    backend, device=device)[1]["conditions"]
    return out


def _matrix(c):
    return np.asarray(c["matrix"], float).reshape(cx.N, cx.N)


@pytest.mark.parametrize("backend", ["brian2", "pynn.nest"])
def test_temporal_code_makes_one_sided_changes(runs, backend):
    rate, temporal = runs[backend]
    assert temporal["code"] == "temporal code"
    assert temporal["symmetry_dW"] < 0.01
    assert temporal["strong"] == 0                       # no potentiation predicted
    dW = _matrix(temporal) - 0.5
    for k in range(cx.N):                                # the reverse neighbour is depressed
        assert dW[(k + 1) % cx.N, k] < -0.1
    assert temporal["spike_counts"] == [int(float(DURATION) * 5)] * cx.N


@pytest.mark.parametrize("backend", ["brian2", "pynn.nest"])
def test_rate_code_makes_strong_bidirectional_connections_among_high_rates(runs, backend):
    rate = runs[backend][0]
    W = _matrix(rate)
    top = W[7:, 7:][~np.eye(3, dtype=bool)]
    assert np.all(top > 0.5)                                 # every one grew, both ways
    assert top.mean() >= 2.0 / 3.0 * rate["w_max_mV"]        # strong on average
    assert rate["strong_onto_low_rate"] == 0


def test_temporal_code_is_the_same_on_both_backends(runs):
    """Deterministic spike trains: the two backends integrate the same network; the clopath
    model's backends agree to 1 % of the weight change (models/clopath.py)."""
    a, b = _matrix(runs["brian2"][1]), _matrix(runs["pynn.nest"][1])
    off = ~np.eye(cx.N, dtype=bool)
    assert np.max(np.abs(a - b)[off]) <= 0.01 * np.max(np.abs(a - 0.5)[off])
