"""Rate-rule demonstrations that are also tests: each returns what it measured and what theory
predicts, with a tolerance derived from the learning rate (see each function).

* :func:`oja_pca` — Oja's rule finds the leading eigenvector of the input covariance.
* :func:`hebb_growth` — Hebb with decay grows (or decays) along it at rate eta*lambda_1 - lam.
* :func:`bcm_selectivity` — BCM becomes selective to one of K input patterns (response K*y0).
* :func:`delta_regression` — the delta rule converges to the least-squares solution.

Inputs are one sample per 1 ms step (``dt``); the per-sample learning rate is eps = eta*dt.
"""
from __future__ import annotations

import numpy as np

from plasticity.models import get_model
from .run.rate import simulate_rates

DT_MS = 1.0
COV_EIGENVALUES = (3.0, 1.0, 0.5, 0.25)     # demo input covariance spectrum


def covariance(seed, eigenvalues=COV_EIGENVALUES):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    return q @ np.diag(eigenvalues) @ q.T


def oja_pca(seed=1, seconds=20.0, set_name="demo"):
    """Zero-mean Gaussian inputs with covariance C.  Linearising Oja's update around the unit
    eigenvector e1, the component along e_k (k > 1) is an AR(1) process with stationary variance
    eps*l1*lk / (2 (l1 - lk)) (eps = eta dt); the angle to e1 is within 5 sigma of that spread
    after the transient exp(-n eps (l1 - l2)) has died out (checked: n eps (l1 - l2) > 20).
    The norm deviates from 1 only at second order in that angle; 5 spread bounds it."""
    model = get_model("rate_oja")
    values = model.resolve(set_name)
    rng = np.random.default_rng(seed)
    C = covariance(seed)
    n = int(seconds * 1000.0 / DT_MS)
    x = rng.multivariate_normal(np.zeros(len(C)), C, size=n)
    w0 = rng.normal(scale=0.1, size=len(C))
    out = simulate_rates(model, values, x, DT_MS, w0=w0, record_every=max(1, n // 500))
    w = out["w"][0]
    lam, vec = np.linalg.eigh(np.cov(x.T))
    e1, l1 = vec[:, -1], lam[-1]
    eps = float(values["eta"]) * DT_MS / 1000.0
    angle = float(np.degrees(np.arccos(min(1.0, abs(w @ e1) / np.linalg.norm(w)))))
    spread = float(np.sqrt(sum(eps * l1 * lk / (2 * (l1 - lk)) for lk in lam[:-1])))
    return {"w": w, "e1": e1, "angle_deg": angle, "norm": float(np.linalg.norm(w)),
            "tolerance_deg": float(np.degrees(5 * spread)),
            "norm_tolerance": 5 * spread,
            "transient": float(n * eps * (l1 - lam[-2])),
            "w_t": out["w_t"], "t_ms": out["t_ms"], "eigenvalues": lam}


def hebb_growth(seed=2, seconds=5.0):
    """Hebb with decay: <dw/dt> = (eta C - lam) w, so |w| grows as exp((eta l1 - lam) t) when
    aligned with e1 (the start).  Measured: log-growth rate between T/2 and T.  Per sample,
    log|w| grows by about eps (x.e1)^2 - lam dt, and (x.e1)^2 has mean l1 and variance 2 l1^2
    (Gaussian), so over N samples the rate has standard deviation eta l1 sqrt(2/N); we allow 5
    of that."""
    model = get_model("rate_hebb")
    values = model.resolve("demo")
    rng = np.random.default_rng(seed)
    C = covariance(seed)
    n = int(seconds * 1000.0 / DT_MS)
    x = rng.multivariate_normal(np.zeros(len(C)), C, size=n)
    out = simulate_rates(model, values, x, DT_MS, record_every=10,
                         w0=np.linalg.eigh(C)[1][:, -1] * 0.1)
    norms = np.linalg.norm(out["w_t"], axis=1)
    t = out["t_ms"] / 1000.0
    h = len(t) // 2
    rate = float((np.log(norms[-1]) - np.log(norms[h])) / (t[-1] - t[h]))
    l1 = float(np.linalg.eigvalsh(C)[-1])
    expected = float(values["eta"]) * l1 - float(values["lam"])
    n_half = (t[-1] - t[h]) * 1000.0 / DT_MS
    return {"rate": rate, "expected": expected, "t_s": t, "norm": norms,
            "tolerance": 5 * float(values["eta"]) * l1 * float(np.sqrt(2 / n_half))}


def bcm_selectivity(seed=3, seconds=40.0, k_patterns=2, n_inputs=10, average_s=15.0):
    """K overlapping non-negative patterns shown in random order (one per 1 ms sample).  The
    stable BCM fixed points are selective: the preferred pattern's response y = theta =
    <y^2>/y0 gives y = K y0; the others give 0.  Measured: the responses averaged over the last
    ``average_s`` seconds.  Tolerance: at the fixed point y^2/y0 takes the values (K y0)^2/y0
    (probability 1/K) and 0, so the threshold (a low-pass over tau_theta) fluctuates with
    standard deviation K y0 sqrt((K-1) dt / (2 tau_theta)), correlated over tau_theta;
    averaged over T it shrinks by sqrt(tau_theta / T).  We allow 5 of that, plus the
    discrete-time bias: each sample moves theta by (dt/tau_theta)(y^2/y0 - theta), up to
    K y0 (K - 1) dt / tau_theta, and the weight update sees theta within one such step (measured
    here: the preferred response settles 1-2 % below K y0 for every seed tried)."""
    model = get_model("rate_bcm")
    values = model.resolve("selectivity")
    rng = np.random.default_rng(seed)
    patterns = np.zeros((k_patterns, n_inputs))
    for k, part in enumerate(np.array_split(rng.permutation(n_inputs), k_patterns)):
        patterns[k] = 0.2                        # overlapping patterns of unit norm: a shared
        patterns[k, part] = 1.0                  # baseline plus a block of their own inputs
        patterns[k] /= np.linalg.norm(patterns[k])
    n = int(seconds * 1000.0 / DT_MS)
    show = rng.integers(0, k_patterns, n)
    x = patterns[show]
    w0 = float(values["w_init"]) * (1 + 0.2 * rng.normal(size=n_inputs))
    out = simulate_rates(model, values, x, DT_MS, w0=w0, record_every=20)
    y0 = float(values["y0"])
    tau = float(values["tau_theta"]) * 1000.0
    resp_t = out["w_t"] @ patterns.T
    late = out["t_ms"] >= out["t_ms"][-1] - average_s * 1000.0
    responses = resp_t[late].mean(axis=0)
    sd = k_patterns * y0 * np.sqrt((k_patterns - 1) * DT_MS / (2 * tau))
    return {"responses": responses, "expected_preferred": k_patterns * y0,
            "tolerance": 5 * float(sd * np.sqrt(tau / (average_s * 1000.0)))
            + k_patterns * y0 * (k_patterns - 1) * DT_MS / tau,
            "selectivity": float(1 - np.sort(responses)[:-1].max() / responses.max()),
            "t_ms": out["t_ms"], "responses_t": resp_t}


def delta_regression(seed=4, seconds=20.0, n_inputs=5, noise=0.1):
    """Targets t = w_true . x + noise.  The delta (LMS) rule fluctuates around the least-squares
    solution w_LS = C^-1 <x t> with stationary weight-error covariance (eps sigma^2 / 2) I for
    small eps (Widrow's LMS analysis); each component within 5 sqrt(eps sigma^2 / 2) of w_LS
    (the transient exp(-n eps l_min) is below 1e-4 here)."""
    model = get_model("rate_delta")
    values = model.resolve("demo")
    rng = np.random.default_rng(seed)
    C = covariance(seed, eigenvalues=np.linspace(2.0, 0.5, n_inputs))
    n = int(seconds * 1000.0 / DT_MS)
    x = rng.multivariate_normal(np.zeros(n_inputs), C, size=n)
    w_true = rng.normal(size=n_inputs)
    target = x @ w_true + noise * rng.normal(size=n)
    out = simulate_rates(model, values, x, DT_MS, targets=target[:, None],
                         record_every=max(1, n // 500))
    w = out["w"][0]
    w_ls = np.linalg.lstsq(x, target, rcond=None)[0]
    eps = float(values["eta"]) * DT_MS / 1000.0
    l_min = float(np.linalg.eigvalsh(C)[0])
    return {"w": w, "w_ls": w_ls, "w_true": w_true,
            "max_abs_error": float(np.max(np.abs(w - w_ls))),
            "tolerance": 5 * float(np.sqrt(eps * noise ** 2 / 2)),
            "transient": float(np.exp(-n * eps * l_min)),
            "t_ms": out["t_ms"], "w_t": out["w_t"]}


def run_all() -> dict:
    """The four demonstrations (``reproduce`` runs them for its report)."""
    return {"oja": oja_pca(), "hebb": hebb_growth(), "bcm": bcm_selectivity(),
            "delta": delta_regression()}


def key_numbers(demos: dict) -> list:
    """What each demonstration measured against what theory predicts, with its tolerance."""
    o, h, b, d = demos["oja"], demos["hebb"], demos["bcm"], demos["delta"]
    return [
        {"demo": "Oja: angle to the leading eigenvector (deg)", "measured": o["angle_deg"],
         "expected": 0.0, "tolerance": o["tolerance_deg"]},
        {"demo": "Oja: |w|", "measured": o["norm"], "expected": 1.0,
         "tolerance": o["norm_tolerance"]},
        {"demo": "Hebb with decay: growth rate of |w| (1/s)", "measured": h["rate"],
         "expected": h["expected"], "tolerance": h["tolerance"]},
        {"demo": "BCM: preferred response", "measured": float(max(b["responses"])),
         "expected": b["expected_preferred"], "tolerance": b["tolerance"]},
        {"demo": "BCM: other response", "measured": float(sorted(b["responses"])[0]),
         "expected": 0.0, "tolerance": b["tolerance"]},
        {"demo": "delta rule: max |w - w_LS|", "measured": d["max_abs_error"], "expected": 0.0,
         "tolerance": d["tolerance"]},
    ]
