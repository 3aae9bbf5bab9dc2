"""The STDP family: nearest-neighbour schemes, triplet and power-law rules.

Layer 1: weight changes of hand-built spike patterns written out by hand from each rule's
definition (Morrison 2008 Fig. 7 pairings; Pfister & Gerstner 2006 traces), on every backend
that has the rule.  Layer 2: random Poisson trains with coincident spikes, every parameter set,
every backend against the independent references in ``reference.py`` at relative 1e-9.
"""
import math

import numpy as np
import pytest

from conftest import BACKENDS
from plasticity.models import get_model
from plasticity.protocols import run as runners
from plasticity.protocols.schedule import Condition, Schedule
from reference import REFERENCES, plain
from test_parity import random_schedule

E = math.exp
NN = ("stdp_nn_symm", "stdp_nn_pre_centered", "stdp_nn_restr")


def _sched(patterns, duration=300.0):
    return Schedule("hand", duration, [Condition(k, np.array(pre, float), np.array(post, float))
                                       for k, (pre, post) in patterns.items()]).validate()


# ---------------------------------------------------------------------------------------------
# nearest-neighbour schemes: one schedule that separates them (additive set: w_hat moves by
# A_plus * x or A_minus * y; no bound is reached)
# ---------------------------------------------------------------------------------------------
SEPARATE = {
    # two pre spikes, then two post spikes, then a pre spike
    "pp_qq_p": ([10.0, 20.0, 50.0], [25.0, 40.0]),
    # pre, post, two pre spikes: does the last pre spike still see the old post spike?
    "p_q_pp": ([10.0, 30.0, 35.0], [20.0]),
    # coincident post with a pre spike, after an earlier pre
    "p_pq": ([10.0, 20.0], [20.0]),
}


def expected_nn(model, p):
    """Δŵ per pattern by hand (x = e^{-Δ/τ+}, y = e^{-Δ/τ-}; Δ in ms)."""
    tp, tm, ap, am = p["tau_plus_ms"], p["tau_minus_ms"], p["A_plus"], p["A_minus"]
    x = lambda d: E(-d / tp)
    y = lambda d: E(-d / tm)
    if model == "stdp_pair":       # all-to-all: every earlier partner
        d = {"pp_qq_p": ap * (x(15) + x(5) + x(30) + x(20)) - am * (y(25) + y(10)),
             "p_q_pp": ap * x(10) - am * (y(10) + y(15)),
             "p_pq": ap * x(10)}
    elif model == "stdp_nn_symm":  # nearest earlier partner of each spike
        d = {"pp_qq_p": ap * (x(5) + x(20)) - am * y(10),
             "p_q_pp": ap * x(10) - am * (y(10) + y(15)),
             "p_pq": ap * x(10)}
    elif model == "stdp_nn_pre_centered":   # each pre: nearest later and nearest earlier post
        d = {"pp_qq_p": ap * (x(15) + x(5)) - am * y(10),
             "p_q_pp": ap * x(10) - am * (y(10) + y(15)),
             "p_pq": ap * x(10)}
    else:                          # restricted: both spikes each other's nearest neighbour
        d = {"pp_qq_p": ap * x(5) - am * y(10),
             "p_q_pp": ap * x(10) - am * y(10),
             "p_pq": ap * x(10)}
    return d


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("model_name", ("stdp_pair",) + NN)
def test_nearest_neighbour_schemes_by_hand(model_name, backend):
    model = get_model(model_name)
    values = model.resolve("additive")
    p = plain(values)
    sched = _sched(SEPARATE)
    res = runners.run(model, "additive", values, sched, backend)
    dwh = expected_nn(model_name, p)
    expected = [(p["w_init"] / p["w_max"] + dwh[c.label]) * p["w_max"] for c in sched.conditions]
    np.testing.assert_allclose(res.w_final, expected, rtol=1e-12, atol=0)


def test_nearest_neighbour_schemes_differ():
    """On the separating schedule each scheme gives a different result from the others and
    from all-to-all (the hand values above are not accidentally equal)."""
    p = plain(get_model("stdp_pair").resolve("additive"))
    table = {m: expected_nn(m, p) for m in ("stdp_pair",) + NN}
    names = list(table)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            diff = max(abs(table[a][k] - table[b][k]) for k in SEPARATE)
            assert diff > 1e-4 * p["A_plus"], (a, b)


# ---------------------------------------------------------------------------------------------
# triplet rule by hand
# ---------------------------------------------------------------------------------------------
TRIPLET_PATTERNS = {
    "pre-post-pre": ([10.0, 30.0], [20.0]),
    "post-pre-post": ([20.0], [10.0, 30.0]),
    "post-post-pre-post": ([20.0], [10.0, 15.0, 30.0]),
    "coincident": ([20.0], [10.0, 20.0]),
}


def expected_triplet(p):
    tp, tm, tx, ty = p["tau_plus_ms"], p["tau_minus_ms"], p["tau_x_ms"], p["tau_y_ms"]
    a2p, a3p, a2m, a3m = p["A2_plus"], p["A3_plus"], p["A2_minus"], p["A3_minus"]
    nearest = p["interaction"] == "nearest"
    # pre-post-pre: post at 20 sees r1 = e^{-10/tp} and no earlier post; pre at 30 sees
    # o1 = e^{-10/tm} and r2(30-) = e^{-20/tx}
    d = {"pre-post-pre": E(-10 / tp) * a2p - E(-10 / tm) * (a2m + a3m * E(-20 / tx)),
         # post-pre-post: pre at 20 sees o1 = e^{-10/tm}, r2 = 0; post at 30 sees r1 = e^{-10/tp}
         # and o2(30-) = e^{-20/ty}
         "post-pre-post": -E(-10 / tm) * a2m + E(-10 / tp) * (a2p + a3p * E(-20 / ty))}
    if nearest:   # only the latest post spike counts in o1 and o2
        o1, o2 = E(-5 / tm), E(-15 / ty)
    else:
        o1, o2 = E(-10 / tm) + E(-5 / tm), E(-20 / ty) + E(-15 / ty)
    d["post-post-pre-post"] = -o1 * a2m + E(-10 / tp) * (a2p + a3p * o2)
    # coincident post and pre at 20: the post sees no strictly earlier pre (r1 = 0); the pre sees
    # the post at 10 only: o1 = e^{-10/tm}, r2 = 0
    d["coincident"] = -E(-10 / tm) * a2m
    return d


TRIPLET = get_model("stdp_triplet")


@pytest.mark.parametrize("set_name,backend", [
    (s, b) for s in ("visual_all_to_all_full", "hippocampal_all_to_all_full",
                     "visual_nearest_full", "hippocampal_nearest_full")
    for b in BACKENDS if "nearest" not in s or b != "pynn.nest"])
def test_triplet_by_hand(set_name, backend):
    values = TRIPLET.resolve(set_name)
    p = plain(values)
    sched = _sched(TRIPLET_PATTERNS)
    res = runners.run(TRIPLET, set_name, values, sched, backend)
    d = expected_triplet(p)
    np.testing.assert_allclose(res.w_final, [p["w_init"] + d[c.label] for c in sched.conditions],
                               rtol=1e-12, atol=0)
    # all-to-all and nearest really differ on the post-post-pre-post pattern
    other = dict(p, interaction="all_to_all" if p["interaction"] == "nearest" else "nearest")
    assert abs(expected_triplet(other)["post-post-pre-post"] - d["post-post-pre-post"]) > 1e-6


POWER = get_model("stdp_power_law")


@pytest.mark.parametrize("backend", BACKENDS)
def test_power_law_single_pairs_by_hand(backend):
    values = POWER.resolve("nest_defaults", {"w_init": "30 pA"})
    p = plain(values)
    lam, a, mu, w = p["lam"], p["alpha"], p["mu"], p["w_init"]
    sched = _sched({"ltp": ([10.0], [20.0]), "ltd": ([20.0], [10.0]), "same": ([10.0], [10.0])})
    res = runners.run(POWER, "nest_defaults", values, sched, backend)
    expected = {"ltp": w + lam * w ** mu * E(-10 / p["tau_plus_ms"]),   # w0 = 1 pA
                "ltd": w - lam * a * w * E(-10 / p["tau_minus_ms"]), "same": w}
    np.testing.assert_allclose(res.w_final, [expected[c.label] for c in sched.conditions],
                               rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------------------------
# Layer 2: random trains with coincidences, every set, every backend, vs the references
# ---------------------------------------------------------------------------------------------
# 40 synapses x 3 s of 5-50 Hz Poisson trains, >= 40 exact coincidences
SCHEDULE = random_schedule(seed=7, n_syn=40, duration_ms=3000.0)
CASES = [(m, s) for m in NN + ("stdp_triplet", "stdp_power_law")
         for s in get_model(m).parameter_sets]


@pytest.fixture(scope="module")
def brian2_finals():
    """All sets of a model share one brian2 simulation (runners.run_sets)."""
    cache = {}

    def get(model_name):
        if model_name not in cache:
            m = get_model(model_name)
            sets = [(s, m.resolve(s)) for s in m.parameter_sets]
            cache[model_name] = {s: r.w_final for (s, _), r in
                                 zip(sets, runners.run_sets(m, sets, SCHEDULE, "brian2"))}
        return cache[model_name]
    return get


@pytest.mark.parametrize("model_name,set_name", CASES)
def test_backend_parity_random_trains(model_name, set_name, brian2_finals):
    model = get_model(model_name)
    values = model.resolve(set_name)
    p = plain(values)
    ref = np.array([REFERENCES[model_name](c.pre, c.post, p["w_init"], p)
                    for c in SCHEDULE.conditions])
    finals = {"brian2": brian2_finals(model_name)[set_name]}
    for b in ("pynn.brian2", "pynn.nest"):
        if b == "pynn.nest" and values.get("interaction") == "nearest":
            continue      # NEST has no nearest-spike triplet (tested to raise elsewhere)
        finals[b] = runners.run(model, set_name, values, SCHEDULE, b).w_final
    for b, w in finals.items():
        np.testing.assert_allclose(w, ref, rtol=1e-9, atol=0, err_msg=f"{b} vs reference")
        np.testing.assert_allclose(w, finals["brian2"], rtol=1e-9, atol=0, err_msg=b)
    # the trains moved the weights, and not all of them onto a bound
    assert np.max(np.abs(ref / p["w_init"] - 1)) > 1e-3
    assert np.sum(ref > 0) >= len(ref) // 2
