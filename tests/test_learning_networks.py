"""Networks that learn tasks (issue 21): the digits network (Diehl & Cook), convolutional STDP,
reservoir prediction with the delta rule, reward learning.  Small versions of each protocol;
learning is checked against its baseline over several seeds, with a margin from their spread."""
import numpy as np
import pytest

from plasticity.models import get_model
from plasticity.models.core import PlasticityError
from plasticity.protocols import conv_stdp, digits, digits_wta, reservoir_prediction
from plasticity.protocols import reward_learning
from plasticity.protocols import run as runners
from plasticity.protocols.api import _prepare, run_protocol
from plasticity.protocols.run.brian2 import brian2_device
from plasticity.protocols.schedule import Condition, Schedule


def margin_ok(differences):
    """Learning beats its baseline: the mean difference over seeds exceeds 3 standard errors
    of it (the run-to-run spread; a one-sided test at about 3 sigma), and every seed is
    positive."""
    d = np.asarray(differences, float)
    se = d.std(ddof=1) / np.sqrt(len(d))
    return bool(d.mean() > 3 * se and np.all(d > 0)), d.mean(), se


# ----------------------------------------------------------------------------------------------
# digits: the pieces, in closed form
# ----------------------------------------------------------------------------------------------
def test_split_is_fixed_and_stratified():
    a = digits.load_split()
    b = digits.load_split()
    assert len(a[0]) == 1197 and len(a[2]) == 600
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    # stratified: each class's share of the test set is its share of the data (within one)
    y_all = np.concatenate([a[1], a[3]])
    assert np.all(np.abs(np.bincount(a[3]) - 600 * np.bincount(y_all) / len(y_all)) <= 1)


def test_poisson_slots_rates():
    """Counts per pixel and presentation follow rate * present time (Poisson: mean within 4
    standard errors), nothing in the rest period, times on the grid."""
    rng = np.random.default_rng(3)
    img = np.zeros((1, 64))
    img[0, :32] = 16.0
    img[0, 32:48] = 8.0
    imgs = np.repeat(img, 200, axis=0)
    i, t = digits.poisson_slots(imgs, 63.75, 350.0, 150.0, 0.5, rng)
    slot = (t // 500.0).astype(int)
    assert np.all(t - slot * 500.0 < 350.0)
    np.testing.assert_allclose(t / 0.5, np.round(t / 0.5), atol=1e-9)
    counts = np.bincount(i, minlength=64) / 200.0
    for lo, hi, rate in ((0, 32, 63.75), (32, 48, 31.875), (48, 64, 0.0)):
        lam = rate * 0.35
        se = np.sqrt(lam / (200 * (hi - lo))) if lam else 0.0
        assert abs(counts[lo:hi].mean() - lam) <= 4 * se + 1e-12


def test_labelling_and_prediction():
    """Neuron 0 answers class 1, neuron 1 class 2, neuron 2 never: labels and predictions as
    Diehl & Cook define them; an image without any spike is wrong (-1)."""
    counts = np.array([[5, 0, 0], [0, 3, 0], [4, 1, 0], [0, 0, 0]], float)
    labels = np.array([1, 2, 1, 2])
    a = digits.assign_labels(counts, labels)
    assert list(a) == [1, 2, -1]
    pred = digits.predict(counts, a)
    assert list(pred) == [1, 2, 1, -1]
    seen, acc = digits.learning_curve(np.tile(counts, (2, 1)), np.tile(labels, 2), 4)
    assert seen == [8] and acc == [0.75]


def test_theta_from_spikes():
    th = digits_wta.theta_from_spikes([0, 0, 1], [0.0, 10.0, 5.0], 3, 1e7, 0.2)
    np.testing.assert_allclose(th, [0.2 * (np.exp(-1.0) + np.exp(-(1e7 - 10.0) / 1e7)),
                                    0.2 * np.exp(-(1e7 - 5.0) / 1e7), 0.0], rtol=1e-12)


def test_digits_refuses_bad_options():
    with pytest.raises(PlasticityError, match="train_images must be <= 1197"):
        run_protocol("digits_wta", "stdp_pair", overrides={"train_images": "5000"})
    with pytest.raises(PlasticityError, match="applies to stdp_pair"):
        run_protocol("digits_wta", "stdp_triplet")


# ----------------------------------------------------------------------------------------------
# digits: the frozen network is the same on both backends, spike by spike
# ----------------------------------------------------------------------------------------------
def test_frozen_network_same_spikes_on_brian2_and_nest():
    """The trained network's test stage (mat2_psc_exp, static weights, lateral inhibition) on
    Brian2 and on NEST, with the same weights, thresholds and input spikes: the same spikes."""
    _, _, _, _, _, sched = _prepare("digits_wta", "stdp_pair", None,
                                    {"n_exc": "12", "train_images": "10", "test_images": "10"},
                                    "brian2", 1, None)
    meta = dict(sched.meta)
    X_tr, _, X_te, _ = digits.load_split()
    rng = np.random.default_rng(5)
    frozen = digits.poisson_slots(np.concatenate([X_tr[:10], X_te[:10]]), 63.75, 350.0, 150.0,
                                  0.5, rng)
    W = digits_wta.initial_weights(meta)
    runs = {}
    for b, fn in (("brian2", digits_wta.brian2_frozen), ("nest", digits_wta.nest_frozen)):
        out = {"learned": {"W": W, "theta": np.linspace(0.0, 3.0, 12)}}
        fn(meta, frozen, out)
        runs[b] = sorted(zip(np.round(out["learned"]["frozen_t"], 6),
                             out["learned"]["frozen_i"].astype(int)))
    assert len(runs["brian2"]) > 100                # the layer responds
    assert runs["brian2"] == runs["nest"]


# ----------------------------------------------------------------------------------------------
# digits: learning beats the plasticity-off network, over seeds
# ----------------------------------------------------------------------------------------------
def test_digits_network_learns_over_seeds():
    """Small version (20 neurons, 200 training and 200 test images, pynn.nest): held-out
    accuracy with STDP above the same network with plasticity off, for 3 seeds."""
    diffs, accs = [], []
    for seed in (1, 2, 3):
        _, s = run_protocol("digits_wta", "stdp_pair", backend="pynn.nest", overrides={
            "n_exc": "20", "train_images": "200", "test_images": "200", "checkpoints": "0",
            "seed": str(seed)})
        c = s["conditions"][0]
        diffs.append(c["learned_accuracy"] - c["baseline_accuracy"])
        accs.append(c["learned_accuracy"])
    ok, mean, se = margin_ok(diffs)
    assert ok, (diffs, mean, se)
    assert min(accs) > 0.5, accs


def test_digits_plain_cli_brian2_standalone(tmp_path):
    """The user's path: the plain command line (no --json) on brian2 cpp_standalone prints the
    accuracies, writes a NIX file that Neo reads back; STDP beats plasticity off."""
    import re
    import subprocess
    import sys
    out = tmp_path / "digits.nix"
    cmd = [sys.executable, "-m", "plasticity.analysis.cli", "run", "digits_wta", "--model",
           "stdp_pair", "--set", "n_exc=20", "--set", "train_images=200", "--set",
           "test_images=200", "--set", "checkpoints=1", "--device", "cpp_standalone",
           "--out", str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    acc = dict(re.findall(r"held-out accuracy, 20 neurons, (STDP|plasticity off): ([0-9.]+)",
                          p.stdout))
    assert set(acc) == {"STDP", "plasticity off"}, p.stdout
    assert float(acc["STDP"]) > float(acc["plasticity off"]) + 0.1, acc
    from plasticity.analysis.load import load_result
    r = load_result(str(out))
    assert abs(r["conditions"][0]["learned_accuracy"] - float(acc["STDP"])) < 1e-3
    assert len(r["conditions"][0]["receptive_fields"]) == 20 * 64
    # the learning curve: untrained, one snapshot, the end (the end is the final network)
    curve = np.atleast_1d(r["conditions"][0]["checkpoint_accuracy"])
    assert len(curve) == 3 and abs(curve[-1] - float(acc["STDP"])) < 1e-3


# ----------------------------------------------------------------------------------------------
# convolutional STDP
# ----------------------------------------------------------------------------------------------
def test_conv_update_is_the_stdp_pair_model():
    """conv_stdp's closed-form update equals the stdp_pair model run by Brian2 on the same
    spikes (one pre spike per synapse, one post spike), coincident spikes included."""
    model = get_model("stdp_pair")
    values = model.resolve("multiplicative", {"w_max": 1.0})
    rng = np.random.default_rng(2)
    t_pre = np.arange(16) * 1.0 + 20.0
    t_post = 27.0
    w0 = rng.uniform(0.1, 0.9, len(t_pre))
    conds = [Condition(f"k{k}", np.array([tp]), np.array([t_post]), w_init=float(w))
             for k, (tp, w) in enumerate(zip(t_pre, w0))]
    res = runners.run(model, "multiplicative", values, Schedule("c", 100.0, conds).validate(),
                      "brian2")
    expected = conv_stdp.stdp_update(w0, t_pre, t_post, values)
    np.testing.assert_allclose(res.w_final, expected, rtol=1e-12, atol=0)
    assert res.w_final[t_pre == t_post][0] == w0[t_pre == t_post][0]


def test_conv_stdp_learns_over_seeds():
    """Small version (8 kernels, 2 epochs): the learned kernels' read-out beats the random
    kernels' for 3 seeds."""
    diffs = []
    for seed in (1, 2, 3):
        _, s = run_protocol("conv_stdp", "stdp_pair", overrides={
            "kernels": "8", "epochs": "2", "seed": str(seed)})
        c = s["conditions"][0]
        diffs.append(c["accuracy_stdp"] - c["accuracy_random"])
    ok, mean, se = margin_ok(diffs)
    assert ok, (diffs, mean, se)


# ----------------------------------------------------------------------------------------------
# reservoir: the delta rule on Brian2 is least-mean-squares
# ----------------------------------------------------------------------------------------------
def test_mackey_glass_is_chaotic_and_bounded():
    x = reservoir_prediction.mackey_glass(2000)
    assert 0.2 < x.min() and x.max() < 1.5 and x.std() > 0.15


def test_reservoir_readout_learns_over_seeds():
    """Shorter version (20 passes instead of 50): the online delta rule's test error is below
    persistence's, and ridge's below the delta rule's, for 3 seeds; the Brian2 read-out equals
    least-mean-squares computed in numpy on the same states."""
    gaps = []
    for seed in (1, 2, 3):
        res, s = run_protocol("reservoir_prediction", "rate_delta", overrides={
            "epochs": "20", "seed": str(seed)})
        c = s["conditions"][0]
        assert c["nrmse_ridge"] < c["nrmse_online"] < c["nrmse_persistence"]
        gaps.append(c["nrmse_persistence"] - c["nrmse_online"])
    ok, mean, se = margin_ok(gaps)
    assert ok, (gaps, mean, se)
    # numpy LMS on the last seed's states: the same read-out
    m = res.schedule.meta
    series = reservoir_prediction.mackey_glass(reservoir_prediction.WASHOUT + m["train"]
                                               + m["test"] + m["horizon"])
    fit = series[reservoir_prediction.WASHOUT:reservoir_prediction.WASHOUT + m["train"]]
    u = (series - fit.mean()) / fit.std()
    X = reservoir_prediction.reservoir_states(u, m["n_reservoir"], m["spectral_radius"],
                                              m["seed"])
    X = np.hstack([X, np.ones((len(X), 1))])
    tr = slice(reservoir_prediction.WASHOUT, reservoir_prediction.WASHOUT + m["train"])
    y = np.r_[u[m["horizon"]:], np.full(m["horizon"], np.nan)][tr]
    w = np.zeros(X.shape[1])
    eta = c["eta_dt"]
    for _ in range(m["epochs"]):
        for x_k, y_k in zip(X[tr], y):
            w += eta * (y_k - x_k @ w) * x_k
    te = slice(tr.stop, tr.stop + m["test"])
    y_te = np.r_[u[m["horizon"]:], np.full(m["horizon"], np.nan)][te]
    assert abs(reservoir_prediction.nrmse(X[te] @ w, y_te) - c["nrmse_online"]) < 1e-9


# ----------------------------------------------------------------------------------------------
# reward learning
# ----------------------------------------------------------------------------------------------
def test_reward_circuit_same_spikes_on_brian2_and_nest():
    """20 trials with dopamine STDP (rewards delivered; brian2 cpp_standalone, pynn.nest): the
    same spikes on both backends in the learning and the static copy, the same rewards."""
    _, model, _, values, _, sched = _prepare("reward_learning", "stdp_dopamine", None,
                                             {"trials": "20"}, "brian2", 1, None)
    m = dict(sched.meta)
    si, st, ni, nt = reward_learning.inputs(m)
    with brian2_device("cpp_standalone", "test_reward_learning"):
        a, _, _ = reward_learning._run_brian2(model, values, m, (si, st), (ni, nt))
    b, _, _ = reward_learning._run_nest(model, values, m, (si, st), (ni, nt))
    for copy in ("learning", "static"):
        x = sorted(zip(np.round(a[copy]["spike_t"], 6), a[copy]["spike_i"].astype(int)))
        y = sorted(zip(np.round(b[copy]["spike_t"], 6), b[copy]["spike_i"].astype(int)))
        assert len(x) > 300 and x == y, copy
    # rewards were delivered (so the weights moved) at the same times
    assert len(a["learning"]["reward_t"]) > 5
    np.testing.assert_allclose(a["learning"]["reward_t"], b["learning"]["reward_t"])
    assert a["learning"]["wA_t"][-1] > 60.5 and b["learning"]["wA_t"][-1] > 60.5


def test_reward_learning_and_reversal_over_seeds():
    """300 trials (A rewarded, then B), pynn.nest, 3 seeds: the rewarded choices in the last
    30 trials of each phase beat the static circuit's (same input)."""
    diffs = []
    for seed in (1, 2, 3):
        _, s = run_protocol("reward_learning", "stdp_dopamine", backend="pynn.nest",
                            overrides={"trials": "300", "last_trials": "30",
                                       "seed": str(seed)})
        c = s["conditions"][0]
        for phase in ("before", "after"):
            diffs.append(c[f"learning_correct_{phase}_reversal"]
                         - c[f"static_correct_{phase}_reversal"])
    ok, mean, se = margin_ok(diffs)
    assert ok, (diffs, mean, se)
