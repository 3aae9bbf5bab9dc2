"""Layer 1: closed-form single pairings and the Tsodyks–Markram recursion, on every backend."""
import math

import numpy as np
import pytest

from conftest import BACKENDS
from plasticity.models import get_model
from plasticity.protocols import run as runners
from plasticity.protocols.schedule import Condition, Schedule
from reference import plain, tsodyks_markram_reference

STDP = get_model("stdp_pair")
SETS = list(STDP.parameter_sets)


def single_pairings():
    # one condition per Δt, each a single pre/post pair; 0 = coincident spikes
    conds = []
    for dt in (-30.0, -10.0, -0.1, 0.0, 0.1, 10.0, 30.0):
        pre = 100.0
        conds.append(Condition(f"dt={dt:+g}", np.array([pre]), np.array([pre + dt]),
                               variables={"dt_ms": dt}))
    return Schedule("closed_form", 300.0, conds).validate()


def closed_form(dt, w0, p):
    """One pair: potentiation if post after pre, depression if post before pre; neither
    for coincident spikes (a spike pairs only with strictly earlier partners)."""
    wh = w0 / p["w_max"]
    if dt > 0:
        wh = min(1.0, wh + p["A_plus"] * (1 - wh) ** p["mu_plus"] * math.exp(-dt / p["tau_plus_ms"]))
    elif dt < 0:
        wh = max(0.0, wh - p["A_minus"] * wh ** p["mu_minus"] * math.exp(dt / p["tau_minus_ms"]))
    return wh * p["w_max"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("set_name", SETS)
def test_single_pairing_closed_form(backend, set_name):
    values = STDP.resolve(set_name)
    p = plain(values)
    sched = single_pairings()
    res = runners.run(STDP, set_name, values, sched, backend)
    expected = [closed_form(c.variables["dt_ms"], p["w_init"], p) for c in sched.conditions]
    np.testing.assert_allclose(res.w_final, expected, rtol=1e-12, atol=0)
    # the sign pattern is the rule's, not an accident of the numbers
    dts = np.array([c.variables["dt_ms"] for c in sched.conditions])
    assert np.all(res.w_final[dts > 0] > p["w_init"])
    assert np.all(res.w_final[dts < 0] < p["w_init"])
    assert res.w_final[dts == 0][0] == p["w_init"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_weight_bounds_hold(backend):
    """Huge amplitudes drive the weight to its bounds, never past them."""
    values = STDP.resolve("additive", {"A_plus": 5.0, "A_minus": 5.0})
    conds = [Condition("up", np.array([10.0]), np.array([11.0])),
             Condition("down", np.array([11.0]), np.array([10.0]))]
    res = runners.run(STDP, "additive", values, Schedule("b", 50.0, conds).validate(), backend)
    np.testing.assert_allclose(res.w_final, [float(values["w_max"]), 0.0], rtol=0, atol=0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_spikes_no_change(backend):
    values = STDP.resolve("multiplicative")
    conds = [Condition("silent", np.zeros(0), np.zeros(0)),
             Condition("pre_only", np.array([5.0, 20.0]), np.zeros(0)),
             Condition("post_only", np.zeros(0), np.array([5.0, 20.0]))]
    res = runners.run(STDP, "multiplicative", values, Schedule("n", 50.0, conds).validate(),
                     backend)
    assert np.all(res.w_final == float(values["w_init"]))


TM = get_model("tsodyks_markram")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("set_name", list(TM.parameter_sets))
def test_tsodyks_markram_recursion(backend, set_name):
    values = TM.resolve(set_name)
    p = plain(values)
    trains = [np.array([10.0, 60.0, 110.0, 160.0, 1160.0]),
              np.round(np.cumsum(np.full(12, 14.3)), 1),
              np.array([3.0])]
    conds = [Condition(f"c{k}", t, np.zeros(0)) for k, t in enumerate(trains)]
    res = runners.run(TM, set_name, values, Schedule("tm", 1500.0, conds).validate(), backend)
    for k, t in enumerate(trains):
        ref = tsodyks_markram_reference(t, p["w_init"], p["U"], p["tau_rec_ms"],
                                        p["tau_facil_ms"])
        np.testing.assert_allclose(res.spike_state["efficacy"][k], ref, rtol=1e-12)
    # a rested synapse transmits U * w on its first spike
    assert res.spike_state["efficacy"][2][0] == pytest.approx(p["U"] * p["w_init"], rel=1e-15)
