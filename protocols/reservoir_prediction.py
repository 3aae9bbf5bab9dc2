"""Time-series prediction with a reservoir: the read-out learns online with the delta rule
(``rate_delta``), against an offline ridge-regression read-out of the same reservoir.

Provenance: the echo state network of Jaeger (2001, GMD Report 148) and Jaeger & Haas (2004)
Science 304:78, on the Mackey-Glass series with delay tau = 17 (Mackey & Glass 1977 Science
197:287: dx/dt = beta x(t - tau) / (1 + x(t - tau)^n) - gamma x, beta = 0.2, gamma = 0.1,
n = 10, the standard chaotic benchmark values).  The series is integrated by Euler's method at
step 0.1 from a constant history x = 1.2 and sampled every time unit; its first 1000 samples
are dropped (transient).  **Scaled down**: ``n_reservoir`` = 200 tanh units (Jaeger: 400-1000),
prediction ``horizon`` samples ahead with teacher forcing (no free-running generation).

Reservoir (fixed, numpy, seeded): x(k+1) = tanh(W x(k) + w_in u(k) + b), u = the series
standardised with the training samples' mean and standard deviation; W sparse (10 % of the
connections, normal weights) rescaled to spectral radius ``spectral_radius`` (0.9: echo state
property), w_in uniform in [-1, 1], b uniform in [-0.2, 0.2] (choices of this protocol, as is
usual for this benchmark).  The first 100 states are discarded (wash-out).

Read-out: y(k) = sum_i w_i x_i(k) + w_0 (a constant unit), trained to predict u(k + horizon).
1. Online: this package's ``rate_delta`` on Brian2 (the reservoir states are its presynaptic
   rates, one 1 ms step per sample, ``epochs`` passes over the training samples), Euler steps
   of dw = eta dt (target - y) x: least-mean-squares.  Its learning rate is the normalised LMS
   step: eta dt = ``mu`` / sum_i <x_i^2> over the training states (mu = 1, a choice: LMS's
   excess error grows with mu, its speed in the slow directions too; measured here, mu = 1.8
   diverges).  The states' correlation matrix has one large eigenvalue (about 46, the common
   response to the input) and many small ones (1e-3 .. 0.2): LMS converges in those directions
   only over many passes, which is why it stays above ridge.
   The ``eta`` of the parameter set is replaced by this value (stated in the output).
2. Offline: ridge regression on the same training states, the penalty chosen from
   1e-10 .. 1 on the last quarter of the training samples (validation), then refitted on all.
Baseline: persistence (u(k + horizon) predicted as u(k)).

Measured: normalised RMSE (RMSE / standard deviation of the target) on ``test`` held-out
samples after the training samples, for each seed; the online read-out's error during training
(per block of 200 samples) as a learning curve.
"""
from __future__ import annotations

import time

import numpy as np

from plasticity.models.core import PlasticityError

from .base import Option, Protocol, Report, key_number
from .run.common import RunResult
from .schedule import Condition, Schedule

NAME = "reservoir_prediction"
MG = dict(beta=0.2, gamma=0.1, n=10.0, tau=17.0, h=0.1, x0=1.2)
TRANSIENT = 1000
WASHOUT = 100
DENSITY = 0.1
BLOCK = 200
LAMBDAS = 10.0 ** np.arange(-10, 1)


def mackey_glass(n_samples, tau=MG["tau"], h=MG["h"], x0=MG["x0"]):
    """``n_samples`` samples (one per time unit) of the Mackey-Glass series after a transient
    of TRANSIENT time units; Euler steps of h with the delayed value from the history."""
    per = int(round(1.0 / h))
    lag = int(round(tau / h))
    total = (n_samples + TRANSIENT) * per
    x = np.empty(total + lag + 1)
    x[:lag + 1] = x0
    beta, gamma, n = MG["beta"], MG["gamma"], MG["n"]
    for k in range(lag, lag + total):
        d = x[k - lag]
        x[k + 1] = x[k] + h * (beta * d / (1.0 + d ** n) - gamma * x[k])
    samples = x[lag::per][:n_samples + TRANSIENT]
    return samples[TRANSIENT:]


def reservoir_states(u, n, radius, seed):
    """States (len(u), n) of the fixed tanh reservoir driven by u."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(n, n)) * (rng.random((n, n)) < DENSITY)
    W *= radius / np.max(np.abs(np.linalg.eigvals(W)))
    w_in = rng.uniform(-1.0, 1.0, n)
    b = rng.uniform(-0.2, 0.2, n)
    x = np.zeros(n)
    out = np.empty((len(u), n))
    for k, uk in enumerate(u):
        x = np.tanh(W @ x + w_in * uk + b)
        out[k] = x
    return out


def nrmse(pred, target):
    return float(np.sqrt(np.mean((pred - target) ** 2)) / np.std(target))


def ridge(X, y, lam):
    A = X.T @ X + lam * np.eye(X.shape[1])
    return np.linalg.solve(A, X.T @ y)


def build(model, values, options, schedule_file=None):
    if model.name != "rate_delta":
        raise PlasticityError(f"{NAME} applies to rate_delta (the read-out's rule)")
    meta = {k: (int(v) if isinstance(v, int) else float(v)) for k, v in options.items()}
    if not 0.0 < meta["mu"] < 2.0:
        raise PlasticityError(f"{NAME}: mu must be in (0, 2) (LMS stability), got {meta['mu']}")
    if meta["train"] < 4 * BLOCK:
        raise PlasticityError(f"{NAME}: train must be >= {4 * BLOCK} samples, got "
                              f"{meta['train']}")
    steps = meta["train"] * meta["epochs"]
    return Schedule(NAME, float(steps), [Condition("readout", np.zeros(0), np.zeros(0))],
                    dt_ms=1.0, meta=meta).validate()


def simulate(model, set_name, values, schedule, backend, progress=False):
    from brian2 import second
    from .run.rate import simulate_rates
    if backend != "brian2":
        raise PlasticityError(f"{NAME} runs on brian2 (rate neurons; PyNN has none)")
    m = schedule.meta
    t0 = time.perf_counter()
    h, n_tr, n_te = m["horizon"], m["train"], m["test"]
    series = mackey_glass(WASHOUT + n_tr + n_te + h)
    fit = series[WASHOUT:WASHOUT + n_tr]
    u = (series - fit.mean()) / fit.std()
    X = reservoir_states(u, m["n_reservoir"], m["spectral_radius"], m["seed"])
    X = np.hstack([X, np.ones((len(X), 1))])                    # the constant unit
    target = np.r_[u[h:], np.full(h, np.nan)]
    tr = slice(WASHOUT, WASHOUT + n_tr)
    te = slice(WASHOUT + n_tr, WASHOUT + n_tr + n_te)
    X_tr, y_tr, X_te, y_te = X[tr], target[tr], X[te], target[te]
    # online: rate_delta on Brian2, epochs passes over the training states
    eta_dt = m["mu"] / float(np.sum(np.mean(X_tr ** 2, axis=0)))
    values = dict(values)
    values["eta"] = eta_dt / 1e-3 / second                       # one sample per 1 ms step
    inputs = np.tile(X_tr, (m["epochs"], 1))
    targets = np.tile(y_tr, m["epochs"])[:, None]
    rec = max(1, BLOCK)
    out = simulate_rates(model, values, inputs, dt_ms=1.0, targets=targets,
                         connectivity=(np.arange(X.shape[1]), np.zeros(X.shape[1], int)),
                         n_out=1, record_every=rec, w0=np.zeros(X.shape[1]))
    w_online = out["w"][0]
    # the learning curve: test error of the weights at the end of each block
    curve_t = [int(round(t)) + rec for t in out["t_ms"]]
    curve = [nrmse(X_te @ w, y_te) for w in out["w_t"]]
    pred_online = X_te @ w_online
    # offline: ridge, penalty chosen on the last quarter of the training samples
    cut = int(0.75 * n_tr)
    val = [nrmse(X_tr[cut:] @ ridge(X_tr[:cut], y_tr[:cut], lam), y_tr[cut:]) for lam in LAMBDAS]
    lam = float(LAMBDAS[int(np.argmin(val))])
    w_ridge = ridge(X_tr, y_tr, lam)
    pred_ridge = X_te @ w_ridge
    stats = {
        "nrmse_online": nrmse(pred_online, y_te),
        "nrmse_ridge": nrmse(pred_ridge, y_te),
        "nrmse_persistence": nrmse(u[te], y_te),
        "nrmse_online_train": nrmse(X_tr @ w_online, y_tr),
        "nrmse_ridge_train": nrmse(X_tr @ w_ridge, y_tr),
        "ridge_lambda": lam, "eta_dt": eta_dt,
        "curve_samples": curve_t, "curve_nrmse": curve,
        "test_target": [float(x) for x in y_te[:300]],
        "test_online": [float(x) for x in pred_online[:300]],
        "test_ridge": [float(x) for x in pred_ridge[:300]],
        "readout_distance": float(np.linalg.norm(w_online - w_ridge)
                                  / np.linalg.norm(w_ridge)),
    }
    import brian2 as b2
    return RunResult(model=model, set_name=set_name, values=values, backend=backend,
                     schedule=schedule, w_initial=np.array([0.0]),
                     w_final=np.array([float(np.linalg.norm(w_online))]),
                     signal_times_ms=np.asarray(curve_t, float),
                     signals={"w": np.asarray(curve, float)[:, None]},
                     signal_semantics="test NRMSE of the online read-out during training",
                     simulator_versions={"brian2": b2.__version__},
                     wall_time_s=time.perf_counter() - t0, extra={"per_condition": [stats]})


def key_numbers(m, s, per_backend):
    rows = []
    for b, r in per_backend.items():
        c = r["conditions"][0]
        rows += [
            key_number(NAME, m, s, b, "test NRMSE, online delta rule (rate_delta)",
                       float(c["nrmse_online"])),
            key_number(NAME, m, s, b, "test NRMSE, offline ridge read-out",
                       float(c["nrmse_ridge"]), note=f"lambda {c['ridge_lambda']:.0e}"),
            key_number(NAME, m, s, b, "test NRMSE, persistence baseline",
                       float(c["nrmse_persistence"])),
        ]
    return rows


def tables(m, s, per_backend):
    rows = []
    for b, r in per_backend.items():
        c = r["conditions"][0]
        rows.append([b, f"{c['nrmse_online']:.4f}", f"{c['nrmse_ridge']:.4f}",
                     f"{c['nrmse_persistence']:.4f}", f"{c['eta_dt']:.2e}",
                     f"{c['ridge_lambda']:.0e}"])
    return [("Mackey-Glass prediction, test NRMSE",
             ["backend", "online delta rule", "ridge", "persistence", "eta dt", "ridge lambda"],
             rows)]


PROTOCOL = Protocol(
    report=Report(group_figure="reservoir", group_title="Mackey-Glass (tau = 17) prediction: "
                  "online delta rule against ridge regression", key_numbers=key_numbers,
                  backend_difference=False, comparison_tables=tables),
    name=NAME,
    title="Reservoir prediction of Mackey-Glass: online delta rule against ridge regression",
    doc=__doc__, families=("rate",),
    options=[Option("n_reservoir", 200, "reservoir units", int, 1),
             Option("spectral_radius", 0.9, "spectral radius of the recurrent weights", float,
                    0.0),
             Option("horizon", 10, "prediction horizon (samples ahead)", int, 1),
             Option("train", 3000, "training samples", int, 1),
             Option("test", 1000, "test samples", int, 1),
             Option("epochs", 50, "passes of the online read-out over the training samples",
                    int, 1),
             Option("mu", 1.0, "normalised LMS step (eta dt sum <x^2>)", float, 0.0),
             Option("seed", 1, "reservoir seed", int, 0)],
    build=build, simulate=simulate, measure=None)
