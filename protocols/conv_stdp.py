"""A convolutional layer that learns its kernels by STDP with winner-take-all competition
(Kheradpisheh et al. 2018 style), then pooling and a linear read-out.

Provenance: Kheradpisheh SR, Ganjtabesh M, Thorpe SJ & Masquelier T (2018) Neural Netw
99:56 (STDP-based spiking deep convolutional network): intensity-to-latency coding (brighter
pixels spike earlier, each input at most once), non-leaky integrate-and-fire neurons whose
kernels are shared across positions, the first neuron to fire wins and only its kernel learns
(from its own receptive field and spike time), pooling of the first spikes, a linear
classifier on the pooled features.  **Scaled down**: one convolutional layer on the 8 x 8
digits (:mod:`plasticity.protocols.digits`; Kheradpisheh: DoG filtering and three layers on
28 x 28 MNIST), ``kernels`` = 16 kernels of 5 x 5 (4 x 4 positions), one winner per image,
``epochs`` passes over the 1197 training images.

Coding: pixel p spikes at step round((1 - grey / 16) * (T - 1)) of T = ``steps`` = 16 steps of
1 ms (a background pixel at the last step, so that every input spikes once).  Layer: the
potential of kernel k at position q is the sum of the weights of the inputs in its 5 x 5 field
that have spiked; it fires (once) when it reaches ``threshold``.  The winner is the first to
fire (the largest potential among simultaneous ones).

Learning rule: this package's ``stdp_pair`` (default set ``multiplicative``: Rubin-type soft
bounds mu = 1, Song's amplitudes A_+ = 0.005, A_- = 0.00525, tau = 20 ms) with weights in
units of w_max (w_max = 1 here): for one post spike at t_post and one spike per input at
t_pre, the model changes each weight by A_+ (1 - w)^mu_+ exp(-(t_post - t_pre)/tau_+) if
t_pre < t_post and by -A_- w^mu_- exp(-(t_pre - t_post)/tau_-) if t_pre > t_post (and not at
all for coincident spikes: NEST's rule), which :func:`stdp_update` computes in closed form
(the test checks it against the model's Brian2 code).  Kheradpisheh's rule is the same up to
its weight dependence (w (1 - w) for both signs) and its order-only timing (tau -> infinity);
with 16 steps against tau = 20 ms the timing factor is between 0.47 and 1.  Weight sharing has
no synapse-level equivalent in Brian2 or NEST, so the layer is computed in numpy: each image
is a closed-form computation (no simulator involved).  Initial weights: normal, mean 0.8,
SD 0.05 (Kheradpisheh), clipped to [0, 1].

Read-out: the earliest spike of each kernel in each of the 2 x 2 pooling regions (2 x 2
positions each), as (T - t) / T (0: no spike): 64 features; logistic regression (scikit-learn)
trained on the training images and scored on the 600 held-out ones.  Baselines in the same
run: the same layer with its random initial kernels, and logistic regression on the pixels.
"""
from __future__ import annotations

import time

import numpy as np

from plasticity.models.core import PlasticityError, magnitude

from . import digits
from .base import Option, Protocol, Report, key_number
from .run.common import RunResult
from .schedule import Condition, Schedule

NAME = "conv_stdp"
SIDE, K_SIDE = 8, 5
POS = SIDE - K_SIDE + 1            # 4 x 4 positions
STEP_MS = 1.0
W_INIT = (0.8, 0.05)               # Kheradpisheh et al. 2018: normal(0.8, 0.05)


def receptive_fields():
    """(positions, 25) pixel indices of each 5 x 5 field."""
    out = []
    for r in range(POS):
        for c in range(POS):
            out.append([(r + a) * SIDE + (c + b) for a in range(K_SIDE) for b in range(K_SIDE)])
    return np.asarray(out)


RF = receptive_fields()


def latencies(X, steps):
    """Spike step of every pixel (intensity-to-latency)."""
    return np.rint((1.0 - np.asarray(X, float) / digits.GREY_MAX) * (steps - 1)).astype(int)


def layer_first_spikes(lat, W, threshold, steps):
    """First spike step (steps: none) and the potential at it, for every kernel and position:
    arrays (kernels, positions)."""
    onehot = np.zeros((steps, digits.N_PIXELS))
    onehot[lat, np.arange(digits.N_PIXELS)] = 1.0
    # input arrivals per step in every field: (steps, positions, 25)
    arrivals = onehot[:, RF]
    V = np.cumsum(np.einsum("tpi,ki->tkp", arrivals, W), axis=0)        # (steps, K, P)
    above = V >= threshold
    first = np.where(above.any(axis=0), np.argmax(above, axis=0), steps)
    v_at = np.take_along_axis(V, np.minimum(first, steps - 1)[None], axis=0)[0]
    return first, v_at


def stdp_update(w, t_pre, t_post, values):
    """The ``stdp_pair`` model's change for one post spike at ``t_post`` and one pre spike per
    synapse at ``t_pre`` (ms), weights in units of w_max: potentiation by the earlier pre
    spikes, depression by the later ones, none for coincident ones (closed form)."""
    from brian2 import ms
    tp, tm = magnitude(values["tau_plus"], ms), magnitude(values["tau_minus"], ms)
    ap, am = float(values["A_plus"]), float(values["A_minus"])
    mp, mm = float(values["mu_plus"]), float(values["mu_minus"])
    d = t_post - t_pre
    w = np.asarray(w, float).copy()
    pot = d > 0
    dep = d < 0
    w[pot] = np.minimum(1.0, w[pot] + ap * (1.0 - w[pot]) ** mp * np.exp(-d[pot] / tp))
    w[dep] = np.maximum(0.0, w[dep] - am * w[dep] ** mm * np.exp(d[dep] / tm))
    return w


def train(X, values, m, rng):
    W = np.clip(rng.normal(W_INIT[0], W_INIT[1], size=(m["kernels"], K_SIDE * K_SIDE)), 0, 1)
    W0 = W.copy()
    n = len(X)
    wins = np.zeros(m["kernels"], int)
    no_winner = 0
    mean_w = []
    for e in range(m["epochs"]):
        order = np.arange(n) if e == 0 else rng.permutation(n)
        for idx in order:
            lat = latencies(X[idx], m["steps"])
            first, v_at = layer_first_spikes(lat, W, m["threshold"], m["steps"])
            t_min = first.min()
            if t_min >= m["steps"]:
                no_winner += 1
                continue
            cand = np.argwhere(first == t_min)
            k, q = cand[np.argmax(v_at[first == t_min])]
            W[k] = stdp_update(W[k], lat[RF[q]] * STEP_MS, t_min * STEP_MS, values)
            wins[k] += 1
        mean_w.append(float(W.mean()))
    return W, W0, wins, no_winner, mean_w


def features(X, W, m):
    out = np.zeros((len(X), m["kernels"] * 4))
    for n_img, x in enumerate(X):
        first, _ = layer_first_spikes(latencies(x, m["steps"]), W, m["threshold"], m["steps"])
        code = (m["steps"] - first) / m["steps"]                       # 0 for no spike
        code = code.reshape(m["kernels"], POS, POS)
        pooled = code.reshape(m["kernels"], 2, 2, 2, 2).max(axis=(2, 4))  # 2 x 2 regions
        out[n_img] = pooled.ravel()
    return out


def readout_accuracy(F_tr, y_tr, F_te, y_te):
    from sklearn.linear_model import LogisticRegression
    clf = LogisticRegression(max_iter=5000).fit(F_tr, y_tr)
    return float(clf.score(F_te, y_te))


def build(model, values, options, schedule_file=None):
    if model.name != "stdp_pair":
        raise PlasticityError(f"{NAME} applies to stdp_pair (the kernels' rule)")
    m = {k: (int(v) if isinstance(v, int) else float(v)) for k, v in options.items()}
    if m["steps"] < 2:
        raise PlasticityError(f"{NAME}: steps must be >= 2")
    n_img = len(digits.load_split()[0]) * m["epochs"]
    return Schedule(NAME, n_img * m["steps"] * STEP_MS,
                    [Condition("layer", np.zeros(0), np.zeros(0))], dt_ms=STEP_MS,
                    meta=m).validate()


def simulate(model, set_name, values, schedule, backend, progress=False):
    if backend != "brian2":
        raise PlasticityError(f"{NAME} runs on backend brian2 only (a closed-form layer with "
                              "shared kernels: see the protocol's documentation)")
    m = dict(schedule.meta)
    t0 = time.perf_counter()
    X_tr, y_tr, X_te, y_te = digits.load_split()
    rng = np.random.default_rng(m["seed"])
    W, W0, wins, no_winner, mean_w = train(X_tr, values, m, rng)
    stats = {
        "accuracy_stdp": readout_accuracy(features(X_tr, W, m), y_tr, features(X_te, W, m), y_te),
        "accuracy_random": readout_accuracy(features(X_tr, W0, m), y_tr,
                                            features(X_te, W0, m), y_te),
        "accuracy_pixels": digits.logistic_regression(X_tr, y_tr, X_te, y_te),
        "kernels": [float(x) for x in W.ravel()],
        "kernels_initial": [float(x) for x in W0.ravel()],
        "wins": [int(x) for x in wins],
        "images_without_winner": int(no_winner),
        "kernel_bimodality": float(np.mean((W < 0.1) | (W > 0.9))),
    }
    import brian2 as b2
    return RunResult(model=model, set_name=set_name, values=values, backend=backend,
                     schedule=schedule, w_initial=np.array([float(W0.mean())]),
                     w_final=np.array([float(W.mean())]),
                     signal_times_ms=(np.arange(len(mean_w)) + 1.0) * len(X_tr) * m["steps"]
                     * STEP_MS,
                     signals={"w": np.asarray(mean_w)[:, None]},
                     signal_semantics="mean kernel weight after each pass (time: images x "
                                      "latency steps)",
                     simulator_versions={"numpy": np.__version__, "brian2": b2.__version__},
                     wall_time_s=time.perf_counter() - t0, extra={"per_condition": [stats]})


def key_numbers(mn, s, per_backend):
    rows = []
    for b, r in per_backend.items():
        c = r["conditions"][0]
        rows += [
            key_number(NAME, mn, s, b, "held-out accuracy, STDP kernels + pooling + linear",
                       float(c["accuracy_stdp"])),
            key_number(NAME, mn, s, b, "held-out accuracy, random kernels + pooling + linear",
                       float(c["accuracy_random"])),
            key_number(NAME, mn, s, b, "held-out accuracy, linear on raw pixels",
                       float(c["accuracy_pixels"])),
        ]
    return rows


def tables(mn, s, per_backend):
    rows = [[b, f"{r['conditions'][0]['accuracy_stdp']:.3f}",
             f"{r['conditions'][0]['accuracy_random']:.3f}",
             f"{r['conditions'][0]['accuracy_pixels']:.3f}"] for b, r in per_backend.items()]
    return [("Held-out accuracy of a linear read-out (600 images)",
             ["backend", "STDP kernels", "random kernels", "raw pixels"], rows)]


PROTOCOL = Protocol(
    report=Report(group_figure="conv_stdp", group_title="Convolutional STDP kernels "
                  "(Kheradpisheh et al. 2018 style) on 8 x 8 digits", key_numbers=key_numbers,
                  backend_difference=False, comparison_tables=tables),
    name=NAME,
    title="Convolutional STDP with winner-take-all (Kheradpisheh et al. 2018 style)",
    doc=__doc__, families=("stdp",),
    options=[Option("kernels", 16, "convolution kernels (5 x 5)", int, 1),
             Option("threshold", 10.0, "firing threshold (sum of weights)", float, 0.0),
             Option("steps", 16, "latency code steps (1 ms each)", int, 2),
             Option("epochs", 10, "passes over the training images", int, 1),
             Option("seed", 1, "random seed (initial kernels, image order)", int, 0)],
    build=build, simulate=simulate, default_sets={"stdp_pair": "multiplicative"})
