"""The report of a set of results: read the NIX files, compare backends, fit, compare with data,
collect each protocol's key numbers and draw its figures, all as the protocols declare
(:class:`plasticity.protocols.base.Report`); then ``summary.json`` and ``index.html``
(:mod:`.html`).  No protocol is named here."""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys

import numpy as np

from plasticity.models import MODELS, spinnaker
from plasticity.protocols import PROTOCOLS, rate_demos
from plasticity.protocols.base import load_datasets, preferred

from . import html
from .figures import draw
from .load import load_summary
from plasticity.protocols.neo_io import read_summary
from .metrics import backend_difference, compare_points, compare_to_dataset, fit_window, \
    window_curve
from .plots import plot_rate_demos

HARDWARE_BACKEND = spinnaker.FAMILY        # results run with the chip's arithmetic


def load_results(paths, workers=None):
    """The numbers of each result (:func:`plasticity.analysis.load.load_summary`: the JSON summary
    beside each NIX file, milliseconds each); where a summary is missing or stale its NIX file
    is read through Neo, in ``workers`` processes (layout 1 files took about 2 s each)."""
    workers = (os.cpu_count() or 1) if workers is None else int(workers)
    paths = list(paths)
    if all(read_summary(p) is not None for p in paths) or workers <= 1 or len(paths) < 2:
        return [load_summary(p) for p in paths]
    # forked here, from the main thread, before the pool starts its helper threads (spawned
    # where NEST runs in this process, see reproduce)
    ctx = mp.get_context("spawn" if "nest" in sys.modules else "fork")
    with ctx.Pool(min(workers, len(paths))) as pool:
        return pool.map(load_summary, paths, chunksize=1)


def literature(protocol_name, result, datasets):
    """[(dataset, subset description, comparison dict)] of one result, as the protocol
    declares its comparisons with data."""
    out = []
    for c in PROTOCOLS[protocol_name].report.literature:
        if c.needs_kind and not any(q.get("kind") == c.needs_kind for q in result["conditions"]):
            continue
        if c.point_label is None:
            cmp_ = compare_to_dataset(result, datasets[c.dataset])
        else:
            cmp_ = compare_points(result, datasets[c.dataset], c.point_label, c.select)
        out.append((c.dataset, c.subset, cmp_))
    return out


def hardware_rows(ideal: dict, chip: dict) -> dict:
    """Δw on SpiNNaker (emulated) minus ideal, per condition, in percentage points."""
    by = {c["label"]: c for c in ideal["conditions"]}
    common = [c for c in chip["conditions"] if c["label"] in by]
    d = np.asarray([c["dw_percent"] - by[c["label"]]["dw_percent"] for c in common], float)
    hw = json.loads(chip["meta"].get("hardware_json") or "{}")
    return {"n": int(len(d)), "max_abs": float(np.max(np.abs(d))) if len(d) else float("nan"),
            "mean_abs": float(np.mean(np.abs(d))) if len(d) else float("nan"),
            "worst": common[int(np.argmax(np.abs(d)))]["label"] if len(d) else "",
            "weight_lsb": hw.get("weight_lsb"), "ring_buffer_shift": hw.get("ring_buffer_shift"),
            "constants_s1615": hw.get("constants_s1615", {}),
            "spikes_merged": hw.get("spikes_merged")}


def _draw(job):
    kind, results, stem, title, protocol, options = job
    draw(kind, results, stem, title, protocol, **options)


class _Figures:
    """The figures of the report, each filed under its protocol."""

    def __init__(self, out):
        self.out = out
        self.items = []
        self.jobs = []

    def add(self, protocol, kind, stem_name, results, title, figure_title=None, role="overview",
            **options):
        """``role``: overview (across models and sets), backends (one model and set on every
        backend) or spinnaker (ideal vs on the chip).  The figure is drawn by :meth:`draw_all`."""
        stem = os.path.join(self.out, "figures", f"{stem_name}.png")
        self.jobs.append((kind, results, stem, figure_title if figure_title is not None
                          else title, protocol, options))
        self.items.append({"protocol": protocol, "title": title, "role": role,
                           "models": sorted({r["meta"]["model"] for r in results}),
                           "path": os.path.relpath(stem, self.out)})

    def draw_all(self, workers=None):
        """Draw every figure, in ``workers`` processes (each figure is independent; drawn one by
        one they were most of the report's time)."""
        workers = (os.cpu_count() or 1) if workers is None else int(workers)
        if workers <= 1 or len(self.jobs) < 2:
            for job in self.jobs:
                _draw(job)
            return
        ctx = mp.get_context("spawn" if "nest" in sys.modules else "fork")
        with ctx.Pool(min(workers, len(self.jobs))) as pool:
            pool.map(_draw, self.jobs, chunksize=1)


def _overviews(figs, p, entries):
    """The protocol's figures across models and sets (``entries``: (model, set, result))."""
    report = PROTOCOLS[p].report
    models = sorted({m for m, _, _ in entries})
    if report.group_figure:
        figs.add(p, report.group_figure, p, [r for _, _, r in entries],
                 f"{p}: {', '.join(models)}", figure_title=report.group_title)
    for ov in report.overviews:
        chosen_models = [m for m in models if ov.models is None or ov.models(m)]
        groups = [[m] for m in chosen_models] if ov.per_model else [chosen_models]
        for group in groups:
            chosen = [r for m, _, r in entries if m in group]
            if not chosen:
                continue
            fill = {"p": p, "m": group[0] if ov.per_model else ""}
            figs.add(p, ov.figure, f"{p}__{ov.name.format(**fill)}", chosen,
                     ov.title.format(**fill), **ov.options)


def write_report(out, files, demos=None, workers=None, mapping=None):
    """``files``: {(protocol, model, set, backend): NIX path}.  Writes the figures,
    ``summary.json`` and ``index.html`` under ``out``."""
    datasets = load_datasets()
    loaded = dict(zip(files, load_results(files.values(), workers)))
    groups, chips = {}, {}
    for (p, m, s, b), r in loaded.items():
        if b == HARDWARE_BACKEND:         # ideal vs chip: its own table and figures
            chips[(p, m, s)] = r
        else:
            groups.setdefault((p, m, s), {})[b] = r
    figs = _Figures(out)
    backend_figs = []
    rows, timing, lit, experiments, by_proto, tables = [], [], [], [], {}, []
    for (p, m, s), per_b in sorted(groups.items()):
        report = PROTOCOLS[p].report
        results = list(per_b.values())
        ref_b, ref = preferred(per_b)
        by_proto.setdefault(p, []).append((m, s, ref))
        diff = backend_difference(results) if len(results) > 1 and \
            report.backend_difference else None
        row = {"protocol": p, "model": m, "set": s, "backends": ", ".join(per_b),
               "max_abs_dw_percent": diff and diff["max_abs_dw_percent"],
               "max_rel_w_final": diff and diff["max_rel_w_final"]}
        if len(results) > 1 and report.figure and not report.group_figure:
            backend_figs.append((p, report.figure, f"{p}__{m}__{s}__backends", results,
                                 f"{p}: {m} [{s}] on {', '.join(per_b)}"))
        if report.key_numbers:
            experiments += report.key_numbers(m, s, per_b)
        if report.comparison_tables:
            tables += [{"protocol": p, "title": t, "header": h, "rows": r}
                       for t, h, r in report.comparison_tables(m, s, per_b)]
        if report.window_fit and MODELS[m].readout is None:
            dt, dw = window_curve(ref, "window")
            row["fit"] = fit_window(dt, dw)
        for name, subset, cmp_ in literature(p, ref, datasets):
            lit.append({"protocol": p, "model": m, "set": s, "backend": ref_b, "dataset": name,
                        "subset": subset, "n": cmp_["n"], "nmse": cmp_["nmse"],
                        "rmse_percent": cmp_["rmse_percent"]})
        if report.table:
            key, numbers = report.table
            row[key] = numbers(ref)
        rows.append(row)
        for b, r in per_b.items():
            timing.append((p, m, s, b, float(r["meta"].get("wall_time_s", float("nan")))))
    for p, entries in by_proto.items():
        _overviews(figs, p, entries)
    for p, kind, stem_name, results, title in backend_figs:
        figs.add(p, kind, stem_name, results, title, role="backends",
                 annotate_backend_diff=True)
    hardware = []
    for (p, m, s), chip in sorted(chips.items()):
        ideal = groups.get((p, m, s), {}).get("brian2")
        if ideal is None:
            continue
        row = {"protocol": p, "model": m, "set": s, **hardware_rows(ideal, chip)}
        fits = list(zip(literature(p, ideal, datasets), literature(p, chip, datasets)))
        if fits:     # the first dataset comparison of the protocol, ideal and on the chip
            (name, subset, a), (_, _, b) = fits[0]
            row.update({"dataset": f"{name}: {subset}", "rmse_ideal": a["rmse_percent"],
                        "rmse_chip": b["rmse_percent"], "nmse_ideal": a["nmse"],
                        "nmse_chip": b["nmse"]})
        hardware.append(row)
        figs.add(p, PROTOCOLS[p].report.figure, f"{p}__{m}__{s}__spinnaker", [ideal, chip],
                 f"{p}: {m} [{s}], ideal vs on SpiNNaker (sPyNNaker 7.4.1 arithmetic)",
                 role="spinnaker")
        timing.append((p, m, s, HARDWARE_BACKEND,
                       float(chip["meta"].get("wall_time_s", float("nan")))))
    demo_rows, demo_fig = [], None
    if demos is not None:
        stem = os.path.join(out, "figures", "rate_rule_demos.png")
        plot_rate_demos(demos, stem)
        demo_fig = {"title": "Rate-based rules: Oja, Hebb with decay, BCM, delta rule (brian2)",
                    "path": os.path.relpath(stem, out)}
        demo_rows = rate_demos.key_numbers(demos)
    figs.draw_all(workers)
    summary = {"rows": rows, "literature": lit, "timing": timing, "rate_demos": demo_rows,
               "experiments": experiments, "tables": tables, "spinnaker": hardware,
               "spinnaker_mapping": mapping or []}
    with open(os.path.join(out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1, default=float)
    html.write(out, summary, figs.items, demo_fig)
