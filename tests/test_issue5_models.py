"""Reward-modulated, inhibitory and stochastic rules: closed forms, NEST parity, statistics.

Expected values are derived here from the rules' definitions (module docstrings), never read from
the code under test.
"""
import numpy as np
import pytest

from models import get_model
from protocols import engine
from protocols.api import run_protocol
from protocols.schedule import Condition, Schedule


def _train(rng, rate_hz, T):
    n = rng.poisson(rate_hz * T / 1000.0)
    return np.unique(np.round(rng.uniform(1.0, T - 5.0, n) / 0.1) * 0.1)


def _random_schedule(seed, T=2000.0, n=4, reward=()):
    rng = np.random.default_rng(seed)
    conds = []
    for k in range(n):
        pre, post = _train(rng, 15, T), _train(rng, 15, T)
        post = np.unique(np.r_[post, rng.choice(pre, 5)])      # exact coincidences
        conds.append(Condition(f"r{k}", pre, post))
    return Schedule("t", T, conds, reward=np.asarray(reward, float)).validate()


# ---------------------------------------------------------------- stdp_dopamine
def test_dopamine_one_pairing_one_reward_closed_form():
    """pre 0, post delta, reward t_r, b = 0: dw(T) = A+ e^{-delta/tau+} e^{-(t_r - t_post)/tau_c}
    (1/tau_n) tau_s (1 - e^{-(T - t_r)/tau_s}), tau_s = tau_c tau_n / (tau_c + tau_n)."""
    m = get_model("stdp_dopamine")
    vals = m.resolve("nest_defaults", {"w_init": 50.0})
    T, t_pre, t_post, t_r = 3000.0, 100.0, 110.0, 900.0
    sched = Schedule("t", T, [Condition("p", np.array([t_pre]), np.array([t_post]))],
                     reward=np.array([t_r])).validate()
    r = engine.run(m, "nest_defaults", vals, sched, "brian2")
    A, tp, tc, tn = 1.0, 20.0, 1000.0, 200.0
    ts = tc * tn / (tc + tn)
    c_at_reward = A * np.exp(-(t_post - t_pre) / tp) * np.exp(-(t_r - t_post) / tc)
    expected = c_at_reward / tn * ts * (1 - np.exp(-(T - t_r) / ts))
    assert r.w_final[0] - 50.0 == pytest.approx(expected, rel=1e-9)


def test_dopamine_reward_delay_curve_follows_eligibility():
    s = run_protocol("izhikevich_2007", "stdp_dopamine")[1]
    for c in s["conditions"]:
        assert c["dw_over_dw_at_0"] == pytest.approx(np.exp(-c["reward_delay_s"] / 1.0),
                                                     rel=1e-9)


@pytest.mark.parametrize("set_name,over", [("nest_defaults", {"w_init": 50.0}),
                                           ("izhikevich2007", {}),
                                           ("nest_defaults", {"w_init": 50.0, "w_min": 49.0,
                                                              "w_max": 50.6})])
def test_dopamine_parity_nest_and_pynn_brian2(set_name, over):
    m = get_model("stdp_dopamine")
    vals = m.resolve(set_name, over)
    sched = _random_schedule(7, reward=[400.0, 900.0, 1300.0, 1700.0])
    out = {be: engine.run(m, set_name, vals, sched, be).w_final
           for be in ("brian2", "pynn.brian2", "pynn.nest")}
    dw = np.abs(out["brian2"] - float(vals["w_init"])).max()
    assert dw > 1e-3                                   # the weights did change
    for be in ("pynn.brian2", "pynn.nest"):
        assert np.max(np.abs(out[be] - out["brian2"])) <= 1e-9 * dw


# ---------------------------------------------------------------- vogels_sprekeler
def test_vogels_hand_built_train():
    """pre 10, post 20, pre 30 = post 30 (coincident), w0 = 0.5, eta 0.001, alpha 0.12, tau 20."""
    m = get_model("vogels_sprekeler")
    vals = m.resolve("nest_defaults")
    sched = Schedule("t", 100.0, [Condition("h", np.array([10.0, 30.0]),
                                            np.array([20.0, 30.0]))]).validate()
    r = engine.run(m, "nest_defaults", vals, sched, "brian2")
    eta, alpha, tau = 1e-3, 0.12, 20.0
    w = 0.5 - alpha * eta                                  # pre 10: no post trace yet
    w += eta * np.exp(-10 / tau)                           # post 20 with pre trace
    w += eta * np.exp(-20 / tau)                           # post 30: pre trace without pre 30
    w += eta * np.exp(-10 / tau)                           # pre 30: post trace without post 30
    w -= alpha * eta
    assert r.w_final[0] == pytest.approx(w, rel=1e-12)


@pytest.mark.parametrize("set_name,over", [("nest_defaults", {}),
                                           ("single_cell", {"w_init": 0.002})])
def test_vogels_parity_nest_and_pynn_brian2(set_name, over):
    m = get_model("vogels_sprekeler")
    vals = m.resolve(set_name, over)
    sched = _random_schedule(3)
    out = {be: engine.run(m, set_name, vals, sched, be).w_final
           for be in ("brian2", "pynn.brian2", "pynn.nest")}
    dw = np.abs(out["brian2"] - float(vals["w_init"])).max()
    assert dw > 1e-4
    for be in ("pynn.brian2", "pynn.nest"):
        assert np.max(np.abs(out[be] - out["brian2"])) <= 1e-9 * dw


# ---------------------------------------------------------------- stochastic release
def _stats(model, backend, seed, trials=1000):
    s = run_protocol("stochastic_release", model, backend=backend,
                     overrides={"trials": trials, "seed": seed})[1]
    return s["conditions"][0]


@pytest.mark.parametrize("model", ["quantal_stp", "bernoulli"])
def test_stochastic_release_matches_binomial_and_nest(model):
    """1000 trials per backend, fixed seeds: per spike, the means agree within 3 combined SEM
    across backends and with the prediction, and the chi-square test against the predicted
    binomial does not reject at p = 0.001 on either backend."""
    b, n = _stats(model, "brian2", 1), _stats(model, "pynn.nest", 1)
    for k in range(len(b["mean_released"])):
        sem = np.hypot(b["sem_mean"][k], n["sem_mean"][k])
        assert abs(b["mean_released"][k] - n["mean_released"][k]) < 3 * sem
        for c in (b, n):
            assert abs(c["mean_released"][k] - c["predicted_mean"][k]) < 3 * c["sem_mean"][k]
            assert not c["chi2_p"][k] < 1e-3


@pytest.mark.parametrize("backend", ["brian2", "pynn.nest"])
def test_stochastic_fixed_seed_reproduces_bit_for_bit(backend):
    def counts(seed):
        return run_protocol("stochastic_release", "quantal_stp", backend=backend,
                            overrides={"trials": 200, "seed": seed})[0].extra["per_trial_counts"]
    a, b, c = counts(5), counts(5), counts(6)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)           # the seed matters


def test_new_protocols_write_neo(tmp_path):
    from analysis.load import load_result
    for proto, model in (("izhikevich_2007", "stdp_dopamine"), ("stochastic_release", "bernoulli")):
        out = str(tmp_path / f"{proto}.nix")
        run_protocol(proto, model, out=out, overrides={"trials": 50} if proto.startswith("sto")
                     else None)
        assert load_result(out) is not None
