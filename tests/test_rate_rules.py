"""Rate-based rules: convergence results with tolerances derived from the learning rate
(each demo's docstring gives the derivation), the Dudek & Bear BCM curve against its closed
form, and the refusal of PyNN backends."""
import numpy as np
import pytest

from plasticity.models import get_model
from plasticity.models.core import PlasticityError
from plasticity.protocols import rate_demos as rd


def test_oja_finds_the_leading_eigenvector():
    r = rd.oja_pca()
    assert r["transient"] > 20                         # the start is forgotten
    assert r["angle_deg"] < r["tolerance_deg"]
    assert abs(r["norm"] - 1.0) < r["norm_tolerance"]


def test_hebb_with_decay_grows_at_eta_lambda1_minus_lam():
    r = rd.hebb_growth()
    assert abs(r["rate"] - r["expected"]) < r["tolerance"]


def test_bcm_becomes_selective():
    r = rd.bcm_selectivity()
    preferred, other = np.sort(r["responses"])[::-1]
    assert abs(preferred - r["expected_preferred"]) < r["tolerance"]
    assert abs(other) < r["tolerance"]


def test_delta_rule_reaches_least_squares():
    r = rd.delta_regression()
    assert r["transient"] < 1e-3
    assert r["max_abs_error"] < r["tolerance"]


def test_dudek_bear_bcm_matches_its_closed_form():
    """theta frozen (tau_theta = 1e6 s), one input at rate f, y = w f:
    dw/dt = eta f^2 w (w f - theta), whose solution is 1/w(t) = f/theta + (1/w0 - f/theta)
    exp(eta f^2 theta t).  Euler at 10 ms: relative error ~ dt * eta f^2 theta * growth, well
    below 1e-3 for these rates (the largest, 100 Hz, has eta f^2 theta dt = 1e-7)."""
    from plasticity.protocols.api import run_protocol
    _, summary = run_protocol("dudek_bear_1992", "rate_bcm", None, {"freqs_hz": "1,5,10,20,50"})
    m = get_model("rate_bcm")
    v = m.resolve("dudek_bear")
    eta, theta = float(v["eta"]), float(v["theta_init"])
    for c in summary["conditions"]:
        f = c["freq_hz"]
        T = 900.0 / f
        a = f / theta
        w = 1.0 / (a + (1.0 - a) * np.exp(eta * f ** 2 * theta * T))
        assert c["w_final"] == pytest.approx(w, rel=1e-3), f
    dw = {c["freq_hz"]: c["dw_percent"] for c in summary["conditions"]}
    assert dw[1] < 0 and dw[5] < 0 and dw[20] > 0 and dw[50] > 0     # LTD low, LTP high


@pytest.mark.parametrize("backend", ["pynn.brian2", "pynn.nest"])
def test_pynn_backends_are_refused(backend):
    with pytest.raises(PlasticityError, match="no rate neurons"):
        get_model("rate_oja").check_backend(backend)
