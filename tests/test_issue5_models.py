"""Reward-modulated, inhibitory and stochastic rules: closed forms, NEST parity, statistics.

Expected values are derived here from the rules' definitions (module docstrings), never read from
the code under test.
"""
import numpy as np
import pytest

from plasticity.models import get_model
from plasticity.protocols import run as runners
from plasticity.protocols.api import run_protocol
from plasticity.protocols.schedule import Condition, Schedule


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
    r = runners.run(m, "nest_defaults", vals, sched, "brian2")
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


def test_dopamine_reward_delay_with_tonic_dopamine():
    """izhikevich2007 (b < 0): over [t_post, T_end] w' = c (n - b) with c = c0 e^{-s/tau_c}, one
    reward n = e^{-(s - d)/tau_n}/tau_n after d:  dw(d) = c0 [e^{-d/tau_c} (tau_s/tau_n)
    (1 - e^{-tail/tau_s}) - b tau_c (1 - e^{-(d + tail)/tau_c})]."""
    from brian2 import hertz, second
    m = get_model("stdp_dopamine")
    v = m.resolve("izhikevich2007")
    tc, tn, b = float(v["tau_c"] / second), float(v["tau_n"] / second), float(v["b"] / hertz)
    assert b != 0
    ts, tail = tc * tn / (tc + tn), 2.0
    def dw(d):
        return np.exp(-d / tc) * ts / tn * (1 - np.exp(-tail / ts)) \
            - b * tc * (1 - np.exp(-(d + tail) / tc))
    s = run_protocol("izhikevich_2007", "stdp_dopamine", "izhikevich2007")[1]
    for c in s["conditions"]:
        d = c["reward_delay_s"]
        assert c["dw_over_dw_at_0"] == pytest.approx(dw(d) / dw(0), rel=1e-9)
        assert c["closed_form_ratio"] == pytest.approx(dw(d) / dw(0), rel=1e-12)
    far = s["conditions"][-1]
    assert far["dw_over_dw_at_0"] > 1.5 * far["eligibility_prediction"]   # the tonic term shows


@pytest.mark.parametrize("set_name,over", [("nest_defaults", {"w_init": 50.0}),
                                           ("izhikevich2007", {}),
                                           ("nest_defaults", {"w_init": 50.0, "w_min": 49.0,
                                                              "w_max": 50.6})])
def test_dopamine_parity_nest_and_pynn_brian2(set_name, over):
    m = get_model("stdp_dopamine")
    vals = m.resolve(set_name, over)
    sched = _random_schedule(7, reward=[400.0, 900.0, 1300.0, 1700.0])
    out = {be: runners.run(m, set_name, vals, sched, be).w_final
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
    r = runners.run(m, "nest_defaults", vals, sched, "brian2")
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
    out = {be: runners.run(m, set_name, vals, sched, be).w_final
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
    from plasticity.analysis.load import load_result
    for proto, model in (("izhikevich_2007", "stdp_dopamine"), ("stochastic_release", "bernoulli")):
        out = str(tmp_path / f"{proto}.nix")
        run_protocol(proto, model, out=out, overrides={"trials": 50} if proto.startswith("sto")
                     else None)
        assert load_result(out) is not None


# ---------------------------------------------------------------- synaptic_scaling
def _scaling_closed_form(w0, post, T, tau_a, r_t, tau_s):
    """dw/dt = w (1 - e) / tau_s with e' = -e/tau_a, e += 1/(tau_a r_t) at post spikes, e(0) = 1:
    ln(w(T)/w0) = (T - int_0^T e dt) / tau_s, int e = tau_a (1 - e^{-T/tau_a})
    + sum_k (1 - e^{-(T - t_k)/tau_a}) / r_t  (times in ms, rates in 1/ms)."""
    post = np.asarray(post, float)
    integral = tau_a * (1 - np.exp(-T / tau_a)) + np.sum(1 - np.exp(-(T - post) / tau_a)) / r_t
    return np.asarray(w0) * np.exp((T - integral) / tau_s)


def test_scaling_of_a_fixed_weight_vector_closed_form():
    """Twenty synapses onto one neuron with imposed post spikes: every weight is multiplied by
    the closed-form factor, so their ratios are preserved."""
    import brian2 as b2
    from plasticity.models.brian2_api import make_synapses
    b2.start_scope()
    post_t = np.array([20.0, 20.5, 133.3, 400.0, 401.0, 1250.0, 1900.0])
    pre = b2.SpikeGeneratorGroup(20, [], [] * b2.ms, dt=0.1 * b2.ms)
    post = b2.SpikeGeneratorGroup(1, np.zeros(len(post_t), int), post_t * b2.ms, dt=0.1 * b2.ms)
    syn = make_synapses("synaptic_scaling", pre, post, connect=True, tau_scale="3 second",
                        tau_a="500 ms", r_target="10 Hz")
    w0 = np.linspace(0.001, 0.02, 20)
    syn.w = w0
    net = b2.Network(pre, post, syn)
    net.run(2000 * b2.ms)
    expected = _scaling_closed_form(w0, post_t, 2000.0, 500.0, 1e-2, 3000.0)
    assert np.abs(expected[0] / w0[0] - 1) > 0.05                 # the weights did change
    np.testing.assert_allclose(np.asarray(syn.w[:]), expected, rtol=1e-9)
    ratios = np.asarray(syn.w[:]) / w0
    assert np.ptp(ratios) <= 1e-12 * ratios.mean()


def test_scaling_parity_pynn_brian2_and_engine_closed_form():
    """Engine runs (simulator time = schedule time + OFFSET_MS, run length duration + OFFSET_MS
    + dt): brian2 and pynn.brian2 against the closed form on random post trains."""
    m = get_model("synaptic_scaling")
    vals = m.resolve(None, {"tau_scale": "2 second"})
    sched = _random_schedule(3, T=3000.0, n=3)
    T = sched.duration_ms + runners.OFFSET_MS + sched.dt_ms
    w0 = float(vals["w_init"])
    expected = [_scaling_closed_form(w0, c.post + runners.OFFSET_MS, T, 1000.0, 5e-3, 2000.0)
                for c in sched.conditions]
    for be in ("brian2", "pynn.brian2"):
        r = runners.run(m, None, vals, sched, be)
        np.testing.assert_allclose(r.w_final, expected, rtol=1e-9)
    assert np.ptp(expected) > 1e-3 * w0                             # trains differ


def test_homeostatic_scaling_network_refused_on_nest_with_one_line():
    """The scaling rules run on pynn.nest (NESTML, tests/test_nestml.py), but the
    homeostatic_scaling network (a neuron driven by 1200 inputs) is brian2's only."""
    from plasticity.models.core import PlasticityError
    for name in ("synaptic_scaling", "stdp_pair_scaling"):
        with pytest.raises(PlasticityError, match="runs on backend brian2 only"):
            run_protocol("homeostatic_scaling", name, backend="pynn.nest")


def test_stdp_pair_scaling_combines_both_rules():
    """With scaling made negligible (tau_scale = 1e9 s: factor within T/tau_scale = 3e-9 of 1)
    the combined model is stdp_pair; with STDP amplitudes 0 it is pure scaling (clipped at
    w_max, which these weights do not reach)."""
    comb, pair = get_model("stdp_pair_scaling"), get_model("stdp_pair")
    sched = _random_schedule(11, T=3000.0, n=3)
    ref = runners.run(pair, "additive", pair.resolve("additive"), sched, "brian2").w_final
    got = runners.run(comb, "additive", comb.resolve("additive", {"tau_scale": "1e9 second"}),
                     sched, "brian2").w_final
    assert np.max(np.abs(ref - 0.0075)) > 1e-5
    np.testing.assert_allclose(got, ref, rtol=1e-8)
    vals = comb.resolve("additive", {"A_plus": 0.0, "A_minus": 0.0, "tau_scale": "20 second",
                                     "w_init": 0.005})
    T = sched.duration_ms + runners.OFFSET_MS + sched.dt_ms
    expected = [_scaling_closed_form(0.005, c.post + runners.OFFSET_MS, T, 1000.0, 5e-3, 20000.0)
                for c in sched.conditions]
    got = runners.run(comb, "additive", vals, sched, "brian2").w_final
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_homeostatic_scaling_protocol_preserves_ratios_and_writes_neo(tmp_path):
    from plasticity.analysis.load import load_result
    out = str(tmp_path / "h.nix")
    r, s = run_protocol("homeostatic_scaling", "synaptic_scaling", out=out,
                        overrides={"rates_hz": "10,20", "phase_s": 2, "bin_s": 1})
    e = r.extra
    w0, w1 = np.asarray(e["weights_initial"]), np.asarray(e["weights_final"])
    assert np.ptp(w0 / w0.mean()) > 0.5                         # heterogeneous start
    assert abs(e["final_scale_factor"] - 1) > 1e-3                # scaling acted
    assert e["final_ratio_spread"] < 1e-9
    np.testing.assert_allclose(w1 / w0, e["final_scale_factor"], rtol=1e-9)
    c = load_result(out)["conditions"][0]
    assert c["final_scale_factor"] == pytest.approx(e["final_scale_factor"], rel=1e-12)
    assert len(c["output_rate_hz"]) == 4


def test_stdp_pair_scaling_parity_pynn_brian2():
    """The combined rule (STDP at spikes, scaling every step, clip) on PyNN's Brian2 synapses."""
    m = get_model("stdp_pair_scaling")
    vals = m.resolve("additive", {"tau_scale": "2 second"})
    sched = _random_schedule(5, T=3000.0, n=3)
    a = runners.run(m, "additive", vals, sched, "brian2").w_final
    b = runners.run(m, "additive", vals, sched, "pynn.brian2").w_final
    dw = np.max(np.abs(a - float(vals["w_init"])))
    assert dw > 1e-3 * float(vals["w_init"])
    assert np.max(np.abs(a - b)) <= 1e-9 * dw


@pytest.mark.parametrize("other", ["pynn.brian2", "pynn.nest"])
@pytest.mark.parametrize("name,set_name,n_max,first_mean", [
    ("quantal_stp", "depressing_5_sites", 5, 2.5),     # rested sites, u = U: n U = 5 x 0.5
    ("bernoulli", "half", 1, 0.5)])                   # p_transmit = 0.5
def test_stochastic_models_on_pyNN_statistically(name, set_name, n_max, first_mean, other):
    """400 independent synapses, one 20 Hz train of 10 spikes, through the generic engine on
    brian2 and a PyNN backend (on pynn.nest the quanta come from NEST's weight_recorder and
    the integer number of sites is set after connecting): per spike the mean released quanta agree within 3 combined SE, and
    the first spike releases ``first_mean`` on average (derived from the set, see the ids)."""
    m = get_model(name)
    vals = m.resolve(set_name)
    train = 10.0 + 50.0 * np.arange(10)
    sched = Schedule("t", 600.0, [Condition(f"s{k}", train, np.zeros(0))
                                  for k in range(400)]).validate()
    rel = {be: np.array(runners.run(m, None, vals, sched, be).spike_state["released"])
           for be in ("brian2", other)}
    for be, r in rel.items():
        assert r.shape == (400, 10)
        assert np.all((r >= 0) & (r <= n_max) & (r == np.round(r)))
        se = r[:, 0].std(ddof=1) / np.sqrt(400)
        assert abs(r[:, 0].mean() - first_mean) < 3 * se
        if name == "quantal_stp":
            assert r[:, -1].mean() < 0.5 * r[:, 0].mean()          # depression
    a, b = rel["brian2"], rel[other]
    se = np.sqrt(a.var(axis=0, ddof=1) / 400 + b.var(axis=0, ddof=1) / 400)
    assert np.all(np.abs(a.mean(axis=0) - b.mean(axis=0)) < 3 * se)
