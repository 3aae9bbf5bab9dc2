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


SJ_STYLE = {"sjostrom2001_frequency_dependence": ("o", "Sjöström 2001"),
            "sjostrom2001_frequency_dependence_bluebrain_digitization":
                ("s", "Sjöström 2001 (BlueBrain digitization)")}


def plot_frequency(results, out, title=None):
    """Pfister-style frequency dependence: Δw % against pairing frequency for Δt = ±10 ms,
    every result as a line, both digitizations of the data with their error bars."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    ds = load_datasets()
    for ax, dt in zip(axes, (10.0, -10.0)):
        for j, (name, (marker, lab)) in enumerate(SJ_STYLE.items()):
            pts = [p for p in ds[name]["points"] if p["condition"]["dt_ms"] == dt]
            f = np.array([p["condition"]["freq_Hz"] for p in pts], float) * (1 + 0.04 * j)
            ax.errorbar(f, [p["dw_percent"] for p in pts], [p["sem"] for p in pts], fmt=marker,
                        mfc="none", color="0.3", capsize=2, label=lab)
        for k, r in enumerate(results):
            pts = sorted((c["freq_hz"], c["dw_percent"]) for c in r["conditions"]
                         if c.get("dt_ms") == dt and "freq_hz" in c)
            ax.plot([p[0] for p in pts], [p[1] for p in pts], ["-", "--", ":", "-."][k % 4],
                    color=f"C{k % 10}", lw=1.5, label=label_of(r))
        ax.set_xscale("log")
        ax.axhline(0, color="0.7", lw=0.8)
        ax.set_xlabel("pairing frequency (Hz)")
        ax.set_title(f"Δt = {dt:+g} ms")
    axes[0].set_ylabel("Δw (%)")
    axes[1].legend(fontsize=6, loc="upper left")
    fig.suptitle(title or "Sjöström 2001 frequency dependence", fontsize=10)
    fig.tight_layout()
    return _save(fig, out)


def plot_wang(results, out, title=None):
    """Pfister-style Wang 2005 figure: bars for the pair and triplet points (data with SEM and
    every result) and the quadruplet curve Δw(T) with the three data points."""
    import protocols.wang_2005 as wang
    ds = load_datasets()["wang2005_hippocampal_triplet_quadruplet_pfister_dataset"]["points"]
    bars = [p for p in ds if p["condition"]["protocol"] != "quadruplet"]
    quads = [p for p in ds if p["condition"]["protocol"] == "quadruplet"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [2, 1]})
    n = len(results) + 1
    width = 0.8 / n
    x = np.arange(len(bars))
    ax.bar(x, [p["dw_percent"] for p in bars], width, yerr=[p["sem"] for p in bars],
           color="0.6", capsize=2, label="Wang 2005")
    for k, r in enumerate(results):
        by = {c["label"]: c["dw_percent"] for c in r["conditions"]}
        ax.bar(x + (k + 1) * width, [by.get(wang.point_label(p["condition"]), np.nan)
                                     for p in bars], width, color=f"C{k % 10}", label=label_of(r))
    names = []
    for p in bars:
        c = p["condition"]
        names.append(f"pair {c['dt_ms']:+g}" if c["protocol"] == "pair" else
                     f"{c['protocol']}\n{c['dt1_ms']:+g},{c['dt2_ms']:+g}")
    ax.set_xticks(x + 0.4 - width / 2)
    ax.set_xticklabels(names, fontsize=6, rotation=45, ha="right")
    ax.set_ylabel("Δw (%)")
    ax.axhline(0, color="0.7", lw=0.8)
    ax.legend(fontsize=6)
    bx.errorbar([p["condition"]["T_ms"] for p in quads], [p["dw_percent"] for p in quads],
                [p["sem"] for p in quads], fmt="o", color="0.3", capsize=2, label="Wang 2005")
    for k, r in enumerate(results):
        pts = sorted((c["T_ms"], c["dw_percent"]) for c in r["conditions"] if "T_ms" in c)
        for sign in (-1, 1):
            sel = [p for p in pts if np.sign(p[0]) == sign]
            bx.plot([p[0] for p in sel], [p[1] for p in sel], "-", color=f"C{k % 10}", lw=1.2)
    bx.axhline(0, color="0.7", lw=0.8)
    bx.set_xlabel("quadruplet T (ms): centre(pre-post) − centre(post-pre)")
    bx.set_title("quadruplets")
    fig.suptitle(title or "Wang 2005 pairs, triplets and quadruplets", fontsize=10)
    fig.tight_layout()
    return _save(fig, out)


def plot_song(results, out, title=None):
    """Song 2000: final weight histograms (w / w_max), one panel per result."""
    fig, axes = plt.subplots(1, len(results), figsize=(4 * len(results), 3.6), squeeze=False)
    for ax, r in zip(axes[0], results):
        c = r["conditions"][0]
        edges = np.asarray(c["histogram_edges_w_over_w_max"], float)
        ax.bar(edges[:-1], c["histogram_counts"], width=np.diff(edges), align="edge",
               color="C0", edgecolor="white")
        ax.set_title(f"{r['meta']['model']}[{r['meta']['parameter_set']}]\nbimodality "
                     f"{float(c['bimodality_coefficient']):.2f}, post "
                     f"{float(c['post_rate_last_10pct_hz']):.1f} Hz", fontsize=8)
        ax.set_xlabel("w / w_max")
    axes[0][0].set_ylabel("synapses")
    fig.suptitle(title or "Song 2000: final weight distribution", fontsize=10)
    fig.tight_layout()
    return _save(fig, out)


def plot_clamp(results, out, title=None, thresholds=()):
    """Voltage clamp: Δw % against the holding potential; ``thresholds`` [(label, mV)]."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, r in enumerate(results):
        pts = sorted((c["clamp_mV"], c["dw_percent"]) for c in r["conditions"])
        ax.plot([p[0] for p in pts], [p[1] for p in pts], ["-", "--", ":"][k % 3],
                color=f"C{k}", label=label_of(r))
    for (name, v), style in zip(thresholds, (":", "--", "-.")):
        ax.axvline(v, color="0.5", ls=style, lw=0.8, label=name)
    ax.axhline(0, color="0.7", lw=0.8)
    ax.set_xlabel("holding potential (mV)")
    ax.set_ylabel("Δw (%)")
    ax.set_title(title or "voltage clamp", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, out)


def plot_curves_with_sem(results, out, xvar, xlabel, title=None, logx=False, panels=True):
    """One panel per result (or one axis): Δw % against ``xvar`` with ± SEM where the result
    carries ``dw_sem_percent`` (population read-outs)."""
    n = len(results)
    cols = min(3, n) if panels else 1
    rows = int(np.ceil(n / cols)) if panels else 1
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
    for k, r in enumerate(results):
        ax = axes.flat[k] if panels else axes.flat[0]
        pts = sorted((c[xvar], c["dw_percent"], c.get("dw_sem_percent", 0.0))
                     for c in r["conditions"] if xvar in c)
        x, y, e = (np.array([p[i] for p in pts], float) for i in range(3))
        ax.plot(x, y, "-o", ms=3, color=f"C{k % 10 if not panels else 0}", label=label_of(r))
        if np.any(e > 0):
            ax.fill_between(x, y - e, y + e, color=f"C{k % 10 if not panels else 0}", alpha=0.25)
        ax.axhline(0, color="0.7", lw=0.8)
        if logx:
            ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Δw (%)")
        if panels:
            ax.set_title(label_of(r), fontsize=8)
    if not panels:
        axes.flat[0].legend(fontsize=7)
    for ax in list(axes.flat)[n if panels else 1:]:
        ax.axis("off")
    fig.suptitle(title or "", fontsize=10)
    fig.tight_layout()
    return _save(fig, out)


def plot_rate_demos(demos, out):
    """Four panels: Oja weights -> eigenvector, Hebb norm growth, BCM responses, delta rule."""
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    o = demos["oja"]
    ax = axes[0, 0]
    sign = np.sign(o["w"] @ o["e1"])
    for i in range(o["w_t"].shape[1]):
        ax.plot(o["t_ms"] / 1000, o["w_t"][:, i], color=f"C{i}")
        ax.axhline(sign * o["e1"][i], color=f"C{i}", ls=":", lw=0.8)
    ax.set_title(f"Oja: w -> leading eigenvector (angle {o['angle_deg']:.2f}°)", fontsize=9)
    ax.set_xlabel("time (s)")
    h = demos["hebb"]
    ax = axes[0, 1]
    ax.semilogy(h["t_s"], h["norm"])
    ax.set_title(f"Hebb with decay: |w| grows at {h['rate']:.2f}/s (theory "
                 f"{h['expected']:.2f}/s)", fontsize=9)
    ax.set_xlabel("time (s)")
    b = demos["bcm"]
    ax = axes[1, 0]
    for k in range(b["responses_t"].shape[1]):
        ax.plot(b["t_ms"] / 1000, b["responses_t"][:, k], label=f"pattern {k + 1}")
    ax.axhline(b["expected_preferred"], color="0.5", ls=":", label="K y0")
    ax.set_title(f"BCM: selectivity {b['selectivity']:.3f}", fontsize=9)
    ax.set_xlabel("time (s)")
    ax.legend(fontsize=7)
    d = demos["delta"]
    ax = axes[1, 1]
    for i in range(d["w_t"].shape[1]):
        ax.plot(d["t_ms"] / 1000, d["w_t"][:, i], color=f"C{i}")
        ax.axhline(d["w_ls"][i], color=f"C{i}", ls=":", lw=0.8)
    ax.set_title(f"delta rule -> least squares (max error {d['max_abs_error']:.1e})", fontsize=9)
    ax.set_xlabel("time (s)")
    fig.tight_layout()
    return _save(fig, out)
