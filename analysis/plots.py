"""Comparison plots (PNG and SVG): model vs data, models on one protocol, backends of one model."""
from __future__ import annotations

import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from plasticity.models.core import PlasticityError  # noqa: E402
from plasticity.protocols.base import load_datasets  # noqa: E402

from .load import label_of  # noqa: E402
from .metrics import backend_difference, window_curve  # noqa: E402
import plasticity.protocols.wang_2005 as wang

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
        # the model's closed-form read-out where it has one (Graupner-Brunel: the Gaussian
        # approximation), beside the simulated population
        an = sorted((c[xvar], c["dw_analytic_percent"]) for c in r["conditions"]
                    if xvar in c and c.get("dw_analytic_percent") is not None)
        if an:
            ax.plot([a[0] for a in an], [a[1] for a in an], "--", lw=1.2, color="k",
                    label="analytical (Gaussian approx.)" if panels or k == 0 else None)
            if panels and k == 0:
                ax.legend(fontsize=6)
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


def _arr(c, key):
    return np.asarray(c[key], float)


def plot_reward_delay(results, out, title=None):
    """Izhikevich 2007: dw(d)/dw(0) against the reward delay d, one marker set per backend,
    with the eligibility trace exp(-d / tau_c) it must follow."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, r in enumerate(results):
        pts = sorted((c["reward_delay_s"], float(c["dw_over_dw_at_0"]),
                      float(c["eligibility_prediction"]), float(c["closed_form_ratio"]))
                     for c in r["conditions"])
        d = np.array([p[0] for p in pts], float)
        if k == 0:
            ax.plot(d, [p[3] for p in pts], color="0.4", lw=3, alpha=0.5,
                    label="closed form (eligibility trace and tonic term)")
            tau_c = -d[-1] / np.log(pts[-1][2]) if pts[-1][2] > 0 else 1.0
            dd = np.linspace(0.0, d.max(), 200)
            ax.plot(dd, np.exp(-dd / tau_c), "k:", lw=1,
                    label=f"eligibility trace alone exp(−d/τc), τc = {tau_c:.4g} s")
        ax.plot(d, [p[1] for p in pts], ["o", "s", "^"][k % 3], mfc="none", ms=7 + 2 * k,
                label=label_of(r))
    if len(results) > 1:
        d = backend_difference(results)
        ax.text(0.35, 0.75, f"largest difference between backends:\n|ΔΔw| = "
                f"{d['max_abs_dw_percent']:.1e} %-points", transform=ax.transAxes, fontsize=8)
    ax.set_xlabel("reward delay d (s)")
    ax.set_ylabel("Δw(d) / Δw(0)")
    ax.set_title(title or "reward-modulated STDP: weight change against reward delay", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return _save(fig, out)


def plot_reward_network(result, out, title=None):
    """Izhikevich 2007 network: the rewarded synapse against the others, reward times, final
    weight histogram."""
    c = result["conditions"][0]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [2, 1]})
    ax = axes[0]
    ax.plot(_arr(c, "rewarded_w_t_s") / 60, _arr(c, "rewarded_w"), color="C3",
            label="rewarded synapse")
    ax.plot(_arr(c, "others_mean_t_s") / 60, _arr(c, "others_mean"), color="C0",
            label="mean of the other excitatory synapses")
    edges = _arr(c, "histogram_edges")
    rt = np.atleast_1d(_arr(c, "reward_times_s")) / 60
    ax.plot(rt, np.full(rt.shape, -0.04 * edges[-1]), "|", color="k", ms=8,
            label=f"rewards ({len(rt)})")
    ax.set_xlabel("time (min)")
    ax.set_ylabel("weight (input current per spike, model units)")
    ax.legend(fontsize=7)
    ax = axes[1]
    ax.bar(edges[:-1], c["histogram_counts"], width=np.diff(edges), align="edge", color="C0",
           edgecolor="white")
    ax.axvline(float(c["rewarded_w_final"]), color="C3", label="rewarded synapse")
    ax.set_yscale("log")
    ax.set_xlabel("final weight")
    ax.set_ylabel("synapses")
    ax.set_title(f"rewarded synapse above {float(c['rewarded_rank_percentile']):.1f} % of the "
                 "others", fontsize=8)
    ax.legend(fontsize=7)
    fig.suptitle(title or label_of(result), fontsize=10)
    fig.tight_layout()
    return _save(fig, out)


def plot_vogels(result, out, title=None):
    """Vogels 2011: output rate per block against rho0, E and I currents per block, final
    inhibitory weight per signal group beside the excitatory tuning."""
    c = result["conditions"][0]
    t = _arr(c, "block_times_s")
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ax = axes[0]
    ax.plot(t, _arr(c, "output_rate_hz"), "-o", ms=2, label="output rate")
    ax.axhline(float(c["target_rate_hz"]), color="k", ls=":", label="ρ0 = α / (2τ)")
    ax.set_yscale("log")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("rate per 1.5 s block (Hz)")
    ax.legend(fontsize=7)
    ax = axes[1]
    ax.plot(t, _arr(c, "exc_current_nA"), color="C3", label="excitatory")
    ax.plot(t, _arr(c, "inh_current_nA"), color="C0", label="inhibitory + leak")
    ax.plot(t, _arr(c, "exc_current_nA") - _arr(c, "inh_current_nA"), color="0.4", lw=0.8,
            label="net")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("mean current per block (nA)")
    ax.legend(fontsize=7)
    ax = axes[2]
    g = np.arange(1, len(c["exc_weight_per_group"]) + 1)
    ax.plot(g, _arr(c, "exc_weight_per_group"), "-o", color="C3", label="excitatory (fixed)")
    ax.plot(g, _arr(c, "inh_weight_per_group_initial"), ":", color="C0",
            label="inhibitory, start")
    ax.plot(g, _arr(c, "inh_weight_per_group"), "-s", color="C0", label="inhibitory, end")
    ax.set_xlabel("signal group")
    ax.set_ylabel("mean weight (units of g_bar)")
    ax.set_title(f"E/I tuning correlation {float(c['exc_inh_tuning_correlation']):.2f}",
                 fontsize=8)
    ax.legend(fontsize=7)
    fig.suptitle(title or label_of(result), fontsize=10)
    fig.tight_layout()
    return _save(fig, out)


def plot_stochastic(results, out, title=None):
    """Stochastic release: mean and variance of released quanta per spike of the train, per
    result (model x backend), with the deterministic Tsodyks–Markram / binomial predictions."""
    models = sorted({r["meta"]["model"] for r in results})
    fig, axes = plt.subplots(len(models), 2, figsize=(11, 3.6 * len(models)), squeeze=False)
    for row, m in enumerate(models):
        chosen = [r for r in results if r["meta"]["model"] == m]
        for col, (key, sem, pred, lab) in enumerate((
                ("mean_released", "sem_mean", "predicted_mean", "mean released quanta"),
                ("var_released", "sem_var", "predicted_var", "variance of released quanta"))):
            ax = axes[row, col]
            for k, r in enumerate(chosen):
                c = r["conditions"][0]
                x = np.arange(1, len(c[key]) + 1) + 0.12 * (k - (len(chosen) - 1) / 2)
                ax.errorbar(x, _arr(c, key), yerr=_arr(c, sem), fmt="os"[k % 2], ms=4,
                            capsize=2, label=f"{r['meta']['backend']} ({int(c['trials'])} "
                                             "trials)")
                if k == 0:
                    ax.plot(np.arange(1, len(c[pred]) + 1), _arr(c, pred), "-", color="0.4",
                            label="prediction (TM efficacy; binomial)")
            ax.set_xlabel("spike in the 20 Hz train")
            ax.set_ylabel(lab + " (± SE)")
            ax.set_title(f"{m}[{chosen[0]['meta']['parameter_set']}]", fontsize=8)
            ax.legend(fontsize=7)
    fig.suptitle(title or "stochastic release", fontsize=10)
    fig.tight_layout()
    return _save(fig, out)


def plot_scaling(results, out, title=None):
    """Homeostatic scaling: output and sensor rate against the target with the input-rate
    phases, the common scale factor, and w_final against w_initial (a line through 0 when
    ratios are preserved); one row per result."""
    fig, axes = plt.subplots(len(results), 3, figsize=(15, 3.8 * len(results)), squeeze=False)
    for row, r in enumerate(results):
        c = r["conditions"][0]
        ph, rates = float(c["phase_s"]), _arr(c, "input_rates_hz")
        ax = axes[row, 0]
        tb = _arr(c, "bin_times_s")
        width = tb[0] if tb.size else 1.0
        ax.step(tb, _arr(c, "output_rate_hz"), where="pre", color="C0",
                label=f"output rate ({width:g} s bins)")
        ax.plot(_arr(c, "sample_times_s"), _arr(c, "sensor_rate_hz"), color="C1", lw=0.8,
                label="sensor e·r_target (synapse 0)")
        ax.axhline(float(c["target_rate_hz"]), color="k", ls=":", label="target")
        for k, ri in enumerate(rates):
            ax.axvspan(k * ph, (k + 1) * ph, color=f"C{k + 2}", alpha=0.08)
            ax.text((k + 0.5) * ph, 0.95, f"input {ri:g} Hz", ha="center", va="top",
                    transform=ax.get_xaxis_transform(), fontsize=7)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("rate (Hz)")
        ax.legend(fontsize=7, loc="center right")
        ax = axes[row, 1]
        ax.plot(_arr(c, "sample_times_s"), _arr(c, "scale_factor"), color="C2")
        ax.set_yscale("log")
        ax.set_xlabel("time (s)")
        ax.set_ylabel("scale factor w_i(t)/w_i(0) (median)")
        ax.set_title(f"max spread across synapses {float(c['final_ratio_spread']):.1e}",
                     fontsize=8)
        ax = axes[row, 2]
        w0, w1 = _arr(c, "weights_initial"), _arr(c, "weights_final")
        ax.plot(w0, w1, ".", ms=2)
        xs = np.array([0.0, w0.max()])
        ax.plot(xs, float(c["final_scale_factor"]) * xs, "k:", lw=0.8,
                label=f"w = {float(c['final_scale_factor']):.3f} w_initial")
        ax.set_xlabel("initial weight")
        ax.set_ylabel("final weight")
        ax.set_title(label_of(r), fontsize=8)
        ax.legend(fontsize=7)
    fig.suptitle(title or "homeostatic synaptic scaling", fontsize=10)
    fig.tight_layout()
    return _save(fig, out)


def plot_clopath_fig2b(results, out, title=None):
    """Clopath 2010 Fig. 2b: Δw against pairing frequency for Δt = +10 and -10 ms: Sjöström's
    data, the authors' code (1 ms and 0.1 ms) and the package (each set and backend)."""
    from plasticity.protocols.base import load_datasets
    data = load_datasets()["sjostrom2001_frequency_dependence"]["points"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    refs = next((r for r in results if any("ref_code_1ms" in c for c in r["conditions"])),
                None)
    for ax, lag in zip(axes, (10.0, -10.0)):
        pts = [p for p in data if float(p["condition"]["dt_ms"]) == lag]
        ax.errorbar([float(p["condition"]["freq_Hz"]) for p in pts],
                    [p["dw_percent"] for p in pts], [p["sem"] for p in pts], fmt="ks",
                    capsize=3, label="Sjöström 2001 (mean ± SEM)")
        if refs is not None:
            cs = [c for c in refs["conditions"] if float(c["dt_ms"]) == lag]
            f = [float(c["freq_hz"]) for c in cs]
            ax.plot(f, [c["ref_code_1ms"] for c in cs], "o-", color="0.3", lw=2,
                    label="authors' code, 1 ms")
            ax.plot(f, [c["ref_code_0.1ms"] for c in cs], "o--", color="0.6",
                    label="authors' code, 0.1 ms")
        for k, r in enumerate(results):
            cs = [c for c in r["conditions"] if float(c["dt_ms"]) == lag]
            ax.plot([float(c["freq_hz"]) for c in cs], [c["dw_percent"] for c in cs],
                    "^:" if r["meta"]["backend"] != "brian2" else "v-", color=f"C{k}",
                    label=f"package [{r['meta']['parameter_set']}] {r['meta']['backend']}")
        ax.axhline(0, color="0.8", lw=0.8)
        ax.set_xlabel("pairing frequency ρ (Hz)")
        ax.set_title(f"Δt = {lag:+g} ms")
    axes[0].set_ylabel("Δw (%)")
    axes[1].legend(fontsize=7, loc="upper left")
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, out)


def plot_nengo(results, out, title=None):
    """The package's rate rules against Nengo's: each weight over time on both (left), and the
    absolute difference (right), per rule."""
    fig, axes = plt.subplots(len(results), 2, figsize=(11, 3.2 * len(results)), squeeze=False)
    for row, r in zip(axes, results):
        c = r["conditions"][0]
        t = _arr(c, "t_s")
        n = int(c["n_weights"])
        wp = np.column_stack([_arr(c, f"w_package_{k}") for k in range(n)])
        wn = np.column_stack([_arr(c, f"w_nengo_{k}") for k in range(n)])
        for k in range(wp.shape[1]):
            row[0].plot(t, wp[:, k], color=f"C{k}", lw=2, alpha=0.6,
                        label="package (brian2)" if k == 0 else None)
            row[0].plot(t, wn[:, k], "--", color="k", lw=0.8, label="Nengo" if k == 0 else None)
        row[0].set_title(f"{r['meta']['model']} [{r['meta']['parameter_set']}]", fontsize=9)
        row[0].set_xlabel("time (s)")
        row[0].set_ylabel("w")
        row[0].legend(fontsize=7)
        row[1].semilogy(t, np.maximum(np.abs(wp - wn).max(axis=1), 1e-18), color="C3")
        row[1].axhline(float(c["tolerance"]), color="0.5", ls=":", label="tolerance")
        row[1].set_xlabel("time (s)")
        row[1].set_ylabel("max |w_package - w_nengo|")
        row[1].legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, out)


def plot_connectivity(results, out, title=None):
    """Clopath 2010 connectivity: the learned weight matrix of each code (rows: one per result),
    and the symmetry index of ΔW over time."""
    fig, axes = plt.subplots(len(results), 3, figsize=(13, 3.8 * len(results)), squeeze=False)
    for row, r in zip(axes, results):
        for ax, c in zip(row[:2], r["conditions"]):
            n = int(round(np.sqrt(len(c["matrix"]))))
            W = np.asarray(c["matrix"], float).reshape(n, n)
            im = ax.imshow(W, vmin=0, vmax=float(c["w_max_mV"]), cmap="viridis")
            ax.set_title(f"{c['code']} ({r['meta']['backend']}): s(ΔW) = "
                         f"{float(c['symmetry_dW']):.2f}", fontsize=9)
            ax.set_xlabel("postsynaptic neuron")
            ax.set_ylabel("presynaptic neuron")
            fig.colorbar(im, ax=ax, label="w (mV)", fraction=0.046)
        for c in r["conditions"]:
            row[2].plot(_arr(c, "t_s"), _arr(c, "symmetry_dW_t"), label=c["code"])
        row[2].set_xlabel("time (s)")
        row[2].set_ylabel("symmetry index of ΔW")
        row[2].set_ylim(-1.05, 1.05)
        row[2].axhline(0, color="0.8", lw=0.8)
        row[2].legend(fontsize=7)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, out)


def plot_assemblies(results, out, title=None):
    """Assemblies: the mean E->E weight between the stimulated groups and the rest at the end,
    the within / between ratio over time, and the excitatory population rate (phases marked)."""
    fig, axes = plt.subplots(len(results), 3, figsize=(14, 3.8 * len(results)), squeeze=False)
    for row, r in zip(axes, results):
        c = r["conditions"][0]
        M = np.asarray(c["matrix_groups"], float)
        k = int(round(np.sqrt(len(M))))
        im = row[0].imshow(M.reshape(k, k), cmap="viridis")
        labels = [f"A{g}" for g in range(k - 1)] + ["rest"]
        row[0].set_xticks(range(k), labels)
        row[0].set_yticks(range(k), labels)
        row[0].set_xlabel("postsynaptic group")
        row[0].set_ylabel("presynaptic group")
        row[0].set_title(f"{r['meta']['backend']}: mean E→E weight (nS), end", fontsize=9)
        fig.colorbar(im, ax=row[0], fraction=0.046)
        ends = np.asarray(c["phase_end_s"], float)
        for ax in row[1:]:
            for e in ends[:-1]:
                ax.axvline(e, color="0.7", ls=":")
        row[1].plot(_arr(c, "t_s"), _arr(c, "ratio_within_between_t"), color="C3")
        row[1].set_xlabel("time (s)  (phases: warm-up | training | recall | completion)")
        row[1].set_ylabel("within / between weight")
        row[2].plot(_arr(c, "rate_t_s"), _arr(c, "rate_e_hz_t"), color="C0", lw=0.8)
        row[2].set_xlabel("time (s)")
        row[2].set_ylabel("excitatory rate (Hz)")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, out)


def _vec(c, key):
    """A per-condition list as a 1-d array (a one-element list comes back from NIX as a
    scalar)."""
    return np.atleast_1d(np.asarray(c.get(key, []), float))


def _rf_grid(W, side=8, cols=None):
    """Receptive fields (n, side*side) tiled into one image (NaN between tiles)."""
    n = len(W)
    cols = cols or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    img = np.full((rows * (side + 1), cols * (side + 1)), np.nan)
    for k, w in enumerate(W):
        r, c = divmod(k, cols)
        img[r * (side + 1):r * (side + 1) + side, c * (side + 1):c * (side + 1) + side] = \
            np.asarray(w).reshape(side, side)
    return img


def plot_digits(results, out, title=None):
    """Digits (Diehl & Cook): the learned receptive fields, the online learning curve, and the
    held-out accuracy against the baselines, one row per result."""
    fig, axes = plt.subplots(len(results), 3, figsize=(14, 4.2 * len(results)), squeeze=False)
    for row, r in zip(axes, results):
        c = r["conditions"][0]
        W = _vec(c, "receptive_fields").reshape(-1, 64)
        shown = W[:100]
        row[0].imshow(_rf_grid(shown), cmap="hot_r", interpolation="nearest")
        row[0].set_axis_off()
        row[0].set_title(f"{r['meta']['backend']}: receptive fields "
                         f"({len(shown)} of {len(W)} neurons)", fontsize=9)
        x = _vec(c, "checkpoint_images")
        if len(x):
            row[1].plot(x, _vec(c, "checkpoint_accuracy"), "o-", ms=4, label="STDP (frozen "
                        "snapshots)")
            row[1].axhline(float(c["baseline_accuracy"]), color="0.5", ls="--",
                           label="plasticity off, end")
        row[1].set_xlabel("training images presented")
        row[1].set_ylabel("held-out accuracy")
        row[1].set_ylim(0, 1)
        row[1].legend(fontsize=8)
        names = ["STDP", "plasticity off", "logistic\nregression"]
        vals = [float(c["learned_accuracy"]), float(c["baseline_accuracy"]),
                float(c["logistic_regression_accuracy"])]
        row[2].bar(names, vals, color=["C0", "0.6", "C2"])
        for k, v in enumerate(vals):
            row[2].text(k, v + 0.01, f"{v:.3f}", ha="center", fontsize=8)
        row[2].set_ylim(0, 1.08)
        row[2].set_ylabel("held-out accuracy")
        row[2].set_title(f"ARI: network {float(c['learned_ari']):.3f}, k-means "
                         f"{float(c['kmeans_ari']):.3f}", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, out)


def plot_conv_stdp(results, out, title=None):
    """Convolutional STDP: the kernels before and after learning, and the read-out accuracy."""
    fig, axes = plt.subplots(len(results), 3, figsize=(13, 4 * len(results)), squeeze=False)
    for row, r in zip(axes, results):
        c = r["conditions"][0]
        for ax, key, what in ((row[0], "kernels_initial", "initial (random)"),
                              (row[1], "kernels", "after STDP")):
            K = _vec(c, key).reshape(-1, 25)
            ax.imshow(_rf_grid(K, side=5), cmap="gray_r", vmin=0, vmax=1,
                      interpolation="nearest")
            ax.set_axis_off()
            ax.set_title(f"{len(K)} kernels, {what}", fontsize=9)
        names = ["STDP\nkernels", "random\nkernels", "raw\npixels"]
        vals = [float(c["accuracy_stdp"]), float(c["accuracy_random"]),
                float(c["accuracy_pixels"])]
        row[2].bar(names, vals, color=["C0", "0.6", "C2"])
        for k, v in enumerate(vals):
            row[2].text(k, v + 0.01, f"{v:.3f}", ha="center", fontsize=8)
        row[2].set_ylim(0, 1.08)
        row[2].set_ylabel("held-out accuracy, linear read-out")
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, out)


def plot_reservoir(results, out, title=None):
    """Mackey-Glass: the test signal and both read-outs' predictions, and the online read-out's
    test error during training against the ridge read-out's."""
    fig, axes = plt.subplots(len(results), 2, figsize=(13, 3.8 * len(results)), squeeze=False)
    for row, r in zip(axes, results):
        c = r["conditions"][0]
        y = _vec(c, "test_target")
        row[0].plot(y, color="k", lw=1.2, label="target")
        row[0].plot(_vec(c, "test_ridge"), color="C2", lw=0.9, ls="--",
                    label=f"ridge (NRMSE {float(c['nrmse_ridge']):.3f})")
        row[0].plot(_vec(c, "test_online"), color="C0", lw=0.9,
                    label=f"delta rule (NRMSE {float(c['nrmse_online']):.3f})")
        row[0].set_xlabel("test sample")
        row[0].set_ylabel("series (standardised)")
        row[0].legend(fontsize=8)
        row[1].semilogy(_vec(c, "curve_samples"), _vec(c, "curve_nrmse"), color="C0",
                        label="delta rule (rate_delta, Brian2)")
        row[1].axhline(float(c["nrmse_ridge"]), color="C2", ls="--", label="ridge")
        row[1].axhline(float(c["nrmse_persistence"]), color="0.5", ls=":",
                       label="persistence")
        row[1].set_xlabel("training samples presented (all passes)")
        row[1].set_ylabel("test NRMSE")
        row[1].legend(fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, out)


def plot_reward_learning(results, out, title=None):
    """Instrumental conditioning: rewarded choices per block (reversal marked) for dopamine
    STDP and for plasticity off, and the mean weights onto A and B."""
    fig, axes = plt.subplots(len(results), 2, figsize=(13, 3.8 * len(results)), squeeze=False)
    for row, r in zip(axes, results):
        c = r["conditions"][0]
        B = int(c["block_trials"])
        blocks = _vec(c, "learning_block_correct")
        x = (np.arange(len(blocks)) + 1) * B
        n = len(_vec(c, "rewarded_group"))
        for ax in row:
            ax.axvline(n / 2, color="0.6", ls=":")
        row[0].plot(x, blocks, "o-", ms=3, label="dopamine STDP")
        row[0].plot(x, _vec(c, "static_block_correct"), "s-", ms=3, color="0.5",
                    label="plasticity off")
        row[0].axhline(0.5, color="0.8", lw=0.8)
        row[0].set_ylim(-0.02, 1.02)
        row[0].set_xlabel("trial (A rewarded | B rewarded)")
        row[0].set_ylabel(f"rewarded choices per {B} trials")
        row[0].set_title(r["meta"]["backend"], fontsize=9)
        row[0].legend(fontsize=8)
        wA, wB = _vec(c, "learning_wA_t"), _vec(c, "learning_wB_t")
        xw = (np.arange(len(wA)) + 1) * B
        row[1].plot(xw, wA, color="C3", label="S → A")
        row[1].plot(xw, wB, color="C0", label="S → B")
        row[1].set_xlabel("trial")
        row[1].set_ylabel("mean weight (pA)")
        row[1].legend(fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, out)
