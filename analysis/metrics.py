"""Measures on results: Δw %, STDP window fit, errors against data, backend differences."""
from __future__ import annotations

import numpy as np


def window_curve(result: dict, kind: str | None = None):
    """(dt_ms, dw_percent) sorted by dt, for conditions carrying ``dt_ms``."""
    pts = [(c["dt_ms"], c["dw_percent"]) for c in result["conditions"]
           if "dt_ms" in c and (kind is None or c.get("kind") == kind)]
    pts.sort()
    return np.array([p[0] for p in pts]), np.array([p[1] for p in pts])


def fit_window(dt, dw):
    """Fit Δw%(Δt) = A+ exp(-Δt/τ+) for Δt > 0 and -A- exp(Δt/τ-) for Δt < 0.

    Returns {'A_plus', 'tau_plus', 'A_minus', 'tau_minus', 'rms_residual'} (A in %, τ in ms);
    a side with fewer than 3 points or a failed fit gives NaN.
    """
    from scipy.optimize import curve_fit
    out = {}
    resid = []
    for side, sign, sel in (("plus", 1.0, dt > 0), ("minus", -1.0, dt < 0)):
        x, y = np.abs(dt[sel]), sign * dw[sel]
        if x.size < 3:
            out[f"A_{side}"] = out[f"tau_{side}"] = float("nan")
            continue
        f = lambda t, a, tau: a * np.exp(-t / tau)
        try:
            p0 = (max(y.max(), 1e-6), max(float(np.median(x)), 1.0))
            (a, tau), _ = curve_fit(f, x, y, p0=p0, maxfev=10000)
            out[f"A_{side}"], out[f"tau_{side}"] = float(a), float(tau)
            resid.append(y - f(x, a, tau))
        except (RuntimeError, ValueError):
            out[f"A_{side}"] = out[f"tau_{side}"] = float("nan")
    out["rms_residual"] = float(np.sqrt(np.mean(np.concatenate(resid) ** 2))) if resid else \
        float("nan")
    return out


def nmse(model, data, sem):
    """Normalised mean squared error mean(((model - data)/sem)^2); NaN if any sem is missing."""
    model, data = np.asarray(model, float), np.asarray(data, float)
    sem = np.asarray([np.nan if s is None else s for s in sem], float)
    if sem.size == 0 or np.any(~np.isfinite(sem)) or np.any(sem <= 0):
        return float("nan")
    return float(np.mean(((model - data) / sem) ** 2))


def rmse(model, data):
    model, data = np.asarray(model, float), np.asarray(data, float)
    return float(np.sqrt(np.mean((model - data) ** 2)))


def model_at_data(result: dict, points, dt_grid=0.1):
    """Model Δw % at each data point's Δt (the condition at that Δt rounded to the grid)."""
    by_dt = {round(c["dt_ms"], 6): c["dw_percent"] for c in result["conditions"] if "dt_ms" in c}
    out = []
    for p in points:
        dt = round(round(p["condition"]["dt_ms"] / dt_grid) * dt_grid, 6)
        out.append(by_dt.get(dt, np.nan))
    return np.asarray(out, float)


def compare_to_dataset(result: dict, dataset: dict) -> dict:
    pts = dataset["points"]
    model = model_at_data(result, pts)
    data = np.array([p["dw_percent"] for p in pts], float)
    sems = [p.get("sem") for p in pts]
    return {"n": len(pts), "nmse": nmse(model, data, sems), "rmse_percent": rmse(model, data),
            "has_sem": all(s is not None for s in sems)}


def backend_difference(results: list[dict]) -> dict:
    """Largest differences between results of the same protocol on different backends:
    max |Δw% difference| and max relative |w_final difference| over common conditions."""
    ref = results[0]
    ref_w = {c["label"]: c for c in ref["conditions"]}
    max_dw, max_rel, worst = 0.0, 0.0, None
    for other in results[1:]:
        for c in other["conditions"]:
            r = ref_w.get(c["label"])
            if r is None:
                continue
            d = abs(c["dw_percent"] - r["dw_percent"])
            scale = max(abs(r["w_final"]), 1e-300)
            rel = abs(c["w_final"] - r["w_final"]) / scale
            for key in ("efficacies_pA",):
                if key in c and key in r and len(c[key]) == len(r[key]) and len(c[key]):
                    rel = max(rel, float(np.max(np.abs(np.asarray(c[key]) - r[key]) /
                                                np.maximum(np.abs(r[key]), 1e-300))))
            if d > max_dw or rel > max_rel:
                worst = c["label"]
            max_dw, max_rel = max(max_dw, d), max(max_rel, rel)
    return {"max_abs_dw_percent": max_dw, "max_rel_w_final": max_rel, "worst_condition": worst}


def efficacy_difference(results: list[dict]) -> dict:
    """Short-term plasticity results of one protocol on several backends: the largest
    difference of the per-spike efficacies (pA), absolute and relative to the first result's,
    over common conditions."""
    ref = {c["label"]: np.asarray(c["efficacies_pA"], float) for c in results[0]["conditions"]}
    max_abs, max_rel, worst = 0.0, 0.0, None
    for other in results[1:]:
        for c in other["conditions"]:
            r = ref.get(c["label"])
            e = np.asarray(c["efficacies_pA"], float)
            if r is None or len(r) != len(e) or not len(e):
                continue
            d = np.abs(e - r)
            rel = float(np.max(d / np.maximum(np.abs(r), 1e-300)))
            if float(d.max()) > max_abs or rel > max_rel:
                worst = c["label"]
            max_abs, max_rel = max(max_abs, float(d.max())), max(max_rel, rel)
    return {"max_abs_pA": max_abs, "max_rel": max_rel, "worst_condition": worst}


def compare_points(result: dict, dataset: dict, point_label, select=None) -> dict:
    """NMSE / RMSE of a result against a dataset whose points are matched to conditions by
    label (``point_label(point['condition'])`` is the protocol's label for that point).
    ``select(point)`` restricts the points (e.g. Pfister's ten ±10 ms points)."""
    by_label = {c["label"]: c["dw_percent"] for c in result["conditions"]}
    pts = [p for p in dataset["points"] if select is None or select(p)]
    pts = [p for p in pts if isinstance(p.get("dw_percent"), (int, float))]
    model = np.array([by_label.get(point_label(p["condition"]), np.nan) for p in pts], float)
    data = np.array([p["dw_percent"] for p in pts], float)
    sems = [p.get("sem") for p in pts]
    return {"n": len(pts), "nmse": nmse(model, data, sems), "rmse_percent": rmse(model, data),
            "has_sem": all(isinstance(s, (int, float)) for s in sems),
            "model": model.tolist(), "data": data.tolist()}
