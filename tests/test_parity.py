"""Layer 2: the same random spike trains on every backend; final weights (STDP) and per-spike
efficacies (STP) agree to relative 1e-9, and with an independent pure-Python reference."""
import numpy as np
import pytest

from conftest import BACKENDS
from plasticity.models import get_model
from plasticity.protocols import run as runners
from plasticity.protocols.schedule import Condition, Schedule
from reference import plain, stdp_pair_reference, tsodyks_markram_reference

N_SYN, DURATION_MS, DT = 50, 5000.0, 0.1


def random_schedule(seed=2024, n_syn=N_SYN, duration_ms=DURATION_MS):
    """Poisson pre/post trains on the 0.1 ms grid, rates 5-50 Hz, with exact coincidences."""
    rng = np.random.default_rng(seed)
    conds = []
    n_steps = int(duration_ms / DT)
    for k in range(n_syn):
        trains = []
        for _ in range(2):
            rate = rng.uniform(5.0, 50.0)
            steps = np.flatnonzero(rng.random(n_steps + 1) < rate * DT * 1e-3)
            trains.append(steps)
        pre, post = trains
        # force coincidences: copy a few pre spikes into the post train
        pick = rng.choice(pre, size=min(5, len(pre)), replace=False) if len(pre) else []
        post = np.unique(np.concatenate([post, pick])).astype(int)
        conds.append(Condition(f"syn{k}", pre * DT, post * DT))
    sched = Schedule("parity", duration_ms, conds).validate()
    n_coinc = sum(len(np.intersect1d(np.round(c.pre / DT), np.round(c.post / DT)))
                  for c in sched.conditions)
    assert n_coinc >= n_syn      # the scenario really contains coincident spikes
    return sched


SCHEDULE = random_schedule()
STDP = get_model("stdp_pair")
TM = get_model("tsodyks_markram")


@pytest.mark.parametrize("set_name", list(STDP.parameter_sets))
def test_stdp_pair_backend_parity(set_name):
    values = STDP.resolve(set_name)
    p = plain(values)
    finals = {b: runners.run(STDP, set_name, values, SCHEDULE, b).w_final for b in BACKENDS}
    ref = np.array([stdp_pair_reference(c.pre, c.post, p["w_init"], p)
                    for c in SCHEDULE.conditions])
    for b in BACKENDS:
        np.testing.assert_allclose(finals[b], finals["brian2"], rtol=1e-9, atol=0, err_msg=b)
        np.testing.assert_allclose(finals[b], ref, rtol=1e-9, atol=0, err_msg=f"{b} vs reference")
    # the trains actually moved the weights
    assert np.max(np.abs(ref / p["w_init"] - 1)) > 1e-3


@pytest.mark.parametrize("set_name", list(TM.parameter_sets))
def test_tsodyks_markram_backend_parity(set_name):
    values = TM.resolve(set_name)
    p = plain(values)
    effs = {b: runners.run(TM, set_name, values, SCHEDULE, b).spike_state["efficacy"]
            for b in BACKENDS}
    for k, c in enumerate(SCHEDULE.conditions):
        ref = tsodyks_markram_reference(c.pre, p["w_init"], p["U"], p["tau_rec_ms"],
                                        p["tau_facil_ms"])
        for b in BACKENDS:
            np.testing.assert_allclose(effs[b][k], ref, rtol=1e-9, err_msg=f"{b} {c.label}")


@pytest.mark.parametrize("backend", BACKENDS)
def test_multiplicative_differs_from_additive(backend):
    """The weight dependence is really applied on every backend (pyNN.brian2's built-in STDP
    runs Multiplicative as additive)."""
    sched = Schedule("md", 3000.0, [
        Condition("ltp", np.arange(10) * 200.0 + 100.0, np.arange(10) * 200.0 + 110.0),
        Condition("ltd", np.arange(10) * 200.0 + 110.0, np.arange(10) * 200.0 + 100.0)]).validate()
    dw = {}
    for s in ("additive", "multiplicative"):
        r = runners.run(STDP, s, STDP.resolve(s), sched, backend)
        dw[s] = r.w_final / r.w_initial - 1
    assert np.all(np.abs(dw["multiplicative"] - dw["additive"]) > 1e-3 * np.abs(dw["additive"]))
    # at w = w_max/2 multiplicative scales each update by 1/2 (first pairing): smaller changes
    assert np.all(np.abs(dw["multiplicative"]) < np.abs(dw["additive"]))
