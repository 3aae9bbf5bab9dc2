"""Comparison plots (PNG and SVG): model vs data, models on one protocol, backends of one model."""
from __future__ import annotations

import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from models.core import PlasticityError  # noqa: E402
from protocols.base import load_datasets  # noqa: E402

from .load import label_of, load_result  # noqa: E402
from .metrics import backend_difference, window_curve  # noqa: E402

DATA_STYLE = {"bipoo1998_stdp_window_digitized_A": ("o", "digitization A"),
              "bipoo1998_stdp_window_digitized_B": ("s", "digitization B")}


def _save(fig, out):
    root, ext = os.path.splitext(out)
    if ext not in (".png", ".svg"):
        raise PlasticityError(f"figure '{out}' must end in .png or .svg")
    folder = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(folder):
        raise PlasticityError(f"cannot write '{out}': folder '{folder}' does not exist")
    paths = []
    for e in (".png", ".svg"):
        tmp = f"{root}.tmp{e}"
        fig.savefig(tmp, dpi=120)
        os.replace(tmp, root + e)
        paths.append(root + e)
    plt.close(fig)
    return paths


def plot_window(results, out, datasets=(), title=None, annotate_backend_diff=False):
    """Δw % against Δt for several results; optional data points; returns figure paths."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ds = load_datasets() if datasets else {}
    for name in datasets:
        marker, lab = DATA_STYLE.get(name, ("^", name))
        pts = ds[name]["points"]
        ax.plot([p["condition"]["dt_ms"] for p in pts], [p["dw_percent"] for p in pts],
                marker, mfc="none", color="0.35", label=f"Bi & Poo 1998 ({lab})")
    styles = ["-", "--", ":", "-."]
    for k, r in enumerate(results):
        dt, dw = window_curve(r)
        ax.plot(dt, dw, styles[k % 4], lw=2 if k == 0 else 1.5, label=label_of(r))
    ax.axhline(0, color="0.7", lw=0.8)
    ax.axvline(0, color="0.7", lw=0.8)
    ax.set_xlabel("Δt = t_post − t_pre (ms)")
    ax.set_ylabel("Δw (%)")
    ax.set_title(title or "STDP window")
    if annotate_backend_diff and len(results) > 1:
        d = backend_difference(results)
        ax.text(0.02, 0.03, f"largest difference between backends: |ΔΔw| = "
                f"{d['max_abs_dw_percent']:.2e} %, relative w_final {d['max_rel_w_final']:.2e}",
                transform=ax.transAxes, fontsize=8)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return _save(fig, out)


def plot_stp(results, out, title=None, annotate_backend_diff=False):
    """PSC amplitude ratios per spike for each condition (recovery delay) and result."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    styles = ["-o", "--s", ":^", "-.d"]
    for k, r in enumerate(results):
        for j, c in enumerate(r["conditions"]):
            ratios = np.asarray(c.get("amplitude_ratios", []), float)
            if ratios.size == 0:
                continue
            lab = label_of(r) if j == 0 else None
            if j == 0:   # the train (identical in every condition)
                ax.plot(np.arange(1, ratios.size), ratios[:-1], styles[k % 4], ms=4,
                        color=f"C{k}", label=lab)
            ax.plot([ratios.size + 0.2 * j], [ratios[-1]], styles[k % 4][-1], ms=5,
                    color=f"C{k}", alpha=0.8)
    ax.set_xlabel("spike number (last markers: recovery spike after 100 ... 2000 ms)")
    ax.set_ylabel("PSC amplitude / first PSC")
    ax.set_title(title or "Tsodyks–Markram 20 Hz train")
    if annotate_backend_diff and len(results) > 1:
        d = backend_difference(results)
        ax.text(0.02, 0.03, f"largest relative difference between backends (efficacies): "
                f"{d['max_rel_w_final']:.2e}", transform=ax.transAxes, fontsize=8)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, out)


def compare_files(files, out):
    """``plasticity compare``: plot several NIX results of one protocol together."""
    results = [load_result(f) for f in files]
    protocols = {r["meta"]["protocol"] for r in results}
    if len(protocols) > 1:
        raise PlasticityError(f"compare needs results of one protocol, got {sorted(protocols)}")
    same_model = len({(r["meta"]["model"], r["meta"]["parameter_set"]) for r in results}) == 1
    stp = all(r["meta"]["model"] == "tsodyks_markram" for r in results)
    if stp:
        paths = plot_stp(results, out, annotate_backend_diff=same_model)
    else:
        ds = ("bipoo1998_stdp_window_digitized_A", "bipoo1998_stdp_window_digitized_B") \
            if protocols == {"bi_poo_1998"} else ()
        has_dt = all(any("dt_ms" in c for c in r["conditions"]) for r in results)
        if has_dt:
            paths = plot_window(results, out, ds, annotate_backend_diff=same_model)
        else:
            paths = plot_final_weights(results, out)
    lines = [f"wrote {', '.join(paths)}"]
    if same_model and len(results) > 1:
        d = backend_difference(results)
        lines.append(f"largest difference: |ΔΔw| = {d['max_abs_dw_percent']:.3e} %, relative "
                     f"{d['max_rel_w_final']:.3e} (condition {d['worst_condition']})")
    return "\n".join(lines)


def plot_final_weights(results, out):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, r in enumerate(results):
        dw = [c["dw_percent"] for c in r["conditions"]]
        ax.plot(np.arange(len(dw)), dw, "o", mfc="none" if k else None, label=label_of(r))
    ax.set_xlabel("condition")
    ax.set_ylabel("Δw (%)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, out)
