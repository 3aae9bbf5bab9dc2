"""The figure registry: a protocol names a figure kind in its report declaration
(:class:`plasticity.protocols.base.Report`), and ``plasticity compare`` and ``reproduce`` both
draw it from here, so one protocol's results always get the same kind of figure.

Every entry takes ``(results, out, title, protocol, **options)``: loaded results
(:func:`plasticity.analysis.load.load_result`), the figure path (.png or .svg, the other one is
written beside it), a title (None: the plot's own) and the protocol's name.
"""
from __future__ import annotations

from plasticity.models import get_model
from plasticity.models.core import PlasticityError
from plasticity.protocols import get_protocol

from . import plots
from .load import load_summary
from .metrics import backend_difference, efficacy_difference


def _clamp_thresholds(results):
    """The Clopath thresholds θ₋, θ₊ (mV) of the first result's parameter set."""
    from brian2 import mV
    meta = results[0]["meta"]
    v = get_model(meta["model"]).resolve(meta["parameter_set"])
    return [("theta_-", float(v["theta_minus"] / mV)), ("theta_+", float(v["theta_plus"] / mV))]


FIGURES = {
    "window": lambda rs, out, title, p, annotate_backend_diff=False: plots.plot_window(
        rs, out, get_protocol(p).datasets, title, annotate_backend_diff=annotate_backend_diff),
    "stp": lambda rs, out, title, p, annotate_backend_diff=False: plots.plot_stp(
        rs, out, title, annotate_backend_diff=annotate_backend_diff),
    "frequency": lambda rs, out, title, p, **_: plots.plot_frequency(rs, out, title),
    "wang": lambda rs, out, title, p, **_: plots.plot_wang(rs, out, title),
    "clamp": lambda rs, out, title, p, **_: plots.plot_clamp(rs, out, title,
                                                              _clamp_thresholds(rs)),
    "reward_delay": lambda rs, out, title, p, **_: plots.plot_reward_delay(rs, out, title),
    "reward_network": lambda rs, out, title, p, **_: plots.plot_reward_network(rs[0], out, title),
    "clopath_fig2b": lambda rs, out, title, p, **_: plots.plot_clopath_fig2b(rs, out, title),
    "nengo": lambda rs, out, title, p, **_: plots.plot_nengo(rs, out, title),
    "connectivity": lambda rs, out, title, p, **_: plots.plot_connectivity(rs, out, title),
    "assemblies": lambda rs, out, title, p, **_: plots.plot_assemblies(rs, out, title),
    "digits": lambda rs, out, title, p, **_: plots.plot_digits(rs, out, title),
    "conv_stdp": lambda rs, out, title, p, **_: plots.plot_conv_stdp(rs, out, title),
    "reservoir": lambda rs, out, title, p, **_: plots.plot_reservoir(rs, out, title),
    "reward_learning": lambda rs, out, title, p, **_: plots.plot_reward_learning(rs, out,
                                                                                 title),
    "vogels": lambda rs, out, title, p, **_: plots.plot_vogels(rs[0], out, title),
    "stochastic": lambda rs, out, title, p, **_: plots.plot_stochastic(rs, out, title),
    "scaling": lambda rs, out, title, p, **_: plots.plot_scaling(rs, out, title),
    "song": lambda rs, out, title, p, **_: plots.plot_song(rs, out, title),
    "curves_with_sem": lambda rs, out, title, p, xvar, xlabel, logx=False, **_:
        plots.plot_curves_with_sem(rs, out, xvar, xlabel, title, logx=logx),
    "final_weights": lambda rs, out, title, p, **_: plots.plot_final_weights(rs, out),
}


def draw(kind, results, out, title, protocol, **options):
    """Draw figure ``kind`` of the registry; returns the paths written."""
    if kind not in FIGURES:
        raise PlasticityError(f"no figure kind '{kind}' (known: {', '.join(FIGURES)})")
    return FIGURES[kind](results, out, title, protocol, **options)


def figure_kind(protocol_name, results) -> str:
    """The kind a protocol's results are drawn with: its declared figure (one model and set
    across backends), else its group figure, else Δw against Δt where every condition has one,
    else the final weights per condition."""
    try:
        report = get_protocol(protocol_name).report
    except PlasticityError:          # a file written by another version of the package
        report = None
    if report is not None and report.figure:
        return report.figure
    if report is not None and report.group_figure:
        return report.group_figure
    if all(all("dt_ms" in c for c in r["conditions"]) for r in results):
        return "window"
    return "final_weights"


def compare_files(files, out):
    """``plasticity compare``: plot several NIX results of one protocol together, with the
    figure the protocol declares (the same as ``reproduce`` draws)."""
    results = [load_summary(f) for f in files]
    protocols = {r["meta"]["protocol"] for r in results}
    if len(protocols) > 1:
        raise PlasticityError(f"compare needs results of one protocol, got {sorted(protocols)}")
    protocol = protocols.pop()
    same_model = len({(r["meta"]["model"], r["meta"]["parameter_set"]) for r in results}) == 1
    kind = figure_kind(protocol, results)
    paths = draw(kind, results, out, None, protocol,
                 annotate_backend_diff=same_model and len(results) > 1)
    lines = [f"wrote {', '.join(paths)}"]
    try:
        report = get_protocol(protocol).report
    except PlasticityError:
        report = None
    if report is not None and not report.backend_difference and report.key_numbers:
        # statistics of a network run: its numbers side by side, not a synapse-wise difference
        for r in results:
            m = r["meta"]
            for row in report.key_numbers(m["model"], m["parameter_set"], {m["backend"]: r}):
                lines.append(f"{m['backend']}: {row['quantity']}: {row['measured']:.4g}")
        return "\n".join(lines)
    stp = all("efficacies_pA" in c for r in results for c in r["conditions"])
    if same_model and len(results) > 1 and stp:      # short-term plasticity: w never changes
        d = efficacy_difference(results)
        lines.append(f"largest difference of the per-spike efficacies: {d['max_abs_pA']:.3e} "
                     f"pA, relative {d['max_rel']:.3e} (condition {d['worst_condition']})")
    elif same_model and len(results) > 1:
        d = backend_difference(results)
        lines.append(f"largest difference: |ΔΔw| = {d['max_abs_dw_percent']:.3e} %, relative "
                     f"{d['max_rel_w_final']:.3e} (condition {d['worst_condition']})")
    return "\n".join(lines)
